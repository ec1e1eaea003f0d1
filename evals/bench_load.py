"""Load benchmark over real HTTP on loopback: C concurrent clients for T seconds against the
extractive ``POST /api/chat`` (questions of evals/golden/hanoi_dev.jsonl), in two configurations:

* ``embedded``: the default deployment — SQLite + embedded Chroma, one process;
* ``server``: `assistant serve --workers N` on PostgreSQL (database ``bench_load`` on the local
  server, dropped afterwards), a Chroma server (``chroma run`` from the venv) and Redis (shared
  rate-limit counters).

    python -m evals.bench_load [--clients 50] [--seconds 60] [--workers 2] [--config embedded --config server]

Both start from the cached, embedded Hà Nội index (data/eval-cache, as evals/bench_chat.py): the
``server`` index is ingested into PostgreSQL and its vectors are copied from the cache
(``CachedEmbedder``), never re-embedded. Every request carries a staff API key and goes through
the rate limiter (limit set far above the load), so authentication and limiting are measured.
The load generator runs on the same two cores as the service. Writes evals/results/bench_load.json
(configurations of an earlier run that were not re-run are kept).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from assistant.retrieval.search import percentile
from assistant.settings import Settings

console = Console()
RESULTS = Path(__file__).parent / "results" / "bench_load.json"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
DATABASE = "bench_load"
HIGH_LIMIT = "1000000000"  # requests per window: the limiter counts every request, rejects none
START_TIMEOUT = 240.0


# -- the load ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)  # successful (200) requests
    statuses: Counter[str] = field(default_factory=Counter)  # "200", "429", "ReadTimeout"…

    def summary(self) -> dict[str, Any]:
        ok = self.statuses.get("200", 0)
        total = sum(self.statuses.values())
        lat = self.latencies_ms
        return {
            "seconds": round(self.seconds, 2),
            "requests": total,
            "ok": ok,
            "errors": total - ok,
            "errors_by_status": {k: v for k, v in sorted(self.statuses.items()) if k != "200"},
            "throughput_rps": round(ok / self.seconds, 2) if self.seconds else 0.0,
            "latency_ms": {name: round(percentile(lat, p), 1) if lat else None
                           for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
        }


async def run_load(url: str, questions: list[str], clients: int, seconds: float,
                   headers: dict[str, str] | None = None, timeout: float = 30.0) -> LoadResult:
    """``clients`` users, each with its own keep-alive connection, posting questions back to back
    until ``seconds`` have passed; a request still in flight then finishes (at most ``timeout``)."""
    result = LoadResult(seconds=0.0)
    t_start = time.perf_counter()
    deadline = t_start + seconds

    async def user(i: int) -> None:
        async with httpx.AsyncClient(timeout=timeout, headers=headers or {}) as client:
            n = i
            while time.perf_counter() < deadline:
                question = questions[n % len(questions)]
                n += clients
                t0 = time.perf_counter()
                try:
                    r = await client.post(url, json={"question": question})
                    status = str(r.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                    await asyncio.sleep(0.05)  # a refused connection must not spin
                if status == "200":
                    result.latencies_ms.append((time.perf_counter() - t0) * 1000)
                result.statuses[status] += 1

    await asyncio.gather(*(user(i) for i in range(clients)))
    result.seconds = time.perf_counter() - t_start
    return result


# -- processes -----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the process group (uvicorn workers, chroma) if it does not exit."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@contextmanager
def process(cmd: list[str], log: Path, ready_url: str, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _wait_http(ready_url, proc, log)
        yield
    finally:
        _stop(proc)


def service_env(**assistant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "ASSISTANT_DEMO_WIDGET_KEY": "false",
            "ASSISTANT_RATE_LIMIT_CHAT": HIGH_LIMIT,
            # Questions repeat during a run: without this every repeat would skip its embedding.
            "ASSISTANT_QUERY_CACHE_SIZE": "0"}
    env |= {f"ASSISTANT_{k.upper()}": v for k, v in assistant.items()}
    return env


@contextmanager
def assistant_server(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--workers", str(workers)]
    base = f"http://127.0.0.1:{port}"
    with process(cmd, log, f"{base}/healthz", env):
        yield base


@contextmanager
def chroma_server(path: Path, log: Path) -> Iterator[str]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    url = f"http://127.0.0.1:{port}"
    with process([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)], log,
                 f"{url}/api/v2/heartbeat"):
        yield url


@contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[str]:
    """A fresh database on the local server, dropped afterwards (an earlier run's is replaced)."""
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- indexes -------------------------------------------------------------------------------------


def cached_index(corpus: Path) -> Settings:
    """The cached index of ``corpus`` (data/eval-cache), made complete if it is not: ingestion skips
    unchanged files, and vectors are computed only where missing (once, ~12 min for Hà Nội)."""
    from evals.runner import ensure_index, index_settings

    settings = index_settings(corpus, Settings(data_dir=Path("data")))
    console.print(f"Chỉ mục đệm: {settings.data_dir} (vector còn thiếu, nếu có, được tính một lần và lưu lại)")
    failed = [r.message for r in ensure_index(settings, corpus) if r.failed]
    if failed:
        raise RuntimeError(f"ingestion failed: {failed}")
    return settings


def staff_key(settings: Settings) -> str:
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore

    index = Index(settings)
    try:
        return KeyStore(index.sessions).create("staff", "evals/bench_load").plaintext
    finally:
        index.engine.dispose()


def copy_index(source: Settings, target: Settings, corpus: Path) -> dict[str, Any]:
    """Ingest ``corpus`` into ``target`` (SQL) and give it ``source``'s vectors: nothing re-embedded
    unless a chunk's text is new."""
    from assistant.embeddings import make_embedder
    from assistant.index.reuse import CachedEmbedder
    from assistant.index.store import Index
    from ingest.pipeline import collect_files, ingest_files

    t0 = time.perf_counter()
    src = Index(source)
    embedder = CachedEmbedder.from_index(src, fallback=lambda: make_embedder(target))
    src.engine.dispose()
    t1 = time.perf_counter()
    index = Index(target)
    failed = [r.message for r in ingest_files(collect_files([corpus]), index, target) if r.failed]
    if failed:
        raise RuntimeError(f"ingestion failed: {failed}")
    t2 = time.perf_counter()
    index.sync_vectors(embedder)
    t3 = time.perf_counter()
    stats = index.stats()
    index.engine.dispose()
    if stats["embedded"] != stats["chunks"]:
        raise RuntimeError(f"vectors missing after the copy: {stats}")
    return {"chunks": stats["chunks"], "vectors_reused": embedder.hits, "vectors_embedded": embedder.misses,
            "read_cache_s": round(t1 - t0, 1), "ingest_s": round(t2 - t1, 1), "copy_vectors_s": round(t3 - t2, 1)}


# -- one configuration ---------------------------------------------------------------------------


def measure(base: str, key: str, questions: list[str], clients: int, seconds: float, warmup: float) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    first = httpx.post(f"{base}/api/chat", json={"question": questions[0]}, headers=headers, timeout=120)
    if first.status_code != 200:
        raise RuntimeError(f"/api/chat answered {first.status_code}: {first.text[:500]}")
    if warmup > 0:  # every worker loads its query embedder and fills its caches
        asyncio.run(run_load(f"{base}/api/chat", questions, clients, warmup, headers))
    return asyncio.run(run_load(f"{base}/api/chat", questions, clients, seconds, headers)).summary()


def bench_embedded(cache: Settings, work: Path, questions: list[str], clients: int, seconds: float,
                   warmup: float) -> dict:
    data = work / "embedded"
    shutil.copytree(cache.data_dir, data)  # answers and audit rows go to a copy, not to the cache
    key = staff_key(cache.model_copy(update={"data_dir": data}))
    env = service_env(data_dir=str(data))
    with assistant_server(env, 1, work / "serve-embedded.log") as base:
        result = measure(base, key, questions, clients, seconds, warmup)
    return {"description": "SQLite + Chroma nhúng (PersistentClient), 1 tiến trình, giới hạn tần suất trong tiến trình",
            "workers": 1, "database": "sqlite", "vectors": "chroma-embedded", "rate_limiter": "memory"} | result


def bench_server(cache: Settings, corpus: Path, work: Path, questions: list[str], clients: int, seconds: float,
                 warmup: float, workers: int, pg_admin_url: str, redis_url: str) -> dict:
    import redis

    redis.Redis.from_url(redis_url, socket_timeout=2).ping()  # fail now, not as 200s from the fallback
    with postgres_database(pg_admin_url, DATABASE) as db_url, \
            chroma_server(work / "chroma-server", work / "chroma.log") as chroma_url:
        target = cache.model_copy(update={"data_dir": work / "server", "database_url": db_url,
                                          "chroma_url": chroma_url, "corpus_dir": None,
                                          "embedding_batch_size": 500})
        build = copy_index(cache, target, corpus)
        console.print(f"Chỉ mục PostgreSQL + máy chủ Chroma: {build}")
        key = staff_key(target)
        env = service_env(data_dir=str(target.data_dir), database_url=db_url, chroma_url=chroma_url,
                          redis_url=redis_url, redis_prefix=f"bench-load-{uuid.uuid4().hex[:8]}:")
        with assistant_server(env, workers, work / "serve-server.log") as base:
            result = measure(base, key, questions, clients, seconds, warmup)
    return {"description": f"PostgreSQL + máy chủ Chroma + Redis, {workers} tiến trình (uvicorn workers)",
            "workers": workers, "database": "postgresql", "vectors": "chroma-server", "rate_limiter": "redis",
            "build": build} | result


def print_table(configs: dict[str, dict]) -> None:
    table = Table(title="Tải /api/chat (trả lời trích dẫn)")
    for col in ("Cấu hình", "Tiến trình", "Máy khách", "Yêu cầu", "Thông lượng (yc/s)", "p50 (ms)", "p95 (ms)",
                "p99 (ms)", "Lỗi"):
        table.add_column(col, justify="left" if col == "Cấu hình" else "right")
    for name, c in configs.items():
        lat = c["latency_ms"]
        errors = ", ".join(f"{k}: {v}" for k, v in c["errors_by_status"].items()) or "0"
        table.add_row(name, str(c["workers"]), str(c["clients"]), str(c["requests"]), f"{c['throughput_rps']:.1f}",
                      *(f"{lat[p]:.0f}" if lat[p] is not None else "—" for p in ("p50", "p95", "p99")), errors)
    console.print(table)


def main(
    clients: Annotated[int, typer.Option(min=1, help="Số máy khách đồng thời.")] = 50,
    seconds: Annotated[float, typer.Option(min=1, help="Thời gian đo (giây).")] = 60.0,
    warmup: Annotated[float | None, typer.Option(
        help="Thời gian khởi động trước khi đo; mặc định min(10, T/2).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Số tiến trình của cấu hình server.")] = 2,
    config: Annotated[list[str] | None, typer.Option(help="embedded, server (mặc định: cả hai).")] = None,
    golden: Annotated[Path, typer.Option()] = Path("evals/golden/hanoi_dev.jsonl"),
    shared: Annotated[Path, typer.Option()] = Path("../shared"),
    pg_admin_url: Annotated[str, typer.Option(help="Cơ sở dữ liệu để tạo/xoá CSDL bench_load.")] = PG_ADMIN_URL,
    redis_url: Annotated[str, typer.Option()] = REDIS_URL,
    out: Annotated[Path, typer.Option()] = RESULTS,
) -> None:
    names = config or ["embedded", "server"]
    unknown = set(names) - {"embedded", "server"}
    if unknown:
        console.print(f"[red]Cấu hình không hợp lệ:[/] {', '.join(sorted(unknown))} (embedded hoặc server)")
        raise typer.Exit(2)
    corpus = shared / "corpus" / "hanoi"
    questions = [json.loads(x)["question"] for x in golden.read_text(encoding="utf-8").splitlines() if x.strip()]
    warm = min(10.0, seconds / 2) if warmup is None else warmup
    cache = cached_index(corpus)
    configs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        for name in names:
            busy = round(os.getloadavg()[0], 2)  # other work on the machine skews the numbers
            console.print(f"[bold]{name}[/]: {clients} máy khách trong {seconds:.0f} s (khởi động {warm:.0f} s)…")
            if name == "embedded":
                res = bench_embedded(cache, work, questions, clients, seconds, warm)
            else:
                res = bench_server(cache, corpus, work, questions, clients, seconds, warm, workers, pg_admin_url,
                                   redis_url)
            configs[name] = {"clients": clients, "warmup_seconds": warm} | res | {"load_average_1m_before": busy}
    print_table(configs)
    previous = {}
    if out.exists():
        with suppress(json.JSONDecodeError, KeyError):
            previous = json.loads(out.read_text())["configurations"]
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "endpoint": "POST /api/chat (extractive, JSON)",
        "questions": f"{golden} ({len(questions)})",
        "auth": "staff API key on every request; rate limiter on, limit above the load",
        "load_generator": "httpx asyncio, one keep-alive connection per client, on the same machine",
        "cpus": os.cpu_count(),
        "configurations": previous | configs,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"Đã ghi kết quả: {out}")
    errors = sum(c["errors"] for c in configs.values())
    raise typer.Exit(1 if errors else 0)


if __name__ == "__main__":
    typer.run(main)
