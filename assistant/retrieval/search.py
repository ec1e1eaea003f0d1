"""Hybrid article retrieval in typed stages: a frozen query plan, candidate rows, a feature row per
candidate article, a trained model's score, the final order.

    question ─► plan (references, named documents, filters, lexical / dense queries)
             ├► lexical rows (SQL full-text: article chunks and answer units) ──┐
             └► dense rows (Chroma: article chunks and embedded units) ─────────┴► candidates per article
             ─► feature rows (assistant/retrieval/ranking.py) ─► model score ─► final order ─► top k

Only legal facts stay rules: an article the question names is pinned first; for a question about a
document's force, the effect articles come first; a text replaced by one we hold gives way to it unless
the question names it. ``ranker="rules"`` is the previous release (weighted fusion, then hand-set
preferences), kept so evaluations measure the gain.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from assistant.index import lexical
from assistant.index.schema import ArticleRow, ChunkRow, DocumentRow
from assistant.index.store import Index
from assistant.index.vectors import VectorStoreUnavailable
from assistant.retrieval.asked import QUESTION_WORDS
from assistant.retrieval.effect import (
    NumberForm,
    asks_effect,
    asks_transition,
    is_effect_article,
    is_transitional,
    mentions,
    number_form,
    says_repealed,
)
from assistant.retrieval.naming import document_name
from assistant.retrieval.ranking import (
    MODEL_PATH,
    ArticleInfo,
    Candidate,
    QueryView,
    Ranker,
    aggregate_candidates,
    feature_row,
)
from assistant.retrieval.references import (
    CatalogueEntry,
    ParsedReference,
    expand_abbreviations,
    number_parts,
    parse_reference,
    resolve,
    strip_references,
)
from assistant.retrieval.supersession import (
    NORMATIVE,
    Claim,
    ClaimKind,
    HeldDoc,
    likely_successors,
    replaced_claims,
    statements,
)
from assistant.retrieval.thesaurus import load_thesaurus
from assistant.retrieval.validity import LIKELY_EXPIRED, Validity, compute_validity, number_key, ranks_in_force
from assistant.settings import Settings
from assistant.textproc import fold, folded_syllables, syllables, without_diacritics
from ingest.units import is_unit_id, split_unit_id

log = logging.getLogger(__name__)


@dataclass
class SearchFilters:
    doc_types: list[str] | None = None
    issuers: list[str] | None = None
    date_from: date | None = None  # on the issue date
    date_to: date | None = None
    access: list[str] | None = None  # None = no restriction (trusted caller)
    doc_ids: list[str] | None = None


@dataclass
class ArticleHit:
    doc_id: str
    doc_number: str | None
    doc_title: str | None
    doc_type: str | None
    issuer: str | None
    article_id: str
    article_key: str
    article_number: str
    kind: str
    part: str
    title: str
    heading_path: list[str]
    score: float
    lexical_score: float
    dense_score: float
    chunk_id: str
    text: str
    clauses: list[str]
    validity: Validity
    pinned: bool = False
    # The article's best answer units (khoản, điểm, paragraph groups), best first, for the answer layer.
    units: list[UnitScore] = field(default_factory=list)
    # The whole article, for the answer composer (not part of a search result's JSON).
    article_text: str = field(default="", repr=False)
    article_clauses: list[dict] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "number": self.doc_number,
            "title": self.doc_title,
            "type": self.doc_type,
            "issuer": self.issuer,
            "article_id": self.article_id,
            "article": self.article_number if self.kind == "dieu" else None,
            "article_key": self.article_key,
            "section": self.article_number if self.kind != "dieu" else None,
            "part": self.part,
            "article_title": self.title,
            "heading_path": self.heading_path,
            "score": round(self.score, 6),
            "lexical_score": round(self.lexical_score, 4),
            "dense_score": round(self.dense_score, 4),
            "chunk_id": self.chunk_id,
            "clauses": self.clauses,
            "text": self.text,
            **self.validity.as_dict(),
            "pinned": self.pinned,
            "units": [u.as_dict() for u in self.units],
        }


@dataclass(frozen=True)
class UnitScore:
    """An answer unit of a hit and how well it matched the question (0..1, lexical or dense)."""

    unit_id: str
    kind: str
    clause: str | None
    point: str | None
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.unit_id, "kind": self.kind, "clause": self.clause, "point": self.point,
                "score": round(self.score, 4)}


@dataclass(frozen=True)
class NamedDocument:
    doc_id: str
    name: str
    validity: Validity


@dataclass(frozen=True)
class QueryPlan:
    """What a question names and asks, fixed before any index is read."""

    query: str
    reference: ParsedReference
    resolved: tuple[str, ...]  # documents the question names, that we hold and the caller may read
    allowed: tuple[str, ...] | None  # documents the filters allow; None = all
    access: tuple[str, ...] | None  # access labels of the caller; None = all
    content_query: str  # abbreviations expanded (a named document we do not hold left out)
    lexical_query: str  # … plus the legal terms of everyday words
    dense_query: str
    about_force: bool  # the question asks whether / since when a document is in force


@dataclass
class Generated:
    """Candidate rows of one search: (chunk or unit id, score), best first, per side."""

    lexical: list[tuple[str, float]] = field(default_factory=list)
    dense: list[tuple[str, float]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)
    embedded_share: float | None = None  # share of chunks with a vector, when below 1
    mode: str = "hybrid"  # what ran: hybrid goes lexical while no chunk has a vector

    def articles_only(self, n: int) -> Generated:
        """Article chunks only, as the previous release searched."""
        return Generated([r for r in self.lexical if not is_unit_id(r[0])][:n],
                         [r for r in self.dense if not is_unit_id(r[0])][:n], self.timings, self.degraded,
                         self.embedded_share, self.mode)


_ARTICLE_CACHE = 20_000  # article rows kept for the features (about 40 MB of text at most)


def final_order(scores: dict[str, float], pinned: list[str], effect: list[str]) -> list[str]:
    """Stage 5: named articles, then effect articles, then the rest by score."""
    head = list(dict.fromkeys([*pinned, *effect]))
    return head + [a for a, _ in sorted(scores.items(), key=lambda kv: -kv[1]) if a not in head]


@dataclass
class SearchResult:
    query: str
    hits: list[ArticleHit]
    reference: ParsedReference
    resolved_docs: list[str]
    timings_ms: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0  # IDF-weighted share of the question's terms found in the best article
    dense_weight: float = 0.6
    dense_floor: float = 0.75
    dense_ceiling: float = 0.92
    # Parts left out for this search: "vectors" (Chroma down), "vectors_incomplete" (some chunks not
    # embedded yet: dense retrieval cannot find them; ``embedded_share`` says how many are).
    degraded: list[str] = field(default_factory=list)
    embedded_share: float | None = None  # share of chunks with a vector, when below 1
    mode: str = "hybrid"  # what was run: a hybrid search goes lexical while no chunk has a vector
    dense_used: bool = True  # False: lexical only (asked for, vectors not computed yet, or Chroma down)
    named: list[NamedDocument] = field(default_factory=list)  # documents the question names, that we hold
    about_force: bool = False  # the question asks whether / since when a document is in force

    @property
    def dense_top(self) -> float:
        return max((h.dense_score for h in self.hits[:3]), default=0.0)

    @property
    def confidence(self) -> float:
        """How well the corpus covers the question, 0..1: the dense similarity of the best articles
        (rescaled) blended with how much of the question's informative vocabulary they contain.
        Low when nothing in the corpus is about the question; the decline threshold applies to it.
        Without vectors it is the coverage alone: a blend with a missing similarity would decline
        every question while Chroma is down or the corpus is still being embedded."""
        if not self.dense_used:
            return self.coverage
        span = max(self.dense_ceiling - self.dense_floor, 1e-6)
        dense = min(max((self.dense_top - self.dense_floor) / span, 0.0), 1.0) if self.dense_top else 0.0
        return self.dense_weight * dense + (1 - self.dense_weight) * self.coverage


@dataclass
class _Doc:
    row: CatalogueEntry
    issuer: str | None
    access: str
    effective: date | None
    expires: date | None
    replaces: list[str]


class Retriever:
    def __init__(
        self,
        index: Index,
        settings: Settings,
        embedder: Any | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.index = index
        self.settings = settings
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.today = today
        self._docs: dict[str, _Doc] = {}
        self._catalogue_sig: tuple | None = None
        self._checked_at = 0.0
        self._ranker: Ranker | None = None
        self._article_rows: dict[str, Any] = {}  # candidate articles' rows, see _article_infos
        # Document frequencies per access label, and combined per set of labels a caller may read.
        self._df_by_access: dict[str, tuple[int, dict[str, int]]] | None = None
        self._df_cache: dict[tuple[str, ...] | None, tuple[int, dict[str, int]]] = {}
        self._claims: dict[str, list[Claim]] = {}  # what texts say about each document's force, by target
        self._by_number: dict[str, str] = {}

    # -- catalogue ---------------------------------------------------------------------------
    def _load_catalogue(self) -> None:
        """Keep the document catalogue in step with SQL. The check is a light (id, hash) query at
        most every ``catalogue_ttl`` seconds; full rows are read only when something changed."""
        now = time.monotonic()
        if self._catalogue_sig is not None and now - self._checked_at < self.settings.catalogue_ttl_seconds:
            return
        self._checked_at = now
        with self.index.sessions() as s:
            sig = tuple(sorted(tuple(row) for row in s.execute(select(DocumentRow.id, DocumentRow.content_hash))))
            if sig == self._catalogue_sig:
                return
            cols = (DocumentRow.id, DocumentRow.number, DocumentRow.doc_type, DocumentRow.title, DocumentRow.issued,
                    DocumentRow.issuer, DocumentRow.access, DocumentRow.effective, DocumentRow.expires,
                    DocumentRow.replaces, DocumentRow.preamble)
            rows = list(s.execute(select(*cols)))
            # Articles that may speak of another text's force (the sentences are read in Python).
            verbs = ("thay thế", "hết hiệu lực", "bãi bỏ", "sửa đổi", "[Ghi chú")
            said = list(s.execute(select(ArticleRow.id, ArticleRow.doc_id, ArticleRow.text)
                                  .where(or_(*(ArticleRow.text.contains(v) for v in verbs)))))
        self._docs = {
            r.id: _Doc(
                CatalogueEntry(r.id, r.number, r.doc_type, r.title, r.issued),
                r.issuer,
                r.access,
                r.effective,
                r.expires,
                list(r.replaces or []),
            )
            for r in rows
        }
        self._catalogue_sig = sig
        self._article_rows = {}  # an article's text may have changed with its document
        self._df_by_access, self._df_cache = None, {}  # vocabulary changed with the documents
        self._by_number = {number_key(d.row.number): d.row.doc_id for d in self._docs.values() if d.row.number}
        self._claims = {}
        t0 = time.perf_counter()
        try:
            held = [HeldDoc(r.id, r.number, r.doc_type, r.title, r.issued, r.effective, tuple(r.replaces or ()))
                    for r in rows]
            by_number = {number_key(h.number): h for h in held if h.number}
            by_id = {h.id: h for h in held}
            claims = replaced_claims(held)
            for doc_id in {a.doc_id for a in said}:
                claims += statements(by_id[doc_id], [(a.id, a.text) for a in said if a.doc_id == doc_id], by_number)
            normative = [h for h in held if h.doc_type in NORMATIVE and h.number]
            for r in rows:
                claims += likely_successors(by_id[r.id], r.preamble or "", normative)
        except Exception:  # noqa: BLE001 - a text we cannot read for this leaves the documents' own dates
            log.exception("could not read what the texts say about other documents' force")
            claims = []
        for c in claims:
            self._claims.setdefault(c.target, []).append(c)
        log.debug("validity claims: %d in %.0f ms", len(claims), (time.perf_counter() - t0) * 1000)

    def refresh(self) -> None:
        """Check SQL for changed documents now (the check is cheap; nothing is reloaded if none)."""
        self._checked_at = 0.0
        self._load_catalogue()

    def catalogue(self) -> dict[str, _Doc]:
        """The documents held, by id (refreshed from SQL when it changed)."""
        self._load_catalogue()
        return dict(self._docs)

    def doc_ids(self) -> list[str]:
        self._load_catalogue()
        return list(self._docs)

    def display_name(self, doc_id: str) -> str:
        """"Luật Tiếp cận thông tin số 01/2026/QH16" — how answers name a document."""
        self._load_catalogue()
        d = self._docs.get(doc_id)
        if d is None:
            return doc_id
        return document_name(d.row.title, d.row.doc_type, d.row.number, doc_id)

    def readable(self, doc_id: str, access: Sequence[str] | None) -> bool:
        """Whether a caller with these access labels (None: all) may read the document."""
        d = self._docs.get(doc_id)
        return d is not None and (access is None or d.access in access)

    def validity(self, doc_id: str, access: Sequence[str] | None = None) -> Validity:
        """The one place that decides what a caller learns of a document's force and of the documents that
        bear on it (successors, amendments, evidence): only what texts the caller may read say; that
        others say more is shown as RESTRICTED, without their dates or ids (README, Security)."""
        d = self._docs[doc_id]
        claims = self._claims.get(doc_id, [])
        seen = [c for c in claims if self.readable(c.source, access)]
        hidden = any(c.kind is not ClaimKind.AMENDED and not self.readable(c.source, access) for c in claims)
        v = compute_validity(d.effective, d.expires, self.today(), seen, hidden, self.display_name)
        if v.status == LIKELY_EXPIRED and v.successor:
            # A successor cited by number that we hold after all (and the caller may read): name it.
            held = self._by_number.get(number_key(next((c.by_number for c in seen if c.by_number), "")))
            if held and self.readable(held, access):
                v = replace(v, replaced_by=held, successor=self.display_name(held), successor_held=True)
        return v

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            with self._embedder_lock:  # concurrent first requests load the model once
                if self._embedder is None:
                    from assistant.embeddings import QueryCache, make_embedder

                    embedder = make_embedder(self.settings)
                    size = self.settings.query_cache_size
                    self._embedder = QueryCache(embedder, size) if size else embedder
        return self._embedder

    def allowed_doc_ids(self, f: SearchFilters | None) -> set[str] | None:
        """Documents a search with these filters may return; None = all."""
        self._load_catalogue()
        allowed = self._allowed_docs(f)
        return None if allowed is None else set(allowed)

    def _allowed_docs(self, f: SearchFilters | None) -> list[str] | None:
        if f is None or not any((f.doc_types, f.issuers, f.date_from, f.date_to, f.access is not None, f.doc_ids)):
            return None
        out = []
        for d in self._docs.values():
            if f.doc_types and (d.row.doc_type or "").lower() not in {t.lower() for t in f.doc_types}:
                continue
            if f.issuers and not any(i.lower() in (d.issuer or "").lower() for i in f.issuers):
                continue
            if f.date_from and (d.row.issued is None or d.row.issued < f.date_from):
                continue
            if f.date_to and (d.row.issued is None or d.row.issued > f.date_to):
                continue
            if f.access is not None and d.access not in f.access:
                continue
            if f.doc_ids and d.row.doc_id not in f.doc_ids:
                continue
            out.append(d.row.doc_id)
        return out

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            self._ranker = Ranker.load(self.settings.ranker_model or MODEL_PATH)
        return self._ranker

    # -- search ------------------------------------------------------------------------------
    def plan(self, query: str, filters: SearchFilters | None = None) -> QueryPlan:
        """Stage 1: what the question names and asks, and the queries each side runs (frozen)."""
        self._load_catalogue()
        cfg = self.settings
        ref = parse_reference(query)
        expanded = expand_abbreviations(query)
        allowed = self._allowed_docs(filters)
        access = filters.access if filters else None
        named = resolve(query, ref, [d.row for d in self._docs.values()])
        resolved = [d for d in named if allowed is None or d in allowed]
        if not ref.years:
            # "Luật Tiếp cận thông tin" without a year means the one in force.
            resolved.sort(key=lambda d: not ranks_in_force(self.validity(d, access)))
        # A named document we do not hold must not steer the search towards its type's texts.
        unresolved = bool(ref.docs) and not resolved
        # A resolved reference is handled by pinning (and the named-document feature); its words stay in the
        # query (measured: dropping "Điều 7" from the lexical query loses a little on both dev sets).
        content_query = strip_references(expanded, documents=True) if unresolved else expanded
        # The legal terms of everyday words help find the article; the coverage (and so the confidence)
        # stays that of the question as asked, so an added term the texts lack cannot lower it.
        lexical_query = load_thesaurus(cfg.thesaurus_path).expand(content_query) if cfg.thesaurus else content_query
        dense_query = strip_references(query, documents=True) if unresolved else query
        return QueryPlan(query, ref, tuple(resolved), None if allowed is None else tuple(allowed),
                         None if access is None else tuple(access), content_query, lexical_query, dense_query,
                         asks_effect(query))

    def generate(self, plan: QueryPlan, n: int, mode: str = "hybrid") -> Generated:
        """Stage 2: candidate rows (article chunks and answer units) from the lexical and dense indexes."""
        cfg = self.settings
        out = Generated(mode=mode)
        allowed = list(plan.allowed) if plan.allowed is not None else None
        access = list(plan.access) if plan.access is not None else None
        if mode in ("hybrid", "lexical"):
            t0 = time.perf_counter()
            with self.index.engine.connect() as conn:
                df = self._frequencies(conn, access)
                weights = lexical.LexicalWeights(cfg.lexical_heading_weight, cfg.lexical_syllable_weight,
                                                 cfg.lexical_word_weight, cfg.lexical_folded_weight)
                out.lexical = lexical.search(conn, plan.lexical_query, n, access=access, doc_ids=allowed,
                                             weights=weights, df=df, max_df=cfg.lexical_max_df,
                                             keep=cfg.lexical_keep_terms)
            out.timings["lexical_ms"] = (time.perf_counter() - t0) * 1000
        if mode in ("hybrid", "dense"):
            coverage = self.index.vector_coverage()
            if not coverage.complete:
                # Answers are weaker until every chunk has its vector: say so on every one of them.
                out.degraded.append("vectors_incomplete")
                out.embedded_share = round(coverage.share, 4)
                if coverage.embedded == 0 and mode == "hybrid":
                    mode = out.mode = "lexical"  # nothing to search densely: no query embedding either
        if mode in ("hybrid", "dense"):
            t0 = time.perf_counter()
            qvec = self.embedder.embed_query(plan.dense_query)
            out.timings["embed_ms"] = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            where = _chroma_where(access, allowed)
            if where != "none":
                try:
                    out.dense = self.index.vectors.query(qvec, n, where=where)
                except VectorStoreUnavailable:  # logged by the store; this answer is lexical only
                    out.degraded.append("vectors")
            out.timings["dense_ms"] = (time.perf_counter() - t0) * 1000
        return out

    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        mode: str = "hybrid",
        ranker: str | None = None,
    ) -> SearchResult:
        """``ranker`` overrides the setting ("learned" or "rules") for one search (the evals compare both)."""
        t_start = time.perf_counter()
        learned = (ranker or self.settings.ranker) == "learned" and mode == "hybrid"
        plan = self.plan(query, filters)
        n_cand = max(self.settings.retrieval_candidates, k)
        gen = self.generate(plan, 2 * n_cand, mode)
        # With no vector yet the search ran lexically: the model, trained on both sides, is not asked.
        learned = learned and gen.mode == "hybrid"
        if not learned:
            # The previous release's fusion saw article chunks only, and is measured that way.
            gen = gen.articles_only(n_cand)
        t0 = time.perf_counter()
        if learned:
            order, scores, per_article, pool, pinned = self._order_learned(plan, gen)
            gen.timings["features_ms"] = (time.perf_counter() - t0) * 1000
        else:
            order, scores, per_article, pinned = self._order_rules(plan, gen, gen.mode)
            pool = None
        hits = self._materialise(order[:k], scores, per_article, set(pinned), plan.reference, pool, plan.access)
        coverage = self._coverage(plan.content_query, hits[:3], plan.access)
        timings = gen.timings
        timings["fusion_ms"] = (time.perf_counter() - t0) * 1000
        timings["total_ms"] = (time.perf_counter() - t_start) * 1000
        timings["search_ms"] = timings["total_ms"] - timings.get("embed_ms", 0.0)
        cfg = self.settings
        resolved = list(plan.resolved)
        return SearchResult(query, hits, plan.reference, resolved, timings, coverage=coverage,
                            dense_weight=cfg.confidence_dense_weight, dense_floor=cfg.dense_floor,
                            dense_ceiling=cfg.dense_ceiling, degraded=gen.degraded, dense_used=bool(gen.dense),
                            embedded_share=gen.embedded_share, mode=gen.mode,
                            named=[NamedDocument(d, self.display_name(d), self.validity(d, plan.access))
                                   for d in resolved[:2]],
                            about_force=plan.about_force)

    def _heads(self, plan: QueryPlan, scores: dict[str, float]) -> tuple[list[str], list[str]]:
        """Legal facts, not preferences: an article the question names is pinned; for a question about a
        document's force, the effect articles (its repeal, its own entry into force) come first."""
        allowed = list(plan.allowed) if plan.allowed is not None else None
        access = list(plan.access) if plan.access is not None else None
        resolved = list(plan.resolved)
        pinned = self._pinned(plan.reference, resolved, allowed, access)
        effect = (self._effect_articles(plan.query, plan.reference, resolved, scores, allowed, access)
                  if plan.about_force else [])
        return pinned, effect

    def _order_rules(self, plan: QueryPlan, gen: Generated, mode: str
                     ) -> tuple[list[str], dict[str, float], dict[str, dict[str, Any]], list[str]]:
        """The previous release: weighted fusion of lexical and dense article scores, then hand-set factors."""
        per_article: dict[str, dict[str, Any]] = {}
        for source, rows in (("lex", gen.lexical), ("dense", gen.dense)):
            for cid, sc in rows:
                aid = split_unit_id(cid)[0]
                entry = per_article.setdefault(aid, {"lex": 0.0, "dense": 0.0, "lex_chunk": None, "dense_chunk": None})
                if sc > entry[source]:
                    entry[source], entry[f"{source}_chunk"] = sc, cid
        fused = self._fuse(per_article, mode)
        self._apply_preferences(fused, plan.reference, list(plan.resolved), plan.access)
        pinned, effect = self._heads(plan, fused)
        if effect:  # ahead of content matches, each scored as the best hit so none is cut as weak
            top = max(fused.values(), default=0.0) or 1.0
            fused.update((a, top) for a in effect)
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        head = list(dict.fromkeys([*pinned, *effect]))
        return head + [a for a, _ in ranked if a not in head], fused, per_article, pinned

    def candidates(self, plan: QueryPlan, gen: Generated) -> dict[str, Candidate]:
        """Stage 3: one candidate per article — the best ``ranker_candidates`` of each side."""
        cands = aggregate_candidates(gen.lexical, gen.dense)
        keep = self.settings.ranker_candidates
        by_lex = sorted((c for c in cands.values() if c.lex_rank is not None), key=lambda c: c.lex_rank)[:keep]
        by_dense = sorted((c for c in cands.values() if c.dense_rank is not None), key=lambda c: c.dense_rank)[:keep]
        return {c.article_id: c for c in [*by_lex, *by_dense]}

    def features(self, plan: QueryPlan, pool: dict[str, Candidate]) -> tuple[list[str], list[list[float]]]:
        """Stage 4: a FEATURES row per candidate article (ids in the same order)."""
        infos = self._article_infos(list(pool), plan.access)
        n, df = self._df_cache.get(None if plan.access is None else tuple(sorted(plan.access))) or (1, {})

        def idf(term: str) -> float:
            return math.log(1 + n / (1 + df.get(term, 0)))

        view = QueryView.build(plan.content_query, idf, plan.resolved, plan.reference.articles, plan.about_force)
        dense_best = max((max(c.dense_article, c.dense_unit) for c in pool.values()), default=0.0)
        ids = [aid for aid in pool if aid in infos]
        return ids, [feature_row(pool[aid], view, infos[aid], dense_best) for aid in ids]

    def feature_table(self, plan: QueryPlan, gen: Generated
                      ) -> tuple[dict[str, Candidate], list[str], list[str], list[str], list[list[float]]]:
        """Stages 3–4 as the model sees them (search and evals/train_ranker alike): the candidates with the
        pinned and effect articles among them, and a feature row per candidate (ids in row order)."""
        pool = self.candidates(plan, gen)
        pinned, effect = self._heads(plan, {a: 0.0 for a in pool})
        for aid in [*pinned, *effect]:
            pool.setdefault(aid, Candidate(aid))
        ids, rows = self.features(plan, pool)
        return pool, pinned, effect, ids, rows

    def _order_learned(self, plan: QueryPlan, gen: Generated
                       ) -> tuple[list[str], dict[str, float], dict[str, dict[str, Any]], dict[str, Candidate],
                                  list[str]]:
        """Stages 3–5: candidates, feature rows, the model's scores, the final order."""
        pool, pinned, effect, ids, rows = self.feature_table(plan, gen)
        # The model's margin through a logistic: scores in 0..1 for the result.
        scores = {aid: 1.0 / (1.0 + math.exp(-float(s))) for aid, s in zip(ids, self.ranker.score(rows), strict=True)}
        order = self._successors_first(final_order(scores, pinned, effect), plan)
        if effect:  # scored as the best hit so that none is cut as weak
            top = max(scores.values(), default=0.0)
            scores.update((a, top) for a in effect)
        per_article = {aid: {"lex": max(c.lex_article, c.lex_unit), "dense": max(c.dense_article, c.dense_unit),
                             "lex_chunk": c.best_lex_row, "dense_chunk": c.best_dense_row}
                       for aid, c in pool.items()}
        return order, scores, per_article, pool, pinned

    def _successors_first(self, order: list[str], plan: QueryPlan) -> list[str]:
        """A legal fact, not a preference: a text replaced by one we hold gives way to it. Unless the question
        names the old text, none of its articles ranks above the best article of its successor (the two laws'
        near-identical articles would otherwise compete on wording alone)."""
        named = set(plan.resolved)
        out = list(order)
        for aid in order:
            doc = aid.split(":", 1)[0]
            if doc in named or doc not in self._docs:
                continue
            v = self.validity(doc, plan.access)
            if ranks_in_force(v) or not v.replaced_by:
                continue
            i = out.index(aid)
            j = next((n for n, a in enumerate(out) if a.split(":", 1)[0] == v.replaced_by), None)
            if j is not None and i < j:
                out.insert(j, out.pop(i))  # just after the successor's best article
        return out

    def _article_infos(self, article_ids: list[str], access: Sequence[str] | None) -> dict[str, ArticleInfo]:
        """Candidate articles as the features read them. Rows are kept (at most ``_ARTICLE_CACHE``, dropped
        when the catalogue changes): the same articles are candidates question after question."""
        missing = [a for a in article_ids if a not in self._article_rows]
        if missing:
            cols = (ArticleRow.id, ArticleRow.doc_id, ArticleRow.kind, ArticleRow.part, ArticleRow.number,
                    ArticleRow.title, ArticleRow.heading_path, ArticleRow.text)
            with self.index.sessions() as s:
                rows = s.execute(select(*cols).where(ArticleRow.id.in_(missing))).all()
            if len(self._article_rows) + len(rows) > _ARTICLE_CACHE:
                self._article_rows.clear()
            self._article_rows.update((r.id, r) for r in rows)
        out = {}
        for aid in article_ids:
            r = self._article_rows.get(aid)
            if r is not None and r.doc_id in self._docs:
                out[aid] = ArticleInfo(r.id, r.kind, r.part, r.number, r.title or "", tuple(r.heading_path or ()),
                                       r.text, ranks_in_force(self.validity(r.doc_id, access)))
        return out

    def _frequencies(self, conn: Any, access: Sequence[str] | None) -> tuple[int, dict[str, int]]:
        """Document frequencies over the chunks the caller may read (see lexical.document_frequencies_by_access)."""
        key = None if access is None else tuple(sorted(access))
        if key not in self._df_cache:
            if self._df_by_access is None:
                self._df_by_access = lexical.document_frequencies_by_access(conn)
            self._df_cache[key] = lexical.combine_frequencies(self._df_by_access, key)
        return self._df_cache[key]

    def _coverage(self, query: str, hits: list[ArticleHit], access: Sequence[str] | None = None) -> float:
        frequencies = self._df_cache.get(None if access is None else tuple(sorted(access)))
        if not hits or frequencies is None:  # no lexical search yet for these labels (dense only)
            return 0.0
        n, df = frequencies
        terms = [t for t in dict.fromkeys(syllables(query)) if len(t) > 1 and fold(t) not in QUESTION_WORDS]
        weights = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in terms}
        total = sum(weights.values())
        if not total:
            return 0.0
        # A question typed without diacritics is compared with the texts folded the same way ("phuong"
        # is "phường"); its terms' frequencies are those of the folded column of the index.
        plain = without_diacritics(query)
        best = 0.0
        for h in hits:
            context = h.text + " " + " ".join(h.heading_path)
            present = set(folded_syllables(context) if plain else syllables(context))
            best = max(best, sum(w for t, w in weights.items() if t in present) / total)
        return best

    def _fuse(self, per_article: dict[str, dict[str, Any]], mode: str) -> dict[str, float]:
        cfg = self.settings
        if not per_article:
            return {}
        if mode == "lexical":
            return {a: e["lex"] for a, e in per_article.items() if e["lex"] > 0}
        if mode == "dense":
            return {a: e["dense"] for a, e in per_article.items() if e["dense"] > 0}
        if cfg.fusion == "rrf":
            out: dict[str, float] = {}
            for source, w in (("lex", cfg.lexical_weight), ("dense", cfg.dense_weight)):
                present = [a for a, e in per_article.items() if e[source] > 0]
                ranked = sorted(present, key=lambda a: -per_article[a][source])
                for r, a in enumerate(ranked):
                    out[a] = out.get(a, 0.0) + w / (cfg.rrf_k + r + 1)
            return out
        # Weighted fusion of calibrated scores: BM25 relative to the best hit, cosine similarity
        # rescaled from the range where e5 places unrelated (≈0.7) and matching (≈0.9) passages.
        lex_max = max((e["lex"] for e in per_article.values()), default=0.0) or 1.0
        lo, hi = cfg.dense_floor, cfg.dense_ceiling
        out = {}
        for a, e in per_article.items():
            lex_n = e["lex"] / lex_max
            dense_n = min(max((e["dense"] - lo) / (hi - lo), 0.0), 1.0) if e["dense"] else 0.0
            out[a] = cfg.lexical_weight * lex_n + cfg.dense_weight * dense_n
        return out

    def _apply_preferences(self, fused: dict[str, float], ref: ParsedReference, resolved: list[str],
                           access: Sequence[str] | None = None) -> None:
        cfg = self.settings
        resolved_set = set(resolved)
        for aid in fused:
            doc_id, key = aid.split(":", 1)
            factor = 1.0
            if doc_id in resolved_set:
                factor *= 1.0 + cfg.named_doc_boost
            elif resolved_set and cfg.named_doc_boost:
                factor *= 1.0 - cfg.named_doc_boost / 2
            if ref.articles and key.rsplit("-", 1)[-1] in ref.articles and key.startswith("dieu-"):
                factor *= 1.0 + cfg.article_number_boost
            if ":" in key or key.startswith("annex-"):
                part = key.split(":", 1)[0] if ":" in key else "annex"
                if part.startswith(("mau", "phu-luc", "annex")):
                    factor *= cfg.annex_factor
            if (doc_id in self._docs and doc_id not in resolved_set
                    and not ranks_in_force(self.validity(doc_id, access))):
                factor *= cfg.not_in_force_factor
            fused[aid] *= factor

    def _pinned(
        self, ref: ParsedReference, resolved: list[str], allowed: list[str] | None, access: list[str] | None
    ) -> list[str]:
        """Articles named explicitly ("Điều 7 Luật Thủ đô") in a document the question names."""
        if not (ref.articles and resolved):
            return []
        wanted = [f"{d}:dieu-{n}" for d in resolved[:2] for n in ref.articles]
        with self.index.sessions() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.doc_id).where(ArticleRow.id.in_(wanted))
            ).all()
        present = {r.id for r in rows if (allowed is None or r.doc_id in allowed)
                   and (access is None or self._docs[r.doc_id].access in access)}
        return [w for w in wanted if w in present]

    def _effect_articles(self, query: str, ref: ParsedReference, resolved: list[str], fused: dict[str, float],
                         allowed: list[str] | None, access: list[str] | None) -> list[str]:
        """For a question about a named document's force: the effect articles of the texts that name it
        by số hiệu (its repeal, when it is gone or not held) and its own (when it takes effect)."""
        named = resolved[:2]
        forms: dict[NumberForm, bool] = {}  # how texts cite it → whether the document is held and in force
        for d in ref.docs:
            form = number_form(d.number, d.year, d.suffix, d.doc_type)
            if form:
                forms.setdefault(form, False)
        for doc_id in named:
            row = self._docs[doc_id].row
            num, year, suffix = number_parts(row.number)
            form = number_form(num, year or (row.issued.year if row.issued else None), suffix or None, row.doc_type)
            if form:
                forms[form] = ranks_in_force(self.validity(doc_id, access))
        if not forms and not named:
            return []
        with self.index.sessions() as s:
            # The number as printed ("112/2020"); the suffix is checked on the folded text.
            cond = [ArticleRow.doc_id.in_(named)] + [ArticleRow.text.contains(f.needle) for f in forms]
            rows = s.execute(select(ArticleRow.id, ArticleRow.doc_id, ArticleRow.title, ArticleRow.text)
                             .where(or_(*cond))).all()

        def readable(doc_id: str) -> bool:
            doc = self._docs.get(doc_id)
            return doc is not None and (allowed is None or doc_id in allowed) and (
                access is None or doc.access in access)

        # "Hiệu lực thi hành" before "Điều khoản chuyển tiếp" unless the question is about old cases.
        transition = asks_transition(query)
        rows = sorted((r for r in rows if readable(r.doc_id) and is_effect_article(r.title, r.text)),
                      key=lambda r: (is_transitional(r.title) != transition, -fused.get(r.id, 0.0)))
        gone = [r for r in rows if any(not in_force and mentions(r.text, f) for f, in_force in forms.items())]
        # The article that repeals it ("… hết hiệu lực kể từ …") first; one that only mentions it (a
        # transitional rule for cases under it) after the named document's own.
        repeal = [r.id for r in gone if says_repealed(r.text)]
        own = sorted((r for r in rows if r.doc_id in named), key=lambda r: named.index(r.doc_id))
        live = [r.id for r in rows if r.doc_id not in named
                and any(in_force and mentions(r.text, f) for f, in_force in forms.items())]
        mentioned = [r.id for r in gone if r.doc_id not in named]
        return list(dict.fromkeys([*repeal, *(r.id for r in own), *mentioned, *live]))[:3]

    def _materialise(
        self,
        order: list[str],
        fused: dict[str, float],
        per_article: dict[str, dict[str, Any]],
        pinned: set[str],
        ref: ParsedReference,
        candidates: dict[str, Candidate] | None = None,
        access: Sequence[str] | None = None,
    ) -> list[ArticleHit]:
        if not order:
            return []
        best_units = {aid: sorted(c.unit_scores.items(), key=lambda kv: -kv[1])[:4]
                      for aid, c in (candidates or {}).items() if aid in order}
        with self.index.sessions() as s:
            arts = {a.id: a for a in s.scalars(select(ArticleRow).where(ArticleRow.id.in_(order)))}
            want_chunks = []
            for aid in order:
                e = per_article.get(aid, {})
                want_chunks.append(e.get("dense_chunk") or e.get("lex_chunk") or f"{aid}:0")
                if e.get("lex_chunk"):
                    want_chunks.append(e["lex_chunk"])
                want_chunks.extend(u for u, _ in best_units.get(aid, []))
            chunks = {c.id: c for c in s.scalars(select(ChunkRow).where(ChunkRow.id.in_(want_chunks)))}
        top = max(fused.values(), default=1.0) or 1.0
        hits = []
        for aid in order:
            art = arts.get(aid)
            if art is None:
                continue
            doc = self._docs[art.doc_id]
            e = per_article.get(aid, {"lex": 0.0, "dense": 0.0})
            chunk = self._best_chunk(aid, e, chunks, ref)
            score = fused.get(aid, 0.0)
            if aid in pinned:
                score = max(score, top) + 1.0
            hits.append(
                ArticleHit(
                    doc_id=art.doc_id,
                    doc_number=doc.row.number,
                    doc_title=doc.row.title,
                    doc_type=doc.row.doc_type,
                    issuer=doc.issuer,
                    article_id=aid,
                    article_key=art.key,
                    article_number=art.number,
                    kind=art.kind,
                    part=art.part,
                    title=art.title,
                    heading_path=art.heading_path,
                    score=score,
                    lexical_score=e.get("lex", 0.0),
                    dense_score=e.get("dense", 0.0),
                    chunk_id=chunk.id if chunk else "",
                    text=chunk.text if chunk else art.text[:1800],
                    clauses=(chunk.clauses if chunk else []),
                    validity=self.validity(art.doc_id, access),
                    pinned=aid in pinned,
                    units=[UnitScore(u, chunks[u].unit or "", (chunks[u].clauses or [None])[0], chunks[u].point, sc)
                           for u, sc in best_units.get(aid, []) if u in chunks],
                    article_text=art.text,
                    article_clauses=art.clauses or [],
                )
            )
        return hits

    @staticmethod
    def _best_chunk(aid: str, e: dict[str, Any], chunks: dict[str, ChunkRow], ref: ParsedReference) -> ChunkRow | None:
        if ref.clauses:
            for c in chunks.values():
                if c.article_id == aid and set(ref.clauses) & set(c.clauses):
                    return c
        for key in ("dense_chunk", "lex_chunk"):
            cid = e.get(key)
            if cid and cid in chunks:
                return chunks[cid]
        return chunks.get(f"{aid}:0")


def _chroma_where(access: list[str] | None, allowed: list[str] | None) -> dict[str, Any] | None | str:
    clauses: list[dict[str, Any]] = []
    if access is not None:
        if not access:
            return "none"
        clauses.append({"access": {"$in": list(access)}})
    if allowed is not None:
        if not allowed:
            return "none"
        clauses.append({"doc_id": {"$in": list(allowed)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    idx = min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))
    return s[idx]

