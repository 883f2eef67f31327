"""Auth (keys, the loopback rule), rate limits, headers, the start-up line, the access log."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from tests.api.conftest import KEY, OTHER_KEY, free_port

from medassist.api.errors import ServiceBusyError
from medassist.api.queue import ModelQueue
from medassist.api.security import RateLimiter, load_api_keys
from medassist.errors import ConfigurationError

NOTE = "HPI: 60 yo M with cough, denies fever. HR 96."


def test_keys_bearer_and_x_api_key(make_server):
    srv = make_server(api_keys=f"clinic:{KEY}, lab:{OTHER_KEY}")
    with srv.client() as c:
        for headers in ({}, {"X-API-Key": "wrong-key-0123456789"}, {"Authorization": "Basic x"}):
            r = c.post("/v1/text/analyze", json={"text": NOTE}, headers=headers)
            assert r.status_code == 401, headers
            assert r.json()["error"] == "unauthorized" and "API key" in r.json()["message"]
            assert r.headers["www-authenticate"].startswith("Bearer")
        assert c.get("/metrics").status_code == 401
        assert c.get("/readyz").status_code == 401
        ok = c.post("/v1/text/analyze", json={"text": NOTE}, headers={"X-API-Key": KEY})
        assert ok.status_code == 200
        ok = c.get("/v1/calculators", headers={"Authorization": f"Bearer {OTHER_KEY}"})
        assert ok.status_code == 200
        # the page, its assets, the docs and liveness load without a key (the page asks it)
        for url in ("/", "/static/app.js", "/docs", "/openapi.json", "/health"):
            assert c.get(url).status_code == 200, url
        # a wrong key is refused even on a public path
        assert c.get("/health", headers={"X-API-Key": "nope-nope-nope-nope"}).status_code == 401


def test_without_keys_only_loopback_is_served(server):
    with server.client() as c:
        assert c.get("/health").status_code == 200
        # through a proxy on this machine the client is not loopback
        for header in ("X-Forwarded-For", "Forwarded"):
            r = c.get("/health", headers={header: "203.0.113.7"})
            assert r.status_code == 401 and "loopback" in r.json()["message"]


@pytest.mark.anyio
async def test_non_loopback_client_gets_401_from_the_app_itself():
    """The app object answers 401 to any other address (``uvicorn --host 0.0.0.0`` is safe)."""
    from medassist.api.main import create_app
    from medassist.config import Settings

    app = create_app(Settings(data_dir=os.environ.get("TMPDIR", "/tmp") + "/medassist-test"))
    for host, status in (("192.0.2.10", 401), ("10.1.2.3", 401), ("127.0.0.1", 200), ("::1", 200)):
        transport = httpx.ASGITransport(app=app, client=(host, 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://medassist") as c:
            r = await c.get("/health")
            assert r.status_code == status, host
            r = await c.get("/")
            assert r.status_code == status, host


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_rate_limit_per_key_with_retry_after(make_server):
    srv = make_server(api_keys=f"clinic:{KEY},lab:{OTHER_KEY}", rate_limit="3/minute")
    with srv.client(headers={"X-API-Key": KEY}) as c:
        codes = [c.get("/v1/calculators").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/v1/calculators")
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        other = c.get("/v1/calculators", headers={"X-API-Key": OTHER_KEY})
        assert other.status_code == 200  # per key


def test_rate_limiter_window():
    rl = RateLimiter(2, 10.0)
    assert rl.check("a", now=0) == 0 and rl.check("a", now=1) == 0
    assert rl.check("a", now=2) == pytest.approx(8.0)
    assert rl.check("b", now=2) == 0
    assert rl.check("a", now=10.5) == 0  # the first hit left the window


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ("clinic", "name:key"),
        ("clinic:short", "shorter"),
        (f"bad name:{KEY}", "key name"),
        (f"a:{KEY},a:{OTHER_KEY}", "same name"),
        (f"a:{KEY},b:{KEY}", "equal"),
    ],
)
def test_bad_keys_are_configuration_errors(keys, match):
    with pytest.raises(ConfigurationError, match=match):
        load_api_keys(keys, None)


def test_keys_file(tmp_path):
    f = tmp_path / "keys"
    f.write_text(f"# clinic keys\nfront-desk:{KEY}\n\nward-3:{OTHER_KEY}\n")
    keys = load_api_keys(None, str(f))
    assert keys.names() == ["front-desk", "ward-3"]
    assert keys.match(OTHER_KEY) == "ward-3" and keys.match("x" * 25) is None
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_api_keys(None, str(tmp_path / "missing"))


def test_security_headers_and_no_cors(client):
    page = client.get("/", headers={"Origin": "http://evil.example"})
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no external source
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in page.headers
    assert "<script>" not in page.text and "style=" not in page.text  # CSP-clean page
    r = client.post("/v1/text/analyze", json={"text": NOTE})
    assert r.headers["cache-control"] == "no-store" and r.headers["x-request-id"]


def test_cors_when_origins_are_named(make_server):
    srv = make_server(cors_origins="https://ehr.clinic.local")
    with srv.client() as c:
        r = c.options(
            "/v1/text/analyze",
            headers={
                "Origin": "https://ehr.clinic.local",
                "Access-Control-Request-Method": "POST",
            },
        )
        assert r.headers["access-control-allow-origin"] == "https://ehr.clinic.local"


async def _hold(queue: ModelQueue, started, release) -> None:  # type: ignore[no-untyped-def]
    async with queue.slot():
        started.set()
        await release.wait()


@pytest.mark.anyio
async def test_model_queue_bounds_waiting_and_says_when_to_retry():
    import asyncio

    queue = ModelQueue("tiny", concurrency=1, max_waiting=1)
    started, release = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_hold(queue, started, release))
    await started.wait()
    second = asyncio.create_task(_hold(queue, asyncio.Event(), release))
    await asyncio.sleep(0.01)
    assert queue.active == 1 and queue.waiting == 1
    with pytest.raises(ServiceBusyError) as info:
        async with queue.slot():
            pass
    assert info.value.http_status == 503 and info.value.context["retry_after"] >= 1
    release.set()
    await asyncio.gather(first, second)
    assert queue.active == 0 and queue.waiting == 0


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "medassist", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )


def test_serve_refuses_public_bind_without_a_key(tmp_path):
    for host in ("0.0.0.0", "::"):
        proc = _serve(
            "--host", host, "--port", str(free_port()), env={"MEDASSIST_DATA_DIR": str(tmp_path)}
        )
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 7, err
        assert "refusing" in err and "MEDASSIST_API_KEYS" in err and "Traceback" not in err


def test_serve_start_line_and_access_log_without_values(tmp_path):
    port = free_port()
    env = {"MEDASSIST_DATA_DIR": str(tmp_path), "MEDASSIST_API_KEYS": f"clinic:{KEY}"}
    proc = _serve("--port", str(port), env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        secret = "Zanzibarian-cough"
        files = {"file": ("JOHN_DOE_MRN123.png", b"\x89PNG\r\n\x1a\n" + bytes(40), "image/png")}
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=60) as c:
            c.post("/v1/text/analyze?format=fhir&patient=Patient/SECRET42", json={"text": secret})
            c.post("/v1/image/analyze", files=files)
            c.post("/v1/calculators/qsofa", json={"text": secret})
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    start = [ln for ln in err.splitlines() if "listening on" in ln]
    assert start and f"http://127.0.0.1:{port}" in start[0] and "auth on" in start[0]
    assert "clinic" in start[0] and KEY not in err
    access = [ln for ln in err.splitlines() if "medassist.access" in ln]
    assert any("POST /v1/text/analyze 200" in ln for ln in access), err
    assert any("POST /v1/calculators/{calculator_id} 200" in ln for ln in access), err
    assert any("key=clinic" in ln for ln in access)
    for leaked in (secret, "SECRET42", "JOHN_DOE", "MRN123", "qsofa", "format=fhir"):
        assert leaked not in err, leaked


def test_plain_uvicorn_says_whether_auth_is_on(tmp_path):
    port = free_port()
    env = {**os.environ, "MEDASSIST_DATA_DIR": str(tmp_path)}
    env.pop("MEDASSIST_API_KEYS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "medassist.api.main:app", "--port", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "auth off: loopback clients only" in err and "audit store sqlite" in err
