"""Real uvicorn servers on loopback for the HTTP tests, each with its own audit store."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

uvicorn = pytest.importorskip("uvicorn", reason="HTTP tests need the 'server' extra")
httpx = pytest.importorskip("httpx")

KEY = "test-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    def __init__(self, app, url: str, server, thread: threading.Thread, audit_url: str):  # type: ignore[no-untyped-def]
        self.app, self.url, self.server, self.thread, self.audit_url = (
            app,
            url,
            server,
            thread,
            audit_url,
        )

    def client(self, **kwargs) -> httpx.Client:  # type: ignore[no-untyped-def]
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(customise=None, **settings_kwargs) -> Running:  # type: ignore[no-untyped-def]
    from medassist.api.main import create_app
    from medassist.config import Settings

    settings = Settings(**settings_kwargs)
    app = create_app(settings)
    if customise is not None:  # e.g. add a route that the test needs
        customise(app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.05)
    return Running(app, f"http://127.0.0.1:{port}", server, thread, settings.resolved_audit_url())


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The default server: no keys (loopback only), a fresh SQLite audit store."""
    data = tmp_path_factory.mktemp("svc-data")
    running = start_server(data_dir=str(data))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base_url(server: Running) -> str:
    return server.url


@pytest.fixture(scope="session")
def client(server: Running) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Start servers with given settings (stopped at the end of the test)."""
    started: list[Running] = []

    def make(customise=None, **kwargs) -> Running:  # type: ignore[no-untyped-def]
        kwargs.setdefault("data_dir", str(tmp_path / f"data{len(started)}"))
        running = start_server(customise, **kwargs)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


def _require(what: str, why: str) -> None:
    """Skip locally; under CI=true a missing server or browser is a failure, not a skip."""
    import os

    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} is required under CI=true: {why}")
    pytest.skip(f"{what} not available: {why}")


def _pg_bin(name: str) -> str | None:
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a loopback port (initdb + pg_ctl as 'postgres')."""
    import os
    import pwd
    import shutil
    import subprocess

    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        _require("PostgreSQL", "initdb/pg_ctl not found (apt-get install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _require("PostgreSQL", "no 'postgres' system user to run the server as")
        runuser = shutil.which("runuser")
        as_user = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]
    import tempfile
    from pathlib import Path as _P

    base = _P(tempfile.mkdtemp(prefix="medassist-pg-"))  # pytest's tmp dirs are root-only
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if as_user:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()

    def run(cmd: list[str]) -> None:
        full = as_user + cmd if as_user[:1] != ["su"] else [*as_user, " ".join(cmd)]
        out = subprocess.run(full, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            _require("PostgreSQL", f"{cmd[0]} failed: {out.stderr.strip()[-300:]}")

    run([initdb, "-D", str(data), "-U", "medassist", "--auth=trust", "-E", "UTF8"])
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        [pg_ctl, "-D", str(data), "-o", options, "-w", "-t", "60", "-l", str(base / "log"), "start"]
    )
    try:
        yield f"postgresql://medassist@127.0.0.1:{port}/postgres"
    finally:
        stop = [pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
        full = as_user + stop if as_user[:1] != ["su"] else [*as_user, " ".join(stop)]
        subprocess.run(full, capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
