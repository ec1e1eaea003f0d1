"""The widget in a real browser with a real widget key, on a page of its allowed origin: the chat
(cross-checked Origin) and the cited article (same-origin GET: Referer) both pass authentication;
the same page with a revoked key shows the plain Vietnamese authentication error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.index.store import Index
from assistant.security.keys import KeyStore
from tests.security.conftest import PUBLIC_DOC

CHROMIUM = Path(os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "Thời hạn giải quyết thủ tục cấp biển hiệu phương tiện vận tải khách du lịch bằng đường thủy nội địa?"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=30_000)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def page_with_key(browser, server, key: str):
    html = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng nội bộ</title></head>
<body><h1>Cổng thông tin nội bộ</h1>
<script src="/widget.js" data-api="/" data-key="{key}" data-title="Trợ lý Công vụ" defer></script></body></html>"""
    ctx = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    url = f"{server.url}/cong-noi-bo.html"
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    page.goto(url)
    return ctx, page


def ask(page, question: str):
    page.locator(".launcher").click()
    box = page.locator(".composer textarea")
    box.fill(question)
    box.press("Enter")


def test_widget_with_its_key_answers_and_opens_the_cited_article(browser, server, trust_index):
    from playwright.sync_api import expect

    store = KeyStore(Index(trust_index).sessions)
    key = store.create("widget", "Trang thử nghiệm", origins=server.url)
    statuses: list[tuple[str, int]] = []
    ctx, page = page_with_key(browser, server, key.plaintext)
    try:
        page.on("response", lambda r: statuses.append((r.url, r.status)) if "/api/" in r.url else None)
        ask(page, QUESTION)
        answer = page.locator(".msg.bot:not(.pending)").first
        answer.wait_for(timeout=60_000)
        answer.locator(".chip").first.click()
        pane = page.locator(".source-pane")
        expect(pane).to_be_visible()
        expect(pane.locator(".clause").first).to_be_visible()
        assert any("/api/chat" in u and s == 200 for u, s in statuses), statuses
        assert any(f"/api/documents/{PUBLIC_DOC}/articles/" in u and s == 200 for u, s in statuses), statuses
    finally:
        ctx.close()

    store.revoke(key.id)
    ctx, page = page_with_key(browser, server, key.plaintext)
    try:
        ask(page, QUESTION)
        error = page.locator(".msg.error")
        expect(error).to_have_attribute("data-kind", "auth")
    finally:
        ctx.close()
