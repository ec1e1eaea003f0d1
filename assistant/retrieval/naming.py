"""How answers and notes name a document: "Luật Thủ đô số 02/2026/QH16", "Nghị định 170/2025/NĐ-CP"."""

from __future__ import annotations

import re

_TRAILING_YEAR = re.compile(r"\s*\((?:19|20)\d{2}\)\s*$")


def plain_title(title: str | None) -> str:
    """"Luật Thủ đô (2026)" → "Luật Thủ đô": the year is in the số hiệu already."""
    return _TRAILING_YEAR.sub("", title or "")


def document_name(title: str | None, doc_type: str | None, number: str | None, fallback: str) -> str:
    plain = plain_title(title)
    if doc_type and number:
        if plain.lower().startswith(doc_type.lower()):
            return f"{plain} số {number}"
        return f"{doc_type} {number}"
    return plain or number or fallback
