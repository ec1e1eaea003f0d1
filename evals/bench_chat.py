"""Chat latency benchmark over real HTTP: extractive answers at N concurrent clients, and the time
from the end of retrieval to the first SSE event.

    python -m evals.bench_chat [--clients 10] [--requests 200] [--workers 1] [--rate 0]
                               [--golden evals/golden/hanoi_dev.jsonl]

Closed loop by default (each client asks again as soon as it is answered: the service saturated);
``--rate R`` sends R requests per second from the clients instead (people at a widget).

Starts `assistant serve` (as evals/bench_load does) on the cached, embedded Hà Nội index
(data/eval-cache), with no LLM, and writes evals/results/bench_chat.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from assistant.retrieval.search import percentile
from evals.bench_load import assistant_server, cached_index, service_env

console = Console()
RESULTS = Path(__file__).parent / "results" / "bench_chat.json"


async def _ask(client: httpx.AsyncClient, base: str, question: str, latencies: list[float]) -> bool:
    """One timed chat request; True when it was answered (HTTP 200)."""
    t0 = time.perf_counter()
    r = await client.post(f"{base}/api/chat", json={"question": question})
    latencies.append((time.perf_counter() - t0) * 1000)
    return r.status_code == 200


async def _run_clients(base: str, questions: list[str], clients: int, total: int) -> list[float]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(questions[i % len(questions)])

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=60) as client:
            while not queue.empty():
                errors += not await _ask(client, base, queue.get_nowait(), latencies)

    await asyncio.gather(*(worker() for _ in range(clients)))
    if errors:
        console.print(f"[red]{errors} errors[/]")
    return latencies


async def _run_paced(base: str, questions: list[str], clients: int, total: int, rate: float) -> list[float]:
    """Open loop: requests arrive at ``rate`` per second (Poisson), whatever the service's speed, from
    ``clients`` users; each user has one request in flight at most, as a person at a widget does."""
    import random

    rng = random.Random(7)
    latencies: list[float] = []
    errors = 0
    users = asyncio.Semaphore(clients)

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as client:
        async def one(q: str) -> None:
            nonlocal errors
            async with users:
                errors += not await _ask(client, base, q, latencies)

        tasks = []
        for i in range(total):
            tasks.append(asyncio.create_task(one(questions[i % len(questions)])))
            await asyncio.sleep(rng.expovariate(rate))
        await asyncio.gather(*tasks)
    if errors:
        console.print(f"[red]{errors} errors[/]")
    return latencies


def _first_event_gaps(base: str, questions: list[str]) -> list[float]:
    """Client time to the first SSE event minus the server's retrieval time: an upper bound on
    the delay between the end of retrieval and the first event."""
    gaps = []
    with httpx.Client(timeout=60) as client:
        for q in questions:
            t0 = time.perf_counter()
            with client.stream("POST", f"{base}/api/chat", json={"question": q, "stream": True}) as r:
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        first = (time.perf_counter() - t0) * 1000
                        retrieval = json.loads(line[5:]).get("retrieval_ms", 0.0)
                        gaps.append(first - retrieval)
                        break
    return gaps


def main(
    clients: Annotated[int, typer.Option()] = 10,
    requests: Annotated[int, typer.Option()] = 200,
    golden: Annotated[Path, typer.Option()] = Path("evals/golden/hanoi_dev.jsonl"),
    shared: Annotated[Path, typer.Option()] = Path("../shared"),
    out: Annotated[Path, typer.Option()] = RESULTS,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    rate: Annotated[float, typer.Option(help="open loop: requests per second (0 = closed loop, "
                                             "each client asks again as soon as it is answered)")] = 0.0,
) -> None:
    settings = cached_index(shared / "corpus" / "hanoi")
    questions = [json.loads(x)["question"] for x in golden.read_text(encoding="utf-8").splitlines() if x.strip()]
    env = service_env(data_dir=str(settings.data_dir), auth_disabled="true",
                      rate_limit_chat="0")  # measuring latency, not the limiter
    with tempfile.TemporaryDirectory() as tmp, assistant_server(env, workers, Path(tmp) / "serve.log") as base:
        for q in questions[:5]:  # warm-up: caches filled
            httpx.post(f"{base}/api/chat", json={"question": q}, timeout=60)
        load_at_start = round(os.getloadavg()[0], 2)
        t0 = time.perf_counter()
        lat = asyncio.run(_run_paced(base, questions, clients, requests, rate) if rate
                          else _run_clients(base, questions, clients, requests))
        wall = time.perf_counter() - t0
        gaps = _first_event_gaps(base, questions[:40])
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "clients": clients,
        "arrivals": f"open loop, {rate} req/s (Poisson)" if rate else "closed loop",
        "requests": len(lat),
        "throughput_rps": round(len(lat) / wall, 2),
        "latency_ms": {p: round(percentile(lat, q), 1) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))},
        "first_event_after_retrieval_ms": {p: round(percentile(gaps, q), 1) for p, q in (("p50", 50), ("p95", 95))},
        "cpus": os.cpu_count(),
        "workers": workers,
        "load_average_at_start": load_at_start,
    }
    console.print(result)
    # One file, one run per configuration (the latest of each): closed / open loop, workers.
    out.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(out.read_text()).get("runs", []) if out.exists() else []
    same = (result["arrivals"], result["workers"], result["clients"])
    runs = [r for r in runs if (r.get("arrivals"), r.get("workers"), r.get("clients")) != same] + [result]
    out.write_text(json.dumps({"runs": runs}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    typer.run(main)
