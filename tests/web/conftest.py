"""Browser tests of the staff chat widget: the real service on the real Hà Nội index, driven by
Chromium through Playwright (Debian's /usr/bin/chromium; `playwright install` is never needed)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}




@pytest.fixture(scope="session")
def web_settings(hanoi_settings, tmp_path_factory):
    """A private copy of the cached index: the service stores answers and feedback in it.

    Authentication is off in this copy: the demo page carries no widget key and the tests drive the
    widget itself (tests/security covers keys, origins and rate limits)."""
    data = tmp_path_factory.mktemp("web-index")
    shutil.copytree(hanoi_settings.data_dir, data, dirs_exist_ok=True)
    return hanoi_settings.model_copy(update={"data_dir": data, "auth_disabled": True})


@pytest.fixture(scope="session")
def server(web_settings) -> Iterator[SimpleNamespace]:
    """`assistant serve` in a background thread on a free port, with the web router mounted."""
    import uvicorn

    from assistant.api import web
    from assistant.api.app import create_app

    app = create_app(web_settings)
    if not any(getattr(r, "path", None) == "/widget.js" for r in app.routes):
        app.include_router(web.router)  # until create_app includes it itself
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, name="uvicorn-widget-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the service did not start")
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    # The first question loads the query embedder: pay for it before the browser times anything.
    warm = httpx.post(f"{url}/api/chat", json={"question": "Biểu tượng của Thủ đô là gì?"}, timeout=600)
    assert warm.status_code == 200, warm.text
    try:
        yield SimpleNamespace(url=url, settings=web_settings, app=app)
    finally:
        srv.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=15_000)  # two busy cores: assertions may wait a little
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser, server):
    """Factory of pages in fresh contexts; fails the test on any uncaught error in the page."""
    contexts, errors = [], []

    def make(viewport=DESKTOP, **kwargs):
        ctx = browser.new_context(viewport=viewport, locale="vi-VN", **kwargs)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, errors


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
