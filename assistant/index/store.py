"""The index as one object: SQL writes (atomic per document), vector sync, reads for the CLI/API.

Order of writes: a document, its articles, chunks and lexical rows are committed in one
transaction; vectors follow. Chroma is derived and can always be repaired from SQL:
``sync_vectors`` deletes vectors whose chunk is gone and embeds chunks without a current vector.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.index import lexical
from assistant.index.procedures import delete_procedures, write_procedures
from assistant.index.schema import ArticleRow, ChunkRow, ChunkVectorRow, DocumentRow
from assistant.index.sql import init_schema, make_engine, session_factory
from assistant.settings import Settings
from ingest.loaders.ocr import OcrReport
from ingest.models import Chunk, ParsedDocument, UnitKind
from ingest.procedures import Extraction

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]


def chunk_hash(embed_text: str, meta: dict[str, Any]) -> str:
    """Vectors are keyed by text *and* the metadata Chroma filters on (access, type…)."""
    payload = embed_text + "\x00" + json.dumps(meta, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class SourceInfo:
    path: str
    format: str
    content_hash: str
    size_bytes: int
    access: str
    warnings: list[str] = field(default_factory=list)
    ocr: OcrReport | None = None  # scanned pages read by OCR


@dataclass(frozen=True)
class VectorCoverage:
    """How many chunks have their current vector: below all of them, dense retrieval misses the rest."""

    chunks: int
    embedded: int

    @property
    def complete(self) -> bool:
        return self.embedded >= self.chunks

    @property
    def share(self) -> float:
        return min(1.0, self.embedded / self.chunks) if self.chunks else 1.0


@dataclass
class VectorSyncResult:
    deleted: int = 0
    embedded: int = 0
    embed_seconds: float = 0.0
    write_seconds: float = 0.0


def _embedded_rows():  # noqa: ANN202 - SQL expression
    """Rows that get a vector: article chunks and the units marked for embedding (NULL = made before units)."""
    return ChunkRow.embed.is_(None) | ChunkRow.embed.is_(True)


def _is_unit():  # noqa: ANN202 - SQL expression
    return ChunkRow.unit.is_not(None) & (ChunkRow.unit != UnitKind.ARTICLE.value)


class Index:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.sql_url, connect_timeout=settings.database_connect_timeout_seconds)
        init_schema(self.engine)
        self.sessions = session_factory(self.engine)
        self._vectors = None
        self._vectors_lock = threading.Lock()
        self._coverage: tuple[float, VectorCoverage] | None = None  # (monotonic time, value)

    # -- vectors -------------------------------------------------------------------------
    @property
    def vectors(self):  # noqa: ANN201 - VectorStore, imported lazily (chromadb is heavy)
        if self._vectors is None:
            # The first requests after start arrive together: two Chroma clients opened at once on
            # one folder fail ("Could not connect to tenant default_tenant").
            with self._vectors_lock:
                if self._vectors is None:
                    from assistant.index.vectors import VectorStore

                    self._vectors = VectorStore(self.settings)
        return self._vectors

    # -- writes ----------------------------------------------------------------------------
    def stored_hash(self, doc_id: str) -> str | None:
        with self.sessions() as s:
            return s.scalar(select(DocumentRow.content_hash).where(DocumentRow.id == doc_id))

    def replace_document(self, doc: ParsedDocument, chunks: list[Chunk], source: SourceInfo,
                         procedures: Extraction | None = None) -> None:
        """Replace a document and everything derived from it (procedure cards too) in one transaction."""
        md = doc.metadata
        with self.sessions.begin() as s:
            old_vectors = {
                cid: (model, h)
                for cid, model, h in s.execute(
                    select(ChunkVectorRow.chunk_id, ChunkVectorRow.model, ChunkVectorRow.content_hash)
                    .join(ChunkRow, ChunkRow.id == ChunkVectorRow.chunk_id)
                    .where(ChunkRow.doc_id == doc.doc_id)
                )
            }
            self._delete_document(s, doc.doc_id)
            s.add(
                DocumentRow(
                    id=doc.doc_id,
                    number=md.number,
                    doc_type=md.doc_type,
                    issuer=md.issuer,
                    issued=md.issued,
                    effective=md.effective,
                    expires=md.expires,
                    title=md.title,
                    effective_note=md.effective_note,
                    replaces=md.replaces,
                    amends=md.amends,
                    access=source.access,
                    source_path=source.path,
                    format=source.format,
                    content_hash=source.content_hash,
                    size_bytes=source.size_bytes,
                    preamble=doc.preamble,
                    signature=doc.signature,
                    warnings=source.warnings,
                    ocr=source.ocr.as_json() if source.ocr else None,
                )
            )
            s.flush()
            articles = {a.key: a for a in doc.articles}
            s.add_all(
                ArticleRow(
                    id=f"{doc.doc_id}:{a.key}",
                    doc_id=doc.doc_id,
                    key=a.key,
                    part=a.part,
                    kind=a.kind,
                    number=a.number,
                    title=a.title,
                    heading_path=a.heading_path,
                    text=a.text,
                    clauses=[c.model_dump() for c in a.clauses],
                    ordinal=a.ordinal,
                )
                for a in doc.articles
            )
            s.flush()
            carried = []
            for c in chunks:
                art = articles[c.article_key]
                meta = self.vector_metadata(doc.doc_id, art.part, art.kind, c.article_key, source.access, c.unit)
                h = chunk_hash(c.embed_text, meta)
                s.add(
                    ChunkRow(
                        id=c.chunk_id,
                        doc_id=doc.doc_id,
                        article_id=f"{doc.doc_id}:{c.article_key}",
                        ordinal=c.ordinal,
                        part=art.part,
                        kind=art.kind,
                        heading_path=c.heading_path,
                        clauses=c.clauses,
                        text=c.text,
                        embed_text=c.embed_text,
                        content_hash=h,
                        access=source.access,
                        unit=c.unit.value,
                        point=c.point,
                        embed=c.embed,
                    )
                )
                old = old_vectors.get(c.chunk_id)
                if old and old[1] == h:
                    carried.append(ChunkVectorRow(chunk_id=c.chunk_id, model=old[0], content_hash=h))
            s.flush()
            s.add_all(carried)
            rows = ((c.chunk_id, doc.doc_id, " ".join(c.heading_path), c.text, source.access) for c in chunks)
            lexical.write(s.connection(), rows)
            if procedures is not None:
                write_procedures(s, doc.doc_id, procedures, source.access)
        self._coverage = None

    @staticmethod
    def vector_metadata(doc_id: str, part: str, kind: str, article_key: str, access: str,
                        unit: str | None = None) -> dict[str, Any]:
        """What Chroma filters on. Type/issuer/date filters become a doc_id list computed in SQL,
        so a metadata correction does not force re-embedding. Article chunks carry no "unit" key, so
        their vectors (and hashes) are those made before answer units existed."""
        meta = {"doc_id": doc_id, "article_id": f"{doc_id}:{article_key}", "part": part, "kind": kind, "access": access}
        if unit and unit != UnitKind.ARTICLE:
            meta["unit"] = str(unit)
        return meta

    def _delete_document(self, s: Session, doc_id: str) -> None:
        lexical.delete_document(s.connection(), doc_id)
        # Explicit deletes: SQLite only cascades with foreign_keys=ON, and ordering matters.
        delete_procedures(s, doc_id)
        chunk_ids = select(ChunkRow.id).where(ChunkRow.doc_id == doc_id)
        s.execute(delete(ChunkVectorRow).where(ChunkVectorRow.chunk_id.in_(chunk_ids)))
        s.execute(delete(ChunkRow).where(ChunkRow.doc_id == doc_id))
        s.execute(delete(ArticleRow).where(ArticleRow.doc_id == doc_id))
        s.execute(delete(DocumentRow).where(DocumentRow.id == doc_id))

    def remove_document(self, doc_id: str) -> bool:
        with self.sessions.begin() as s:
            if s.get(DocumentRow, doc_id) is None:
                return False
            ids = list(s.scalars(select(ChunkRow.id).where(ChunkRow.doc_id == doc_id)))
            self._delete_document(s, doc_id)
        try:
            self.vectors.delete(ids)
        except Exception as exc:  # noqa: BLE001 - the next sync removes orphans
            log.warning("could not delete vectors of %s now (%s); the next sync will", doc_id, exc)
        return True

    # -- vector sync -------------------------------------------------------------------------
    def pending_chunks(self, model: str) -> list[str]:
        with self.sessions() as s:
            q = (
                select(ChunkRow.id)
                .outerjoin(ChunkVectorRow, ChunkVectorRow.chunk_id == ChunkRow.id)
                .where(_embedded_rows())
                .where(
                    (ChunkVectorRow.chunk_id.is_(None))
                    | (ChunkVectorRow.model != model)
                    | (ChunkVectorRow.content_hash != ChunkRow.content_hash)
                )
                .order_by(ChunkRow.doc_id, ChunkRow.id)
            )
            return list(s.scalars(q))

    def _batches(self, ids: list[str], size: int) -> Iterator[list[ChunkRow]]:
        for i in range(0, len(ids), size):
            with self.sessions() as s:
                rows = list(s.scalars(select(ChunkRow).where(ChunkRow.id.in_(ids[i : i + size]))))
            yield rows

    def sync_vectors(self, embedder: Any, progress: ProgressFn | None = None) -> VectorSyncResult:
        result = VectorSyncResult()
        with self.sessions() as s:
            sql_ids = set(s.scalars(select(ChunkRow.id)))
            tracked = set(s.scalars(select(ChunkVectorRow.chunk_id)))
        chroma_ids = self.vectors.all_ids()
        orphans = chroma_ids - sql_ids
        if orphans:
            self.vectors.delete(sorted(orphans))
            result.deleted = len(orphans)
        lost = tracked - chroma_ids
        if lost:
            # SQL believes these are embedded but Chroma lost them (restored backup, wiped server).
            with self.sessions.begin() as s:
                lost_list = sorted(lost)
                for i in range(0, len(lost_list), 500):
                    s.execute(delete(ChunkVectorRow).where(ChunkVectorRow.chunk_id.in_(lost_list[i : i + 500])))
        pending = self.pending_chunks(embedder.name)
        done = 0
        if progress:
            progress(0, len(pending))
        for rows in self._batches(pending, self.settings.embedding_batch_size):
            t0 = time.perf_counter()
            vecs = embedder.embed_passages([r.embed_text for r in rows])
            t1 = time.perf_counter()
            metas = [self._row_metadata(r) for r in rows]
            self.vectors.upsert([r.id for r in rows], vecs, metas)
            with self.sessions.begin() as s:
                ids = [r.id for r in rows]
                s.execute(delete(ChunkVectorRow).where(ChunkVectorRow.chunk_id.in_(ids)))
                # A chunk replaced meanwhile keeps no vector row: its hash no longer matches.
                current = dict(s.execute(select(ChunkRow.id, ChunkRow.content_hash).where(ChunkRow.id.in_(ids))).all())
                for r in rows:
                    if current.get(r.id) == r.content_hash:
                        # merge: a second writer (service and CLI at once) may have recorded it too.
                        s.merge(ChunkVectorRow(chunk_id=r.id, model=embedder.name, content_hash=r.content_hash))
            result.embed_seconds += t1 - t0
            result.write_seconds += time.perf_counter() - t1
            done += len(rows)
            result.embedded = done
            if progress:
                progress(done, len(pending))
        self._coverage = None  # the next answer sees the vectors complete at once
        return result

    def vector_coverage(self, max_age: float = 2.0) -> VectorCoverage:
        """Chunks and chunks with a current vector, counted at most every ``max_age`` seconds (every
        search asks: two COUNTs per request would be waste). Another process's ingestion shows within it."""
        cached = self._coverage
        now = time.monotonic()
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        with self.sessions() as s:
            coverage = VectorCoverage(
                chunks=s.scalar(select(func.count()).select_from(ChunkRow).where(_embedded_rows())) or 0,
                embedded=s.scalar(self._embedded_count()) or 0,
            )
        self._coverage = (now, coverage)
        return coverage

    @staticmethod
    def _embedded_count():  # noqa: ANN205 - a SQLAlchemy Select
        return (
            select(func.count())
            .select_from(ChunkVectorRow)
            .join(ChunkRow, ChunkRow.id == ChunkVectorRow.chunk_id)
            .where(ChunkVectorRow.content_hash == ChunkRow.content_hash)
        )

    def _row_metadata(self, row: ChunkRow) -> dict[str, Any]:
        return self.vector_metadata(row.doc_id, row.part, row.kind, row.article_id.split(":", 1)[1], row.access,
                                    row.unit)

    # -- reads -------------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        with self.sessions() as s:
            return {
                "documents": s.scalar(select(func.count()).select_from(DocumentRow)) or 0,
                "articles": s.scalar(select(func.count()).select_from(ArticleRow)) or 0,
                # What readiness compares with "embedded": the rows that get a vector.
                "chunks": s.scalar(select(func.count()).select_from(ChunkRow).where(_embedded_rows())) or 0,
                "units": s.scalar(select(func.count()).select_from(ChunkRow).where(_is_unit())) or 0,
                "rows": s.scalar(select(func.count()).select_from(ChunkRow)) or 0,  # searchable: chunks and units
                "embedded": s.scalar(self._embedded_count()) or 0,
                "lexical": lexical.count(s.connection()),
            }

    def list_documents(self) -> list[DocumentRow]:
        with self.sessions() as s:
            return list(s.scalars(select(DocumentRow).order_by(DocumentRow.id)))

    def get_document(self, doc_id: str) -> DocumentRow | None:
        with self.sessions() as s:
            return s.get(DocumentRow, doc_id)

    def get_articles(self, doc_id: str) -> list[ArticleRow]:
        with self.sessions() as s:
            return list(s.scalars(select(ArticleRow).where(ArticleRow.doc_id == doc_id).order_by(ArticleRow.ordinal)))

    def get_chunks(self, ids: list[str]) -> dict[str, ChunkRow]:
        with self.sessions() as s:
            return {r.id: r for r in s.scalars(select(ChunkRow).where(ChunkRow.id.in_(ids)))}
