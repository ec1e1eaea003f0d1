"""Abuse resistance: per-caller rate limits (Redis and in-process), body size, question and
history length, and clear Vietnamese errors with stable codes when the database is down."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from assistant.api.app import create_app
from assistant.security.principal import Principal, Role
from assistant.security.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.conftest import free_port
from tests.security.conftest import WIDGET_ORIGIN, auth, secured

REDIS_URL = "redis://127.0.0.1:6379/0"
SEARCH = {"q": "thủ tục cấp biển hiệu", "mode": "lexical"}


def assert_429(r: httpx.Response, limit: int, window: int) -> None:
    assert r.status_code == 429
    err = r.json()["error"]
    assert err["code"] == "rate_limited" and "thử lại sau" in err["message"]
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= window and err["retry_after"] == retry and f"{retry} giây" in err["message"]
    assert r.headers["x-ratelimit-limit"] == str(limit) and r.headers["x-ratelimit-remaining"] == "0"


def test_in_process_rate_limit_per_key(trust_index, keys):
    settings = secured(trust_index, rate_limit_search=3, rate_limit_window_seconds=60)
    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            assert client.get("/api/search", params=SEARCH, headers=auth(keys["staff"])).status_code == 200
        assert_429(client.get("/api/search", params=SEARCH, headers=auth(keys["staff"])), 3, 60)
        # Per key: another caller is not held back, and other buckets are counted apart.
        assert client.get("/api/search", params=SEARCH, headers=auth(keys["admin"])).status_code == 200
        assert client.get("/api/documents", headers=auth(keys["staff"])).status_code == 200


@pytest.fixture
def redis_prefix() -> str:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:  # pragma: no cover - Redis runs on every machine here
        pytest.fail(f"local Redis not reachable: {exc}")
    prefix = f"tlcv-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    for name in client.scan_iter(f"{prefix}*"):
        client.delete(name)


def test_redis_rate_limit_is_shared_by_workers(trust_index, keys, redis_prefix):
    import redis

    settings = secured(trust_index, redis_url=REDIS_URL, redis_prefix=redis_prefix, rate_limit_chat=3,
                       rate_limit_window_seconds=60)
    question = {"question": "Thủ tục cấp biển hiệu phương tiện vận tải khách du lịch?"}
    headers = auth(keys["staff"])
    # Two app instances stand for two worker processes: they share the counter in Redis.
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        assert one.post("/api/chat", json=question, headers=headers).status_code == 200
        assert two.post("/api/chat", json=question, headers=headers).status_code == 200
        body = {"messages": [{"role": "user", "content": question["question"]}]}
        assert one.post("/v1/chat/completions", json=body, headers=headers).status_code == 200  # same bucket
        assert_429(two.post("/api/chat", json=question, headers=headers), 3, 60)
        assert one.post("/api/chat", json=question, headers=auth(keys["admin"])).status_code == 200
    names = [n.decode() for n in redis.Redis.from_url(REDIS_URL).scan_iter(f"{redis_prefix}*")]
    assert any(n.startswith(f"{redis_prefix}rl:chat:key:") for n in names)
    ttl = redis.Redis.from_url(REDIS_URL).ttl(names[0])
    assert 0 < ttl <= 61


def test_widget_keys_are_counted_per_client(trust_index, keys):
    from assistant.api.auth import rate_limit_key

    class Req:
        def __init__(self, ip: str) -> None:
            self.client = type("C", (), {"host": ip})()

    widget = Principal(id="key:w", role=Role.WIDGET, origins=(WIDGET_ORIGIN,))
    staff = Principal(id="key:s", role=Role.STAFF)
    assert rate_limit_key(Req("10.0.0.1"), widget) != rate_limit_key(Req("10.0.0.2"), widget)
    assert rate_limit_key(Req("10.0.0.1"), staff) == rate_limit_key(Req("10.0.0.2"), staff) == "key:s"
    settings = secured(trust_index, rate_limit_chat=1)
    with TestClient(create_app(settings)) as client:
        headers = auth(keys["widget"], WIDGET_ORIGIN)
        assert client.post("/api/feedback", json={"answer_id": "x", "rating": "up"}, headers=headers).status_code == 404
        r1 = client.post("/api/chat", json={"question": "biển hiệu du lịch"}, headers=headers)
        r2 = client.post("/api/chat", json={"question": "biển hiệu du lịch"}, headers=headers)
        assert r1.status_code == 200 and r2.status_code == 429


def test_window_resets_and_redis_outage_falls_back():
    now = [1000.0]
    memory = MemoryRateLimiter(clock=lambda: now[0])
    assert [memory.hit("k", 2, 10).allowed for _ in range(3)] == [True, True, False]
    assert memory.hit("k", 2, 10).retry_after == 10
    now[0] = 1010.0
    assert memory.hit("k", 2, 10).allowed
    down = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0", "tlcv-test:")
    assert [down.hit("k", 1, 60).allowed for _ in range(2)] == [True, False]  # still limited, in process


def test_oversized_bodies_get_413(trust_index, keys):
    settings = secured(trust_index, max_body_bytes=4096)
    with TestClient(create_app(settings)) as client:
        big = {"question": "a" * 5000}
        r = client.post("/api/chat", json=big, headers=auth(keys["staff"]))
        assert r.status_code == 413
        assert r.json()["error"] == {"code": "body_too_large", "limit": 4096,
                                     "message": "Nội dung yêu cầu quá lớn (tối đa 4096 byte)."}

        def chunks():
            for _ in range(10):
                yield b'{"question": "' + b"a" * 1000

        # Chunked transfer: no Content-Length, counted while reading.
        json_headers = auth(keys["staff"]) | {"content-type": "application/json"}
        r = client.post("/api/chat", content=chunks(), headers=json_headers)
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
        r = client.post("/api/chat", content=b"{}", headers=auth(keys["staff"]) | {"content-length": "abc"})
        assert r.status_code in (400, 413)
        assert client.post("/api/chat", json={"question": "biển hiệu"}, headers=auth(keys["staff"])).status_code == 200


def test_question_and_history_limits(trust_index, keys):
    settings = secured(trust_index, max_question_chars=100, max_history_messages=4)
    headers = auth(keys["staff"])
    with TestClient(create_app(settings)) as client:
        long = "Thủ tục cấp biển hiệu " * 10
        for r in (client.post("/api/chat", json={"question": long}, headers=headers),
                  client.get("/api/search", params={"q": long, "mode": "lexical"}, headers=headers),
                  client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": long}]},
                              headers=headers)):
            assert r.status_code == 422
            err = r.json()["error"]
            assert err["code"] == "question_too_long" and "tối đa 100 ký tự" in err["message"]
        history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"câu {i}"} for i in range(5)]
        r = client.post("/v1/chat/completions", json={"messages": history}, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "history_too_long"
        assert client.post("/v1/chat/completions", json={"messages": history[:4]}, headers=headers).status_code == 200


def test_database_outage_is_a_clear_503(trust_index, keys, monkeypatch):
    settings = secured(trust_index)
    app = create_app(settings)

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    with TestClient(app) as client:
        monkeypatch.setattr(app.state.index, "list_documents", down)
        r = client.get("/api/documents", headers=auth(keys["staff"]))
        assert r.status_code == 503 and r.json()["error"]["code"] == "database_unavailable"
        assert r.headers["retry-after"] == "30" and "thử lại" in r.json()["error"]["message"]
        monkeypatch.setattr(app.state.auth.keys, "sessions", down)
        r = client.get("/api/documents", headers=auth(keys["staff"]))
        assert r.status_code == 503 and r.json()["error"]["code"] == "auth_unavailable"


def test_a_question_of_only_spaces_or_punctuation_is_a_422(trust_index, keys):
    headers = auth(keys["staff"])
    with TestClient(create_app(secured(trust_index))) as client:
        for question in ("   ", "?!…", " ... ??"):
            r = client.post("/api/chat", json={"question": question}, headers=headers)
            assert r.status_code == 422 and r.json()["error"]["code"] == "question_empty", question
            assert "chưa có nội dung" in r.json()["error"]["message"]
            r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]},
                            headers=headers)
            # a message of spaces only is no user message at all there
            assert r.status_code == 422 and r.json()["error"]["code"] in ("question_empty", "no_user_message")
        r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "?!…"}]},
                        headers=headers)
        assert r.json()["error"]["code"] == "question_empty"
