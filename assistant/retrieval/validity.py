"""Whether a document is in force on a given day, from its dates and what replaced it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

IN_FORCE = "còn hiệu lực"
EXPIRED = "hết hiệu lực"
NOT_YET = "chưa có hiệu lực"


@dataclass(frozen=True)
class Validity:
    status: str
    since: date | None = None  # when it took / takes effect, or when it expired
    replaced_by: str | None = None  # doc id of the text that replaced it


def number_key(number: str | None) -> str:
    """Compare số hiệu loosely: case, spaces and Đ/D spelled either way."""
    return (number or "").upper().replace(" ", "").replace("Đ", "D")


def compute_validity(
    effective: date | None,
    expires: date | None,
    today: date,
    replaced_by: tuple[str, date | None] | None = None,
) -> Validity:
    if replaced_by is not None:
        doc_id, when = replaced_by
        if when is None or when <= today:
            return Validity(EXPIRED, when, doc_id)
    if expires and expires <= today:
        return Validity(EXPIRED, expires, replaced_by[0] if replaced_by else None)
    if effective and effective > today:
        return Validity(NOT_YET, effective)
    if effective:
        return Validity(IN_FORCE, effective)
    # Nothing says otherwise: a promulgated text without dates is taken as in force.
    return Validity(IN_FORCE, None)
