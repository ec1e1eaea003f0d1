"""Chat endpoints: /api/chat (JSON or SSE), /v1/chat/completions (OpenAI-compatible), /api/feedback."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from assistant.answering.models import Answer
from assistant.answering.service import citation_text
from assistant.api.deps import AnswersDep
from assistant.index.schema import AnswerRow, FeedbackRow
from assistant.retrieval.search import SearchFilters

router = APIRouter(tags=["chat"])


ServiceDep = AnswersDep


class ChatFilters(BaseModel):
    type: list[str] | None = None
    issuer: list[str] | None = None


class ChatRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="Câu hỏi của cán bộ")
    conversation_id: str | None = Field(default=None, max_length=64)
    stream: bool = False
    filters: ChatFilters | None = None


def _filters(f: ChatFilters | None) -> SearchFilters | None:
    return SearchFilters(doc_types=f.type, issuers=f.issuer) if f else None


def _observe(request: Request, answer: Answer) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics:
        metrics.observe_answer(answer.mode, answer.declined, answer.timings_ms.get("retrieval_ms", 0.0),
                               answer.timings_ms.get("total_ms", 0.0))


def _sse(request: Request, events: Iterator[tuple[str, dict[str, Any]]]) -> EventSourceResponse:
    async def gen():  # noqa: ANN202
        try:
            async for name, data in iterate_in_threadpool(events):
                if name == "answer":
                    _observe(request, Answer.model_validate(data))
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
async def chat(body: ChatRequest, request: Request, service: ServiceDep) -> JSONResponse | EventSourceResponse:
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if wants_stream:
        return _sse(request, service.stream(body.question, body.conversation_id, _filters(body.filters)))
    answer = await run_in_threadpool(service.answer, body.question, body.conversation_id, _filters(body.filters))
    _observe(request, answer)
    return JSONResponse(answer.model_dump(mode="json"))


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
async def openai_chat(body: OpenAIChatRequest, request: Request,
                      service: ServiceDep) -> JSONResponse | EventSourceResponse:
    users = [m.text() for m in body.messages if m.role == "user" and m.text().strip()]
    if not users:
        raise HTTPException(422, {"code": "no_user_message", "message": "Yêu cầu không có câu hỏi của người dùng."})
    question = users[-1][:2000]
    # The client holds the history: a previous user turn gives the topic of a follow-up.
    conversation_id = None
    if len(users) > 1:
        conversation_id = await run_in_threadpool(service.seed_conversation, users[:-1])
    created = int(time.time())
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    if not body.stream:
        answer = await run_in_threadpool(service.answer, question, conversation_id, None)
        _observe(request, answer)
        return JSONResponse({
            "id": cid, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": _openai_content(answer)},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": [c.model_dump() for c in answer.citations],
            "answer_id": answer.id, "declined": answer.declined,
        })

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, str]:
        payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body.model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return {"data": json.dumps(payload, ensure_ascii=False)}

    async def gen():  # noqa: ANN202
        yield chunk({"role": "assistant", "content": ""})
        async for name, data in iterate_in_threadpool(service.stream(question, conversation_id, None)):
            if name == "token":
                yield chunk({"content": data["text"]})
            elif name == "answer":
                answer = Answer.model_validate(data)
                _observe(request, answer)
                tail = _openai_content(answer)[len(answer.text):]
                if tail:
                    yield chunk({"content": tail})
                yield chunk({}, "stop", citations=[c.model_dump() for c in answer.citations], answer_id=answer.id)
        yield {"data": "[DONE]"}

    return EventSourceResponse(gen(), ping=15)


class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


@router.post("/api/feedback", status_code=201)
def feedback(body: FeedbackRequest, service: ServiceDep) -> dict[str, Any]:
    with service.index.sessions.begin() as s:
        if s.get(AnswerRow, body.answer_id) is None:
            raise HTTPException(404, {"code": "answer_not_found",
                                      "message": "Không tìm thấy câu trả lời để ghi nhận phản hồi."})
        row = FeedbackRow(answer_id=body.answer_id, rating=body.rating, comment=body.comment)
        s.add(row)
        s.flush()
        fid = row.id
    return {"id": fid, "status": "recorded", "message": "Cảm ơn anh/chị đã góp ý."}
