"""No document leaks to a caller who may not read it: not through search, chat (JSON and SSE),
citations, the document and article views, or /v1/chat/completions — for every kind of caller."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.test_chat_api import sse_events
from tests.security.conftest import (
    ARTICLES,
    INTERNAL_DOC,
    PUBLIC_DOC,
    QUESTIONS,
    SNV_DOC,
    TC_DOC,
    VISIBLE,
    assert_no_leak,
)

CALLERS = list(VISIBLE)
PUBLIC_QUESTION = "Thời hạn giải quyết thủ tục cấp biển hiệu phương tiện vận tải khách du lịch bằng đường thủy nội địa?"


def dump(body: object) -> str:
    return json.dumps(body, ensure_ascii=False)


def cited(answer: dict) -> set[str]:
    return {c["doc_id"] for c in answer["citations"]}


@pytest.mark.parametrize("caller", CALLERS)
def test_search_returns_only_readable_documents(server, callers, caller):
    for doc, question in QUESTIONS.items():
        r = httpx.get(f"{server.url}/api/search", params={"q": question, "k": 20}, headers=callers[caller], timeout=60)
        if caller == "widget":
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
            return
        assert r.status_code == 200, r.text
        found = [h["doc_id"] for h in r.json()["results"]]
        assert set(found) <= VISIBLE[caller], (caller, question, found)
        if doc in VISIBLE[caller]:
            assert found[0] == doc  # the control: a reader of the document does find it
        assert_no_leak(dump(r.json()["results"]), caller, "search")
    # A question naming a hidden document and article does not pin it either.
    r = httpx.get(f"{server.url}/api/search", params={"q": "Điều 1 Kế hoạch 45/KH-SNV", "k": 20},
                  headers=callers[caller], timeout=60)
    found = {h["doc_id"] for h in r.json()["results"]}
    assert found <= VISIBLE[caller] and set(r.json()["resolved_documents"]) <= VISIBLE[caller]
    assert (SNV_DOC in found) == (SNV_DOC in VISIBLE[caller])


@pytest.mark.parametrize("caller", CALLERS)
def test_chat_answers_and_cites_only_readable_documents(server, callers, caller):
    for doc, question in QUESTIONS.items():
        r = httpx.post(f"{server.url}/api/chat", json={"question": question}, headers=callers[caller], timeout=60)
        assert r.status_code == 200, r.text
        a = r.json()
        assert cited(a) <= VISIBLE[caller], (caller, question, cited(a))
        assert {s["doc_id"] for s in a["sources"]} <= VISIBLE[caller]
        if doc in VISIBLE[caller]:
            assert not a["declined"], (question, a["decline_reason"], a["confidence"])
            assert a["citations"][0]["doc_id"] == doc
            # The citation's link opens the article for this caller.
            view = httpx.get(server.url + a["citations"][0]["url"], headers=callers[caller], timeout=30)
            assert view.status_code == 200 and view.json()["document"]["id"] == doc
        assert_no_leak(dump({k: v for k, v in a.items() if k not in ("question", "standalone_question")}), caller,
                       "chat")


@pytest.mark.parametrize("caller", CALLERS)
def test_streamed_chat_carries_nothing_unreadable(server, callers, caller):
    question = QUESTIONS[SNV_DOC]
    with httpx.stream("POST", f"{server.url}/api/chat", json={"question": question, "stream": True},
                      headers=callers[caller], timeout=60) as r:
        assert r.status_code == 200
        events = sse_events(r)
    assert [n for n, _ in events][-1] == "done"
    answer = next(d for n, d in events if n == "answer")
    assert cited(answer) <= VISIBLE[caller]
    sources = next(d for n, d in events if n == "sources")["sources"]
    assert {s["doc_id"] for s in sources} <= VISIBLE[caller]
    assert (SNV_DOC in cited(answer)) == (SNV_DOC in VISIBLE[caller])
    for name, data in events:
        data = {k: v for k, v in data.items() if k not in ("question", "standalone_question")}
        assert_no_leak(dump(data), caller, f"stream event {name}")


@pytest.mark.parametrize("caller", CALLERS)
def test_openai_endpoint_respects_access(server, callers, caller):
    for doc, question in QUESTIONS.items():
        body = {"model": "tro-ly-cong-vu", "messages": [{"role": "user", "content": question}]}
        r = httpx.post(f"{server.url}/v1/chat/completions", json=body, headers=callers[caller], timeout=60)
        if caller == "widget":
            assert r.status_code == 403
            return
        assert r.status_code == 200, r.text
        out = r.json()
        assert cited(out) <= VISIBLE[caller]
        assert (doc in cited(out)) == (doc in VISIBLE[caller])
        assert_no_leak(dump(out), caller, "/v1 answer")
        with httpx.stream("POST", f"{server.url}/v1/chat/completions", json=body | {"stream": True},
                          headers=callers[caller], timeout=60) as s:
            text = "".join(s.iter_text())
        assert "[DONE]" in text
        assert_no_leak(text, caller, "/v1 stream")


@pytest.mark.parametrize("caller", CALLERS)
def test_document_and_article_views_hide_unreadable_documents(server, callers, caller):
    headers = callers[caller]
    listed = httpx.get(f"{server.url}/api/documents", headers=headers)
    if caller == "widget":
        assert listed.status_code == 403  # the widget opens cited articles, it does not browse
    else:
        assert {d["id"] for d in listed.json()["documents"]} == VISIBLE[caller]
        assert_no_leak(listed.text, caller, "document list")
    missing = httpx.get(f"{server.url}/api/documents/khong-ton-tai/articles/1", headers=headers).json()
    for doc in (PUBLIC_DOC, INTERNAL_DOC, SNV_DOC, TC_DOC):
        article = httpx.get(f"{server.url}/api/documents/{doc}/articles/{ARTICLES.get(doc, '1')}", headers=headers)
        document = httpx.get(f"{server.url}/api/documents/{doc}", headers=headers)
        if doc in VISIBLE[caller]:
            assert article.status_code == 200 and article.json()["document"]["id"] == doc
            assert document.status_code == (403 if caller == "widget" else 200)
        else:
            # Hidden is indistinguishable from absent: 404 with the same code and wording.
            assert article.status_code == 404, (caller, doc)
            assert article.json()["error"]["code"] == missing["error"]["code"] == "not_found"
            assert article.json()["error"]["message"] == missing["error"]["message"].replace("khong-ton-tai", doc)
            assert document.status_code == (403 if caller == "widget" else 404)
            assert_no_leak(article.text.replace(doc, "") + document.text.replace(doc, ""), caller, "views")


def test_public_answers_still_work_for_the_widget(server, callers):
    a = httpx.post(f"{server.url}/api/chat", json={"question": PUBLIC_QUESTION}, headers=callers["widget"],
                   timeout=60).json()
    assert not a["declined"] and cited(a) == {PUBLIC_DOC}


def test_a_conversation_is_continued_only_by_its_owner(server, callers):
    first = httpx.post(f"{server.url}/api/chat", json={"question": QUESTIONS[SNV_DOC]},
                       headers=callers["staff_snv"], timeout=60).json()
    follow = {"question": "còn thời gian thi tuyển thì sao?", "conversation_id": first["conversation_id"]}
    mine = httpx.post(f"{server.url}/api/chat", json=follow, headers=callers["staff_snv"], timeout=60)
    assert mine.status_code == 200 and mine.json()["conversation_id"] == first["conversation_id"]
    for other in ("staff", "widget", "sso_tc"):
        r = httpx.post(f"{server.url}/api/chat", json=follow, headers=callers[other], timeout=60)
        assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"
        assert "Sở Nội vụ" not in r.text
    # Feedback, likewise, comes from whoever got the answer.
    other = httpx.post(f"{server.url}/api/feedback", json={"answer_id": first["id"], "rating": "up"},
                       headers=callers["widget"])
    assert other.status_code == 404
    own = httpx.post(f"{server.url}/api/feedback", json={"answer_id": first["id"], "rating": "up"},
                     headers=callers["staff_snv"])
    assert own.status_code == 201
