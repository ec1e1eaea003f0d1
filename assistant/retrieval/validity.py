"""Whether a document is in force on a given day: its own dates, and what the texts we hold say.

``compute_validity`` is given only the claims (assistant/retrieval/supersession.py) whose evidence
the caller may read, and whether any other claim exists. The rule for the others (README, Security):
a document's force derived from a text the caller cannot read is never shown with its dates, its
successor or its id — the status is ``RESTRICTED`` ("có văn bản khác liên quan đến hiệu lực; liên hệ
quản trị"), so the caller is not told "còn hiệu lực" for a text that may be gone, and learns nothing
more than that some other text bears on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.retrieval.supersession import Claim

IN_FORCE = "còn hiệu lực"
EXPIRED = "hết hiệu lực"
NOT_YET = "chưa có hiệu lực"
LIKELY_EXPIRED = "có thể đã hết hiệu lực"  # an indexed text says so; the successor may not be held
RESTRICTED = "cần kiểm tra hiệu lực"  # derived from a text the caller may not read
RESTRICTED_NOTE = "Có văn bản khác liên quan đến hiệu lực của văn bản này; liên hệ quản trị để biết thêm."
NOT_HELD = "văn bản này chưa có trong hệ thống"


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    article_id: str | None  # None: the căn cứ lines of the document
    quote: str
    name: str = ""  # the document's display name

    def as_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "article_id": self.article_id, "quote": self.quote, "name": self.name}


@dataclass(frozen=True)
class Validity:
    status: str
    since: date | None = None  # when it took / takes effect, or when it expired
    replaced_by: str | None = None  # doc id of the held text that replaced it (one the caller may read)
    successor: str | None = None  # how answers name the successor: a held text's name, or "Nghị định 118/2025/NĐ-CP"
    successor_held: bool = False
    amended_by: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields every API view of a document or hit carries."""
        return {
            "validity": self.status,
            "validity_since": self.since.isoformat() if self.since else None,
            "replaced_by": self.replaced_by,
            "successor": self.successor,
            "amended_by": list(self.amended_by),
            "validity_evidence": [e.as_dict() for e in self.evidence],
            "validity_note": self.note,
        }


def ranks_in_force(v: Validity) -> bool:
    """Ranking treats a text as in force unless its own dates or a text the caller reads end it for
    certain: "có thể" is not certain, and RESTRICTED must rank as if the unreadable text did not exist."""
    return v.status in (IN_FORCE, LIKELY_EXPIRED, RESTRICTED)


def number_key(number: str | None) -> str:
    """Compare số hiệu loosely: case, spaces and Đ/D spelled either way."""
    return (number or "").upper().replace(" ", "").replace("Đ", "D")


def compute_validity(
    effective: date | None,
    expires: date | None,
    today: date,
    claims: Sequence[Claim] = (),
    hidden: bool = False,
    name: Callable[[str], str] = str,
) -> Validity:
    """``claims``: what texts the caller may read say about this document; ``hidden``: whether texts
    the caller may not read say it is replaced or repealed; ``name``: a held document's display name."""
    from assistant.retrieval.supersession import ClaimKind

    amended = tuple(dict.fromkeys(c.by_label or c.by_number for c in claims
                                  if c.kind is ClaimKind.AMENDED and (c.by_label or c.by_number)))
    replaced = sorted((c for c in claims if c.kind is ClaimKind.REPLACED),
                      key=lambda c: c.when or date.min, reverse=True)
    current = [c for c in replaced if c.when is None or c.when <= today]
    if current:
        c = current[0]
        return Validity(EXPIRED, c.when, c.source, name(c.source), True, amended)
    if expires and expires <= today:
        c = replaced[0] if replaced else None
        return Validity(EXPIRED, expires, c.source if c else None, name(c.source) if c else None, bool(c), amended)
    said = [c for c in claims if c.kind in (ClaimKind.STATED, ClaimKind.LIKELY)]
    if said:
        named = next((c for c in said if c.by_number), said[0])
        evidence = tuple(dict.fromkeys(Evidence(c.source, c.article, c.quote, name(c.source)) for c in said))
        successor = named.by_label or named.by_number
        return Validity(LIKELY_EXPIRED, None, None, successor, False, amended, evidence)
    if hidden:
        return Validity(RESTRICTED, None, note=RESTRICTED_NOTE, amended_by=amended)
    if effective and effective > today:
        return Validity(NOT_YET, effective, amended_by=amended)
    # Nothing says otherwise: a promulgated text without dates is taken as in force.
    return Validity(IN_FORCE, effective, amended_by=amended)
