"""Prometheus metrics: request counts and latencies, retrieval and generation time, declines.

One process (``assistant serve``, tests that hold several apps at once): one registry per app.
Several workers (``assistant serve --workers N``): the parent hands every worker the same fresh
directory in ``PROMETHEUS_MULTIPROC_DIR`` (read by prometheus_client when it is imported), each
worker writes its values there and a scrape, whichever worker answers it, sums them all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR_ENV))


class Metrics:
    def __init__(self) -> None:
        # The registry that /metrics renders. In multiprocess mode the metrics below write to the
        # shared directory and must stay out of it (the MultiProcessCollector reports them, summed).
        self.registry = CollectorRegistry()
        own: CollectorRegistry | None = self.registry
        if multiprocess_mode():
            MultiProcessCollector(self.registry)
            own = None
        # Counters and histograms only: they sum over workers, and a worker that exits (or is replaced)
        # keeps its share of the service's totals, so no mark_process_dead is needed; live gauges
        # would need it, and uvicorn has no hook in the parent for a worker's exit.
        self.requests = Counter("assistant_http_requests_total", "HTTP requests", ["route", "method", "status"],
                                registry=own)
        self.latency = Histogram("assistant_http_request_seconds", "HTTP request latency", ["route"], registry=own)
        self.retrieval = Histogram("assistant_retrieval_seconds", "Retrieval time per question", registry=own)
        self.generation = Histogram("assistant_generation_seconds", "Answer composition/generation time", ["mode"],
                                    registry=own)
        self.answers = Counter("assistant_answers_total", "Answers given", ["mode", "declined"], registry=own)
        # Counted per search here rather than read from the vector store when scraped: that count is per
        # process, which a scrape of one worker could not sum.
        self.degraded = Counter("assistant_degraded", "Searches answered without a component "
                                "(vectors: Chroma server down, lexical results only)", ["component"], registry=own)
        self.degraded.labels("vectors")  # reported as 0 before the first outage

    def track_worker(self) -> None:
        """`assistant_worker_info{pid}`: the worker that answered this scrape. Computed when scraped, never
        written to the shared directory: the one per-process fact, which a sum would make meaningless."""
        self.registry.register(_ThisWorker())

    async def middleware(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        t0 = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        self.requests.labels(path, request.method, str(response.status_code)).inc()
        self.latency.labels(path).observe(time.perf_counter() - t0)
        return response

    def observe_search(self, degraded: Iterable[str]) -> None:
        """One search; ``degraded``: the components it went without (["vectors"]: Chroma down)."""
        for component in degraded:
            self.degraded.labels(component).inc()

    def observe_answer(self, mode: str, declined: bool, retrieval_ms: float, total_ms: float,
                       degraded: Iterable[str] = ()) -> None:
        self.retrieval.observe(retrieval_ms / 1000)
        self.generation.labels(mode).observe(max(total_ms - retrieval_ms, 0.0) / 1000)
        self.answers.labels(mode, str(declined).lower()).inc()
        self.observe_search(degraded)

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _ThisWorker(Collector):
    def collect(self):  # noqa: ANN201 - prometheus metric families
        family = GaugeMetricFamily("assistant_worker_info", "The worker process that answered this scrape",
                                   labels=["pid"])
        family.add_metric([str(os.getpid())], 1)
        yield family
