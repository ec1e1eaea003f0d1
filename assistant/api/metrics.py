"""Prometheus metrics: request counts and latencies, retrieval and generation time, declines."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class Metrics:
    def __init__(self) -> None:
        # One registry per app so several apps (tests) never clash.
        self.registry = CollectorRegistry()
        self.requests = Counter("assistant_http_requests_total", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("assistant_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)
        self.retrieval = Histogram("assistant_retrieval_seconds", "Retrieval time per question",
                                   registry=self.registry)
        self.generation = Histogram("assistant_generation_seconds", "Answer composition/generation time", ["mode"],
                                    registry=self.registry)
        self.answers = Counter("assistant_answers_total", "Answers given", ["mode", "declined"],
                               registry=self.registry)

    def track_vector_store(self, unavailable_total: Callable[[], int]) -> None:
        """Vector searches that went without Chroma (server down): read from the index when scraped."""
        self.registry.register(_VectorOutages(unavailable_total))

    async def middleware(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        t0 = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        self.requests.labels(path, request.method, str(response.status_code)).inc()
        self.latency.labels(path).observe(time.perf_counter() - t0)
        return response

    def observe_answer(self, mode: str, declined: bool, retrieval_ms: float, total_ms: float) -> None:
        self.retrieval.observe(retrieval_ms / 1000)
        self.generation.labels(mode).observe(max(total_ms - retrieval_ms, 0.0) / 1000)
        self.answers.labels(mode, str(declined).lower()).inc()

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _VectorOutages(Collector):
    def __init__(self, total: Callable[[], int]) -> None:
        self.total = total

    def collect(self):  # noqa: ANN201 - prometheus metric families
        family = CounterMetricFamily("assistant_degraded", "Searches answered without a component "
                                     "(vectors: Chroma server down, lexical results only)", labels=["component"])
        family.add_metric(["vectors"], self.total())
        yield family
