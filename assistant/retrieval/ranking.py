"""The learned ranking stage: candidates → one feature row each → a trained model's score.

Hand-set multipliers (named document ×1.5, annex ×0.8, …) were tuned on the questions the team wrote
and did not hold on questions written by others. Here every such preference is a *feature*, and how
much each counts is learnt (``evals/train_ranker.py``) from questions generated from the texts
themselves plus the dev split — never the frozen or blind split. Only legal facts stay rules (an
article named explicitly is pinned; a text's force is flagged), in ``assistant.retrieval.search``.

Stages, each a plain function tested on hand-made inputs (tests/assistant/test_ranking.py):

    Signals (per chunk/unit scores) ─► aggregate_candidates ─► Candidate per article
    Candidate + QueryPlan + ArticleInfo ─► feature_row ─► FEATURES vector ─► Ranker.score
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from assistant.retrieval.asked import QUESTION_WORDS as STOPWORDS
from assistant.retrieval.asked import Asked, asked_kind, needs_quantity, states
from assistant.retrieval.effect import is_effect_article
from assistant.textproc import fold, folded_syllables, syllables
from ingest.units import is_unit_id, split_unit_id

MODEL_PATH = Path(__file__).with_name("ranker_model.json")


# The order of the model's inputs. Changing it (or a feature's meaning) needs a retrained model: the model
# file records the list it was trained with and is refused if it differs.
FEATURES: tuple[str, ...] = (
    "lex_article",  # best article-chunk BM25, relative to the query's best lexical row
    "lex_unit",  # best answer-unit BM25, relative likewise
    "lex_rr",  # 1 / (1 + rank) of the article in the lexical ranking
    "dense_article",  # cosine of the best article chunk
    "dense_unit",  # cosine of the best embedded unit (0 when none)
    "dense_gap",  # best cosine of the query minus this article's best
    "dense_rr",  # 1 / (1 + rank) in the dense ranking
    "unit_hits",  # how many of the article's units are among the lexical rows (multi-fact questions)
    "coverage",  # IDF-weighted share of the question's terms in the article (with its heading path)
    "pair_coverage",  # share of the question's adjacent term pairs found as pairs in the article
    "title_coverage",  # share of the question's terms in the article's title and heading path
    "named_doc",  # the question names this article's document
    "other_doc_named",  # the question names another document we hold
    "article_named",  # the question names this Điều number (in any document)
    "asked_stated",  # the question asks a quantity (amount, duration, date…) that the article states
    "asked_missing",  # it asks one that the article does not state
    "effect_match",  # the question asks about force and this is an effect article
    "effect_other",  # an effect article for a question that does not ask about force
    "annex",  # an annex's or form's copy
    "decision_part",  # the promulgating decision's own article (part "qd")
    "section",  # a section of a document without Điều
    "not_in_force",  # the document is not in force today
    "log_len",  # log of the article's length in characters
)


@dataclass
class Candidate:
    """What candidate generation knows of one article."""

    article_id: str
    lex_article: float = 0.0
    lex_unit: float = 0.0
    lex_rank: int | None = None
    dense_article: float = 0.0
    dense_unit: float = 0.0
    dense_rank: int | None = None
    unit_hits: int = 0
    best_lex_row: str | None = None  # the best article chunk on each side (units are in unit_scores)
    best_dense_row: str | None = None
    # Each unit's best score (lexical relative, or cosine) for the answer layer to quote the best units.
    unit_scores: dict[str, float] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return self.article_id.split(":", 1)[0]


def aggregate_candidates(
    lexical: Iterable[tuple[str, float]], dense: Iterable[tuple[str, float]]
) -> dict[str, Candidate]:
    """Per-article candidates from chunk/unit rows: article chunks and units kept apart, ranks by each side's
    best row per article."""
    lexical, dense = list(lexical), list(dense)
    lex_max = max((s for _, s in lexical), default=0.0) or 1.0
    out: dict[str, Candidate] = {}
    for rows, side in ((lexical, "lex"), (dense, "dense")):
        for row_id, score in rows:
            article_id, _ = split_unit_id(row_id)
            c = out.setdefault(article_id, Candidate(article_id))
            value = score / lex_max if side == "lex" else score
            if is_unit_id(row_id):
                if side == "lex":
                    c.unit_hits += 1
                    c.lex_unit = max(c.lex_unit, value)
                else:
                    c.dense_unit = max(c.dense_unit, value)
                # One scale for both sides: lexical relative to the best row; cosine rescaled from where e5
                # puts unrelated (≈0.75) and matching (≈0.92) passages.
                scaled = value if side == "lex" else min(max((value - 0.75) / 0.17, 0.0), 1.0)
                c.unit_scores[row_id] = max(c.unit_scores.get(row_id, 0.0), scaled)
                continue
            if side == "lex":
                c.lex_article = max(c.lex_article, value)
            else:
                c.dense_article = max(c.dense_article, value)
            best_attr = f"best_{side}_row"
            if getattr(c, best_attr) is None:  # rows arrive best first
                setattr(c, best_attr, row_id)
    for side, attr in (("lex", "lex_rank"), ("dense", "dense_rank")):
        best = {}
        for c in out.values():
            v = max(c.lex_article, c.lex_unit) if side == "lex" else max(c.dense_article, c.dense_unit)
            if v > 0:
                best[c.article_id] = v
        for rank, aid in enumerate(sorted(best, key=lambda a: -best[a])):
            setattr(out[aid], attr, rank)
    return out


@dataclass(frozen=True)
class ArticleInfo:
    """What the features read of an article and its document."""

    article_id: str
    kind: str  # dieu | section | annex
    part: str
    number: str
    title: str
    heading_path: tuple[str, ...]
    text: str
    in_force: bool


@dataclass(frozen=True)
class QueryView:
    """What the features read of the question (the frozen query plan's relevant part)."""

    text: str
    terms: tuple[str, ...]  # folded content syllables
    weights: Mapping[str, float]  # IDF per term
    named_docs: frozenset[str]
    article_numbers: frozenset[str]
    asked: Asked | None
    about_force: bool

    @classmethod
    def build(cls, question: str, idf: Callable[[str], float], named_docs: Iterable[str],
              article_numbers: Iterable[str], about_force: bool) -> QueryView:
        terms = tuple(t for t in (fold(s) for s in syllables(question)) if len(t) > 1 and t not in STOPWORDS)
        kind = asked_kind(question)
        return cls(question, terms, {t: idf(t) for t in terms}, frozenset(named_docs),
                   frozenset(article_numbers), kind if needs_quantity(kind) else None, about_force)

    @cached_property
    def total_weight(self) -> float:
        return sum(self.weights[t] for t in set(self.terms))

    @cached_property
    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(zip(self.terms, self.terms[1:], strict=False))


@lru_cache(maxsize=8192)
def _vocabulary(text: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The folded syllables of a text and its adjacent pairs (articles come back query after query)."""
    tokens = folded_syllables(text)
    return frozenset(tokens), frozenset(zip(tokens, tokens[1:], strict=False))


def _coverage(q: QueryView, present: frozenset[str]) -> float:
    if not q.total_weight:
        return 0.0
    return sum(q.weights[t] for t in set(q.terms) if t in present) / q.total_weight


def _pair_coverage(q: QueryView, have: frozenset[tuple[str, str]]) -> float:
    if not q.pairs:
        return 0.0
    return sum(1 for p in q.pairs if p in have) / len(q.pairs)


def feature_row(c: Candidate, q: QueryView, a: ArticleInfo, dense_best: float) -> list[float]:
    """One row of FEATURES for a candidate article."""
    heading = " ".join((*a.heading_path, a.title))
    body, body_pairs = _vocabulary(a.text)
    head, _ = _vocabulary(heading)
    stated = bool(q.asked) and states(q.asked, a.text)
    effect = is_effect_article(a.title, a.text)
    doc = c.doc_id
    values = {
        "lex_article": c.lex_article,
        "lex_unit": c.lex_unit,
        "lex_rr": 1.0 / (1 + c.lex_rank) if c.lex_rank is not None else 0.0,
        "dense_article": c.dense_article,
        "dense_unit": c.dense_unit,
        "dense_gap": dense_best - max(c.dense_article, c.dense_unit) if (c.dense_article or c.dense_unit) else 0.3,
        "dense_rr": 1.0 / (1 + c.dense_rank) if c.dense_rank is not None else 0.0,
        "unit_hits": math.log1p(c.unit_hits),
        "coverage": _coverage(q, body | head),
        "pair_coverage": _pair_coverage(q, body_pairs),
        "title_coverage": _coverage(q, head),
        "named_doc": float(doc in q.named_docs),
        "other_doc_named": float(bool(q.named_docs) and doc not in q.named_docs),
        "article_named": float(a.kind == "dieu" and a.number in q.article_numbers),
        "asked_stated": float(stated),
        "asked_missing": float(bool(q.asked) and not stated),
        "effect_match": float(q.about_force and effect),
        "effect_other": float(not q.about_force and effect),
        "annex": float(a.kind == "annex" or a.part.startswith(("mau", "phu-luc"))),
        "decision_part": float(a.part == "qd"),
        "section": float(a.kind == "section"),
        "not_in_force": float(not a.in_force),
        "log_len": math.log1p(len(a.text)) / 10,
    }
    return [values[name] for name in FEATURES]


class Ranker:
    """A trained scorer over FEATURES: a logistic regression (weights in JSON) or a LightGBM model
    (its text dump), as ``evals/train_ranker.py`` chose by held-out measurement."""

    def __init__(self, spec: dict) -> None:
        if tuple(spec["features"]) != FEATURES:
            raise ValueError("ranker model was trained on other features: retrain (python -m evals.train_ranker)")
        self.spec = spec
        self.kind = spec["kind"]
        self._booster = None
        if self.kind == "linear":
            self._mean = np.asarray(spec["mean"], dtype=np.float64)
            self._scale = np.asarray(spec["scale"], dtype=np.float64)
            self._coef = np.asarray(spec["coef"], dtype=np.float64)
            self._intercept = float(spec["intercept"])
        elif self.kind == "lightgbm":
            import lightgbm

            self._booster = lightgbm.Booster(model_str=spec["model"])
        else:
            raise ValueError(f"unknown ranker kind {self.kind!r}")

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Ranker:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @property
    def version(self) -> str:
        return str(self.spec.get("version", "?"))

    def score(self, rows: list[list[float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        x = np.asarray(rows, dtype=np.float64)
        if self._booster is not None:
            return np.asarray(self._booster.predict(x), dtype=np.float64)
        return ((x - self._mean) / self._scale) @ self._coef + self._intercept
