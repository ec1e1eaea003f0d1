"""The LLM path: any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, OpenAI).

Failures are raised as ``LLMError`` with a Vietnamese message the UI can show as is; the caller then
falls back to the extractive answer. Whatever the model writes is checked afterwards by ``verify.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import openai
from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI

from assistant.answering.models import Source
from assistant.answering.prompts import build_messages, build_rewrite_messages
from assistant.settings import Settings
from assistant.textproc import nfc

log = logging.getLogger(__name__)

ErrorKind = Literal["timeout", "http_error", "connection", "bad_response"]

REWRITE_MAX_TOKENS = 200


class LLMError(Exception):
    """A failed call to the language model; ``message`` is Vietnamese and meant for the user."""

    def __init__(self, kind: ErrorKind, message: str, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.detail = detail  # the underlying error, for logs

    def __str__(self) -> str:
        return self.message


def _content_text(content: Any) -> str:
    """The text of a message's content, whether a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return ""


def _status_hint(status: int, model: str) -> str:
    if status in (401, 403):
        return " (khóa API không hợp lệ hoặc không có quyền truy cập)"
    if status == 404:
        return f" (không tìm thấy mô hình “{model}” hoặc sai địa chỉ máy chủ)"
    if status == 429:
        return " (máy chủ đang quá tải hoặc vượt hạn mức yêu cầu)"
    if status >= 500:
        return " (lỗi nội bộ của máy chủ)"
    return ""


def map_error(exc: BaseException, settings: Settings) -> LLMError:
    """Translate an openai / httpx / parsing exception into an ``LLMError``."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, LLMError):
        return exc
    # APITimeoutError is a subclass of APIConnectionError: test it first.
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return LLMError(
            "timeout",
            f"Máy chủ mô hình ngôn ngữ không phản hồi trong thời hạn {settings.llm_timeout:g} giây.",
            detail=detail,
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        return LLMError(
            "http_error",
            f"Máy chủ mô hình ngôn ngữ trả về lỗi {status}{_status_hint(status, settings.llm_model)}.",
            status=status,
            detail=detail,
        )
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError | ConnectionError):
        return LLMError(
            "connection",
            f"Không kết nối được tới máy chủ mô hình ngôn ngữ ({settings.llm_base_url}).",
            detail=detail,
        )
    return LLMError("bad_response", "Máy chủ mô hình ngôn ngữ trả về phản hồi không hợp lệ.", detail=detail)


# Exceptions a call may raise that are failures of the model server, not bugs of ours.
_CALL_ERRORS = (openai.OpenAIError, httpx.HTTPError, TimeoutError, ConnectionError, ValueError, KeyError)


def make_chat_model(settings: Settings, *, temperature: float | None = None,
                    max_tokens: int | None = None) -> ChatOpenAI:
    """The langchain chat model for the configured OpenAI-compatible endpoint (answers and judging)."""
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        max_retries=0,
        temperature=settings.llm_temperature if temperature is None else temperature,
        max_tokens=settings.llm_max_tokens if max_tokens is None else max_tokens,
        use_responses_api=False,  # local servers speak chat completions only
    )


class LLMAnswerer:
    """Writes answers from numbered sources with an OpenAI-compatible chat model."""

    def __init__(self, settings: Settings, chat: Any | None = None) -> None:
        if chat is None and not settings.llm_base_url:
            raise ValueError("llm_base_url is not set: the LLM path is disabled")
        self.settings = settings
        self.chat = chat if chat is not None else self._make_chat(settings)

    @staticmethod
    def _make_chat(settings: Settings) -> ChatOpenAI:
        return make_chat_model(settings)

    # -- answers -------------------------------------------------------------------------------
    def messages(
        self, question: str, sources: list[Source], history: list[tuple[str, str]] | None
    ) -> list[BaseMessage]:
        return build_messages(question, sources, list(history or []))

    def generate(self, question: str, sources: list[Source], history: list[tuple[str, str]] | None = None) -> str:
        """The whole answer text (unverified: pass it to ``verify_answer``)."""
        try:
            result = self.chat.invoke(self.messages(question, sources, history))
        except _CALL_ERRORS as exc:
            raise self._fail(exc) from exc
        text = nfc(_content_text(getattr(result, "content", ""))).strip()
        if not text:
            raise LLMError("bad_response", "Máy chủ mô hình ngôn ngữ trả về câu trả lời rỗng.")
        return text

    def stream(self, question: str, sources: list[Source],
               history: list[tuple[str, str]] | None = None) -> Iterator[str]:
        """Text deltas as the model writes them; raises ``LLMError`` (possibly after some deltas)."""
        messages = self.messages(question, sources, history)
        produced = False
        try:
            for chunk in self.chat.stream(messages):
                delta = _content_text(getattr(chunk, "content", ""))
                if delta:
                    produced = True
                    yield delta
        except _CALL_ERRORS as exc:
            raise self._fail(exc) from exc
        if not produced:
            raise LLMError("bad_response", "Máy chủ mô hình ngôn ngữ trả về câu trả lời rỗng.")

    # -- follow-up questions -------------------------------------------------------------------
    def rewrite_question(self, history: list[tuple[str, str]], follow_up: str) -> str:
        """A standalone version of ``follow_up``; ``follow_up`` itself on any failure or odd output."""
        if not history or not follow_up.strip():
            return follow_up
        try:
            result = self.chat.invoke(build_rewrite_messages(history, follow_up), max_tokens=REWRITE_MAX_TOKENS)
            text = _content_text(getattr(result, "content", ""))
        except Exception as exc:  # rewriting is best effort: any failure keeps the question
            log.warning("question rewrite failed: %s", map_error(exc, self.settings).detail or exc)
            return follow_up
        return clean_rewrite(text, follow_up)

    def _fail(self, exc: BaseException) -> LLMError:
        err = map_error(exc, self.settings)
        log.warning("LLM call failed (%s): %s", err.kind, err.detail)
        return err


def clean_rewrite(text: str, follow_up: str) -> str:
    """The first non-empty line of the model's rewrite, without labels or quotes; sane or ``follow_up``."""
    line = next((ln.strip() for ln in nfc(text or "").splitlines() if ln.strip()), "")
    for label in ("Câu hỏi độc lập:", "Câu hỏi:"):
        if line.lower().startswith(label.lower()):
            line = line[len(label):].strip()
    line = line.strip(" \"'“”«»`*")
    if not line or len(line) > max(400, 4 * len(follow_up)):
        return follow_up
    return line
