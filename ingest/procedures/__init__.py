"""Procedure cards (thủ tục hành chính) and competence records from legal texts.

Pure ingestion code: no import of ``assistant``. ``extract_document`` is what the pipeline calls.
"""

from __future__ import annotations

from pathlib import Path

from ingest.models import ParsedDocument
from ingest.procedures.extract import extract
from ingest.procedures.models import (
    Channel,
    CompetenceRecord,
    CopyKind,
    Extraction,
    ExtractionWarning,
    ProcedureCard,
    ProcedureStatus,
    Span,
    WarningKind,
)
from ingest.procedures.source import SectionMap, blocks_for, cell_stream

__all__ = [
    "Channel", "CompetenceRecord", "CopyKind", "Extraction", "ExtractionWarning", "ProcedureCard",
    "ProcedureStatus", "Span", "WarningKind", "extract_document",
]


def extract_document(doc: ParsedDocument, path: Path | None = None, fmt: str = "txt") -> Extraction:
    """Cards and competence records of a parsed document; ``path`` lets DOCX/HTML tables keep their cells."""
    blocks = blocks_for(path, fmt) if path is not None else None
    if blocks is None:
        blocks = list(doc.text.split("\n"))
    cells = cell_stream(blocks, doc.text)
    sections = SectionMap(doc.articles, doc.text)
    return extract(doc.doc_id, cells, sections, doc.articles, doc.text, doc.metadata.issuer)
