"""Procedure questions answered from the procedure card first (issue: procedure cards).

"Thủ tục X nộp ở đâu / mất bao lâu / cần giấy tờ gì / phí bao nhiêu / ai giải quyết?" is answered by a field
of X's card (``ingest.procedures``): the deadline, the channels and places, the dossier, the steps, the fee,
the competent body. The card is chosen when the question names the procedure — most of the card name's
words are in the question — among the cards the caller may read. The field's text is quoted verbatim
from the section it came from (checked against that section's text, like every quote), so the answer
line cites the annex section, not a cell soup.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assistant.index.schema import ArticleRow, ProcedureRow
from assistant.index.store import Index
from assistant.retrieval.asked import AnswerType
from ingest.procedures import ProcedureCard
from ingest.procedures.models import Span
from ingest.procedures.text import fold

# Words of a procedure name that say nothing about which procedure it is.
_GENERIC = frozenset(fold(w) for w in [
    "thủ", "tục", "cấp", "các", "của", "và", "cho", "đối", "với", "việc", "trong", "theo", "về",
])


@dataclass(frozen=True)
class CardFact:
    """The field of a card that answers the question: its items as written, and where they stand."""

    code: str | None
    procedure: str
    items: tuple[str, ...]  # each verbatim (channels, dossier items, …)
    span: Span
    labels: tuple[str, ...] = ()  # what each item is, when the field has parts ("Phí", "Lệ phí")


def _name_words(text: str) -> set[str]:
    return {w for w in fold(text).split() if len(w) > 1 and w not in _GENERIC}


def match_card(index: Index, question: str, labels: list[str] | None, min_share: float = 0.8) -> ProcedureCard | None:
    """The card whose name the question names (most of its distinctive words), best share first."""
    asked = _name_words(question)
    if len(asked) < 2:
        return None
    stmt = select(ProcedureRow.id, ProcedureRow.name)  # names only: the one card chosen is read after
    if labels is not None:
        stmt = stmt.where(ProcedureRow.access.in_(labels))
    best: tuple[float, int, str] | None = None
    with index.sessions() as s:
        for row_id, name in s.execute(stmt):
            words = _name_words(name)
            if len(words) < 2:
                continue
            share = len(words & asked) / len(words)
            if share >= min_share and (best is None or (share, len(words)) > best[:2]):
                best = (share, len(words), row_id)
        row = s.get(ProcedureRow, best[2]) if best else None
    return ProcedureCard.model_validate(row.card) if row else None


def card_fact(card: ProcedureCard, atype: AnswerType, question: str, most: int = 6) -> CardFact | None:
    """The field of the card that states the asked kind of fact, if the card has it."""
    code = card.code.text if card.code else None

    def fact(items: list[str], span: Span, labels: tuple[str, ...] = ()) -> CardFact | None:
        kept = [(i, label) for i, label in zip(items, labels or [""] * len(items), strict=True) if i and i.strip()]
        kept = kept[:most]
        if not kept:
            return None
        return CardFact(code, card.name.text, tuple(i for i, _ in kept), span,
                        tuple(label for _, label in kept) if labels else ())

    if atype == AnswerType.DURATION and card.deadline:
        return fact([card.deadline.text], card.deadline.span)
    if atype == AnswerType.PLACE and (card.channels or card.places):
        places = card.channels or card.places
        return fact([p.text for p in places], places[0].span)
    if atype == AnswerType.DOSSIER and card.dossier:
        return fact([d.name for d in card.dossier], card.dossier[0].span)
    if atype == AnswerType.AUTHORITY and card.authorities:
        return fact([a.body for a in card.authorities], card.authorities[0].span)
    if atype == AnswerType.AMOUNT and card.fee and "phi" in fold(question).split():
        if card.fee.fee or card.fee.charge:
            return fact([card.fee.fee or "", card.fee.charge or ""], card.fee.span, ("Phí", "Lệ phí"))
        return fact([card.fee.text], card.fee.span)
    if atype == AnswerType.STEPS and card.steps:
        return fact([s.work or s.label for s in card.steps], card.steps[0].span)
    return None


@dataclass(frozen=True)
class CardSection:
    """The article/section a card field was read from."""

    article: ArticleRow
    items: tuple[str, ...]  # the fact's items, spaced as in the section


def fact_section(index: Index, fact: CardFact) -> CardSection | None:
    """The section holding the fact, with each item as the section writes it (a heading in capitals gives
    "UBND THÀNH PHỐ HÀ NỘI" for the card's "UBND thành phố Hà Nội"); None unless every item stands in it."""
    if not fact.span.article_key:
        return None
    with index.sessions() as s:
        row = s.get(ArticleRow, f"{fact.span.doc_id}:{fact.span.article_key}")
    if row is None:
        return None
    flat = " ".join(row.text.split())
    lower = flat.lower()
    items = []
    for item in fact.items:
        wanted = " ".join(item.split()).lower()
        at = lower.find(wanted) if wanted else -1
        if at < 0:
            return None
        items.append(flat[at : at + len(wanted)])
    return CardSection(row, tuple(items))
