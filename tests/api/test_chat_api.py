"""The chat API over real HTTP on the real Hà Nội index, extractive mode (no LLM configured).

Requests carry a staff API key (admin for the operational endpoints), as real callers do."""

from __future__ import annotations

import json

import httpx
import pytest
from openai import OpenAI

from assistant.api.app import create_app
from tests.api.conftest import api_keys, live_server


@pytest.fixture(scope="module")
def keys(hanoi_settings):
    with api_keys(hanoi_settings) as keys:
        yield keys


@pytest.fixture(scope="module")
def base(hanoi_settings, keys):
    with live_server(create_app(hanoi_settings.model_copy(update={"auth_disabled": False}))) as url:
        yield url


@pytest.fixture(scope="module")
def api(base, keys):
    """A client of the service with a staff key."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['staff']}"}, timeout=30) as client:
        yield client


def sse_events(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and name:
            events.append((name, json.loads(line.split(":", 1)[1])))
            name = None
    return events


def test_extractive_answer_quotes_and_cites_the_article(api):
    r = api.post("/api/chat", json={"question": "Biểu tượng của Thủ đô là gì?"}, timeout=30)
    assert r.status_code == 200
    a = r.json()
    assert not a["declined"] and a["mode"] == "extractive"
    c = a["citations"][0]
    assert (c["doc_id"], c["article"], c["clause"]) == ("luat-thu-do-02-2026-QH16", "2", "3")
    assert "Khuê Văn Các" in c["quote"] and f"“{c['quote']}”" in a["text"] and "[1]" in a["text"]
    assert c["validity"] == "còn hiệu lực"
    # The citation's link opens the article with the cited khoản highlighted.
    view = api.get(c["url"]).json()
    assert view["article"]["label"] == "Điều 2"
    assert [x["number"] for x in view["article"]["clauses"] if x["highlight"]] == ["3"]
    assert view["document"]["validity"] == "còn hiệu lực"


def test_every_quote_is_verbatim_in_its_source(api):
    for q in ("Thời hạn xử lý kỷ luật công chức là bao lâu?", "khoản 2 Điều 15 Nghị định 172/2025/NĐ-CP",
              "Hồ sơ đăng ký khai tử gồm những gì?"):
        a = api.post("/api/chat", json={"question": q}, timeout=30).json()
        assert a["citations"], q
        for c in a["citations"]:
            view = api.get(c["url"]).json()
            assert " ".join(c["quote"].split()) in " ".join(view["article"]["text"].split())


def test_expired_source_is_flagged_in_the_answer(api):
    a = api.post("/api/chat", json={"question": "Điều 5 Luật Tiếp cận thông tin 2016"}, timeout=30).json()
    assert a["citations"][0]["doc_id"] == "luat-tiep-can-thong-tin-104-2016-QH13"
    assert a["citations"][0]["validity"] == "hết hiệu lực"
    assert "đã hết hiệu lực" in a["text"] and "01/2026/QH16" in a["text"]


def test_unanswerable_question_is_declined_with_nearest_documents(api):
    a = api.post("/api/chat", json={"question": "Công thức nấu phở bò ngon tại nhà?"}, timeout=30).json()
    assert a["declined"] and not a["citations"]
    assert a["text"].startswith("Không tìm thấy căn cứ trong các văn bản hiện có")


def test_a_quantity_question_is_answered_only_by_a_passage_stating_it(api):
    # The passage that states the duration is quoted…
    a = api.post("/api/chat", json={"question": "Đăng ký khai tử phải làm trong bao nhiêu ngày kể từ ngày "
                                                "người thân chết?"}, timeout=30).json()
    assert not a["declined"]
    assert any(c["doc_id"] == "luat-ho-tich-60-2014-QH13" and c["article"] == "33" and "15 ngày" in c["quote"]
               for c in a["citations"])
    # …and a question whose sources are on topic but state no amount declines, however similar they look.
    a = api.post("/api/chat", json={"question": "Người được tặng danh hiệu Công dân Thủ đô ưu tú được thưởng "
                                                "bao nhiêu tiền?"}, timeout=30).json()
    # (the closest passage refers the reward to another resolution: "referred" names it)
    assert a["declined"] and a["decline_reason"] in ("no_quantity", "referred") and not a["citations"]
    assert "Công dân Thủ đô ưu tú" in a["text"]  # the closest documents are still named


def test_a_question_about_a_place_no_source_mentions_is_declined(api):
    a = api.post("/api/chat", json={"question": "Đà Nẵng có chính sách thu hút nhân tài cho công chức như "
                                                "thế nào?"}, timeout=30).json()
    assert a["declined"] and a["decline_reason"] == "unknown_name"
    a = api.post("/api/chat", json={"question": "Phường Hồng Hà được sắp xếp từ những phường nào?"}, timeout=30).json()
    assert not a["declined"] and a["citations"]


def test_streaming_events_in_order(api):
    with api.stream("POST", "/api/chat", json={"question": "Điều 7 Luật Thủ đô", "stream": True},
                      timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    names = [n for n, _ in events]
    assert names[0] == "sources" and names[-1] == "done"
    assert names.count("token") >= 2 and names.index("citations") < names.index("answer")
    tokens = "".join(d["text"] for n, d in events if n == "token")
    answer = next(d for n, d in events if n == "answer")
    assert tokens == answer["text"]
    assert answer["citations"][0]["article"] == "7"
    # Accept header alone also selects SSE.
    with api.stream("POST", "/api/chat", json={"question": "Điều 2 Luật Thủ đô"},
                      headers={"Accept": "text/event-stream"}, timeout=30) as r:
        assert sse_events(r)[0][0] == "sources"


def test_follow_up_is_rewritten_with_the_conversation(api):
    first = api.post("/api/chat", json={"question": "Thủ tục đăng ký khai tử ở đâu?"}, timeout=30).json()
    follow = api.post("/api/chat", json={"question": "còn thời hạn thì sao?",
                                                  "conversation_id": first["conversation_id"]}, timeout=30).json()
    assert follow["conversation_id"] == first["conversation_id"]
    assert "khai tử" in follow["standalone_question"] and "thời hạn" in follow["standalone_question"]
    assert any(c["doc_id"] == "luat-ho-tich-60-2014-QH13" for c in follow["citations"])


def test_feedback_is_stored_and_validated(api, hanoi_settings):
    a = api.post("/api/chat", json={"question": "Điều 1 Luật Thủ đô"}, timeout=30).json()
    r = api.post("/api/feedback", json={"answer_id": a["id"], "rating": "down", "comment": "thiếu khoản 2"})
    assert r.status_code == 201
    from sqlalchemy import select

    from assistant.index.schema import FeedbackRow
    from assistant.index.store import Index

    with Index(hanoi_settings).sessions() as s:
        row = s.scalars(select(FeedbackRow).where(FeedbackRow.answer_id == a["id"])).one()
    assert (row.rating, row.comment) == ("down", "thiếu khoản 2")
    bad = api.post("/api/feedback", json={"answer_id": "nope", "rating": "up"})
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "answer_not_found"
    bad = api.post("/api/feedback", json={"answer_id": a["id"], "rating": "meh"})
    assert bad.status_code == 422 and "rating" in bad.json()["error"]["message"]


def test_documents_endpoints(api):
    docs = api.get("/api/documents").json()["documents"]
    assert len(docs) == 28
    old = next(d for d in docs if d["id"] == "luat-tiep-can-thong-tin-104-2016-QH13")
    assert old["validity"] == "hết hiệu lực" and old["replaced_by"] == "luat-tiep-can-thong-tin-01-2026-QH16"
    # What the collection's texts imply (issue 18, item 6): later texts cite NĐ 118/2025 (not held) on the
    # same matter as their legal basis; NĐ 63/2010's codification notes name its amending decrees.
    one_stop = next(d for d in docs if d["id"] == "nghi-dinh-61-2018-ND-CP")
    assert (one_stop["validity"], one_stop["successor"], one_stop["replaced_by"]) == (
        "có thể đã hết hiệu lực", "Nghị định 118/2025/NĐ-CP", None)
    assert {e["doc_id"] for e in one_stop["validity_evidence"]} == {"nghi-quyet-77-2025-NQ-HDND-HN",
                                                                   "quyet-dinh-1594-QD-TTPVHCC-HN"}
    control = next(d for d in docs if d["id"] == "nghi-dinh-63-2010-ND-CP")
    assert control["validity"] == "còn hiệu lực"
    assert {"Nghị định 48/2013/NĐ-CP", "Nghị định 92/2017/NĐ-CP"} <= set(control["amended_by"])
    assert sum(d["validity"] == "có thể đã hết hiệu lực" for d in docs) == 1
    d = api.get("/api/documents/quyet-dinh-74-2025-QD-UBND-HN").json()
    keys = [a["key"] for a in d["articles"]]
    assert "qd:dieu-2" in keys and "dieu-2" in keys
    own = api.get("/api/documents/quyet-dinh-74-2025-QD-UBND-HN/articles/qd:dieu-2").json()
    assert own["article"]["text"].startswith("Điều 2. Quyết định này có hiệu lực")
    missing = api.get("/api/documents/luat-thu-do-02-2026-QH16/articles/99")
    assert missing.status_code == 404 and "Điều 99" in missing.json()["error"]["message"]


def test_health_ready_metrics_and_docs(base, api, keys):
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    # Probes need no credential; the fully embedded index is ready.
    assert httpx.get(f"{base}/readyz").json() == {"ready": True, "reason": None}
    assert httpx.get(f"{base}/api/status").status_code == 401  # the details: admin only
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    api.post("/api/chat", json={"question": "Công thức nấu phở bò?"}, timeout=30)
    m = httpx.get(f"{base}/metrics", headers=admin).text
    assert 'assistant_answers_total{declined="true",mode="extractive"}' in m
    assert "assistant_retrieval_seconds_count" in m and "assistant_http_requests_total" in m
    assert api.get("/docs").status_code == 200
    assert "/api/chat" in api.get("/openapi.json").json()["paths"]
    assert httpx.post(f"{base}/api/chat", json={"question": "Điều 1 Luật Thủ đô"}).status_code == 401


def test_openai_compatible_endpoint_with_the_official_client(base, keys):
    client = OpenAI(base_url=f"{base}/v1", api_key=keys["staff"])  # the key travels as a bearer token
    r = client.chat.completions.create(model="tro-ly-cong-vu",
                                       messages=[{"role": "user", "content": "Biểu tượng của Thủ đô là gì?"}])
    content = r.choices[0].message.content
    assert "Khuê Văn Các" in content and "Nguồn:" in content and "[1]" in content
    extra = r.model_extra or {}
    assert extra["citations"][0]["doc_id"] == "luat-thu-do-02-2026-QH16"
    stream = client.chat.completions.create(model="tro-ly-cong-vu", stream=True,
                                            messages=[{"role": "user", "content": "Điều 2 Luật Thủ đô"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "Hà Nội" in text and "Nguồn:" in text
    assert (chunks[-1].model_extra or {}).get("citations")


def test_bad_requests_get_vietnamese_json_errors(api):
    r = api.post("/api/chat", json={"question": ""})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = api.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "x"}]})
    assert r.status_code == 422 and "câu hỏi" in r.json()["error"]["message"]


def test_personal_data_is_not_stored_with_the_conversation(api, hanoi_settings):
    from sqlalchemy import select

    from assistant.index.schema import AnswerRow, MessageRow
    from assistant.index.store import Index

    q = "Tôi số CCCD 001203004567, điện thoại 0912345678, hỏi thủ tục khai tử ở đâu?"
    a = api.post("/api/chat", json={"question": q}).json()
    with Index(hanoi_settings).sessions() as s:
        row = s.get(AnswerRow, a["id"])
        msgs = list(s.scalars(select(MessageRow.content).where(MessageRow.conversation_id == a["conversation_id"])))
    stored = row.question + row.standalone_question + " ".join(msgs)
    assert "001203004567" not in stored and "0912345678" not in stored


def test_warm_up_loads_the_query_model_and_term_statistics_before_serving(hanoi_settings):
    """`serve` (and each worker) warms up, so a worker's first requests do not wait for the model."""
    cold, warm = create_app(hanoi_settings), create_app(hanoi_settings, warm_up=True)
    with live_server(cold), live_server(warm):
        assert cold.state.retriever._embedder is None and cold.state.answers.composer._stats is None
        assert warm.state.retriever._embedder is not None and warm.state.answers.composer._stats is not None
