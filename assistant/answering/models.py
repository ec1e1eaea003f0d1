"""The answer contract shared by the extractive composer, the LLM path and every API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, computed_field, field_validator

from assistant.retrieval.naming import chip_label, citation_label, clause_label, clean_title


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

    _clean_title = field_validator("title")(lambda v: clean_title(v) or None if v else v)  # no catalogue notes

    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        """"khoản 2 Điều 5 Luật Hộ tịch số 60/2014/QH13": served with the citation, shown as is by the widget."""
        doc = self.doc_label or self.number or self.title or self.doc_id
        return citation_label(clause_label(self.article_label, self.clause, self.point), doc)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def chip_label(self) -> str:
        """The widget's compact form: "02/2026/QH16 · Điều 2 khoản 3"."""
        return chip_label(self.number, self.doc_label or self.title or self.doc_id, self.article_label, self.clause,
                          self.point)


class Answer(BaseModel):
    id: str
    question: str
    standalone_question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    declined: bool = False
    decline_reason: str | None = None
    answer_type: str | None = None  # what kind of fact was asked (assistant.retrieval.asked.AnswerType)
    procedure_code: str | None = None  # mã TTHC of the procedure card the answer line came from
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

    _clean_title = field_validator("title")(lambda v: clean_title(v) or None if v else v)
