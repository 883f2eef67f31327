"""Headless Chromium (Debian's package) driven by Playwright, against a real uvicorn."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from tests.api.conftest import _require, start_server

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    env = os.environ.get("MEDASSIST_CHROMIUM")
    if env and os.path.exists(env):
        return env
    for path in CHROMIUM_CANDIDATES:
        if os.path.exists(path):
            return path
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("Playwright", "pip install playwright (the dev extra)")
    path = chromium_path()
    if path is None:
        _require("Chromium", "apt-get install chromium")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        except Exception as exc:  # noqa: BLE001 - a browser that does not start
            _require("Chromium", f"{path} did not start: {type(exc).__name__}: {exc}")
        yield b
        b.close()


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    running = start_server(data_dir=str(tmp_path_factory.mktemp("web-data")))
    yield running.url
    running.stop()


@pytest.fixture
def page(browser, web):  # type: ignore[no-untyped-def]
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    external: list[str] = []
    pg.on(
        "request",
        lambda req: (
            external.append(req.url) if not req.url.startswith((web, "blob:", "data:")) else None
        ),
    )
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(web + "/")
    yield pg
    assert not external, f"the page fetched outside the server: {external}"
    assert not errors, f"JavaScript errors: {errors}"
    context.close()
