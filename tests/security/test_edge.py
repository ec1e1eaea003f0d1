"""The edge of the service (issue 19): masking that stays linear whatever a client sends, oversized
URLs and headers refused before anything reads them, access-log lines that survive masking, and
X-Forwarded-For believed only from configured proxies."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from assistant.api.edge import client_address, parse_networks
from assistant.index.store import Index
from assistant.security.audit import AuditLog
from assistant.security.keys import KeyStore, utcnow
from assistant.security.pii import PiiLogFilter, mask_pii
from assistant.settings import Settings
from tests.api.conftest import live_server

ORIGIN = "https://noibo.hanoi.gov.vn"


def test_masking_is_linear_in_its_input():
    """60,000 characters of each shape that made a pattern backtrack cost 26 s before; now milliseconds."""
    n = 60_000
    shapes = ["/x" + "a" * n, "a." * (n // 2), "1-" * (n // 2), "a@" + "b" * n, "9" * n, "%20" * (n // 3),
              "0 " * (n // 2), "+" * n, "(+84)" * (n // 5)]
    t0 = time.perf_counter()
    for s in shapes:
        mask_pii(s)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize(("text", "masked"), [
    ("/api/search?q=sdt+0912345678+nhe", "/api/search?q=sdt+[SĐT]+nhe"),
    ("/api/documents/0912345678", "/api/documents/[SĐT]"),
    ("/api/documents/001203001234/articles/1", "/api/documents/[CCCD]/articles/1"),
    ("q=lien+he+%2B84912345678", "q=lien+he+[SĐT]"),
])
def test_phone_numbers_after_plus_or_slash_are_masked(text, masked):
    assert mask_pii(text) == masked


def test_masking_keeps_the_arguments_a_formatter_unpacks():
    """uvicorn's access formatter unpacks record.args; masking must not replace them with None."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/search?q=a+0912345678", "1.1", 200), None)
    PiiLogFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == '127.0.0.1:5000 - "GET /api/search?q=a+[SĐT] HTTP/1.1" 200 OK'


@pytest.fixture
def edge_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", auth_disabled=False, redis_url=None, rate_limit_chat=0,
                    rate_limit_search=0, rate_limit_default=0)


class Lines(logging.Handler):
    """The access log as uvicorn would write it; a formatting error is kept, not printed."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # noqa: BLE001 - what logging would print as "--- Logging error ---"
            self.errors.append(repr(exc))


@contextmanager
def serve_with_access_log(settings: Settings) -> Iterator[tuple[str, Lines]]:
    """The app under uvicorn with its access log on, collected by ``Lines``."""
    from assistant.api.app import create_app

    access = logging.getLogger("uvicorn.access")
    handler, level, propagate = Lines(), access.level, access.propagate
    access.addHandler(handler)
    access.propagate = False
    try:
        with live_server(create_app(settings), log_config=None, log_level="info", access_log=True) as base:
            yield base, handler
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
        access.propagate = propagate


def test_long_urls_are_refused_and_healthz_stays_responsive(edge_settings):
    """Before: 60,000-character URLs cost 27 s of masking each on the event loop; /healthz took seconds."""
    long_paths = ["/x" + "a" * 60_000, "/healthz?x=" + "a" * 60_000]
    statuses: list[int] = []
    stop = threading.Event()

    def flood(path: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                statuses.append(client.get(base + path).status_code)

    with serve_with_access_log(edge_settings) as (base, log):
        threads = [threading.Thread(target=flood, args=(long_paths[i % 2],)) for i in range(3)]
        for t in threads:
            t.start()
        latencies = []
        try:
            for _ in range(15):
                t0 = time.perf_counter()
                assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
                latencies.append(time.perf_counter() - t0)
                time.sleep(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        r = httpx.get(base + long_paths[0], timeout=30)
        at_limit = httpx.get(f"{base}/x" + "a" * (edge_settings.max_url_bytes - 2), timeout=30)
    assert statuses and set(statuses) == {414}
    assert r.status_code == 414 and r.json()["error"]["code"] == "uri_too_long"
    assert at_limit.status_code == 401  # within the limit: on to authentication
    assert max(latencies) < 1.0, latencies
    assert not log.errors
    # The access log keeps a bounded line for each refused request.
    refused = [line for line in log.lines if '" 414' in line]
    assert refused and max(len(line) for line in refused) < 3000


def test_oversized_headers_are_refused(edge_settings):
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app

    with TestClient(create_app(edge_settings)) as client:
        big = client.get("/healthz", headers={"X-Padding": "a" * edge_settings.max_header_bytes})
        ok = client.get("/healthz", headers={"X-Padding": "a" * 4000})
    assert big.status_code == 431 and big.json()["error"]["code"] == "headers_too_large"
    assert ok.status_code == 200


def test_access_log_lines_survive_masking_and_audit_paths_are_masked(edge_settings):
    """Before: a URL with personal data lost its access-log line ("--- Logging error --- … TypeError")."""
    start = utcnow() - timedelta(seconds=1)
    with serve_with_access_log(edge_settings) as (base, log):
        assert httpx.get(f"{base}/healthz", params={"q": "goi 0912345678"}).status_code == 200
        assert httpx.get(f"{base}/api/documents/0912345678").status_code == 401
        assert httpx.get(f"{base}/api/search?q=a+0912345678+b%40c.vn").status_code == 401
        time.sleep(0.2)
    assert not log.errors, log.errors
    assert len(log.lines) >= 3
    text = "\n".join(log.lines)
    assert "0912345678" not in text and "b%40c.vn" not in text
    assert '"GET /healthz?q=goi+[SĐT] HTTP/1.1" 200 OK' in text
    assert '"GET /api/documents/[SĐT] HTTP/1.1" 401 Unauthorized' in text
    assert '"GET /api/search?q=a+[SĐT]+[EMAIL] HTTP/1.1" 401 Unauthorized' in text
    rows = [e for e in AuditLog(Index(edge_settings).sessions).events(since=start) if e.endpoint == "refused"]
    paths = [r.path for r in rows]
    assert "/api/documents/[SĐT]" in paths and not any("0912345678" in p for p in paths)


@pytest.mark.parametrize(("peer", "xff", "trusted", "expected"), [
    ("127.0.0.1", "203.0.113.9", [], "127.0.0.1"),  # no trusted proxy: the header is ignored
    ("198.51.100.7", "203.0.113.9", ["10.0.0.0/8"], "198.51.100.7"),  # not from a trusted proxy
    ("10.0.0.2", "203.0.113.9", ["10.0.0.0/8"], "203.0.113.9"),
    ("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.3", ["10.0.0.0/8"], "203.0.113.9"),  # spoofed left part ignored
    ("10.0.0.2", "khong-phai-ip", ["10.0.0.0/8"], "10.0.0.2"),
    ("::1", "2001:db8::5", ["::1"], "2001:db8::5"),
])
def test_forwarded_for_is_believed_only_from_trusted_proxies(peer, xff, trusted, expected):
    assert client_address(peer, xff, parse_networks(trusted)) == expected


def test_trusted_proxies_setting_is_validated():
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies=["10.0.0.0/33"])


@pytest.mark.parametrize("trusted", [[], ["127.0.0.1"]])
def test_forwarded_for_cannot_reset_a_widget_rate_limit(edge_settings, trusted):
    """Before: every new X-Forwarded-For from a local client got a fresh per-client counter."""
    from tests.api.conftest import live_server

    settings = edge_settings.model_copy(update={"rate_limit_default": 3, "trusted_proxies": trusted})
    index = Index(settings)
    widget = KeyStore(index.sessions).create("widget", "Cổng nội bộ", origins=ORIGIN).plaintext
    start = utcnow() - timedelta(seconds=1)
    from assistant.api.app import create_app

    with live_server(create_app(settings)) as url:
        statuses = [httpx.get(f"{url}/api/documents/khong-co/articles/1", headers={
            "Authorization": f"Bearer {widget}", "Origin": ORIGIN, "X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(6)]
        assert httpx.get(f"{url}/api/documents", headers={"X-Forwarded-For": "203.0.113.77"}).status_code == 401
    rows = [e for e in AuditLog(index.sessions).events(since=start) if e.endpoint == "refused"]
    if not trusted:
        assert statuses == [404, 404, 404, 429, 429, 429]
        assert sorted(r.client for r in rows) == ["127.0.0.1"] * 4
    else:  # behind a configured proxy each forwarded client has its own counter and is audited as such
        assert statuses == [404] * 6
        assert [r.client for r in rows] == ["203.0.113.77"]


def test_log_queue_writes_from_a_thread_with_the_arguments_intact():
    """`serve` moves its handlers behind a queue; the access formatter still gets its 5-tuple."""
    from assistant.logqueue import install_log_queue, stop_log_queue

    logger = logging.getLogger("tests.edge.queue")
    handler = Lines()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    install_log_queue(("tests.edge.queue",))
    try:
        assert handler not in logger.handlers  # behind the queue now
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/healthz", "1.1", 200)
    finally:
        stop_log_queue()  # flushes
    assert handler.lines == ['127.0.0.1:5000 - "GET /healthz HTTP/1.1" 200 OK'] and not handler.errors
