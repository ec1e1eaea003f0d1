"""Procedure cards and competence lookup over HTTP.

Access is that of the card's document: a card or competence record of a document the caller may
not read is absent from lists and a 404 by code — the same rule as ``/api/documents``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from assistant.api.auth import Permission, guard
from assistant.api.deps import IndexDep
from assistant.index.procedures import get_procedure, search_competences, search_procedures
from assistant.index.schema import DocumentRow
from assistant.security.principal import Principal
from ingest.procedures import ProcedureCard, Span
from ingest.procedures.models import (
    Authority,
    Deadline,
    DossierItem,
    Fee,
    LegalBasis,
    SourcedText,
    Step,
    SubmissionChannel,
)

router = APIRouter(tags=["procedures"])


class Citation(BaseModel):
    """Where a value was read: open ``url`` and highlight ``start``–``end`` of the document text."""

    doc_id: str
    article_key: str | None
    section: str | None = Field(description="Nhãn mục, ví dụ 'Mục B.I' hoặc 'Điều 4'")
    start: int
    end: int
    url: str | None = Field(description="Trang xem điều/mục được trích (GET /api/documents/…/articles/…)")


def citation(span: Span) -> Citation:
    key = span.article_key
    url = f"/api/documents/{quote(span.doc_id)}/articles/{quote(key, safe=':')}" if key else None
    return Citation(doc_id=span.doc_id, article_key=key, section=section_label(key), start=span.start, end=span.end,
                    url=url)


def section_label(key: str | None) -> str | None:
    if not key:
        return None
    local = key.split(":")[-1]
    kind, _, number = local.partition("-")
    if kind == "dieu":
        return f"Điều {number}"
    if kind == "annex":
        return "Phụ lục" + (f" {number}" if number not in ("", "0") else "")
    return f"Mục {number}"


class CitedText(BaseModel):
    text: str
    citation: Citation


class CardDossierItem(BaseModel):
    name: str
    copy_kind: str | None
    quantity: int | None
    citation: Citation


class CardChannel(BaseModel):
    channel: str | None = Field(description="truc_tiep | buu_chinh | truc_tuyen")
    text: str
    address: str | None
    url: str | None
    citation: Citation


class CardDeadline(BaseModel):
    text: str
    days: float | None
    working_days: bool | None
    citation: Citation


class CardStep(BaseModel):
    label: str
    unit: str | None
    work: str | None
    duration: str | None
    days: float | None
    result: str | None
    group: str | None
    citation: Citation


class CardAuthority(BaseModel):
    body: str
    delegated_from: str | None
    citation: Citation


class CardFee(BaseModel):
    text: str
    fee: str | None
    charge: str | None
    free: bool | None
    citation: Citation


class CardBasis(BaseModel):
    text: str
    numbers: list[str]
    documents: list[str] = Field(default_factory=list, description="Văn bản trong chỉ mục có số hiệu được dẫn")
    citation: Citation


class ProcedureOut(BaseModel):
    """A procedure card: every field with the citation of the text it was read from."""

    code: str | None
    symbol: str | None
    name: CitedText
    doc_id: str
    field: CitedText | None
    status: str = Field(description="cong_bo | bai_bo")
    authorities: list[CardAuthority]
    deadline: CardDeadline | None
    channels: list[CardChannel]
    places: list[CitedText]
    dossier: list[CardDossierItem]
    steps: list[CardStep]
    fee: CardFee | None
    legal_basis: list[CardBasis]
    results: list[CitedText]
    online_level: CitedText | None
    citation: Citation
    warnings: list[str]


class ProcedureSummary(BaseModel):
    code: str | None
    name: str
    field: str | None
    authorities: list[str]
    deadline: str | None
    doc_id: str
    score: float
    citation: Citation


class ProcedureList(BaseModel):
    procedures: list[ProcedureSummary]


class CompetenceOut(BaseModel):
    task: str
    body: str
    delegated_from: str | None
    procedure_code: str | None
    rule: str
    citation: Citation


class CompetenceList(BaseModel):
    competences: list[CompetenceOut]


def _cited(x: SourcedText | None) -> CitedText | None:
    return CitedText(text=x.text, citation=citation(x.span)) if x is not None else None


def card_out(c: ProcedureCard) -> ProcedureOut:
    def dl(d: Deadline) -> CardDeadline:
        return CardDeadline(text=d.text, days=d.days, working_days=d.working_days, citation=citation(d.span))

    def dos(d: DossierItem) -> CardDossierItem:
        return CardDossierItem(name=d.name, copy_kind=d.copy_kind.value if d.copy_kind else None, quantity=d.quantity,
                               citation=citation(d.span))

    def ch(x: SubmissionChannel) -> CardChannel:
        return CardChannel(channel=x.channel.value if x.channel else None, text=x.text, address=x.address, url=x.url,
                           citation=citation(x.span))

    def st(x: Step) -> CardStep:
        return CardStep(**x.model_dump(exclude={"span"}), citation=citation(x.span))

    def au(x: Authority) -> CardAuthority:
        return CardAuthority(body=x.body, delegated_from=x.delegated_from, citation=citation(x.span))

    def fe(x: Fee) -> CardFee:
        return CardFee(text=x.text, fee=x.fee, charge=x.charge, free=x.free, citation=citation(x.span))

    def lb(x: LegalBasis) -> CardBasis:
        return CardBasis(text=x.text, numbers=x.numbers, citation=citation(x.span))

    return ProcedureOut(
        code=c.code.text if c.code else None, symbol=c.symbol.text if c.symbol else None, name=_cited(c.name),
        doc_id=c.doc_id, field=_cited(c.field), status=c.status.value, authorities=[au(a) for a in c.authorities],
        deadline=dl(c.deadline) if c.deadline else None, channels=[ch(x) for x in c.channels],
        places=[_cited(p) for p in c.places], dossier=[dos(d) for d in c.dossier], steps=[st(s) for s in c.steps],
        fee=fe(c.fee) if c.fee else None, legal_basis=[lb(b) for b in c.legal_basis],
        results=[_cited(r) for r in c.results], online_level=_cited(c.online_level), citation=citation(c.span),
        warnings=[w.message for w in c.warnings],
    )


@router.get("/api/procedures", response_model=ProcedureList)
def list_procedures(
    index: IndexDep,
    principal: Annotated[Principal, guard(Permission.SEARCH)],
    q: Annotated[str | None, Query(description="Tên, lĩnh vực hoặc mã thủ tục", max_length=500)] = None,
    linh_vuc: Annotated[str | None, Query(description="Lọc theo lĩnh vực", max_length=200)] = None,
    co_quan: Annotated[str | None, Query(description="Lọc theo cơ quan giải quyết", max_length=200)] = None,
    k: Annotated[int, Query(ge=1, le=200)] = 20,
) -> ProcedureList:
    with index.sessions() as s:
        hits = search_procedures(s, q, field=linh_vuc, authority=co_quan, labels=principal.access_labels(), limit=k)
    return ProcedureList(procedures=[
        ProcedureSummary(code=h.card.code.text if h.card.code else None, name=h.card.name.text,
                         field=h.card.field.text if h.card.field else None,
                         authorities=[a.body for a in h.card.authorities],
                         deadline=h.card.deadline.text if h.card.deadline else None, doc_id=h.card.doc_id,
                         score=round(h.score, 4), citation=citation(h.card.span))
        for h in hits])


@router.get("/api/procedures/{ma_tthc}", response_model=ProcedureOut)
def show_procedure(ma_tthc: str, index: IndexDep,
                   principal: Annotated[Principal, guard(Permission.SEARCH)]) -> ProcedureOut:
    with index.sessions() as s:
        hit = get_procedure(s, ma_tthc, principal.access_labels())
        if hit is None:
            raise HTTPException(404, {"code": "not_found", "message": f"Không có thủ tục mã '{ma_tthc}'."})
        out = card_out(hit.card)
        # cited documents that are in the index and readable by the caller
        numbers = {n for b in out.legal_basis for n in b.numbers}
        stmt = select(DocumentRow.number, DocumentRow.id).where(DocumentRow.number.in_(numbers))
        labels = principal.access_labels()
        if labels is not None:
            stmt = stmt.where(DocumentRow.access.in_(labels))
        indexed: dict[str, list[str]] = {}
        for number, doc_id in s.execute(stmt):
            indexed.setdefault(number, []).append(doc_id)
    for b in out.legal_basis:
        b.documents = sorted({d for n in b.numbers for d in indexed.get(n, [])})
    return out


@router.get("/api/competence", response_model=CompetenceList)
def competence(
    index: IndexDep,
    principal: Annotated[Principal, guard(Permission.SEARCH)],
    q: Annotated[str | None, Query(description="Việc hoặc thủ tục cần tra thẩm quyền", max_length=500)] = None,
    k: Annotated[int, Query(ge=1, le=200)] = 20,
) -> CompetenceList:
    with index.sessions() as s:
        hits = search_competences(s, q, principal.access_labels(), limit=k)
    return CompetenceList(competences=[
        CompetenceOut(task=h.record.task, body=h.record.body, delegated_from=h.record.delegated_from,
                      procedure_code=h.record.procedure_code, rule=h.record.rule, citation=citation(h.record.span))
        for h in hits])
