"""Who may call what: every endpoint for every role, the widget held to its origins, nothing
open without a credential but the health check and the widget's static files."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.auth import check_routes
from tests.security.conftest import ARTICLES, INTERNAL_DOC, PUBLIC_DOC, WIDGET_ORIGIN, auth, secured

Q = "thủ tục cấp biển hiệu phương tiện"
CHAT = {"question": Q}
OPENAI = {"messages": [{"role": "user", "content": Q}]}

# (method, path, json body) → the callers allowed. "none" = no credential at all.
ENDPOINTS = [
    ("GET", "/healthz", None, {"none", "admin", "staff", "widget", "sso"}),
    ("GET", "/", None, {"none", "admin", "staff", "widget", "sso"}),
    ("GET", "/widget.js", None, {"none", "admin", "staff", "widget", "sso"}),
    ("POST", "/api/chat", CHAT, {"admin", "staff", "widget", "sso"}),
    ("POST", "/api/feedback", {"answer_id": "khong-co", "rating": "up"}, {"admin", "staff", "widget", "sso"}),
    ("GET", f"/api/documents/{PUBLIC_DOC}/articles/1", None, {"admin", "staff", "widget", "sso"}),
    ("POST", "/v1/chat/completions", OPENAI, {"admin", "staff", "sso"}),
    ("GET", f"/api/search?q={Q}&mode=lexical", None, {"admin", "staff", "sso"}),
    ("GET", "/api/documents", None, {"admin", "staff", "sso"}),
    ("GET", f"/api/documents/{PUBLIC_DOC}", None, {"admin", "staff", "sso"}),
    ("GET", f"/api/procedures?q={Q}", None, {"admin", "staff", "sso"}),
    ("GET", "/api/procedures/1.014190", None, {"admin", "staff", "sso"}),
    ("GET", f"/api/competence?q={Q}", None, {"admin", "staff", "sso"}),
    ("GET", "/openapi.json", None, {"admin", "staff", "sso"}),
    ("GET", "/docs", None, {"admin", "staff", "sso"}),
    ("GET", "/api/status", None, {"admin"}),
    ("GET", "/metrics", None, {"admin"}),
    ("GET", "/api/admin/audit", None, {"admin"}),
]


@pytest.fixture(scope="module")
def role_headers(callers):
    return {"none": {}, "admin": callers["admin"], "staff": callers["staff"], "widget": callers["widget"],
            "sso": callers["sso_snv"]}


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
def test_each_role_reaches_exactly_its_endpoints(server, role_headers, method, path, body, allowed):
    for caller, headers in role_headers.items():
        r = httpx.request(method, server.url + path, json=body, headers=headers, timeout=60)
        if caller in allowed:
            assert r.status_code not in (401, 403), (caller, r.status_code, r.text[:200])
            assert r.status_code in (200, 404 if "feedback" in path else 200), (caller, r.text[:200])
        elif caller == "none":
            assert r.status_code == 401, (caller, r.status_code)
            assert r.json()["error"]["code"] == "unauthenticated"
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert "Authorization: Bearer" in r.json()["error"]["message"]
        else:
            assert r.status_code == 403, (caller, r.status_code)
            assert r.json()["error"] == {"code": "forbidden", "message": r.json()["error"]["message"]}
            assert "không có quyền" in r.json()["error"]["message"]


def test_unknown_paths_need_a_credential_too(server, callers):
    assert httpx.get(f"{server.url}/api/khong-co").status_code == 401
    assert httpx.get(f"{server.url}/api/khong-co", headers=callers["staff"]).status_code == 404


def test_widget_key_works_only_from_its_origins(server, keys):
    key = keys["widget"]
    url = f"{server.url}/api/chat"
    ok = httpx.post(url, json=CHAT, headers=auth(key, WIDGET_ORIGIN), timeout=60)
    assert ok.status_code == 200
    for origin in ("https://evil.example", "http://noibo.hanoi.gov.vn", "https://noibo.hanoi.gov.vn:8443",
                   "https://noibo.hanoi.gov.vn.evil.example", "null"):
        r = httpx.post(url, json=CHAT, headers=auth(key, origin), timeout=60)
        assert r.status_code == 403, origin
        assert r.json()["error"]["code"] == "origin_not_allowed"
        assert "không được phép dùng trên trang" in r.json()["error"]["message"]
    # No Origin and no Referer (curl, a server): refused.
    r = httpx.post(url, json=CHAT, headers=auth(key), timeout=60)
    assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
    # Browsers send no Origin on same-origin GETs: the Referer's origin counts then.
    article = f"{server.url}/api/documents/{PUBLIC_DOC}/articles/1"
    assert httpx.get(article, headers=auth(key) | {"Referer": f"{WIDGET_ORIGIN}/tin-tuc/trang-1"}).status_code == 200
    assert httpx.get(article, headers=auth(key) | {"Referer": "https://evil.example/"}).status_code == 403
    # Case and default port do not matter, as in the browser's own comparison.
    same = auth(key, "https://NOIBO.hanoi.gov.vn:443")
    assert httpx.post(url, json=CHAT, headers=same, timeout=60).status_code == 200


def test_no_route_without_a_guard():
    app = FastAPI()

    @app.get("/api/quen-bao-ve")
    def unguarded() -> dict:
        return {}

    with pytest.raises(RuntimeError, match="without an access guard"):
        check_routes(app)


def test_auth_disabled_serves_everyone_as_admin(trust_index):
    settings = trust_index.model_copy(update={"auth_disabled": True})
    with TestClient(create_app(settings)) as client:
        docs = client.get("/api/documents").json()["documents"]
        assert INTERNAL_DOC in {d["id"] for d in docs}
        assert client.get("/metrics").status_code == 200
        # Credentials are not even looked at.
        assert client.get("/api/documents", headers={"Authorization": "Bearer khoa-thu"}).status_code == 200


def test_auth_is_on_by_default():
    from assistant.settings import Settings

    assert Settings().auth_disabled is False and Settings().metrics_open is False


def test_metrics_and_openapi_can_be_opened_by_settings(trust_index):
    closed = secured(trust_index)
    with TestClient(create_app(closed)) as client:
        for path in ("/metrics", "/openapi.json", "/docs"):
            assert client.get(path).status_code == 401, path
        # Probes are always open, and say no more than ready or not and why.
        assert set(client.get("/readyz").json()) == {"ready", "reason"}
    opened = secured(trust_index, metrics_open=True, openapi_open=True)
    with TestClient(create_app(opened)) as client:
        for path in ("/metrics", "/openapi.json", "/docs"):
            assert client.get(path).status_code == 200, path
        assert client.get("/api/documents").status_code == 401  # everything else stays closed
        assert client.get(f"/api/documents/{INTERNAL_DOC}/articles/{ARTICLES[INTERNAL_DOC]}").status_code == 401
