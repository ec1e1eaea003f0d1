"""Files → index, read top to bottom: collect, hash, load, parse, chunk, write; then embed.

One bad file never stops the batch: its error is recorded with the file name and the rest goes on.
A file whose content hash (bytes + metadata overrides + parser version) is unchanged is skipped
before any parsing or embedding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.store import Index, SourceInfo
from assistant.settings import Settings
from ingest.chunking import chunk_document
from ingest.legal import parse_structure
from ingest.loaders import SUPPORTED_SUFFIXES, LoaderError, OcrOptions, load_file
from ingest.metadata import doc_id_for, extract_metadata, load_overrides, merge_metadata
from ingest.models import Chunk, DocumentMetadata, ParsedDocument, UnitKind
from ingest.procedures import Extraction, extract_document
from ingest.units import document_units

log = logging.getLogger(__name__)

# Bump when parsing or chunking changes so that re-ingestion rebuilds every document.
PARSER_VERSION = "5"  # 4: answer units; 5: procedure cards and competence records


@dataclass
class FileResult:
    path: Path
    doc_id: str = ""
    status: str = "pending"  # added | updated | unchanged | failed | would-add | would-update
    articles: int = 0
    chunks: int = 0  # rows that get a vector: article chunks and the embedded answer units
    units: int = 0  # answer units (ingest/units.py), embedded or searched lexically only
    rows: int = 0  # every searchable row: article chunks and units
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    parse_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class Prepared:
    doc: ParsedDocument
    chunks: list[Chunk]
    source: SourceInfo
    procedures: Extraction | None = None


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Supported files under the given paths; sidecars and manifests are metadata, not documents."""
    out: list[Path] = []
    for p in paths:
        candidates = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in candidates:
            if f.is_dir() or f.name.endswith(".meta.json") or f.name == "manifest.json":
                continue
            if p.is_dir() and (f.suffix.lower() not in SUPPORTED_SUFFIXES or f.name.lower() == "readme.md"):
                continue
            out.append(f)
    return out


def content_hash(raw: bytes, overrides: dict, access: str) -> str:
    h = hashlib.sha256(raw)
    h.update(json.dumps(overrides, sort_keys=True, default=str, ensure_ascii=False).encode())
    h.update(f"\x00{access}\x00{PARSER_VERSION}".encode())
    return h.hexdigest()


def doc_label(md: DocumentMetadata, doc_id: str) -> str:
    """How chunks name their document: "Luật Thủ đô (02/2026/QH16)",
    "Nghị định 170/2025/NĐ-CP quy định về tuyển dụng, sử dụng và quản lý công chức"."""
    title = md.title or ""
    if not title:
        return " ".join(x for x in (md.doc_type, md.number) if x) or doc_id
    if md.doc_type and not title.lower().startswith(md.doc_type.lower()):
        head = " ".join(x for x in (md.doc_type, md.number) if x)
        return f"{head} {title[0].lower()}{title[1:]}"
    return f"{title} ({md.number})" if md.number and md.number not in title else title


@dataclass
class Allowance:
    """The time one file may take; each scanned page read by OCR adds its own share."""

    seconds: float
    active: bool = False

    def extend(self, seconds: float) -> None:
        if self.active and seconds > 0:
            remaining, _ = signal.getitimer(signal.ITIMER_REAL)
            self.seconds += seconds
            signal.setitimer(signal.ITIMER_REAL, remaining + seconds)


@contextmanager
def time_limit(seconds: float, path: Path) -> Iterator[Allowance]:
    """Abort one file's parsing after ``seconds`` (a pathological file must not hang the batch).
    Uses SIGALRM, so it applies in the main thread; elsewhere the file simply runs to the end."""
    allowance = Allowance(seconds)
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield allowance
        return

    def _expired(signum: int, frame: object) -> None:
        raise LoaderError(path, f"xử lý quá {allowance.seconds:.0f} giây — tệp bị bỏ qua")

    previous = signal.signal(signal.SIGALRM, _expired)
    allowance.active = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield allowance
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def prepare(
    path: Path,
    settings: Settings,
    overrides: dict,
    access: str,
    digest: str,
    raw_size: int,
    allowance: Allowance | None = None,
) -> Prepared:
    ocr = OcrOptions(
        languages=settings.ocr_languages,
        dpi=settings.ocr_dpi,
        min_confidence=settings.ocr_min_confidence,
        page_timeout_seconds=settings.ocr_page_timeout_seconds,
        # A 40-page scan must not run out of the time a typed file gets: each OCR page adds its own.
        before_page=(lambda: allowance.extend(settings.ocr_page_timeout_seconds)) if allowance else None,
    )
    loaded = load_file(path, ocr=ocr)
    structure = parse_structure(loaded.text)
    metadata = merge_metadata(extract_metadata(loaded.text, path.name), overrides)
    doc_id = doc_id_for(path, overrides)
    doc = ParsedDocument(
        doc_id=doc_id,
        metadata=metadata,
        articles=structure.articles,
        preamble=structure.preamble,
        signature=structure.signature,
        text=loaded.text,
    )
    label = doc_label(metadata, doc_id)
    chunks = chunk_document(doc_id, label, doc.articles, settings.chunk_max_chars) + document_units(
        doc_id, label, doc.articles, settings.unit_max_chars, settings.unit_embed_min_article_chars)
    source = SourceInfo(
        path=str(path.resolve()),
        format=loaded.format,
        content_hash=digest,
        size_bytes=raw_size,
        access=access,
        warnings=list(loaded.warnings),
        ocr=loaded.ocr,
    )
    try:
        procedures = extract_document(doc, path, loaded.format)
        for w in procedures.warnings:
            log.info("%s: thủ tục hành chính — %s", path.name, w.message)
    except LoaderError:
        raise  # the file's time limit ran out: the whole file fails, as for parsing
    except Exception:  # noqa: BLE001 - a procedure table the reader cannot handle must not lose the document
        log.exception("procedure extraction failed for %s", path)
        procedures = None
        source.warnings.append("không trích xuất được thủ tục hành chính (lỗi đã ghi vào nhật ký)")
    return Prepared(doc, chunks, source, procedures)


def ingest_files(
    files: list[Path],
    index: Index | None,
    settings: Settings,
    *,
    access: str | None = None,
    dry_run: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Write every file's document to SQL (lexical index included). Vectors are a later step."""
    results = []
    for path in files:
        result = FileResult(path=path)
        try:
            # A manifest.json beside the files describes them unless settings name another one.
            manifest = settings.manifest_path or (path.parent / "manifest.json")
            overrides = load_overrides(manifest if manifest.exists() else None, path)
            doc_access = access or overrides.get("access") or settings.default_access
            result.doc_id = doc_id_for(path, overrides)
            raw = path.read_bytes()
            digest = content_hash(raw, overrides, doc_access)
            stored = index.stored_hash(result.doc_id) if index else None
            if stored == digest:
                result.status = "unchanged"
            else:
                t0 = time.perf_counter()
                with time_limit(settings.file_timeout_seconds, path) as allowance:
                    prepared = prepare(path, settings, overrides, doc_access, digest, len(raw), allowance)
                result.parse_seconds = time.perf_counter() - t0
                result.articles, result.rows = len(prepared.doc.articles), len(prepared.chunks)
                result.chunks = sum(c.embed for c in prepared.chunks)
                result.units = sum(c.unit != UnitKind.ARTICLE for c in prepared.chunks)
                result.warnings = prepared.source.warnings
                if not prepared.chunks:
                    raise LoaderError(path, "không tìm thấy nội dung nào để lập chỉ mục")
                if dry_run or index is None:
                    result.status = "would-update" if stored else "would-add"
                else:
                    t1 = time.perf_counter()
                    index.replace_document(prepared.doc, prepared.chunks, prepared.source, prepared.procedures)
                    result.write_seconds = time.perf_counter() - t1
                    result.status = "updated" if stored else "added"
        except LoaderError as exc:
            result.status, result.message = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            log.exception("ingestion of %s failed", path)
            result.status, result.message = "failed", f"{path.name}: lỗi không mong đợi ({type(exc).__name__}: {exc})"
        results.append(result)
        if on_file:
            on_file(result)
    return results
