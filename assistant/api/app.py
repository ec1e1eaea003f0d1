"""FastAPI service. This module wires health, readiness and indexing status; later issues add
chat, search and documents routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from assistant.index.store import Index
from assistant.indexing import IndexingJob
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
        if embed_on_start:
            app.state.job.embed_in_background()
        yield

    app = FastAPI(title="Trợ lý Công vụ", version="0.1.0", lifespan=lifespan)

    def get_index(request: Request) -> Index:
        return request.app.state.index

    def get_job(request: Request) -> IndexingJob:
        return request.app.state.job

    IndexDep = Annotated[Index, Depends(get_index)]
    JobDep = Annotated[IndexingJob, Depends(get_job)]

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

    return app
