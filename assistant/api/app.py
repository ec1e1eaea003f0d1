"""FastAPI service. This module wires health, readiness and indexing status; later issues add
chat, search and documents routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant.answering.service import AnswerService
from assistant.api import chat, documents, web
from assistant.api.deps import IndexDep, JobDep, RetrieverDep
from assistant.api.metrics import Metrics
from assistant.index.store import Index
from assistant.indexing import IndexingJob
from assistant.retrieval.search import Retriever, SearchFilters
from assistant.settings import Settings


def create_app(settings: Settings, job: IndexingJob | None = None, embed_on_start: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        index = job.index if job else Index(settings)
        app.state.settings = settings
        app.state.index = index
        app.state.job = job or IndexingJob(settings, index)
        if job is None:
            # Started without an ingestion run: whatever SQL holds is searchable lexically.
            app.state.job.state.lexical_ready = True
            app.state.job.state.phase = "ready"
        app.state.retriever = Retriever(index, settings)
        app.state.answers = AnswerService(index, settings, app.state.retriever)
        if embed_on_start:
            app.state.job.embed_in_background()
        yield

    app = FastAPI(title="Trợ lý Công vụ", version="0.1.0", lifespan=lifespan)
    app.state.metrics = Metrics()
    app.middleware("http")(app.state.metrics.middleware)
    app.include_router(chat.router)
    app.include_router(documents.router)
    app.include_router(web.router)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        # Intranet pages on other origins embed the widget; only the configured ones may call the API.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            expose_headers=["Retry-After"],
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> object:
        return app.state.metrics.render()

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {"code": "error", "message": str(exc.detail)}
        return JSONResponse({"error": detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(x) for x in e["loc"][1:]) for e in exc.errors()]
        return JSONResponse(
            {"error": {"code": "invalid_request", "message": f"Yêu cầu không hợp lệ: {', '.join(fields)}.",
                       "fields": fields}},
            status_code=422,
        )

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(index: IndexDep, job: JobDep) -> JSONResponse:
        checks: dict[str, object] = {"lexical_index": job.state.lexical_ready}
        try:
            stats = index.stats()
            checks["sql"] = True
        except Exception as exc:  # noqa: BLE001
            stats, checks["sql"] = {}, False
            checks["sql_error"] = str(exc)
        ready = bool(checks["sql"] and job.state.lexical_ready)
        body = {"ready": ready, "checks": checks, "stats": stats}
        if not ready:
            body["message"] = "Dịch vụ chưa sẵn sàng: đang nạp văn bản vào chỉ mục."
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/api/status")
    def status(index: IndexDep, job: JobDep) -> dict:
        stats = index.stats()
        body = {"indexing": job.state.as_dict(), "index": stats}
        if stats["documents"] == 0:
            body["message"] = (
                "Chỉ mục đang trống. Nạp văn bản bằng lệnh: assistant ingest <thư mục> "
                "hoặc đặt ASSISTANT_CORPUS_DIR rồi khởi động lại dịch vụ."
            )
        return body

    @app.get("/api/search")
    def search(
        retriever: RetrieverDep,
        job: JobDep,
        q: Annotated[str, Query(min_length=1, max_length=2000, description="Câu hỏi")],
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        doc_type: Annotated[list[str] | None, Query(alias="type")] = None,
        issuer: Annotated[list[str] | None, Query()] = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
    ) -> dict:
        if not job.state.vectors_ready and mode != "lexical":
            # Vectors are still being computed: answer from the lexical index meanwhile.
            mode = "lexical" if retriever.index.stats()["embedded"] == 0 else mode
        filters = SearchFilters(doc_types=doc_type, issuers=issuer, date_from=date_from, date_to=date_to)
        result = retriever.search(q, k=k, filters=filters, mode=mode)
        return {
            "query": q,
            "mode": mode,
            "resolved_documents": result.resolved_docs,
            "confidence": round(result.confidence, 4),
            "timings_ms": {key: round(v, 2) for key, v in result.timings_ms.items()},
            "results": [h.as_dict() for h in result.hits],
        }

    return app
