"""Documents named by other documents (issue 19, items 2–4; issue 18, item 6).

A small lexical index (no vectors): three real decisions of the Hà Nội corpus, public; a decision of
department ``aaa`` that replaces one of them ("… thay thế Quyết định số 1594/QĐ-TTPVHCC") and says
another was replaced; a public decision saying a third was replaced by a text we do not hold.
Every route that returns document metadata is asked by every kind of caller: the hidden decision's
id, số hiệu, date and successor never reach a caller who may not read it, and the force derived
from it is "cần kiểm tra hiệu lực", never its dates."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import event

from assistant.settings import Settings
from tests.api.test_chat_api import sse_events

OLD = "quyet-dinh-1594-QD-TTPVHCC-HN"  # replaced by HIDDEN, effective 01/12/2025
SAID = "quyet-dinh-1597-QD-TTPVHCC-HN"  # a public text says it was replaced by 2001/QĐ-TTPVHCC (not held)
HIDDEN_SAID = "quyet-dinh-1609-QD-TTPVHCC-HN"  # only HIDDEN says it was replaced (by 3003/QĐ-AAA)
HIDDEN = "quyet-dinh-77-QD-AAA"
PUBLIC_NOTE = "quyet-dinh-5-QD-PUB"
ORIGIN = "https://noibo.hanoi.gov.vn"

HIDDEN_TEXT = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
BAN AAA
Số: 77/QĐ-AAA
Hà Nội, ngày 25 tháng 11 năm 2025
QUYẾT ĐỊNH
Về quy trình nội bộ tiếp nhận hồ sơ tín ngưỡng của Ban Quảng Bá
Điều 1. Quy trình nội bộ
Ban Quảng Bá tiếp nhận hồ sơ tín ngưỡng theo quy trình zircon trong 3 ngày làm việc.
Điều 2. Văn bản liên quan
Quyết định số 1609/QĐ-TTPVHCC đã được thay thế bởi Quyết định số 3003/QĐ-AAA.
Điều 3. Hiệu lực thi hành
Quyết định này có hiệu lực kể từ ngày 01 tháng 12 năm 2025 và thay thế Quyết định số 1594/QĐ-TTPVHCC.
"""
PUBLIC_NOTE_TEXT = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG
Số: 5/QĐ-PUB
Hà Nội, ngày 02 tháng 12 năm 2025
QUYẾT ĐỊNH
Về danh mục văn bản áp dụng tại Bộ phận một cửa
Điều 1. Văn bản áp dụng
Quyết định số 1597/QĐ-TTPVHCC đã được thay thế bởi Quyết định số 2001/QĐ-TTPVHCC.
Điều 2. Hiệu lực thi hành
Quyết định này có hiệu lực kể từ ngày ký.
"""
# What a caller who may not read HIDDEN must never see.
CANARIES = [HIDDEN, "77/QĐ-AAA", "3003/QĐ-AAA", "01/12/2025", "2025-12-01", "Quảng Bá", "zircon"]
READERS = {"admin", "staff_aaa"}  # who may read HIDDEN


@pytest.fixture(scope="module")
def naming_index(tmp_path_factory, hanoi_dir) -> Settings:
    from assistant.index.store import Index
    from ingest.pipeline import ingest_files

    root = tmp_path_factory.mktemp("naming")
    corpus = root / "corpus"
    corpus.mkdir()
    files = []
    for doc in (OLD, SAID, HIDDEN_SAID):
        shutil.copy(hanoi_dir / f"{doc}.txt", corpus)
        files.append((corpus / f"{doc}.txt", "public"))
    for doc, text, access in ((HIDDEN, HIDDEN_TEXT, "dept:aaa"), (PUBLIC_NOTE, PUBLIC_NOTE_TEXT, "public")):
        (corpus / f"{doc}.txt").write_text(text, encoding="utf-8")
        files.append((corpus / f"{doc}.txt", access))
    settings = Settings(data_dir=root / "data", auth_disabled=False, redis_url=None, rate_limit_chat=0,
                        rate_limit_search=0, rate_limit_default=0)
    index = Index(settings)
    for path, access in files:
        results = ingest_files([path], index, settings, access=access)
        assert not [r.message for r in results if r.failed]
    hidden = index.get_document(HIDDEN)
    assert hidden.replaces == ["1594/QĐ-TTPVHCC"] and hidden.effective.isoformat() == "2025-12-01"
    index.engine.dispose()
    return settings


@pytest.fixture(scope="module")
def naming_server(naming_index) -> Iterator[SimpleNamespace]:
    from assistant.api.app import create_app
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore
    from tests.api.conftest import live_server

    store = KeyStore(Index(naming_index).sessions)
    keys = {
        "admin": store.create("admin", "Quản trị").plaintext,
        "staff": store.create("staff", "Chuyên viên").plaintext,
        "staff_aaa": store.create("staff", "Chuyên viên Ban AAA", scopes="dept:aaa").plaintext,
        "widget": store.create("widget", "Cổng nội bộ", origins=ORIGIN).plaintext,
    }
    with live_server(create_app(naming_index)) as url:
        # The demo page's key: a chat-only widget key bound to the server's own origin, as `serve` makes it.
        demo = store.create("widget", "Trang minh hoạ", origins=url).plaintext
        headers = {name: {"Authorization": f"Bearer {k}"} | ({"Origin": ORIGIN} if name == "widget" else {})
                   for name, k in keys.items()}
        headers["demo"] = {"Authorization": f"Bearer {demo}", "Referer": f"{url}/"}
        yield SimpleNamespace(url=url, headers=headers)


CALLERS = ["admin", "staff", "staff_aaa", "widget", "demo"]


def responses(server: SimpleNamespace, caller: str) -> dict[str, httpx.Response]:
    """Every route that returns document metadata, asked by one caller."""
    h = server.headers[caller]
    url = server.url
    force_q = "Quyết định 1594/QĐ-TTPVHCC còn hiệu lực không?"
    out = {
        "documents": httpx.get(f"{url}/api/documents", headers=h),
        "document": httpx.get(f"{url}/api/documents/{OLD}", headers=h),
        "document_hidden_said": httpx.get(f"{url}/api/documents/{HIDDEN_SAID}", headers=h),
        "document_said": httpx.get(f"{url}/api/documents/{SAID}", headers=h),
        "article": httpx.get(f"{url}/api/documents/{OLD}/articles/3", headers=h),
        "article_hidden_said": httpx.get(f"{url}/api/documents/{HIDDEN_SAID}/articles/1", headers=h),
        "search": httpx.get(f"{url}/api/search", params={"q": force_q, "mode": "lexical"}, headers=h),
        "search_1609": httpx.get(f"{url}/api/search", params={"q": "Quyết định 1609/QĐ-TTPVHCC còn hiệu lực không?",
                                                                "mode": "lexical"}, headers=h),
        "chat": httpx.post(f"{url}/api/chat", json={"question": force_q}, headers=h, timeout=120),
        "chat_sse": httpx.post(f"{url}/api/chat", json={"question": force_q, "stream": True}, headers=h, timeout=120),
        "openai": httpx.post(f"{url}/v1/chat/completions", json={"model": "x", "messages": [
            {"role": "user", "content": force_q}]}, headers=h, timeout=120),
    }
    return out


@pytest.fixture(scope="module")
def answers(naming_server) -> dict[str, dict[str, httpx.Response]]:
    return {caller: responses(naming_server, caller) for caller in CALLERS}


def _docs(r: httpx.Response, route: str) -> list[dict]:
    if route.startswith(("chat", "openai")):
        return []
    body = r.json()
    if route == "documents":
        return body["documents"]
    if route.startswith("article"):
        return [body["document"]]
    if route.startswith("document"):
        return [body]
    if route.startswith("search"):
        return body["results"]
    return []


@pytest.mark.parametrize("caller", CALLERS)
def test_no_route_names_a_hidden_document(answers, caller):
    for route, r in answers[caller].items():
        if r.status_code == 403:  # widget keys: chat and articles only
            assert caller in ("widget", "demo") and route in ("documents", "document", "document_said",
                                                              "document_hidden_said", "search", "search_1609",
                                                              "openai"), (caller, route)
            continue
        assert r.status_code == 200, (caller, route, r.text)
        if caller in READERS:
            continue
        for canary in CANARIES:
            assert canary not in r.text, f"{route}: {caller} saw '{canary}'"


@pytest.mark.parametrize("caller", CALLERS)
def test_validity_derived_from_a_hidden_text_is_restricted(answers, caller):
    """The rule (README, Security): 'cần kiểm tra hiệu lực' + 'liên hệ quản trị', never dates or ids."""
    views = [d for route, r in answers[caller].items() if r.status_code == 200 for d in _docs(r, route)]
    old = [d for d in views if (d.get("doc_id") or d.get("id")) == OLD]
    hidden_said = [d for d in views if (d.get("doc_id") or d.get("id")) == HIDDEN_SAID]
    assert old and hidden_said
    if caller in READERS:
        assert {(d["validity"], d["validity_since"], d["replaced_by"]) for d in old} == {
            ("hết hiệu lực", "2025-12-01", HIDDEN)}
        assert {(d["validity"], d["successor"]) for d in hidden_said} == {
            ("có thể đã hết hiệu lực", "Quyết định 3003/QĐ-AAA")}
    else:
        for d in old + hidden_said:
            assert (d["validity"], d["validity_since"], d["replaced_by"], d["successor"]) == (
                "cần kiểm tra hiệu lực", None, None, None)
            assert d["validity_evidence"] == [] and "liên hệ quản trị" in d["validity_note"]
    chat = answers[caller]["chat"].json()
    status = [n for n in chat["notes"] if n.startswith("Tình trạng hiệu lực")]
    if caller in READERS:
        assert status and "đã hết hiệu lực từ ngày 01/12/2025" in status[0]
    else:
        assert status and "có văn bản khác liên quan đến hiệu lực; liên hệ quản trị" in status[0]
        assert "đang còn hiệu lực" not in chat["text"]
    sources = [s for s in chat["sources"] if s["doc_id"] == OLD]
    assert all(s["validity"] == ("hết hiệu lực" if caller in READERS else "cần kiểm tra hiệu lực") for s in sources)
    events = sse_events(answers[caller]["chat_sse"])
    final = next(data for name, data in events if name == "answer")
    assert final["notes"] == chat["notes"]


@pytest.mark.parametrize("caller", CALLERS)
def test_a_supersession_stated_in_a_readable_text(answers, caller):
    """Issue 18, item 6: a public text says 1597 was replaced by a decision not in the collection."""
    if answers[caller]["document_said"].status_code == 403:
        return
    d = answers[caller]["document_said"].json()
    assert d["validity"] == "có thể đã hết hiệu lực" and d["successor"] == "Quyết định 2001/QĐ-TTPVHCC"
    assert [(e["doc_id"], e["article_id"]) for e in d["validity_evidence"]] == [(PUBLIC_NOTE, f"{PUBLIC_NOTE}:dieu-1")]


def test_status_line_for_a_superseded_text_names_the_successor_not_held(naming_server):
    h = naming_server.headers["staff"]
    r = httpx.post(f"{naming_server.url}/api/chat", json={"question": "Quyết định 1597/QĐ-TTPVHCC còn hiệu lực không?"},
                   headers=h, timeout=120)
    status = [n for n in r.json()["notes"] if n.startswith("Tình trạng hiệu lực")]
    assert status == [
        "Tình trạng hiệu lực theo dữ liệu văn bản: Quyết định 1597/QĐ-TTPVHCC có thể đã được thay thế bởi Quyết định "
        "2001/QĐ-TTPVHCC — văn bản này chưa có trong hệ thống (theo Điều 1 Quyết định 5/QĐ-PUB); cần kiểm tra trước "
        "khi áp dụng."]


@pytest.mark.parametrize("caller", ["staff", "widget", "demo"])
def test_timings_are_for_admins_only(answers, caller):
    for route in ("search", "chat", "chat_sse"):
        r = answers[caller][route]
        if r.status_code == 403:
            continue
        assert "timings_ms" not in r.text and "retrieval_ms" not in r.text, (caller, route)
    assert "timings_ms" in answers["admin"]["search"].json() and "timings_ms" in answers["admin"]["chat"].json()


def test_a_word_only_hidden_documents_hold_is_treated_as_absent(naming_index):
    """The term-existence oracle: for a caller without dept:aaa, 'zircon' (only in HIDDEN) and a word found
    nowhere take the same path — pruned before any full-text query runs — and give the same confidence."""
    from assistant.index.store import Index
    from assistant.retrieval.search import Retriever, SearchFilters

    index = Index(naming_index)
    retriever = Retriever(index, naming_index)
    public = SearchFilters(access=["public", "internal"])
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if "MATCH" in statement:
            statements.append(statement)

    event.listen(index.engine, "before_cursor_execute", count)
    try:
        hidden = retriever.search("quy trình zircon", k=5, filters=public, mode="lexical")
        n_hidden = len(statements)
        absent = retriever.search("quy trình qwxyzt", k=5, filters=public, mode="lexical")
        n_absent = len(statements) - n_hidden
        before = len(statements)
        only_hidden = retriever.search("zircon", k=5, filters=public, mode="lexical")
        n_only_hidden = len(statements) - before
        reader = retriever.search("zircon", k=5, filters=SearchFilters(access=["public", "dept:aaa"]),
                                  mode="lexical")
    finally:
        event.remove(index.engine, "before_cursor_execute", count)
    assert n_hidden == n_absent
    assert [h.article_id for h in hidden.hits] == [h.article_id for h in absent.hits]
    assert hidden.confidence == absent.confidence
    assert only_hidden.hits == [] and n_only_hidden == 0  # no full-text query ran for it at all
    assert reader.hits and reader.hits[0].doc_id == HIDDEN  # the control: a reader finds it


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_document_frequencies_per_access_label(backend, tmp_path, request):
    """Both full-text backends count a word per access label; the labels' sums are the whole index's."""
    from assistant.index import lexical
    from assistant.index.store import Index
    from ingest.pipeline import ingest_files

    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    index = Index(settings)
    for doc, text, access in ((HIDDEN, HIDDEN_TEXT, "dept:aaa"), (PUBLIC_NOTE, PUBLIC_NOTE_TEXT, "public")):
        path = tmp_path / f"{doc}.txt"
        path.write_text(text, encoding="utf-8")
        assert not [r.message for r in ingest_files([path], index, settings, access=access) if r.failed]
    with index.engine.connect() as conn:
        per = lexical.document_frequencies_by_access(conn)
        n_all, whole = lexical.document_frequencies(conn)
    assert set(per) == {"public", "dept:aaa"}
    assert per["dept:aaa"][1].get("zircon", 0) > 0 and "zircon" not in per["public"][1]
    n, combined = lexical.combine_frequencies(per, None)
    assert n == n_all and combined == {t: k for t, k in whole.items() if k > 0}
    index.engine.dispose()
