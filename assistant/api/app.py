"""FastAPI service: health, readiness, indexing status and search here; chat, documents and the
widget in their routers. Every route but /healthz and the widget's static files needs a credential
(see assistant/api/auth.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

import anyio
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from assistant.answering.service import AnswerService
from assistant.api import admin, chat, documents, procedures, web
from assistant.api.auth import Permission, TrustMiddleware, check_routes, client_ip, guard
from assistant.api.deps import IndexDep, JobDep, RetrieverDep
from assistant.api.edge import EdgeMiddleware
from assistant.api.metrics import Metrics
from assistant.index.store import Index
from assistant.indexing import IndexingJob
from assistant.logqueue import install_log_queue
from assistant.retrieval.search import Retriever, SearchFilters
from assistant.security.audit import AuditLog, ConversationOwners
from assistant.security.authn import Authenticator
from assistant.security.errors import TrustError, as_http_exception
from assistant.security.pii import install_log_masking
from assistant.security.principal import Principal
from assistant.security.ratelimit import make_rate_limiter
from assistant.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings, job: IndexingJob | None = None, embed_on_start: bool = False,
               demo_key: str | None = None, warm_up: bool = False, log_queue: bool = False) -> FastAPI:
    """``demo_key``: a chat-only widget key bound to this server's origin, shown on the demo page.
    ``warm_up``: load the query model, the term statistics and the vector index before serving, so
    that the first requests of a process (of each worker) do not pay for them (seconds).
    ``log_queue``: write the process's logs from a listener thread (``assistant serve``; tests keep
    their own handlers)."""

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
        app.state.auth = Authenticator(settings, index.sessions)
        app.state.audit = AuditLog(index.sessions, mask=settings.mask_pii, enabled=settings.audit_enabled)
        app.state.owners = ConversationOwners(index.sessions)
        if settings.mask_pii:
            install_log_masking()
        if log_queue:  # uvicorn has configured its loggers by now
            install_log_queue()
        if embed_on_start:
            app.state.job.embed_in_background()
        if warm_up:
            await anyio.to_thread.run_sync(_warm_up, app.state.answers)
        yield
        app.state.job.stop()  # no embedding retry once the service is shutting down

    app = FastAPI(title="Trợ lý Công vụ", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.demo_key = demo_key
    app.state.limiter = make_rate_limiter(settings.redis_url, settings.redis_prefix)
    # Innermost first: the trust checks, then metrics (which count 401/413 too), then CORS (outermost,
    # so error responses also carry the CORS headers the widget needs to read them).
    app.add_middleware(TrustMiddleware, settings=settings)
    app.state.metrics = Metrics()
    app.middleware("http")(app.state.metrics.middleware)
    app.include_router(chat.router)
    app.include_router(documents.router)
    app.include_router(procedures.router)
    app.include_router(admin.router)
    app.include_router(web.router)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        # Intranet pages on other origins embed the widget; only the configured ones may call the API.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Accept"],
            expose_headers=["Retry-After"],
        )

    # Outermost of all: an oversized request line or headers are refused before anything (the trust
    # layer, metrics, routing) reads them; the client address is settled here for everything inside.
    app.add_middleware(EdgeMiddleware, max_url_bytes=settings.max_url_bytes,
                       max_header_bytes=settings.max_header_bytes, trusted_proxies=settings.trusted_proxies)

    @app.get("/metrics", include_in_schema=False, dependencies=[guard(Permission.OPS)])
    def metrics() -> object:
        return app.state.metrics.render()

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {"code": "error", "message": str(exc.detail)}
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    async def database_down(_: Request, exc: Exception) -> JSONResponse:
        orig = getattr(exc, "orig", None)
        log.error("cơ sở dữ liệu không truy cập được: %s", type(orig).__name__ if orig else exc)
        return TrustError(503, "database_unavailable", headers={"Retry-After": "30"}).response()

    # A stopped or restarting server: refused or dropped connections, a pool with none to give.
    for db_error in (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError):
        app.add_exception_handler(db_error, database_down)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("lỗi không mong đợi: %s", type(exc).__name__, exc_info=exc)
        return JSONResponse({"error": {"code": "internal_error", "message": "Đã xảy ra lỗi nội bộ. Vui lòng thử lại "
                                       "sau hoặc báo quản trị viên."}}, status_code=500)

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
        """Open to load balancers and probes: ready or not and a reason code, nothing else (the
        details are in the admin's /api/status). Ready means answers of full quality."""
        reason = readiness(index, job)
        return JSONResponse({"ready": reason is None, "reason": reason}, status_code=200 if reason is None else 503)

    @app.get("/api/status", dependencies=[guard(Permission.STATUS)])
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
        request: Request,
        retriever: RetrieverDep,
        principal: Annotated[Principal, guard(Permission.SEARCH)],
        q: Annotated[str, Query(min_length=1, description="Câu hỏi (tối đa ASSISTANT_MAX_QUESTION_CHARS ký tự)")],
        k: Annotated[int, Query(ge=1, le=50)] = 10,
        doc_type: Annotated[list[str] | None, Query(alias="type")] = None,
        issuer: Annotated[list[str] | None, Query()] = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
    ) -> dict:
        t0 = time.perf_counter()
        if len(q) > settings.max_question_chars:
            raise as_http_exception(TrustError(422, "question_too_long", limit=settings.max_question_chars))
        filters = SearchFilters(doc_types=doc_type, issuers=issuer, date_from=date_from, date_to=date_to,
                                access=principal.access_labels())
        result = retriever.search(q, k=k, filters=filters, mode=mode)
        request.app.state.metrics.observe_search(result.degraded)
        request.app.state.audit.record(principal, "search", q, retrieved=[h.article_id for h in result.hits],
                                       mode=result.mode, latency_ms=(time.perf_counter() - t0) * 1000,
                                       client=client_ip(request))
        body = {
            "query": q,
            "mode": result.mode,
            "resolved_documents": result.resolved_docs,
            "confidence": round(result.confidence, 4),
            # "vectors": the vector store was down, lexical results only; "vectors_incomplete": still
            # embedding, ``embedded_share`` of the chunks can be found by meaning.
            "degraded": result.degraded,
            "embedded_share": result.embedded_share,
            "results": [h.as_dict() for h in result.hits],
        }
        if principal.is_admin:  # timings would tell others how much of what they cannot read matched
            body["timings_ms"] = {key: round(v, 2) for key, v in result.timings_ms.items()}
        return body

    check_routes(app)
    return app


class NotReady:
    """Reason codes of ``/readyz`` (documented in the README)."""

    DATABASE = "database_unavailable"  # SQL does not answer
    INDEXING = "indexing"  # the documents are still being parsed: nothing to search yet
    VECTORS_INCOMPLETE = "vectors_incomplete"  # answers come, weaker: some chunks have no vector yet
    EMBEDDING_FAILED = "embedding_failed"  # as above, and the last embedding attempt failed (retried)


def readiness(index: Index, job: IndexingJob) -> str | None:
    """None when ready, else the reason code."""
    try:
        coverage = index.vector_coverage()
    except Exception:  # noqa: BLE001 - any database failure means not ready, the reason says which
        return NotReady.DATABASE
    state = job.state
    if not state.lexical_ready:
        return NotReady.INDEXING
    if not coverage.complete:
        return NotReady.EMBEDDING_FAILED if state.phase == "error" else NotReady.VECTORS_INCOMPLETE
    return None


def _warm_up(answers: AnswerService) -> None:
    t0 = time.perf_counter()
    try:
        answers.composer.stats()
        answers.retriever.search("thủ tục hành chính", k=1)  # the query model, Chroma's index, SQL pages
    except Exception as exc:  # noqa: BLE001 - an empty index or a store that is down: serve anyway
        log.warning("warm-up incomplete (%s); the first requests will load what is missing", type(exc).__name__)
        return
    log.info("warm-up done in %.1f s", time.perf_counter() - t0)
