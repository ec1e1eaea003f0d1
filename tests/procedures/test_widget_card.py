"""The widget's procedure card in Debian Chromium: an answer carrying a card (as /api/procedures gives
it) shows tên, thời hạn, nơi nộp, hồ sơ as a checklist, phí and căn cứ; each [n] opens the section the
line was read from with the cited words highlighted. Desktop and phone screenshots."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, SCREENSHOTS

DOC = "quyet-dinh-1594-QD-TTPVHCC-HN"


@pytest.fixture(scope="module")
def card_server(tmp_path_factory, hanoi_dir) -> Iterator[SimpleNamespace]:
    from assistant.api.app import create_app
    from assistant.index.store import Index
    from assistant.settings import Settings
    from ingest.pipeline import ingest_files
    from tests.api.conftest import live_server

    root = tmp_path_factory.mktemp("card")
    shutil.copy(hanoi_dir / f"{DOC}.txt", root)
    settings = Settings(data_dir=root / "data", auth_disabled=True, rate_limit_chat=0, rate_limit_search=0,
                        rate_limit_default=0, redis_url=None)
    assert not any(r.failed for r in ingest_files([root / f"{DOC}.txt"], Index(settings), settings))
    with live_server(create_app(settings)) as url:
        card = httpx.get(f"{url}/api/procedures/1.012644", timeout=30).json()
        yield SimpleNamespace(url=url, card=card)


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _answer_stream(card: dict) -> str:
    text = "Thủ tục đề nghị thay đổi trụ sở của tổ chức tôn giáo: thông tin chính ở thẻ dưới đây."
    answer = {"id": "proc-answer", "question": "q", "standalone_question": "q", "text": text, "citations": [],
              "declined": False, "decline_reason": None, "mode": "extractive", "flagged": False, "notes": [],
              "sources": [], "confidence": 1.0, "timings_ms": {}, "conversation_id": "proc-conv", "procedure": card}
    events = [("sources", {"conversation_id": "proc-conv", "standalone_question": "q", "sources": []}),
              ("token", {"text": text}), ("answer", answer), ("done", {})]
    return "".join(f"event: {n}\r\ndata: {json.dumps(d, ensure_ascii=False)}\r\n\r\n" for n, d in events)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_procedure_card(chromium, card_server, viewport):
    from playwright.sync_api import expect

    ctx = chromium.new_context(viewport=viewport, locale="vi-VN")
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route("**/api/chat", lambda r: r.fulfill(status=200, body=_answer_stream(card_server.card),
                                                      headers={"content-type": "text/event-stream; charset=utf-8"}))
        page.goto(f"{card_server.url}/")
        page.locator(".launcher").click()
        box = page.locator(".composer textarea")
        box.fill("Thay đổi trụ sở tổ chức tôn giáo nộp hồ sơ ở đâu, mất bao lâu?")
        box.press("Enter")
        card = page.locator(".msg.bot .proc-card")
        expect(card).to_be_visible(timeout=30_000)
        expect(card.locator(".proc-name")).to_contain_text("Thủ tục đề nghị thay đổi trụ sở của tổ chức tôn giáo")
        expect(card.locator(".proc-code")).to_have_text("Mã thủ tục 1.012644 · Tín ngưỡng, tôn giáo")
        expect(card.locator("dl.proc-facts")).to_contain_text("30 ngày làm việc")
        expect(card.locator("dl.proc-facts")).to_contain_text("Trực tuyến: https://dichvucong.gov.vn")
        expect(card.locator("dl.proc-facts")).to_contain_text("Không thu phí, lệ phí")
        expect(card.locator("dl.proc-facts")).to_contain_text("UBND thành phố Hà Nội")
        boxes = card.locator(".proc-checklist input[type=checkbox]")
        expect(boxes).to_have_count(4)
        expect(card.locator(".proc-checklist li").nth(3)).to_contain_text(
            "Giấy tờ chứng minh có địa điểm hợp pháp để đặt trụ sở mới (bản chính, 1 bản)")
        # keyboard: the checkbox is reachable and toggles with Space; its label names it
        boxes.nth(0).focus()
        page.keyboard.press("Space")
        expect(boxes.nth(0)).to_be_checked()
        expect(card.get_by_label("Văn bản đề nghị (Theo mẫu) (bản chính, 1 bản)")).to_be_checked()
        markers = card.locator(".cite-marker")
        assert markers.count() >= 4 + 3 + 5  # dossier, channels, căn cứ (and name, deadline, fee, cơ quan)
        item_marker = card.locator(".proc-checklist li").nth(3).locator(".cite-marker")
        item_marker.focus()
        page.keyboard.press("Enter")
        pane = page.locator(".source-pane")
        expect(pane).to_be_visible()
        expect(pane.locator(".art-title")).to_contain_text("Thủ tục đề nghị thay đổi trụ sở")
        expect(pane.locator(".hl-line").first).to_contain_text("Giấy tờ chứng minh có địa điểm hợp pháp")
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width  # nothing overflows the phone's width
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = "desktop" if viewport is DESKTOP else "phone"
        page.screenshot(path=str(SCREENSHOTS / f"procedure-card-source-{name}.png"))
        expect(pane.locator(".hl-label")).to_have_text("Đoạn được trích dẫn")
        page.keyboard.press("Escape")
        expect(pane).to_be_hidden()
        card.locator(".proc-name").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(SCREENSHOTS / f"procedure-card-{name}.png"))
        assert [m.inner_text() for m in card.locator(".cite-marker").all()][:3] == ["1", "2", "3"]
    finally:
        ctx.close()
    assert not errors, errors
