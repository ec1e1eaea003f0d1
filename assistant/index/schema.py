"""SQL tables. Documents, articles and chunks are the source of truth; vectors are derived."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(100), index=True)
    doc_type: Mapped[str | None] = mapped_column(String(50), index=True)
    issuer: Mapped[str | None] = mapped_column(String(200), index=True)
    issued: Mapped[date | None] = mapped_column(Date)
    effective: Mapped[date | None] = mapped_column(Date)
    expires: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(Text)
    effective_note: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[list[str]] = mapped_column(JSON, default=list)
    amends: Mapped[list[str]] = mapped_column(JSON, default=list)
    access: Mapped[str] = mapped_column(String(100), default="public", index=True)
    source_path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    preamble: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Scanned pages read by OCR: {"engine", "pages", "mean_confidence", "min_confidence",
    # "low_confidence_pages", "page_confidence"}; None = the text layer only. Nullable, so
    # add_missing_columns adds it to databases created before.
    ocr: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    ingested_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    def as_dict(self) -> dict:
        """The document's metadata as JSON-ready values (CLI and API share it)."""
        return {
            "id": self.id,
            "number": self.number,
            "type": self.doc_type,
            "issuer": self.issuer,
            "title": self.title,
            "issued": self.issued.isoformat() if self.issued else None,
            "effective": self.effective.isoformat() if self.effective else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "effective_note": self.effective_note,
            "replaces": self.replaces,
            "amends": self.amends,
            "access": self.access,
            "source_path": self.source_path,
            "format": self.format,
            "content_hash": self.content_hash,
            "ocr": self.ocr,
        }

    articles: Mapped[list[ArticleRow]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True, order_by="ArticleRow.ordinal"
    )


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)  # "<doc>:<key>"
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    part: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    heading_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    clauses: Mapped[list[dict]] = mapped_column(JSON, default=list)
    ordinal: Mapped[int] = mapped_column(Integer)

    document: Mapped[DocumentRow] = relationship(back_populates="articles")


class ChunkRow(Base):
    __tablename__ = "chunks"

    id: Mapped[str] = mapped_column(String(320), primary_key=True)
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    part: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(20))
    heading_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    clauses: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    embed_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    access: Mapped[str] = mapped_column(String(100), default="public")
    # Answer units (ingest/units.py) share the table: unit kind, điểm letter, and whether it is embedded.
    # NULL unit = an article chunk (databases made before units existed).
    unit: Mapped[str | None] = mapped_column(String(10))
    point: Mapped[str | None] = mapped_column(String(5))
    embed: Mapped[bool | None] = mapped_column()


class ProcedureRow(Base):
    """A procedure card (thủ tục hành chính) extracted from its document; replaced with it."""

    __tablename__ = "procedures"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)  # "<doc>:<code or @offset>"
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(20), index=True)  # mã TTHC
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(300))  # lĩnh vực
    authority: Mapped[str | None] = mapped_column(Text)  # cơ quan giải quyết, "; "-joined
    status: Mapped[str] = mapped_column(String(20))
    access: Mapped[str] = mapped_column(String(100), default="public", index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    card: Mapped[dict] = mapped_column(JSON)  # ingest.procedures.ProcedureCard, validated on read


class CompetenceRow(Base):
    """Who is competent for a task or procedure, with the delegating body and the citation."""

    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    task: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(String(300), index=True)
    delegated_from: Mapped[str | None] = mapped_column(String(300))
    procedure_code: Mapped[str | None] = mapped_column(String(20), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    article_key: Mapped[str | None] = mapped_column(String(100))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    access: Mapped[str] = mapped_column(String(100), default="public", index=True)


class ChunkVectorRow(Base):
    """One row per chunk whose vector is in Chroma, for the text hash and model it was made from."""

    __tablename__ = "chunk_vectors"

    chunk_id: Mapped[str] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    embedded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # user | assistant
    content: Mapped[str] = mapped_column(Text)
    answer_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class AnswerRow(Base):
    """Every answer given, for feedback, audit and evaluation."""

    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict]] = mapped_column(JSON, default=list)
    retrieved: Mapped[list[str]] = mapped_column(JSON, default=list)
    declined: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    mode: Mapped[str] = mapped_column(String(20))
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    rating: Mapped[str] = mapped_column(String(10))  # up | down
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


# -- trust layer (assistant/security) ------------------------------------------------------------


class ApiKeyRow(Base):
    """An API key. Only a salted SHA-256 of the key is stored; the plaintext is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # public part of the key: tlcv_<id>_<secret>
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # admin | staff | widget
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # access labels beyond the role's own
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)  # widget keys: allowed embedding pages
    scheme: Mapped[str] = mapped_column(String(20), default="sha256-salt")
    salt: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC; None = does not expire


class AuditEventRow(Base):
    """One chat or search request: who, when, the (masked) question, what was retrieved and cited.
    A refused request (401/403/413/429) has endpoint "refused", its path and error code."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC
    principal: Mapped[str] = mapped_column(String(200), index=True)  # key:<id> | user:<sub> | anonymous
    role: Mapped[str] = mapped_column(String(20))
    endpoint: Mapped[str] = mapped_column(String(40))  # chat | chat-stream | openai | openai-stream | search | refused
    question: Mapped[str] = mapped_column(Text)  # PII masked unless mask_pii is off
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    answer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    access: Mapped[list[str] | None] = mapped_column(JSON)  # labels the caller could read; None = all
    retrieved: Mapped[list[str]] = mapped_column(JSON, default=list)  # article ids
    cited: Mapped[list[str]] = mapped_column(JSON, default=list)  # article ids
    declined: Mapped[bool | None] = mapped_column()
    mode: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[int] = mapped_column(Integer, default=200)
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    client: Mapped[str | None] = mapped_column(String(100))
    path: Mapped[str | None] = mapped_column(String(300))  # refused requests: the request path
    error: Mapped[str | None] = mapped_column(String(40))  # refused requests: the error code


class ConversationOwnerRow(Base):
    """Who started a conversation: another caller cannot continue it (and read its history)."""

    __tablename__ = "conversation_owners"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
