"""The audit trail: every chat and search leaves a row (who, when, masked question, retrieved and
cited articles, declined, latency), exported as CSV or JSON Lines; personal data is masked in the
audit rows, their export and the logs."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime

import httpx
import pytest

from assistant.index.store import Index
from assistant.security.audit import AuditLog
from assistant.security.pii import PiiLogFilter, install_log_masking, mask_pii
from assistant.security.principal import Principal, Role
from tests.security.conftest import INTERNAL_DOC, QUESTIONS, SNV_DOC, cli

CCCD, PHONE, EMAIL = "001203001234", "0912 345 678", "nguyen.van.a@hanoi.gov.vn"
RAW = [CCCD, PHONE, "0912345678", EMAIL, "123456789"]
PII_QUESTION = (f"Tôi là Nguyễn Văn A, CCCD {CCCD}, CMND cũ 123456789, điện thoại {PHONE}, email {EMAIL}: "
                + QUESTIONS[INTERNAL_DOC])


def key_id(key: str) -> str:
    return "key:" + key.split("_", 2)[1]


def events(settings, since: datetime) -> list:
    return [e for e in AuditLog(Index(settings).sessions).events(since=since)]


def test_chat_and_search_are_audited_with_masked_questions(server, keys, callers):
    start = datetime.now(UTC).replace(tzinfo=None)
    a = httpx.post(f"{server.url}/api/chat", json={"question": PII_QUESTION}, headers=callers["staff"],
                   timeout=60).json()
    assert a["citations"][0]["doc_id"] == INTERNAL_DOC
    with httpx.stream("POST", f"{server.url}/api/chat", json={"question": QUESTIONS[SNV_DOC], "stream": True},
                      headers=callers["sso_snv"], timeout=60) as r:
        assert r.status_code == 200
        r.read()
    httpx.post(f"{server.url}/v1/chat/completions", json={"messages": [{"role": "user", "content": PII_QUESTION}]},
               headers=callers["admin"], timeout=60)
    httpx.get(f"{server.url}/api/search", params={"q": f"gọi {PHONE} hỏi lịch thi tuyển"},
              headers=callers["staff_snv"], timeout=60)
    declined = httpx.post(f"{server.url}/api/chat", json={"question": "Công thức nấu phở bò ngon?"},
                          headers=callers["widget"], timeout=60).json()
    rows = events(server.settings, start)
    by_endpoint = {r.endpoint: r for r in rows}
    assert {"chat", "chat-stream", "openai", "search"} <= set(by_endpoint)

    chat = next(r for r in rows if r.answer_id == a["id"])
    assert chat.principal == key_id(keys["staff"]) and chat.role == "staff"
    assert chat.access == ["public", "internal"]
    assert chat.cited == [f"{INTERNAL_DOC}:dieu-2"]
    assert f"{INTERNAL_DOC}:dieu-2" in chat.retrieved and len(chat.retrieved) > 1
    assert chat.declined is False and chat.mode == "extractive" and chat.latency_ms > 0
    assert chat.conversation_id == a["conversation_id"] and chat.status == 200 and chat.client == "127.0.0.1"
    for raw in RAW:
        assert raw not in chat.question
    assert "[CCCD]" in chat.question and "[SĐT]" in chat.question and "[EMAIL]" in chat.question
    assert "[CMND]" in chat.question and "máy chủ Lam Sơn" in chat.question  # the question itself stays

    stream = by_endpoint["chat-stream"]
    assert stream.principal == "user:cb-0001" and stream.cited == [f"{SNV_DOC}:dieu-1"]
    assert stream.access == ["public", "internal", "dept:snv"]
    assert by_endpoint["openai"].access is None and "[CCCD]" in by_endpoint["openai"].question
    search = by_endpoint["search"]
    assert search.retrieved and search.cited == [] and search.declined is None
    assert PHONE not in search.question and "[SĐT]" in search.question
    widget = next(r for r in rows if r.answer_id == declined["id"])
    assert widget.declined is True and widget.cited == [] and widget.role == "widget"


def test_audit_export_csv_and_jsonl(server, callers, tmp_path):
    httpx.post(f"{server.url}/api/chat", json={"question": PII_QUESTION}, headers=callers["staff"], timeout=60)
    today = datetime.now(UTC).date().isoformat()
    out = tmp_path / "audit.csv"
    code, _, err = cli(server.settings.data_dir, "audit", "export", "--since", today, "--format", "csv",
                       "--out", str(out))
    assert code == 0 and "Đã xuất" in err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and set(rows[0]) >= {"at", "principal", "role", "endpoint", "question", "retrieved", "cited",
                                     "declined", "latency_ms"}
    pii_rows = [r for r in rows if "Tôi là Nguyễn Văn A" in r["question"]]
    assert pii_rows and all("[CCCD]" in r["question"] for r in pii_rows)
    assert f"{INTERNAL_DOC}:dieu-2" in pii_rows[-1]["cited"].split()
    text = out.read_text(encoding="utf-8")
    for raw in RAW:
        assert raw not in text

    code, stdout, _ = cli(server.settings.data_dir, "audit", "export", "--since", today, "--format", "jsonl")
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert len(lines) == len(rows)
    assert all(isinstance(e["retrieved"], list) and e["at"].endswith("Z") for e in lines)
    for raw in RAW:
        assert raw not in stdout
    # Nothing before the first day, nothing after the last.
    code, stdout, _ = cli(server.settings.data_dir, "audit", "export", "--since", "2020-01-01", "--until",
                          "2020-12-31", "--format", "jsonl")
    assert code == 0 and stdout.strip() == ""
    code, _, err = cli(server.settings.data_dir, "audit", "export", "--since", "hôm qua")
    assert code == 2 and "Ngày không hợp lệ" in err
    code, _, err = cli(server.settings.data_dir, "audit", "export", "--since", today, "--format", "xml")
    assert code == 2 and "Định dạng không hỗ trợ" in err


def test_admin_reads_the_audit_over_http(server, callers):
    r = httpx.get(f"{server.url}/api/admin/audit", params={"limit": 1000}, headers=callers["admin"])
    assert r.status_code == 200 and r.json()["count"] > 0
    assert all(CCCD not in e["question"] for e in r.json()["events"])
    assert httpx.get(f"{server.url}/api/admin/audit", headers=callers["staff"]).status_code == 403


def test_masking_can_be_turned_off(trust_index):
    audit = AuditLog(Index(trust_index).sessions, mask=False)
    who = Principal(id="key:khong-che", role=Role.ADMIN)
    audit.record(who, "search", f"CCCD {CCCD}")
    row = [e for e in audit.events() if e.principal == who.id][-1]
    assert row.question == f"CCCD {CCCD}"


@pytest.mark.parametrize(("text", "masked"), [
    (f"CCCD {CCCD} hoặc 001 203 001 234", "CCCD [CCCD] hoặc [CCCD]"),
    ("CMND 123456789", "CMND [CMND]"),
    ("gọi 0912345678, 0912.345.678, 0912-345-678, +84 912 345 678, (+84)24 3825 6789 hay 84912345678",
     "gọi [SĐT], [SĐT], [SĐT], [SĐT], [SĐT] hay [SĐT]"),
    ("thư gửi Nguyen.Van-A_hoi@so-noi-vu.hanoi.gov.vn nhé", "thư gửi [EMAIL] nhé"),
    ("/api/search?q=a%40b.vn&x=0912345678&y=%2B84912345678", "/api/search?q=[EMAIL]&x=[SĐT]&y=[SĐT]"),
])
def test_personal_data_is_masked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "khoản 2 Điều 15 Nghị định 172/2025/NĐ-CP ngày 21/11/2025",
    "Quyết định số 1597/QĐ-TTPVHCC, mã thủ tục 1.014190",
    "mức phạt từ 100.000.000 đồng đến 1.000.000.000 đồng",
    "Luật số 02/2026/QH16 có 36 Điều, hiệu lực từ 01/07/2026",
])
def test_legal_references_are_not_mistaken_for_personal_data(text):
    assert mask_pii(text) == text


def test_logs_are_masked():
    install_log_masking()
    install_log_masking()  # idempotent
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    access = logging.getLogger("uvicorn.access")
    ours = logging.getLogger("assistant.answering")
    handler, level = Collect(), access.level
    access.addHandler(handler)
    ours.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                    f"/api/search?q=cccd+{CCCD}+email+a%40b.vn", "1.1", 200)
        ours.warning("câu hỏi lỗi: %s", PII_QUESTION)
    finally:
        access.removeHandler(handler)
        ours.removeHandler(handler)
        access.setLevel(level)
    assert len(seen) == 2
    assert CCCD not in seen[0] and "a%40b.vn" not in seen[0] and "[CCCD]" in seen[0] and "[EMAIL]" in seen[0]
    assert all(raw not in seen[1] for raw in RAW) and "máy chủ Lam Sơn" in seen[1]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sđt %s", ("0912345678",), None)
    assert PiiLogFilter().filter(record) and record.getMessage() == "sđt [SĐT]"


def test_refused_requests_are_audited(trust_index, keys):
    """401, 403, 413 and 429 leave a row (who if known, path, status, error code, client) that the export shows."""
    from assistant.api.app import create_app
    from assistant.security.keys import utcnow
    from tests.api.conftest import live_server
    from tests.security.conftest import WIDGET_ORIGIN, auth, secured

    settings = secured(trust_index, rate_limit_search=2, max_body_bytes=4096)
    start = utcnow()
    staff, widget = key_id(keys["staff"]), key_id(keys["widget"])
    search = {"q": "biển hiệu du lịch", "mode": "lexical"}
    with live_server(create_app(settings)) as url:
        sent = [
            httpx.get(f"{url}/api/documents"),  # no credential
            httpx.get(f"{url}/api/documents", headers=auth(f"tlcv_{staff[4:]}_{'x' * 43}")),  # wrong secret
            httpx.get(f"{url}/api/search", params=search, headers=auth(keys["widget"], WIDGET_ORIGIN)),  # role
            httpx.post(f"{url}/api/chat", json={"question": "biển hiệu"},
                       headers=auth(keys["widget"], "https://trang-la.example")),  # origin
            httpx.post(f"{url}/api/chat", json={"question": "a" * 5000}, headers=auth(keys["staff"])),  # size
            *[httpx.get(f"{url}/api/search", params=search, headers=auth(keys["staff"])) for _ in range(3)],
            httpx.get(f"{url}/healthz"),  # public: never audited
            httpx.get(f"{url}/api/documents", headers=auth(keys["staff"])),  # served: no refusal row
        ]
    assert [r.status_code for r in sent] == [401, 401, 403, 403, 413, 200, 200, 429, 200, 200]
    rows = [r for r in events(settings, start) if r.endpoint == "refused"]
    got = sorted((r.path, r.status, r.error, r.principal, r.role) for r in rows)
    assert got == sorted([
        ("/api/documents", 401, "unauthenticated", "anonymous", "none"),
        ("/api/documents", 401, "invalid_credentials", staff, "unverified"),
        ("/api/search", 403, "forbidden", widget, "widget"),
        ("/api/chat", 403, "origin_not_allowed", widget, "unverified"),
        ("/api/chat", 413, "body_too_large", staff, "unverified"),
        ("/api/search", 429, "rate_limited", staff, "staff"),
    ])
    for r in rows:
        assert r.client == "127.0.0.1" and r.question == "" and r.retrieved == [] and r.cited == []
    assert next(r for r in rows if r.status == 429).access == ["public", "internal"]

    today = datetime.now(UTC).date().isoformat()
    code, stdout, _ = cli(settings.data_dir, "audit", "export", "--since", today, "--format", "jsonl")
    exported = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    refused = [e for e in exported if e["endpoint"] == "refused" and e["id"] in {r.id for r in rows}]
    assert code == 0 and len(refused) == 6
    assert {(e["path"], e["status"], e["error"]) for e in refused} >= {("/api/search", 429, "rate_limited"),
                                                                      ("/api/chat", 413, "body_too_large")}
    code, stdout, _ = cli(settings.data_dir, "audit", "export", "--since", today, "--format", "csv")
    csv_rows = [r for r in csv.DictReader(io.StringIO(stdout)) if r["endpoint"] == "refused"]
    assert any(r["path"] == "/api/documents" and r["status"] == "401" and r["error"] == "unauthenticated"
               for r in csv_rows)


def test_refusal_rows_are_bounded_per_client(trust_index):
    """A flood of bad requests cannot flood the audit table."""
    from assistant.api.app import create_app
    from assistant.security.keys import utcnow
    from tests.api.conftest import live_server
    from tests.security.conftest import secured

    settings = secured(trust_index, audit_refused_per_minute=3)
    start = utcnow()
    with live_server(create_app(settings)) as url:
        statuses = [httpx.get(f"{url}/api/documents/flood-{i}").status_code for i in range(8)]
    assert statuses == [401] * 8
    rows = [r for r in events(settings, start) if r.endpoint == "refused" and (r.path or "").startswith(
        "/api/documents/flood-")]
    assert len(rows) == 3
