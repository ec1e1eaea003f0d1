"""Chat endpoints: /api/chat (JSON or SSE), /v1/chat/completions (OpenAI-compatible), /api/feedback.

Every question is answered from the documents the caller may read (``Principal.access_labels``
→ ``SearchFilters.access``) and leaves an audit row."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from assistant.answering.models import Answer
from assistant.answering.service import citation_text
from assistant.api.auth import Permission, client_ip, guard
from assistant.api.deps import AnswersDep
from assistant.api.procedures import card_out
from assistant.index.procedures import get_procedure
from assistant.index.schema import AnswerRow, FeedbackRow
from assistant.retrieval.search import SearchFilters
from assistant.security.audit import article_ids_of_citations
from assistant.security.errors import TrustError, as_http_exception
from assistant.security.principal import Principal

router = APIRouter(tags=["chat"])


ServiceDep = AnswersDep


class ChatFilters(BaseModel):
    type: list[str] | None = None
    issuer: list[str] | None = None


class ChatRequest(BaseModel):
    question: str = Field(min_length=1, description="Câu hỏi của cán bộ (tối đa ASSISTANT_MAX_QUESTION_CHARS ký tự)")
    conversation_id: str | None = Field(default=None, max_length=64)
    stream: bool = False
    filters: ChatFilters | None = None


def _filters(f: ChatFilters | None, principal: Principal) -> SearchFilters:
    """The request's own filters, always narrowed to what the caller may read."""
    return SearchFilters(doc_types=f.type if f else None, issuers=f.issuer if f else None,
                         access=principal.access_labels())


def check_question(request: Request, question: str) -> None:
    limit = request.app.state.settings.max_question_chars
    if len(question) > limit:
        raise as_http_exception(TrustError(422, "question_too_long", limit=limit))
    if not any(ch.isalnum() for ch in question):  # only spaces or punctuation: nothing to search for
        raise as_http_exception(TrustError(422, "question_empty"))


def _observe(request: Request, answer: Answer) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics:
        metrics.observe_answer(answer.mode, answer.declined, answer.timings_ms.get("retrieval_ms", 0.0),
                               answer.timings_ms.get("total_ms", 0.0), answer.degraded)


def _audit(request: Request, principal: Principal, endpoint: str, question: str, answer: Answer | dict[str, Any],
           t0: float) -> None:
    audit = getattr(request.app.state, "audit", None)
    if audit is None:
        return
    a = answer.model_dump() if isinstance(answer, Answer) else answer
    audit.record(principal, endpoint, question, cited=article_ids_of_citations(a.get("citations") or []),
                 declined=a.get("declined"), mode=a.get("mode"), answer_id=a.get("id"),
                 conversation_id=a.get("conversation_id"), latency_ms=(time.perf_counter() - t0) * 1000,
                 client=client_ip(request))


def _claim(request: Request, principal: Principal, conversation_id: str | None) -> None:
    owners = getattr(request.app.state, "owners", None)
    if owners is not None and conversation_id:
        owners.claim(conversation_id, principal)


def _public_answer(request: Request, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """What a caller gets of an answer: timings only for admins (how long the search of the caller's
    documents took says something about the documents they cannot read). Validity fields of the sources
    are already the caller's own (``Retriever.validity`` with the caller's access labels)."""
    if not principal.is_admin:
        data.pop("timings_ms", None)
        data.pop("retrieval_ms", None)
    if data.get("procedure_code"):  # the widget shows the card the answer line came from
        with request.app.state.index.sessions() as s:
            hit = get_procedure(s, data["procedure_code"], principal.access_labels())
        data["procedure"] = card_out(hit.card).model_dump(mode="json") if hit else None
    return data


def _sse(request: Request, principal: Principal, question: str, t0: float,
         events: Iterator[tuple[str, dict[str, Any]]]) -> EventSourceResponse:
    async def gen() -> AsyncIterator[dict[str, str]]:
        try:
            async for name, data in iterate_in_threadpool(events):
                if name == "sources":
                    await run_in_threadpool(_public_answer, request, principal, data)
                    await run_in_threadpool(_claim, request, principal, data.get("conversation_id"))
                if name == "answer":
                    await run_in_threadpool(_public_answer, request, principal, data)
                    _observe(request, Answer.model_validate(data))
                    await run_in_threadpool(_audit, request, principal, "chat-stream", question, data, t0)
                    yield {"event": "citations", "data": json.dumps(
                        {"citations": data["citations"], "notes": data["notes"]}, ensure_ascii=False)}
                yield {"event": name, "data": json.dumps(data, ensure_ascii=False, default=str)}
            yield {"event": "done", "data": "{}"}
        except Exception as exc:  # noqa: BLE001 - the stream reports, the client shows it
            yield {"event": "error", "data": json.dumps(
                {"code": "internal_error", "message": f"Đã xảy ra lỗi khi trả lời: {type(exc).__name__}."},
                ensure_ascii=False)}

    return EventSourceResponse(gen(), ping=15)


@router.post("/api/chat", response_model=None)
async def chat(body: ChatRequest, request: Request, service: ServiceDep,
               principal: Annotated[Principal, guard(Permission.CHAT)]) -> JSONResponse | EventSourceResponse:
    t0 = time.perf_counter()
    check_question(request, body.question)
    owners = getattr(request.app.state, "owners", None)
    if body.conversation_id and owners is not None and not await run_in_threadpool(
            owners.claim, body.conversation_id, principal):
        raise as_http_exception(TrustError(404, "conversation_not_found"))
    filters = _filters(body.filters, principal)
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if wants_stream:
        return _sse(request, principal, body.question, t0,
                    service.stream(body.question, body.conversation_id, filters))
    answer = await run_in_threadpool(service.answer, body.question, body.conversation_id, filters)
    _observe(request, answer)
    await run_in_threadpool(_claim, request, principal, answer.conversation_id)
    await run_in_threadpool(_audit, request, principal, "chat", body.question, answer, t0)
    data = await run_in_threadpool(_public_answer, request, principal, answer.model_dump(mode="json"))
    return JSONResponse(data)


class OpenAIMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))
        return self.content or ""


class OpenAIChatRequest(BaseModel):
    model: str = "tro-ly-cong-vu"
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = None


def _openai_content(answer: Answer) -> str:
    if not answer.citations:
        return answer.text
    return f"{answer.text}\n\nNguồn:\n{citation_text(answer.citations)}"


@router.post("/v1/chat/completions", response_model=None)
async def openai_chat(body: OpenAIChatRequest, request: Request, service: ServiceDep,
                      principal: Annotated[Principal, guard(Permission.OPENAI)]) -> JSONResponse | EventSourceResponse:
    t0 = time.perf_counter()
    settings = request.app.state.settings
    if len(body.messages) > settings.max_history_messages:
        raise as_http_exception(TrustError(422, "history_too_long", limit=settings.max_history_messages))
    users = [m.text() for m in body.messages if m.role == "user" and m.text().strip()]
    if not users:
        raise HTTPException(422, {"code": "no_user_message", "message": "Yêu cầu không có câu hỏi của người dùng."})
    question = users[-1]
    check_question(request, question)
    filters = _filters(None, principal)
    # The client holds the history: a previous user turn gives the topic of a follow-up.
    conversation_id = None
    if len(users) > 1:
        conversation_id = await run_in_threadpool(service.seed_conversation, users[:-1])
        await run_in_threadpool(_claim, request, principal, conversation_id)
    created = int(time.time())
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    if not body.stream:
        answer = await run_in_threadpool(service.answer, question, conversation_id, filters)
        _observe(request, answer)
        await run_in_threadpool(_audit, request, principal, "openai", question, answer, t0)
        return JSONResponse({
            "id": cid, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": _openai_content(answer)},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": [c.model_dump() for c in answer.citations],
            "answer_id": answer.id, "declined": answer.declined,
            "standalone_question": answer.standalone_question,  # what was searched, follow-ups resolved
            "degraded": answer.degraded, "embedded_share": answer.embedded_share,
        })

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, str]:
        payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body.model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return {"data": json.dumps(payload, ensure_ascii=False)}

    async def gen() -> AsyncIterator[dict[str, str]]:
        yield chunk({"role": "assistant", "content": ""})
        async for name, data in iterate_in_threadpool(service.stream(question, conversation_id, filters)):
            if name == "token":
                yield chunk({"content": data["text"]})
            elif name == "answer":
                answer = Answer.model_validate(data)
                _observe(request, answer)
                await run_in_threadpool(_audit, request, principal, "openai-stream", question, answer, t0)
                tail = _openai_content(answer)[len(answer.text):]
                if tail:
                    yield chunk({"content": tail})
                yield chunk({}, "stop", citations=[c.model_dump() for c in answer.citations], answer_id=answer.id,
                            standalone_question=answer.standalone_question, degraded=answer.degraded,
                            embedded_share=answer.embedded_share)
        yield {"data": "[DONE]"}

    return EventSourceResponse(gen(), ping=15)


class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


@router.post("/api/feedback", status_code=201)
def feedback(body: FeedbackRequest, request: Request, service: ServiceDep,
             principal: Annotated[Principal, guard(Permission.FEEDBACK)]) -> dict[str, Any]:
    missing = HTTPException(404, {"code": "answer_not_found",
                                  "message": "Không tìm thấy câu trả lời để ghi nhận phản hồi."})
    audit = getattr(request.app.state, "audit", None)
    if audit is not None and not principal.is_admin:
        # Only the caller who got the answer rates it.
        owner = audit.answer_owner(body.answer_id)
        if owner is not None and owner != principal.id:
            raise missing
    with service.index.sessions.begin() as s:
        if s.get(AnswerRow, body.answer_id) is None:
            raise missing
        row = FeedbackRow(answer_id=body.answer_id, rating=body.rating, comment=body.comment)
        s.add(row)
        s.flush()
        fid = row.id
    return {"id": fid, "status": "recorded", "message": "Cảm ơn anh/chị đã góp ý."}
