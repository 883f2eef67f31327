"""POST /v1/analyze against a real uvicorn, and with the model behind a real llama_cpp.server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from llm_helpers import free_port
from pydicom.data import get_testdata_file

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

NOTE = "HPI: 70 yo M with cough and fever. Denies chest pain. HR 96, SpO2 95% RA."


def _serve(tmp_path, env_extra: dict[str, str]):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDASSIST_LLM_")}
    env.update(env_extra)
    with open(tmp_path / f"uvicorn-{port}.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "medassist.api.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("uvicorn exited: " + (tmp_path / f"uvicorn-{port}.log").read_text()[-2000:])
        try:
            httpx.get(url + "/health", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("uvicorn did not start")


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory):
    proc, url = _serve(tmp_path_factory.mktemp("api"), {})
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def model_server(tmp_path_factory, llama_server):
    env = {
        "MEDASSIST_LLM_BACKEND": "openai",
        "MEDASSIST_LLM_BASE_URL": llama_server,
        "MEDASSIST_LLM_MODEL": "tiny-gemma3",
        "MEDASSIST_LLM_MAX_NEW_TOKENS": "300",
        "MEDASSIST_LLM_TIMEOUT_S": "60",
    }
    proc, url = _serve(tmp_path_factory.mktemp("api-model"), env)
    yield url
    proc.terminate()
    proc.wait(10)


def test_multipart_note_and_image_without_a_model(plain_server):
    from pathlib import Path

    image = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    r = httpx.post(
        plain_server + "/v1/analyze",
        files={
            "note": ("note.txt", NOTE.encode(), "text/plain"),
            "image": ("ct.dcm", image, "application/dicom"),
        },
        timeout=60,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"]["state"] == "not_configured" and body["model"]["would_add"]
    assert body["text"]["entities"] and body["image"]["quality"]["grade"]
    assert len(body["safety"]["layers_run"]) == 5 and body["safety"]["disclaimer"]


def test_json_text_body(plain_server):
    r = httpx.post(plain_server + "/v1/analyze", json={"text": NOTE}, timeout=60)
    assert r.status_code == 200 and r.json()["text"]["entities"]


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"files": {"notes": ("n.txt", b"x", "text/plain")}}, "unknown form field"),
        ({"content": b"plain text", "headers": {"content-type": "text/plain"}}, "multipart"),
        ({"json": {"note": "x"}}, '"text"'),
        ({"data": {"note": "x"}, "params": {"stream": "maybe"}}, "stream"),
        ({"data": {"note": "x"}, "params": {"llm": "openai"}}, "unknown query option"),
    ],
    ids=["unknown-field", "wrong-type", "bad-json", "bad-stream", "unknown-option"],
)
def test_bad_requests_are_400_with_the_error_shape(plain_server, kwargs, needle):
    r = httpx.post(plain_server + "/v1/analyze", timeout=30, **kwargs)
    assert r.status_code in (400, 422), r.text
    assert needle in r.json()["message"] and r.json()["error"]


def test_streaming_without_a_model_ends_with_the_report(plain_server):
    with httpx.stream(
        "POST", plain_server + "/v1/analyze?stream=true", data={"note": NOTE}, timeout=60
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line[7:] for line in r.iter_lines() if line.startswith("event: ")]
    assert events[0] == "progress" and events[-1] == "report"


def test_with_a_model_behind_a_real_server_streamed(model_server):
    with httpx.stream(
        "POST", model_server + "/v1/analyze?stream=true", data={"note": NOTE}, timeout=120
    ) as r:
        assert r.status_code == 200
        lines = list(r.iter_lines())
    names = [line[7:] for line in lines if line.startswith("event: ")]
    data = [line[6:] for line in lines if line.startswith("data: ")]
    assert names[-1] == "report" and "progress" in names
    report = json.loads(data[-1])
    assert report["model"]["backend"] == "openai" and report["model"]["state"] in ("ok", "failed")
    assert report["text"]["entities"]
    if report["model"]["state"] == "ok":
        assert report["model_runs"][0]["model_id"] == "tiny-gemma3"
        sentences = [
            json.loads(d)["text"] for n, d in zip(names, data, strict=True) if n == "sentence"
        ]
        assert sentences == report["model_summary"]["sentences"]
