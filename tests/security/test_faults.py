"""Faults of the services behind the API, on real servers: a `chroma run` server stopped, hung and
restarted under a running service (search goes lexical-only, then hybrid again by itself), and a
private PostgreSQL restarted and stopped (clear 503s, never a hang or a 500, then recovery)."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from tests.api.conftest import live_server
from tests.conftest import free_port
from tests.security.conftest import auth, secured

DOCS = ["quyet-dinh-1597-QD-TTPVHCC-HN.txt", "quyet-dinh-1609-QD-TTPVHCC-HN.txt", "nghi-quyet-81-2025-NQ-HDND-HN.txt"]
QUESTION = "Thủ tục cấp biển hiệu phương tiện vận tải khách du lịch"
TARGET_DOC = "quyet-dinh-1597-QD-TTPVHCC-HN"


def copy_docs(hanoi_dir: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(hanoi_dir / name, folder)) for name in DOCS]


def ingest(settings: Settings, files: list[Path]) -> None:
    from assistant.index.store import Index
    from ingest.pipeline import ingest_files

    index = Index(settings)
    results = ingest_files(files, index, settings)
    assert not [r.message for r in results if r.failed]
    index.engine.dispose()


def admin_key(settings: Settings) -> str:
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore

    index = Index(settings)
    try:
        return KeyStore(index.sessions).create("admin", "Kiểm thử sự cố").plaintext
    finally:
        index.engine.dispose()


# -- Chroma ---------------------------------------------------------------------------------------------


class ChromaServer:
    """A `chroma run` server on a fixed port and folder, stopped and started again by the test."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        exe = Path(sys.executable).parent / "chroma"
        self.proc = subprocess.Popen([str(exe), "run", "--path", str(self.path), "--port", str(self.port),
                                      "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("chroma server did not start")

    def pause(self) -> None:
        """Alive but not answering: connections are accepted, requests never answered."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def chroma(tmp_path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def search(url: str, headers: dict[str, str], timeout: float = 30) -> tuple[dict, float]:
    t0 = time.monotonic()
    r = httpx.get(f"{url}/api/search", params={"q": QUESTION, "k": 5}, headers=headers, timeout=timeout)
    elapsed = time.monotonic() - t0
    assert r.status_code == 200, r.text
    return r.json(), elapsed


def assert_lexical_only(body: dict) -> None:
    assert body["degraded"] == ["vectors"] and body["mode"] == "hybrid"
    results = body["results"]
    assert results and results[0]["doc_id"] == TARGET_DOC
    assert all(h["dense_score"] == 0 for h in results) and results[0]["lexical_score"] > 0


def assert_hybrid(body: dict) -> None:
    assert body["degraded"] == []
    assert body["results"][0]["doc_id"] == TARGET_DOC and body["results"][0]["dense_score"] > 0.5


def until_hybrid(url: str, headers: dict[str, str], limit: float = 30) -> float:
    """Seconds until searches use the vectors again."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        body, _ = search(url, headers)
        if not body["degraded"]:
            assert_hybrid(body)
            return time.monotonic() - t0
        time.sleep(0.2)
    pytest.fail(f"hybrid search did not come back within {limit} s of Chroma's return")


def degraded_total(url: str, headers: dict[str, str]) -> float:
    text = httpx.get(f"{url}/metrics", headers=headers, timeout=10).text
    line = next(ln for ln in text.splitlines() if ln.startswith('assistant_degraded_total{component="vectors"}'))
    return float(line.split()[-1])


def test_chroma_outage_degrades_to_lexical_and_recovers(chroma, tmp_path, hanoi_dir, caplog, record_property):
    """Started while Chroma is down, hung Chroma, stopped Chroma: 200 with lexical results and the
    degraded flag, in bounded time; hybrid again by itself once the server is back (same folder, port)."""
    from assistant.api.app import create_app
    from assistant.embeddings import make_embedder
    from assistant.index.store import Index

    timeout, retry = 1.5, 1.0
    settings = secured(Settings(data_dir=tmp_path / "data", chroma_url=chroma.url, chroma_timeout_seconds=timeout,
                                chroma_retry_seconds=retry))
    ingest(settings, copy_docs(hanoi_dir, tmp_path / "corpus"))
    index = Index(settings)
    assert index.sync_vectors(make_embedder(settings)).embedded > 0
    index.engine.dispose()
    headers = auth(admin_key(settings))

    chroma.stop()
    caplog.set_level(logging.WARNING, logger="assistant.index.vectors")
    with live_server(create_app(settings)) as url:
        # 1. The service starts while Chroma is down: lexical answers, flagged.
        body, _ = search(url, headers, timeout=120)  # the first query also loads the query embedder
        assert_lexical_only(body)
        assert any("unavailable" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
        chat = httpx.post(f"{url}/api/chat", json={"question": QUESTION}, headers=headers, timeout=30)
        assert chat.status_code == 200 and chat.json()["id"]
        # Still an answer, not a decline: without vectors the confidence is the lexical coverage.
        assert not chat.json()["declined"] and chat.json()["citations"] and chat.json()["degraded"] == ["vectors"]

        # 2. Chroma comes up: hybrid again without restarting the service.
        chroma.start()
        recovered_start = until_hybrid(url, headers)
        hybrid, _ = search(url, headers)
        dense_before = hybrid["results"][0]["dense_score"]

        # 3. Chroma hangs (SIGSTOP): one search waits at most about the timeout, the next ones not at all.
        chroma.pause()
        body, hung_first = search(url, headers)
        assert_lexical_only(body)
        assert hung_first < timeout + 2.0
        body, hung_next = search(url, headers)  # within the pause before the next try
        assert_lexical_only(body)
        assert hung_next < 1.0
        chroma.resume()
        recovered_resume = until_hybrid(url, headers)

        # 4. Chroma stopped: refused connections are answered lexically at once.
        chroma.stop()
        time.sleep(retry)  # past any pause from an earlier failure: this search really asks the server
        body, stopped = search(url, headers)
        assert_lexical_only(body)
        assert stopped < 2.0
        chat_t0 = time.monotonic()
        chat = httpx.post(f"{url}/api/chat", json={"question": QUESTION}, headers=headers, timeout=30)
        chat_s = time.monotonic() - chat_t0
        assert chat.status_code == 200 and chat_s < 5.0 and not chat.json()["declined"]

        # 5. Started again on the same port and folder: the same vectors, found again by themselves.
        restart_t0 = time.monotonic()
        chroma.start()
        server_up = time.monotonic() - restart_t0
        recovered_restart = until_hybrid(url, headers)
        again, _ = search(url, headers)
        assert again["results"][0]["dense_score"] == pytest.approx(dense_before, abs=1e-4)
        assert degraded_total(url, headers) >= 4

    for name, value in {"hung_first_s": hung_first, "hung_next_s": hung_next, "stopped_search_s": stopped,
                        "stopped_chat_s": chat_s, "recovered_after_start_s": recovered_start,
                        "recovered_after_resume_s": recovered_resume, "chroma_restart_s": server_up,
                        "recovered_after_restart_s": recovered_restart}.items():
        record_property(name, round(value, 3))
    print(f"chroma faults: hung first {hung_first:.2f} s, hung next {hung_next:.2f} s, stopped {stopped:.3f} s, "
          f"chat while stopped {chat_s:.2f} s, hybrid back {recovered_start:.2f}/{recovered_resume:.2f}/"
          f"{recovered_restart:.2f} s after start/resume/restart (server up in {server_up:.1f} s)")


# -- PostgreSQL -----------------------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster owned by the `postgres` user, on a free port, trust auth."""

    def __init__(self) -> None:
        missing = [p for p in (PG_BIN / "initdb", PG_BIN / "pg_ctl") if not p.exists()]
        if missing or shutil.which("runuser") is None:
            pytest.skip(f"PostgreSQL server binaries or runuser not found ({', '.join(map(str, missing))})")
        try:
            self.uid = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no `postgres` system user to run a private PostgreSQL")
        if os.geteuid() != 0:
            pytest.skip("a private PostgreSQL is started with runuser, which needs root")
        self.dir = Path(tempfile.mkdtemp(prefix="tlcv-pg-"))
        os.chown(self.dir, self.uid.pw_uid, self.uid.pw_gid)
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync", timeout=120)

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    def ctl(self, *args: str) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "30",
                  *args)

    def start(self) -> None:
        self.ctl("-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def restart(self) -> None:
        self.ctl("-m", "fast", "restart")  # the options of the last start are kept (postmaster.opts)

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.remove()


class Prober:
    """Requests in a loop from a thread, each with a timeout: (seconds, status, error code, caller)."""

    def __init__(self, url: str, callers: dict[str, dict[str, str]], timeout: float) -> None:
        self.url, self.callers, self.timeout = url, callers, timeout
        self.seen: list[tuple[float, int, str | None, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for name, headers in self.callers.items():
                self.seen.append((*probe(self.url, headers, self.timeout), name))

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 5)


def probe(url: str, headers: dict[str, str], timeout: float) -> tuple[float, int, str | None]:
    """(seconds, status, error code); a success must find the right document, an error must explain itself."""
    t0 = time.monotonic()
    try:
        r = httpx.get(f"{url}/api/search", params={"q": QUESTION, "mode": "lexical"}, headers=headers,
                      timeout=timeout)
    except httpx.TimeoutException:
        return time.monotonic() - t0, 0, "client_timeout"
    elapsed = time.monotonic() - t0
    try:
        body = r.json()
    except ValueError:
        return elapsed, r.status_code, "not_json"
    if r.status_code == 200:
        return elapsed, 200, None if body["results"][0]["doc_id"] == TARGET_DOC else "wrong_results"
    error = body.get("error") or {}
    return elapsed, r.status_code, error.get("code") if error.get("message") else "no_message"


def until_ok(url: str, callers: dict[str, dict[str, str]], timeout: float, limit: float = 30) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if all(probe(url, h, timeout)[1:] == (200, None) for h in callers.values()):
            return time.monotonic() - t0
        time.sleep(0.1)
    pytest.fail(f"the service did not recover within {limit} s of PostgreSQL's return")


def check_outage(seen: list[tuple[float, int, str | None, str]], bound: float, *, settled: bool = False) -> None:
    """Only successes and clear 503s, each within the bound; the SSO caller's 503 names the database.

    An API key is looked up in the database, so with the database gone its 503 comes from the
    authentication step. While the database is going down, a key may still be verified a moment before
    the search query fails: then the 503 names the database, which is just as true. ``settled`` says
    the database was already gone before the request, so only the authentication step can answer.
    """
    for elapsed, status, code, caller in seen:
        assert status in (200, 503), (status, code, caller)
        assert status == 503 or code is None, (status, code, caller)
        assert elapsed < bound, (elapsed, status, code, caller)
        if status == 503:
            if caller != "key":
                expected = {"database_unavailable"}
            elif settled:
                expected = {"auth_unavailable"}
            else:
                expected = {"auth_unavailable", "database_unavailable"}
            assert code in expected, (code, caller)


def test_postgresql_restart_and_outage(private_pg, tmp_path, hanoi_dir, sso, record_property):
    from assistant.api.app import create_app

    connect_timeout = 3
    settings = secured(Settings(data_dir=tmp_path / "data", database_url=private_pg.url,
                                database_connect_timeout_seconds=connect_timeout), sso)
    ingest(settings, copy_docs(hanoi_dir, tmp_path / "corpus"))  # lexical only: no embedding needed
    callers = {"key": auth(admin_key(settings)), "sso": auth(sso.token())}
    bound = connect_timeout + 3.0  # a request never waits much longer than one connection attempt
    client_timeout = 20.0

    with live_server(create_app(settings)) as url:
        for headers in callers.values():
            assert probe(url, headers, client_timeout)[1] == 200

        # A fast restart while requests keep coming: each one succeeds or gets a clear 503.
        with Prober(url, callers, client_timeout) as prober:
            time.sleep(0.5)
            t0 = time.monotonic()
            private_pg.restart()
            restart_s = time.monotonic() - t0
            recovered_restart = until_ok(url, callers, client_timeout)
            time.sleep(0.3)
        check_outage(prober.seen, bound)
        during = [s for s in prober.seen if s[1] == 503]

        # Stopped entirely: 503 at once (never a hang, never a 500); the health check still answers.
        private_pg.stop()
        for name, headers in callers.items():
            elapsed, status, code = probe(url, headers, client_timeout)
            check_outage([(elapsed, status, code, name)], bound, settled=True)
            assert status == 503
        r = httpx.get(f"{url}/api/documents", headers=callers["sso"], timeout=client_timeout)
        assert r.status_code == 503 and r.headers["retry-after"] == "30"
        assert r.json()["error"] == {"code": "database_unavailable",
                                     "message": "Cơ sở dữ liệu tạm thời không truy cập được. Vui lòng thử lại "
                                                "sau ít phút."}
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        stopped = max(probe(url, h, client_timeout)[0] for h in callers.values())

        # Started again: the service answers by itself.
        private_pg.start()
        recovered_start = until_ok(url, callers, client_timeout)

    record_property("pg_restart_s", round(restart_s, 2))
    record_property("recovered_after_restart_s", round(recovered_restart, 3))
    record_property("recovered_after_start_s", round(recovered_start, 3))
    print(f"postgresql faults: restart took {restart_s:.2f} s, {len(prober.seen)} requests during it "
          f"({len(during)} got 503), answering again {recovered_restart:.3f} s after the restart; "
          f"503 in {stopped:.3f} s while stopped; answering again {recovered_start:.3f} s after start")


def test_unresponsive_postgresql_fails_within_the_connect_timeout():
    """A server that accepts the connection and never answers (a hung host) costs at most the timeout."""
    import socket

    from sqlalchemy.exc import OperationalError

    from assistant.index.sql import make_engine

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes handshakes; nobody ever answers
        port = listener.getsockname()[1]
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", connect_timeout=2)
        t0 = time.monotonic()
        with pytest.raises(OperationalError), engine.connect():
            pass
        elapsed = time.monotonic() - t0
        engine.dispose()
    assert 1.5 < elapsed < 2 + 2.0, elapsed
