"""Typed records that flow through the ingestion pipeline.

The parser produces a ``ParsedDocument``; chunking turns its articles into ``Chunk``s;
the index stores all three. Keeping them plain pydantic models lets every stage be tested alone.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class DocumentMetadata(BaseModel):
    """What identifies a legal text. Every field may be unknown (None)."""

    number: str | None = None  # số hiệu, e.g. "02/2026/QH16"
    doc_type: str | None = None  # loại văn bản, e.g. "Luật", "Nghị định"
    issuer: str | None = None  # cơ quan ban hành, e.g. "Quốc hội"
    issued: date | None = None  # ngày ban hành
    effective: date | None = None  # ngày có hiệu lực
    expires: date | None = None  # ngày hết hiệu lực, when known
    title: str | None = None  # trích yếu
    replaces: list[str] = Field(default_factory=list)  # số hiệu of replaced documents
    amends: list[str] = Field(default_factory=list)  # số hiệu of amended documents
    effective_note: str | None = None  # free text when the date is relative ("từ ngày ký")


class Clause(BaseModel):
    """A khoản (``number`` "1", "2"…) or the unnumbered lead text (``number`` None)."""

    number: str | None = None
    text: str
    points: list[str] = Field(default_factory=list)  # điểm letters in order: "a", "b", "đ"…


class Article(BaseModel):
    """A citable unit: an Điều, or a numbered section of a document without Điều."""

    part: str = ""  # "" = main body; "qd" = promulgating decision; "phu-luc-…" = annex/form
    number: str  # "7", "35a"; for sectioned documents "I", "II.1"…
    kind: str = "dieu"  # "dieu" or "section"
    title: str = ""
    heading_path: list[str] = Field(default_factory=list)  # Phần › Chương › Mục (without the Điều)
    text: str  # full text of the article, heading line included
    clauses: list[Clause] = Field(default_factory=list)
    ordinal: int = 0  # position in the document

    @property
    def label(self) -> str:
        return f"Điều {self.number}" if self.kind == "dieu" else f"Mục {self.number}"

    @property
    def key(self) -> str:
        """Stable id of the article within its document."""
        prefix = f"{self.part}:" if self.part else ""
        return f"{prefix}{self.kind}-{self.number}"


class ParsedDocument(BaseModel):
    doc_id: str
    metadata: DocumentMetadata
    articles: list[Article]
    preamble: str = ""  # header, căn cứ … before the first article
    signature: str = ""  # signature and nơi nhận block
    text: str  # the normalised full text


class UnitKind(StrEnum):
    """What a searchable row is: an article chunk, or an answer unit inside it (``ingest.units``)."""

    ARTICLE = "article"  # the whole Điều, or a run of its khoản when it is long
    CLAUSE = "khoan"
    POINT = "diem"
    PARAGRAPH = "doan"  # a group of lines of a section or annex without khoản


class Chunk(BaseModel):
    """What is embedded and searched: an article or a run of its khoản, or an answer unit."""

    chunk_id: str
    doc_id: str
    article_key: str
    ordinal: int
    heading_path: list[str]
    clauses: list[str] = Field(default_factory=list)  # khoản numbers covered
    text: str  # body text without the path prefix
    embed_text: str  # path-prefixed text that stands alone
    unit: UnitKind = UnitKind.ARTICLE
    point: str | None = None  # điểm letter of a POINT unit
    embed: bool = True  # False: searched lexically only (keeps the embedding cost of units bounded)
