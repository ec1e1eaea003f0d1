"""Question → answer, read top to bottom:

    conversation history ─► standalone question ─► retrieval ─► LLM (verified) or extractive ─► stored answer

With no LLM configured, or when the LLM fails or times out, the answer is extractive. Every
answer is stored (answers, messages) so feedback and audit can point at it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from assistant.answering.cards import card_fact, fact_section, match_card
from assistant.answering.extractive import (
    CARD_LIFTS,
    CARD_TYPES,
    STATUS_PREFIX,
    Composition,
    ExtractiveComposer,
    article_label,
    doc_name,
    source_url,
)
from assistant.answering.followup import Rewrite, resolve, rewrite
from assistant.answering.models import Answer, Citation, Source
from assistant.index.schema import AnswerRow, ConversationRow, MessageRow
from assistant.index.store import Index
from assistant.retrieval.asked import ANSWER_TYPE_LABELS, answer_type
from assistant.retrieval.naming import clean_title, document_name
from assistant.retrieval.search import ArticleHit, Retriever, SearchFilters, SearchResult
from assistant.settings import Settings

log = logging.getLogger(__name__)


class AnswerService:
    def __init__(self, index: Index, settings: Settings, retriever: Retriever, llm: Any | None = None) -> None:
        self.index = index
        self.settings = settings
        self.retriever = retriever
        self.composer = ExtractiveComposer(index, settings)
        self.llm = llm
        if self.llm is None and settings.llm_base_url:
            from assistant.answering.llm import LLMAnswerer

            self.llm = LLMAnswerer(settings)

    # -- conversation ------------------------------------------------------------------------
    def history(self, conversation_id: str | None) -> list[tuple[str, str]]:
        if not conversation_id:
            return []
        with self.index.sessions() as s:
            rows = list(s.scalars(select(MessageRow).where(MessageRow.conversation_id == conversation_id)
                                  .order_by(MessageRow.id.desc()).limit(self.settings.history_messages)))
        return [(r.role, r.content) for r in reversed(rows)]

    def _previous_standalone(self, conversation_id: str | None) -> str:
        if not conversation_id:
            return ""
        with self.index.sessions() as s:
            row = s.scalars(select(AnswerRow).where(AnswerRow.conversation_id == conversation_id)
                            .order_by(AnswerRow.created_at.desc(), AnswerRow.id.desc()).limit(1)).first()
        if row:
            return row.standalone_question
        # Turns sent by a stateless client (OpenAI API): each made standalone against the one before.
        users = [c for role, c in self.history(conversation_id) if role == "user"]
        return resolve(users[-1], users[:-1]).standalone if users else ""

    def rewrite(self, question: str, conversation_id: str | None) -> Rewrite:
        """The rule-based standalone question (followup.py): the new ask, the conversation's subject."""
        return rewrite(question, self._previous_standalone(conversation_id))

    def seed_conversation(self, user_turns: list[str]) -> str:
        """A conversation holding earlier user turns sent by a stateless client (OpenAI API)."""
        cid = self._ensure_conversation(None)
        with self.index.sessions.begin() as s:
            s.add_all(MessageRow(conversation_id=cid, role="user", content=t[:2000]) for t in user_turns[-3:])
        return cid

    def standalone(self, question: str, conversation_id: str | None) -> str:
        history = self.history(conversation_id)
        if not history:
            return question
        rule = self.rewrite(question, conversation_id)
        if self.llm is not None:
            rewritten = (self.llm.rewrite_question(history, question) or "").strip()
            # The model gives the question back unchanged when it fails: then the rules decide.
            if rewritten and (rewritten != question.strip() or not rule.is_follow_up):
                return rewritten
        return rule.standalone

    # -- answering ---------------------------------------------------------------------------
    def sources(self, result: SearchResult) -> list[Source]:
        out = []
        for n, h in enumerate(result.hits[: self.settings.llm_sources], 1):
            whole = h.article_text and len(h.article_text) <= self.settings.llm_source_chars
            text = h.article_text if whole else h.text
            label = article_label(h.kind, h.article_number, h.part, h.title, h.heading_path)
            out.append(Source(
                n=n, doc_id=h.doc_id, number=h.doc_number, title=h.doc_title, doc_label=doc_name(h),
                article=h.article_number if h.kind == "dieu" else None, article_key=h.article_key,
                article_label=label, heading_path=h.heading_path, validity=h.validity.status,
                url=source_url(h.doc_id, h.article_key, h.article_number, h.part, h.kind, None), text=text,
            ))
        return out

    def prepare(self, question: str, conversation_id: str | None, filters: SearchFilters | None) -> dict[str, Any]:
        t0 = time.perf_counter()
        new = not conversation_id
        conversation_id = self._ensure_conversation(conversation_id)
        standalone = question if new else self.standalone(question, conversation_id)  # a new one has no history
        result = self.retriever.search(standalone, k=self.settings.answer_k, filters=filters)
        return {"conversation_id": conversation_id, "standalone": standalone, "result": result, "filters": filters,
                "t0": t0, "retrieval_ms": (time.perf_counter() - t0) * 1000}

    def answer(self, question: str, conversation_id: str | None = None,
               filters: SearchFilters | None = None) -> Answer:
        ctx = self.prepare(question, conversation_id, filters)
        answer = self._compose(question, ctx)
        self._store(answer, ctx)
        return answer

    def _compose(self, question: str, ctx: dict[str, Any], llm_text: str | None = None,
                 llm_error: str | None = None) -> Answer:
        result: SearchResult = ctx["result"]
        extractive = self.composer.compose(ctx["standalone"], result)
        extractive = self._card_first(extractive, ctx["standalone"], ctx.get("filters"))
        answer = Answer(
            id=uuid.uuid4().hex, question=question, standalone_question=ctx["standalone"],
            text=extractive.text, citations=extractive.citations, declined=extractive.declined,
            decline_reason=extractive.reason, answer_type=extractive.answer_type, mode="extractive",
            procedure_code=extractive.procedure_code,
            notes=extractive.notes, sources=[_source(h, 500) for h in result.hits[:5]],
            confidence=round(result.confidence, 4), degraded=result.degraded, embedded_share=result.embedded_share,
            conversation_id=ctx["conversation_id"],
        )
        if self.llm is not None and not (extractive.declined and extractive.reason == "no_results"):
            answer = self._llm_answer(answer, ctx, extractive.declined, llm_text, llm_error)
        answer.timings_ms = {"retrieval_ms": round(ctx["retrieval_ms"], 2),
                             "total_ms": round((time.perf_counter() - ctx["t0"]) * 1000, 2)}
        return answer

    def _card_first(self, comp: Composition, question: str, filters: SearchFilters | None) -> Composition:
        """A procedure question that names a procedure is answered from its card's field first: the field's
        verbatim text in its section becomes [1] (the other citations move down). A decline for a missing fact
        is lifted when the card states it; other declines (an unknown name, nothing found) stand."""
        atype = comp.answer_type or answer_type(question)
        if atype not in CARD_TYPES or (comp.declined and comp.reason not in CARD_LIFTS):
            return comp
        access = filters.access if filters else None
        card = match_card(self.index, question, access)
        fact = card_fact(card, atype, question) if card else None
        section = fact_section(self.index, fact) if fact else None
        doc = self.index.get_document(section.article.doc_id) if section else None
        if section is None or doc is None or (access is not None and doc.access not in access):
            return comp
        if doc.id not in self.retriever.catalogue():
            return comp
        art = section.article
        cit = Citation(
            n=1, doc_id=doc.id, number=doc.number, title=doc.title,
            doc_label=document_name(doc.title, doc.doc_type, doc.number, doc.id),
            article=art.number if art.kind == "dieu" else None, article_key=art.key,
            article_label=article_label(art.kind, art.number, art.part, art.title, art.heading_path),
            quote=section.items[0], heading_path=art.heading_path, validity=self.retriever.validity(doc.id).status,
            url=source_url(doc.id, art.key, art.number, art.part, art.kind, None),
        )
        values = [f"{label}: {item}" if label else item
                  for item, label in zip(section.items, fact.labels or [""] * len(section.items), strict=True)]
        lead = f"{ANSWER_TYPE_LABELS[atype]} ({fact.procedure}): {'; '.join(values)} [1]"
        quote = f"{cit.doc_label}:\n- {cit.article_label}: “{cit.quote}” [1]"
        if comp.declined:
            return Composition(f"{lead}\nCăn cứ:\n{quote}", [cit], False, None, [], answer_type=atype,
                               procedure_code=fact.code)
        shifted = [c.model_copy(update={"n": c.n + 1}) for c in comp.citations]
        body = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + 1}]", comp.text)
        return Composition(f"{lead}\n{body}", [cit, *shifted], False, None, comp.notes, answer_type=atype,
                           procedure_code=fact.code)

    def _llm_answer(self, base: Answer, ctx: dict[str, Any], low_confidence: bool, llm_text: str | None,
                    llm_error: str | None) -> Answer:
        from assistant.answering.llm import LLMError
        from assistant.answering.verify import verify_answer

        sources = self.sources(ctx["result"])
        if llm_text is None and llm_error is None:
            try:
                llm_text = self.llm.generate(ctx["standalone"], sources, self.history(ctx["conversation_id"]))
            except LLMError as exc:
                llm_error = exc.message
        if llm_error is not None:
            base.mode = "llm-fallback"
            base.notes = [*base.notes, f"{llm_error} Câu trả lời dưới đây được trích trực tiếp từ văn bản."]
            return base
        verified = verify_answer(llm_text or "", sources)
        if verified.declined or low_confidence and not verified.citations:
            declined = self.composer.compose(ctx["standalone"], ctx["result"]) if low_confidence else None
            text = declined.text if declined and declined.declined else (
                "Không tìm thấy căn cứ trong các văn bản hiện có để trả lời câu hỏi này.")
            return base.model_copy(update={"text": text, "citations": [], "declined": True, "mode": "llm",
                                           "decline_reason": "llm_no_valid_citation", "flagged": verified.flagged})
        # The force of a named document is stated as in the extractive answer; other validity notes only
        # when the model cited a text that is not in force.
        cites_old = any(c.validity != "còn hiệu lực" for c in verified.citations)
        notes = [n for n in base.notes if cites_old or n.startswith(STATUS_PREFIX)]
        return base.model_copy(update={
            "text": verified.text + ("\n" + "\n".join(notes) if notes else ""), "citations": verified.citations,
            "declined": False, "decline_reason": None, "mode": "llm", "flagged": verified.flagged, "notes": notes,
        })

    # -- streaming ---------------------------------------------------------------------------
    def stream(self, question: str, conversation_id: str | None = None,
               filters: SearchFilters | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Events: ("sources", …) right after retrieval, ("token", {"text"}) …, ("answer", full answer)."""
        ctx = self.prepare(question, conversation_id, filters)
        result: SearchResult = ctx["result"]
        yield "sources", {"conversation_id": ctx["conversation_id"], "standalone_question": ctx["standalone"],
                          "sources": [_source(h, 300) for h in result.hits[:5]],
                          "retrieval_ms": round(ctx["retrieval_ms"], 2)}
        llm_text = llm_error = None
        if self.llm is not None and result.hits:
            from assistant.answering.llm import LLMError

            parts: list[str] = []
            try:
                for delta in self.llm.stream(ctx["standalone"], self.sources(result),
                                             self.history(ctx["conversation_id"])):
                    parts.append(delta)
                    yield "token", {"text": delta}
                llm_text = "".join(parts)
            except LLMError as exc:
                llm_error = exc.message
                yield "error", {"code": f"llm_{exc.kind}", "message": exc.message, "fallback": "extractive"}
            answer = self._compose(question, ctx, llm_text=llm_text, llm_error=llm_error)
            if llm_error is not None:
                for piece in _pieces(answer.text):
                    yield "token", {"text": piece}
        else:
            answer = self._compose(question, ctx)
            for piece in _pieces(answer.text):
                yield "token", {"text": piece}
        self._store(answer, ctx)
        yield "answer", answer.model_dump()

    # -- storage -----------------------------------------------------------------------------
    def _ensure_conversation(self, conversation_id: str | None) -> str:
        cid = conversation_id or uuid.uuid4().hex
        with self.index.sessions.begin() as s:
            if conversation_id is None or s.get(ConversationRow, cid) is None:
                s.add(ConversationRow(id=cid))
        return cid

    def _store(self, answer: Answer, ctx: dict[str, Any]) -> None:
        if self.settings.mask_pii:
            # Stored history keeps no CCCD/phone/e-mail (the reply sent back is unchanged).
            from assistant.security.pii import mask_pii

            answer = answer.model_copy(update={"question": mask_pii(answer.question),
                                               "standalone_question": mask_pii(answer.standalone_question)})
        with self.index.sessions.begin() as s:
            s.add(AnswerRow(
                id=answer.id, conversation_id=answer.conversation_id, question=answer.question,
                standalone_question=answer.standalone_question, text=answer.text,
                citations=[c.model_dump() for c in answer.citations],
                retrieved=[h.article_id for h in ctx["result"].hits], declined=answer.declined,
                flagged=answer.flagged, mode=answer.mode, latency_ms=answer.timings_ms.get("total_ms", 0.0),
            ))
            s.add(MessageRow(conversation_id=answer.conversation_id, role="user", content=answer.question))
            s.add(MessageRow(conversation_id=answer.conversation_id, role="assistant", content=answer.text,
                             answer_id=answer.id))


def _source(hit: ArticleHit, chars: int) -> dict[str, Any]:
    """A retrieved article as answers list it: named like the citations, no catalogue notes in its title."""
    return hit.as_dict() | {"title": clean_title(hit.doc_title) or None, "name": doc_name(hit),
                            "label": article_label(hit.kind, hit.article_number, hit.part, hit.title, hit.heading_path),
                            "text": hit.text[:chars]}


def _pieces(text: str) -> Iterator[str]:
    """Extractive text streamed in word groups so the widget renders it progressively."""
    words = re.split(r"(\s+)", text)
    for i in range(0, len(words), 12):
        yield "".join(words[i : i + 12])


def citation_text(citations: list[Citation]) -> str:
    """Footnotes: "[1] khoản 2 Điều 15 172/2025/NĐ-CP — …"."""
    return "\n".join(f"[{c.n}] {c.label}" + (f" ({c.validity})" if c.validity != "còn hiệu lực" else "")
                     for c in citations)
