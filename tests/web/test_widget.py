"""The staff chat widget in a real browser, against the real service on the real Hà Nội index."""

from __future__ import annotations

import json
import re

import httpx
import pytest
import sqlalchemy as sa

from tests.web.conftest import DESKTOP, PHONE

expect = pytest.importorskip("playwright.sync_api").expect

QUESTION = "Biểu tượng của Thủ đô là gì?"
LUAT_THU_DO = "luat-thu-do-02-2026-QH16"

# -- helpers ------------------------------------------------------------------------------------------

ACTIVE = """() => {
  const host = document.activeElement;
  if (!host || host.tagName !== 'TRO-LY-CONG-VU') return {inWidget: false, tag: host ? host.tagName : null};
  const a = host.shadowRoot.activeElement;
  if (!a) return {inWidget: true, inPanel: false, cls: '', label: '', tag: null};
  return {inWidget: true, inPanel: !!a.closest('.panel'), cls: String(a.className || ''),
          label: a.getAttribute('aria-label') || a.textContent.trim(), tag: a.tagName};
}"""

# WCAG 2.1 contrast of every visible text in the shadow root against its (composited) background.
CONTRAST_AUDIT = """(host) => {
  const root = host.shadowRoot;
  const parse = (c) => { const m = /rgba?\\(([^)]+)\\)/.exec(c); if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3]));
  const background = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg[3] > 0) layers.push(bg);
    }
    let c = [255, 255, 255];
    for (const l of layers.reverse()) c = over(l, c);
    return c;
  };
  const failures = []; let checked = 0;
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || el.closest('[hidden]') || el.closest('.sr-only')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    const bg = background(el);
    const fg = parse(cs.color); const fgc = over(fg, bg);
    const size = parseFloat(cs.fontSize); const bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const got = ratio(fgc, bg); checked++;
    if (got < need) failures.push({cls: String(el.className), text: el.textContent.trim().slice(0, 40),
                                   ratio: Math.round(got * 100) / 100, need});
  }
  return {checked, failures};
}"""


def host(page):
    return page.locator("tro-ly-cong-vu")


def open_widget(page):
    page.locator(".launcher").click()
    expect(page.locator(".panel")).to_be_visible()
    expect(page.locator(".composer textarea")).to_be_focused()


def wait_answer(page, index: int):
    answer = page.locator(".msg.bot:not(.pending)").nth(index)
    answer.wait_for(timeout=60_000)
    expect(page.locator(".send")).not_to_have_class(re.compile(r"\bbusy\b"))
    return answer


def ask(page, question: str):
    done = page.locator(".msg.bot:not(.pending)").count()
    box = page.locator(".composer textarea")
    box.fill(question)
    box.press("Enter")
    return wait_answer(page, done)


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None
    return b


def styles(locator, *props: str) -> list[str]:
    return locator.evaluate("(el, props) => props.map(p => getComputedStyle(el)[p])", list(props))


def buttons_labelled(page):
    unnamed = host(page).first.evaluate("""h => [...h.shadowRoot.querySelectorAll('button, a, textarea')]
        .filter(el => !(el.getAttribute('aria-label') || el.textContent.trim() || (el.labels && el.labels.length)))
        .map(el => el.outerHTML.slice(0, 80))""")
    assert not unnamed, unnamed


def contrast_ok(page):
    audit = host(page).first.evaluate(CONTRAST_AUDIT)
    assert audit["checked"] > 10
    assert not audit["failures"], audit["failures"]


def rgb(value: str) -> tuple[int, int, int]:
    r, g, b = (int(x) for x in re.findall(r"\d+", value)[:3])
    return r, g, b


def contrast(a, b) -> float:
    def lum(c):
        def f(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2])

    x, y = sorted([lum(a), lum(b)], reverse=True)
    return (x + 0.05) / (y + 0.05)


def serve_html(page, url: str, html: str) -> None:
    """A host page at ``url`` (same origin as the API), answered by the browser itself."""
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))


def sse(events) -> str:
    return "".join(f"event: {name}\r\ndata: {json.dumps(data, ensure_ascii=False)}\r\n\r\n" for name, data in events)


# -- serving --------------------------------------------------------------------------------------------


def test_router_serves_the_page_and_the_widget_with_cache_headers(server):
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'src="/widget.js"' in page.text and "Sở Nội vụ" in page.text

    js = httpx.get(f"{server.url}/widget.js")
    assert js.status_code == 200
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=300" in js.headers["cache-control"]
    assert js.headers["x-content-type-options"] == "nosniff"
    etag = js.headers["etag"]
    again = httpx.get(f"{server.url}/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    head = httpx.head(f"{server.url}/widget.js")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(js.content)

    missing = httpx.get(f"{server.url}/widget.css")
    if missing.status_code != 200:  # the styles are adopted from widget.js unless a widget.css is added
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


# -- the main flow ----------------------------------------------------------------------------------------


def test_answer_streams_in_and_a_citation_opens_the_cited_khoan(page, server, screenshots):
    page.goto(f"{server.url}/")
    launcher = page.get_by_role("button", name="Hỏi Trợ lý Công vụ")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.screenshot(path=screenshots / "demo-page-1280x800.png")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    dialog = page.get_by_role("dialog", name="Trợ lý Công vụ")
    expect(dialog).to_be_visible()
    textbox = page.get_by_role("textbox", name="Câu hỏi của anh/chị")
    expect(textbox).to_be_focused()
    expect(page.locator(".starter")).to_have_count(3)
    page.screenshot(path=screenshots / "widget-empty-1280x800.png")

    # Record the pending answer at every DOM update while it streams.
    page.evaluate("""() => {
      const root = document.querySelector('tro-ly-cong-vu').shadowRoot;
      window.__lengths = []; window.__states = [];
      new MutationObserver(() => {
        const p = root.querySelector('.msg.bot.pending');
        if (!p) return;
        const md = p.querySelector('.md'), t = p.querySelector('.thinking');
        if (md && !md.hidden) window.__lengths.push(md.textContent.length);
        if (t && !t.hidden) window.__states.push(t.textContent);
      }).observe(root, {subtree: true, childList: true, characterData: true});
    }""")
    textbox.fill(QUESTION)
    textbox.press("Enter")
    expect(page.locator(".msg.user")).to_have_text(re.compile(re.escape(QUESTION)))
    answer = wait_answer(page, 0)
    expect(answer.locator(".md")).to_contain_text("Khuê Văn Các tại Văn Miếu - Quốc Tử Giám")
    lengths = page.evaluate("window.__lengths")
    assert len(set(lengths)) >= 3, lengths  # several updates before the final render
    assert lengths == sorted(lengths), lengths
    assert "Đang tìm căn cứ…" in page.evaluate("window.__states")
    expect(page.locator(".log")).to_have_attribute("aria-live", "polite")
    expect(page.locator(".log")).to_have_attribute("aria-busy", "false")

    # inline marker [1] and chip
    marker = answer.locator(".cite-marker")
    expect(marker).to_have_count(2)  # the answer line and its supporting quote both cite [1]
    for i in range(2):
        expect(marker.nth(i)).to_have_attribute("aria-label", re.compile("khoản 3 Điều 2 Luật Thủ đô số 02/2026/QH16"))
    chip = answer.locator(".chip").first
    expect(chip).to_contain_text("02/2026/QH16 · Điều 2 khoản 3")
    page.screenshot(path=screenshots / "widget-answer-1280x800.png")

    chip.click()
    pane = page.locator(".source-pane")
    expect(pane).to_be_visible()
    expect(page.locator(".panel")).to_have_class(re.compile(r"\bsplit\b"))  # side by side on a wide screen
    expect(pane.locator(".art-title")).to_have_text("Điều 2. Vị trí, vai trò, biểu tượng của Thủ đô")
    expect(pane.locator(".doc-title")).to_have_text("Luật Thủ đô số 02/2026/QH16")
    expect(pane.locator(".badge")).to_have_text("Còn hiệu lực")
    for text in ("Quốc hội", "02/2026/QH16", "23/04/2026", "01/07/2026", "Chương I. QUY ĐỊNH CHUNG"):
        expect(pane).to_contain_text(text)
    highlighted = pane.locator(".clause.hl")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_have_attribute("data-khoan", "3")
    expect(highlighted).to_contain_text("Biểu tượng của Thủ đô là hình ảnh Khuê Văn Các")
    expect(pane.locator(".clause")).to_have_count(3)
    body, hl = box(pane.locator(".src-body")), box(highlighted)
    assert body["y"] <= hl["y"] and hl["y"] + hl["height"] <= body["y"] + body["height"] + 1
    expect(pane.locator(".src-head h2")).to_be_focused()
    link = pane.get_by_role("link", name=re.compile("Xem toàn văn văn bản"))
    href = link.get_attribute("href")
    assert href == f"{server.url}/api/documents/{LUAT_THU_DO}"
    assert page.request.get(href).json()["number"] == "02/2026/QH16"
    contrast_ok(page)
    buttons_labelled(page)
    page.screenshot(path=screenshots / "widget-desktop-1280x800.png")

    # the marker in the text opens the same article
    pane.get_by_role("button", name="Đóng văn bản căn cứ").click()
    expect(pane).to_be_hidden()
    expect(chip).to_be_focused()
    marker.first.click()
    expect(highlighted).to_contain_text("Khuê Văn Các")


def test_keyboard_only(page, server):
    page.goto(f"{server.url}/")
    for _ in range(40):  # Tab from the top of the page to the launcher
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["inWidget"] and "launcher" in active["cls"]:
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".panel")).to_be_visible()
    expect(page.locator(".composer textarea")).to_be_focused()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    answer = wait_answer(page, 0)
    expect(answer.locator(".chip")).to_have_count(1)

    # Tab cycles inside the panel (focus trap) through the marker and chip
    seen = []
    for _ in range(24):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(ACTIVE))
    assert all(a["inPanel"] for a in seen), seen
    classes = [a["cls"] for a in seen]
    assert any("cite-marker" in c for c in classes) and any("chip" in c for c in classes), classes
    assert any("new-chat" in c for c in classes) and any("close" in c for c in classes)
    assert len(classes) > len(set(classes)), "focus did not wrap around"
    # Shift+Tab from the first focusable wraps to the last
    page.locator(".new-chat").focus()
    page.keyboard.press("Shift+Tab")
    assert "send" in page.evaluate(ACTIVE)["cls"]

    # Enter on the chip opens the article; Esc closes it and focus returns to the chip
    for _ in range(24):
        page.keyboard.press("Tab")
        if "chip" in page.evaluate(ACTIVE)["cls"]:
            break
    page.keyboard.press("Enter")
    expect(page.locator(".source-pane")).to_be_visible()
    expect(page.locator(".source-pane .clause.hl")).to_contain_text("Khuê Văn Các")
    assert page.evaluate(ACTIVE)["tag"] == "H2"
    for _ in range(12):  # focus stays trapped while the article is open too
        page.keyboard.press("Tab")
        assert page.evaluate(ACTIVE)["inPanel"]
    page.keyboard.press("Escape")
    expect(page.locator(".source-pane")).to_be_hidden()
    assert "chip" in page.evaluate(ACTIVE)["cls"]

    # Esc closes the panel and focus returns to the launcher; Space reopens it
    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    assert "launcher" in page.evaluate(ACTIVE)["cls"]
    page.keyboard.press(" ")
    expect(page.locator(".panel")).to_be_visible()
    expect(page.locator(".composer textarea")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()


HOSTILE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>CSS phá hoại</title><style>
* { all: unset; color: red !important; font-size: 40px !important; display: inline !important;
    line-height: 3 !important; letter-spacing: 6px !important; font-family: serif !important; }
*, *::before, *::after { box-sizing: content-box !important; }
*::before, *::after { content: "✖" !important; }
body { direction: rtl; text-transform: uppercase; text-align: right; white-space: pre; }
tro-ly-cong-vu { display: none !important; position: absolute !important; width: 10px !important;
    height: 10px !important; overflow: hidden !important; opacity: .1 !important; visibility: hidden !important; }
div, button, textarea, section, p, span { background: lime !important; border: 9px dashed blue !important;
    padding: 30px !important; width: 10px !important; position: static !important; }
button { visibility: hidden !important; }
</style></head><body><p>Trang có CSS cố phá giao diện</p>
<script src="/widget.js" data-api="/" data-title="Trợ lý Công vụ" defer></script></body></html>"""


def test_hostile_host_css_leaves_the_widget_intact(page, server, screenshots):
    serve_html(page, f"{server.url}/hostile.html", HOSTILE)
    page.goto(f"{server.url}/hostile.html")
    launcher = page.locator(".launcher")
    expect(launcher).to_be_visible()
    b = box(launcher)
    assert 150 < b["width"] < 320 and 50 <= b["height"] <= 60, b
    assert abs(b["x"] + b["width"] - (DESKTOP["width"] - 20)) <= 1, b
    style = styles(launcher, "fontSize", "color", "display", "position", "letterSpacing")
    assert style == ["15px", "rgb(255, 255, 255)", "flex", "fixed", "normal"], style  # fixed: inline-flex → flex
    pseudo = host(page).evaluate("h => ['::before', '::after'].map(p => getComputedStyle(h, p).content)")
    assert pseudo == ["none", "none"]

    launcher.click()
    panel = page.locator(".panel")
    expect(panel).to_be_visible()
    p = box(panel)
    assert p["width"] == 420 and p["height"] == 696, p
    assert abs(p["x"] + p["width"] - (DESKTOP["width"] - 20)) <= 1 and abs(p["y"] + p["height"] - (800 - 84)) <= 1
    ta = page.locator(".composer textarea")
    assert styles(ta, "fontSize", "color", "direction") == ["15px", "rgb(31, 35, 40)", "ltr"]
    answer = ask(page, QUESTION)
    md = answer.locator(".md")
    assert styles(md, "fontSize", "color", "textTransform") == ["15px", "rgb(31, 35, 40)", "none"]
    chip = answer.locator(".chip")
    assert chip.evaluate("el => getComputedStyle(el).display") == "inline-flex"
    c = box(chip)
    assert c["height"] < 40 and c["width"] < 380, c
    chip.click()
    expect(page.locator(".source-pane .clause.hl")).to_contain_text("Khuê Văn Các")
    contrast_ok(page)
    page.screenshot(path=screenshots / "widget-hostile-css-1280x800.png")


PAYLOAD = '<img src=x onerror="window.__xss=1;alert(1)">'


def test_answer_and_document_html_render_as_text(page, server):
    text = (f"Câu trả lời có {PAYLOAD} và **chữ đậm** [1]\n"
            "- mục <script>window.__xss=2</script> [1]\n"
            "- <b onmouseover=alert(3)>không in đậm</b>")
    citation = {
        "n": 1, "doc_id": "xss-doc", "number": f"01/2026/QH16{PAYLOAD}", "title": "Văn bản <i>thử</i>",
        "doc_label": f"Luật {PAYLOAD}", "article": "2", "article_key": "dieu-2", "article_label": "Điều 2",
        "clause": "3", "point": None, "quote": PAYLOAD, "heading_path": [], "validity": "còn hiệu lực",
        "url": "/api/documents/xss-doc/articles/2?khoan=3",
    }
    answer = {"id": "xss-answer", "question": "q", "standalone_question": "q", "text": text,
              "citations": [citation], "declined": False, "decline_reason": None, "mode": "extractive",
              "flagged": False, "notes": [], "sources": [], "confidence": 1.0, "timings_ms": {},
              "conversation_id": "xss-conv"}
    tokens = [text[i:i + 9] for i in range(0, len(text), 9)]
    stream = sse([("sources", {"conversation_id": "xss-conv", "standalone_question": "q", "sources": []}),
                  *[("token", {"text": t}) for t in tokens],
                  ("citations", {"citations": [citation], "notes": []}), ("answer", answer), ("done", {})])
    article = {
        "document": {"id": "xss-doc", "number": f"01/2026{PAYLOAD}", "type": "Luật", "issuer": f"<b>QH</b>{PAYLOAD}",
                     "title": PAYLOAD, "display_name": f"Luật {PAYLOAD}", "issued": "2026-01-01",
                     "effective": "2026-07-01", "validity": "còn hiệu lực"},
        "article": {"label": "Điều 2", "title": f"Tiêu đề {PAYLOAD}", "heading_path": [PAYLOAD],
                    "text": f"Điều 2. Tiêu đề\n1. Khoản một.\n2. Khoản hai {PAYLOAD}\n3. Khoản ba <script>x()</script>",
                    "clauses": [{"number": "1", "points": [], "text": "1. Khoản một.", "highlight": False},
                                {"number": "2", "points": [], "text": f"2. Khoản hai {PAYLOAD}", "highlight": False},
                                {"number": "3", "points": [], "text": "3. Khoản ba <script>x()</script>",
                                 "highlight": True}]},
        "highlight": "3",
    }
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    serve_html(page, f"{server.url}/xss.html",
               '<!doctype html><html lang="vi"><meta charset="utf-8"><body><h1>Trang thử</h1>'
               '<script src="/widget.js" data-api="/" defer></script></body></html>')
    page.route("**/api/chat", lambda r: r.fulfill(status=200, body=stream,
                                                  headers={"content-type": "text/event-stream; charset=utf-8"}))
    page.route("**/api/documents/xss-doc/articles/**", lambda r: r.fulfill(
        status=200, content_type="application/json", body=json.dumps(article)))
    page.goto(f"{server.url}/xss.html")
    open_widget(page)
    reply = ask(page, "câu hỏi bất kỳ")
    md = reply.locator(".md")
    expect(md).to_contain_text(PAYLOAD)
    expect(md).to_contain_text("<script>window.__xss=2</script>")
    expect(md).to_contain_text("<b onmouseover=alert(3)>không in đậm</b>")
    expect(md.locator("strong")).to_have_text("chữ đậm")
    expect(md.locator("li")).to_have_count(2)
    expect(md.locator(".cite-marker")).to_have_count(2)
    reply.locator(".chip").click()
    pane = page.locator(".source-pane")
    expect(pane.locator(".clause.hl")).to_contain_text("Khoản ba <script>x()</script>")
    expect(pane.locator(".doc-title")).to_have_text(f"Luật {PAYLOAD}")
    expect(pane).to_contain_text(f"2. Khoản hai {PAYLOAD}")
    page.wait_for_timeout(300)  # an injected <img> would have fired onerror by now
    counts = host(page).evaluate("h => [h.shadowRoot.querySelectorAll('img, script, b, i, iframe').length,"
                                 " document.querySelectorAll('img').length]")
    assert counts == [0, 0]
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_phone_viewport(new_page, server, screenshots):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/")
    launcher = page.locator(".launcher")
    b = box(launcher)
    assert b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] and b["y"] + b["height"] <= PHONE["height"]
    page.screenshot(path=screenshots / "demo-page-390x844.png")
    launcher.tap()
    panel = page.locator(".panel")
    expect(panel).to_be_visible()
    assert box(panel) == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    expect(launcher).to_be_hidden()
    page.screenshot(path=screenshots / "widget-empty-390x844.png")
    answer = ask(page, "Thời hạn xử lý kỷ luật công chức?")
    expect(answer.locator(".chip").first).to_be_visible()
    overflow = page.locator(".log").evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0
    page.locator(".log").evaluate("el => el.scrollTop = 0")
    page.screenshot(path=screenshots / "widget-390x844.png")
    page.locator(".log").evaluate("el => el.scrollTop = el.scrollHeight")
    page.screenshot(path=screenshots / "widget-answer-end-390x844.png")

    answer.locator(".chip").nth(1).tap()
    pane = page.locator(".source-pane")
    expect(pane).to_be_visible()
    assert box(pane) == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    assert page.locator(".chat-pane").evaluate("el => el.inert")
    hl = pane.locator(".clause.hl")
    expect(hl).to_be_in_viewport()
    expect(hl).to_have_attribute("data-khoan", "5")
    page.screenshot(path=screenshots / "widget-source-390x844.png")
    pane.get_by_role("button", name="Đóng văn bản căn cứ").tap()
    expect(pane).to_be_hidden()
    expect(page.locator(".composer textarea")).to_be_visible()
    contrast_ok(page)


def test_conversation_survives_reload_and_can_be_restarted(page, server):
    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/api/chat") else None)
    page.goto(f"{server.url}/")
    open_widget(page)
    ask(page, QUESTION)
    stored = page.evaluate("""() => { const k = Object.keys(sessionStorage).find(k => k.startsWith('tro-ly-cong-vu:'));
                                       return JSON.parse(sessionStorage.getItem(k)); }""")
    cid = stored["conversationId"]
    assert cid and [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][1]["citations"][0]["article"] == "2"

    page.reload()
    open_widget(page)
    expect(page.locator(".msg.user")).to_have_count(1)
    expect(page.locator(".msg.user")).to_contain_text(QUESTION)
    restored = page.locator(".msg.bot")
    expect(restored.locator(".md")).to_contain_text("Khuê Văn Các")
    expect(restored.locator(".chip")).to_contain_text("02/2026/QH16 · Điều 2 khoản 3")
    expect(page.locator(".welcome")).to_have_count(0)
    follow = ask(page, "Điều 7 Luật Thủ đô quy định gì?")
    expect(follow.locator(".chip").first).to_contain_text("Điều 7")
    assert bodies[-1]["conversation_id"] == cid and bodies[-1]["stream"] is True

    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    expect(page.locator(".msg")).to_have_count(0)
    expect(page.locator(".starter")).to_have_count(3)
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('tro-ly-cong-vu:')).length") == 0
    page.locator(".starter").nth(2).click()
    wait_answer(page, 0)
    assert "conversation_id" not in bodies[-1]


def test_feedback_and_copy(new_page, server):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{server.url}/")
    open_widget(page)
    answer = ask(page, QUESTION)
    answer_id = answer.get_attribute("data-answer-id")
    assert answer_id

    answer.get_by_role("button", name="Sao chép câu trả lời kèm căn cứ").click()
    expect(answer.locator(".act-status")).to_have_text("Đã sao chép câu trả lời và căn cứ.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Khuê Văn Các" in copied
    assert copied.endswith("Căn cứ:\n[1] khoản 3 Điều 2 Luật Thủ đô số 02/2026/QH16")

    down = answer.get_by_role("button", name="Câu trả lời chưa đúng hoặc chưa đủ")
    down.click()
    comment = answer.get_by_role("textbox", name=re.compile("Điều gì chưa đúng"))
    expect(comment).to_be_focused()
    comment.fill("Cần thêm căn cứ Nghị quyết của HĐND Thành phố.")
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as response:
        answer.get_by_role("button", name="Gửi góp ý").click()
    assert response.value.status == 201
    assert response.value.request.post_data_json == {
        "answer_id": answer_id, "rating": "down", "comment": "Cần thêm căn cứ Nghị quyết của HĐND Thành phố."}
    expect(answer.locator(".act-status")).to_have_text("Cảm ơn anh/chị đã góp ý.")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(down).to_be_disabled()

    from assistant.index.schema import FeedbackRow

    engine = sa.create_engine(server.settings.sql_url)
    try:
        with engine.connect() as c:
            rows = c.execute(sa.select(FeedbackRow.rating, FeedbackRow.comment)
                             .where(FeedbackRow.answer_id == answer_id)).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("down", "Cần thêm căn cứ Nghị quyết của HĐND Thành phố.")]

    # thumbs up on the next answer: one click, no form
    second = ask(page, "Điều 7 Luật Thủ đô quy định gì?")
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as response:
        second.get_by_role("button", name="Câu trả lời hữu ích").click()
    assert response.value.status == 201 and response.value.request.post_data_json["rating"] == "up"
    expect(second.locator(".act-status")).to_have_text("Cảm ơn anh/chị đã góp ý.")


def test_errors_rate_limits_and_declines_in_plain_vietnamese(page, server, screenshots):
    page.goto(f"{server.url}/")
    open_widget(page)

    page.route("**/api/chat", lambda r: r.fulfill(
        status=429, headers={"Retry-After": "20"}, content_type="application/json",
        body=json.dumps({"error": {"code": "rate_limited", "message": "Quá nhiều yêu cầu."}})))
    page.locator(".composer textarea").fill(QUESTION)
    page.locator(".composer textarea").press("Enter")
    err = page.locator(".msg.error")
    expect(err).to_contain_text("gửi nhiều câu hỏi trong thời gian ngắn")
    expect(err).to_contain_text("đợi khoảng 20 giây")
    retry = err.get_by_role("button", name=re.compile("Thử lại sau \\d+ giây"))
    expect(retry).to_be_disabled()
    page.screenshot(path=screenshots / "widget-rate-limited-1280x800.png")
    page.unroute("**/api/chat")

    page.route("**/api/chat", lambda r: r.abort("connectionrefused"))
    page.locator(".composer textarea").fill(QUESTION)
    page.locator(".composer textarea").press("Enter")
    expect(err.last).to_contain_text("Không kết nối được tới máy chủ Trợ lý")
    page.unroute("**/api/chat")

    page.route("**/api/chat", lambda r: r.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=sse([
        ("sources", {"conversation_id": None, "standalone_question": QUESTION, "sources": []}),
        ("error", {"code": "internal_error", "message": "Đã xảy ra lỗi khi trả lời: RuntimeError."}),
        ("done", {})])))
    page.locator(".composer textarea").fill(QUESTION)
    page.locator(".composer textarea").press("Enter")
    expect(err.last).to_contain_text("Đã xảy ra lỗi khi trả lời")
    page.unroute("**/api/chat")

    # "Thử lại" asks the same question again, now reaching the real service
    err.last.get_by_role("button", name="Thử lại").click()
    answer = wait_answer(page, 0)
    expect(answer.locator(".md")).to_contain_text("Khuê Văn Các")
    expect(page.locator(".msg.user")).to_have_count(3)

    declined = ask(page, "Giá vé máy bay đi Paris bao nhiêu?")
    expect(declined.locator(".bubble")).to_have_class(re.compile(r"\bdeclined\b"))
    expect(declined).to_contain_text("Chưa tìm thấy căn cứ phù hợp")
    expect(declined).to_contain_text("Không tìm thấy căn cứ")
    expect(declined.locator(".chip")).to_have_count(0)
    contrast_ok(page)
    page.screenshot(path=screenshots / "widget-errors-1280x800.png")


def test_inline_mode_configuration_and_widget_key(page, server, screenshots):
    html = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Nhúng trực tiếp</title></head>
<body style="margin:0;font-family:serif"><h1>Hỏi đáp pháp luật</h1>
<div style="width:640px;margin:20px"><tro-ly-cong-vu inline api="/" data-key="khoa-thu" data-height="560px"
  data-title="Hỏi đáp pháp luật nội bộ" data-accent="#ffcc00"
  data-strings='{"starters": ["Biểu tượng của Thủ đô là gì?"], "send": "Gửi"}'></tro-ly-cong-vu></div>
<script src="/widget.js" defer></script></body></html>"""
    auth = []
    page.on("request", lambda r: auth.append(r.headers.get("authorization")) if "/api/" in r.url else None)
    serve_html(page, f"{server.url}/inline.html", html)
    page.goto(f"{server.url}/inline.html")
    expect(page.locator(".launcher")).to_have_count(0)  # the page placed the widget: no floating launcher
    panel = page.get_by_role("region", name="Hỏi đáp pháp luật nội bộ")
    expect(panel).to_be_visible()
    assert box(panel)["width"] == 640 and box(panel)["height"] == 560
    send = page.get_by_role("button", name="Gửi", exact=True)
    accent = rgb(send.evaluate("el => getComputedStyle(el).backgroundColor"))
    assert contrast(accent, (255, 255, 255)) >= 4.5, accent  # #ffcc00 was darkened for white text
    expect(page.locator(".starter")).to_have_count(1)
    page.locator(".starter").click()
    answer = wait_answer(page, 0)
    expect(answer.locator(".md")).to_contain_text("Khuê Văn Các")
    answer.locator(".chip").click()
    pane = page.locator(".source-pane")
    expect(pane).to_be_visible()
    expect(page.locator(".panel")).not_to_have_class(re.compile(r"\bsplit\b"))  # too narrow: article over the chat
    expect(pane.locator(".clause.hl")).to_contain_text("Khuê Văn Các")
    contrast_ok(page)
    page.screenshot(path=screenshots / "widget-inline-1280x800.png")
    page.keyboard.press("Escape")
    expect(pane).to_be_hidden()
    expect(panel).to_be_visible()  # Esc does not close an inline widget
    assert auth and all(a == "Bearer khoa-thu" for a in auth), auth


def test_stop_and_new_conversation_while_waiting(page, server):
    page.goto(f"{server.url}/")
    open_widget(page)
    page.route("**/api/chat", lambda route: None)  # the service never answers
    box_ = page.locator(".composer textarea")
    box_.fill(QUESTION)
    box_.press("Enter")
    expect(page.locator(".msg.bot.pending")).to_contain_text("Đang tìm căn cứ…")
    stop = page.get_by_role("button", name="Dừng trả lời")
    stop.click()
    expect(page.locator(".stopped-note")).to_have_text("Đã dừng trả lời.")
    expect(page.get_by_role("button", name="Gửi câu hỏi")).to_be_visible()

    box_.fill(QUESTION)
    box_.press("Enter")
    expect(page.locator(".msg.bot.pending")).to_have_count(1)
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    expect(page.locator(".msg")).to_have_count(0)
    expect(page.get_by_role("button", name="Gửi câu hỏi")).to_be_visible()
    page.unroute("**/api/chat")
    page.locator(".starter").first.click()
    answer = wait_answer(page, 0)
    expect(answer.locator(".chip")).to_contain_text("Điều 2 khoản 3")
    expect(page.locator(".msg")).to_have_count(2)
