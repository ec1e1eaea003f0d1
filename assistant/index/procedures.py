"""Procedure cards and competence records in SQL: written with their document, searched lexically.

At this size (hundreds of cards) the candidate rows are read with the caller's access filter in
SQL and ranked in Python on diacritic-folded tokens of the code, name, lĩnh vực and cơ quan; a
dense index over the names is not needed yet (a name query is a few distinctive words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.index.schema import CompetenceRow, ProcedureRow
from ingest.procedures import CompetenceRecord, Extraction, ProcedureCard
from ingest.procedures.text import canonical_code, fold

_STOP = {"thu", "tuc", "cua", "va", "cho", "the", "nao", "o", "dau", "gi", "bao", "lau", "nop", "ho", "so", "co",
         "quan", "ai", "tham", "quyen", "la", "duoc", "khong", "nhu", "can", "nhung"}


def write_procedures(s: Session, doc_id: str, extraction: Extraction, access: str) -> None:
    seen: set[str] = set()
    for n, card in enumerate(extraction.cards):
        row_id = f"{doc_id}:{card.key}"
        if row_id in seen:
            continue
        seen.add(row_id)
        s.add(ProcedureRow(
            id=row_id, doc_id=doc_id, code=card.code.text if card.code else None, name=card.name.text,
            field=card.field.text if card.field else None,
            authority="; ".join(a.body for a in card.authorities) or None, status=card.status.value,
            access=access, ordinal=n, card=card.model_dump(mode="json")))
    for r in extraction.competences:
        s.add(CompetenceRow(doc_id=doc_id, task=r.task, body=r.body, delegated_from=r.delegated_from,
                            procedure_code=r.procedure_code, rule=r.rule, article_key=r.span.article_key,
                            start=r.span.start, end=r.span.end, access=access))


def delete_procedures(s: Session, doc_id: str) -> None:
    s.execute(delete(CompetenceRow).where(CompetenceRow.doc_id == doc_id))
    s.execute(delete(ProcedureRow).where(ProcedureRow.doc_id == doc_id))


def _tokens(q: str) -> list[str]:
    return [t for t in fold(q).split() if t not in _STOP]


def _score(tokens: Sequence[str], query: str, *texts: str | None) -> float:
    hay = " ".join(fold(t) for t in texts if t)
    words = set(hay.split())
    if not tokens:
        return 0.0
    hits = sum(1 for t in tokens if t in words)
    phrase = 1.0 if fold(query) and fold(query) in hay else 0.0
    return hits / len(tokens) + phrase


@dataclass
class ProcedureHit:
    card: ProcedureCard
    access: str
    score: float


def search_procedures(s: Session, q: str | None, *, field: str | None = None, authority: str | None = None,
                      labels: list[str] | None = None, limit: int = 20) -> list[ProcedureHit]:
    stmt = select(ProcedureRow).order_by(ProcedureRow.doc_id, ProcedureRow.ordinal)
    if labels is not None:
        stmt = stmt.where(ProcedureRow.access.in_(labels))
    tokens = _tokens(q or "")
    code = canonical_code(q.strip()) if q else ""
    hits = []
    for row in s.scalars(stmt):
        if field and fold(field) not in fold(row.field or ""):
            continue
        if authority and fold(authority) not in fold(row.authority or ""):
            continue
        if q:
            score = 10.0 if row.code and row.code == code else _score(tokens, q, row.name, row.field, row.authority)
            if score <= 0:
                continue
        else:
            score = 0.0
        hits.append(ProcedureHit(ProcedureCard.model_validate(row.card), row.access, score))
    hits.sort(key=lambda h: -h.score)  # stable: document order among equals
    return hits[:limit]


def get_procedure(s: Session, code: str, labels: list[str] | None) -> ProcedureHit | None:
    stmt = select(ProcedureRow).where(ProcedureRow.code == canonical_code(code)).order_by(ProcedureRow.doc_id)
    if labels is not None:
        stmt = stmt.where(ProcedureRow.access.in_(labels))
    row = s.scalars(stmt).first()
    return ProcedureHit(ProcedureCard.model_validate(row.card), row.access, 0.0) if row else None


@dataclass
class CompetenceHit:
    record: CompetenceRecord
    score: float


def search_competences(s: Session, q: str | None, labels: list[str] | None, limit: int = 20) -> list[CompetenceHit]:
    stmt = select(CompetenceRow).order_by(CompetenceRow.doc_id, CompetenceRow.id)
    if labels is not None:
        stmt = stmt.where(CompetenceRow.access.in_(labels))
    tokens = _tokens(q or "")
    out = []
    for row in s.scalars(stmt):
        score = _score(tokens, q or "", row.task, row.body, row.procedure_code) if q else 0.0
        if q and score <= 0:
            continue
        from ingest.procedures import Span

        rec = CompetenceRecord(task=row.task, body=row.body, delegated_from=row.delegated_from,
                               procedure_code=row.procedure_code, rule=row.rule,
                               span=Span(doc_id=row.doc_id, article_key=row.article_key, start=row.start, end=row.end))
        out.append(CompetenceHit(rec, score))
    out.sort(key=lambda h: -h.score)
    return out[:limit]
