"""The answer contract shared by the extractive composer, the LLM path and every API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Citation(BaseModel):
    n: int  # the marker [n] in the answer text
    doc_id: str
    number: str | None = None  # số hiệu
    title: str | None = None
    doc_label: str = ""  # "Luật Thủ đô số 02/2026/QH16"
    article: str | None = None  # Điều number, None for sections/annexes
    article_key: str
    article_label: str  # "Điều 7", "Mục II", "Phụ lục"
    clause: str | None = None  # khoản
    point: str | None = None  # điểm
    quote: str  # verbatim span of the source
    heading_path: list[str] = Field(default_factory=list)
    validity: str
    url: str  # the widget's source view

    @property
    def label(self) -> str:
        parts = []
        if self.point:
            parts.append(f"điểm {self.point}")
        if self.clause:
            parts.append(f"khoản {self.clause}")
        parts.append(self.article_label)
        doc = self.doc_label or self.number or self.title or self.doc_id
        return " ".join(parts) + f" {doc}"


class Answer(BaseModel):
    id: str
    question: str
    standalone_question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    declined: bool = False
    decline_reason: str | None = None
    mode: str = "extractive"  # extractive | llm | llm-fallback
    flagged: bool = False  # the LLM produced markers or quotes that failed verification
    notes: list[str] = Field(default_factory=list)
    sources: list[dict[str, Any]] = Field(default_factory=list)
    confidence: float = 0.0
    # "vectors": answered from the lexical index only (Chroma down); "vectors_incomplete": some chunks
    # have no vector yet (``embedded_share`` of them have one), so dense retrieval misses the rest.
    degraded: list[str] = Field(default_factory=list)
    embedded_share: float | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)
    conversation_id: str | None = None


class Source(BaseModel):
    """A retrieved article handed to the LLM as [n]; ``text`` is what it may quote."""

    n: int
    doc_id: str
    number: str | None = None
    title: str | None = None
    doc_label: str  # "Luật Thủ đô số 02/2026/QH16"
    article: str | None = None
    article_key: str
    article_label: str  # "Điều 7"
    heading_path: list[str] = Field(default_factory=list)
    validity: str
    url: str
    text: str
