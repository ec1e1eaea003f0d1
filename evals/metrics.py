"""Article-level retrieval metrics. A retrieved item is (doc id, article number); a gold item with
``article: null`` is satisfied by any article of that document."""

from __future__ import annotations

import math
from collections.abc import Sequence

Item = tuple[str, str | None]


def _matches(item: Item, gold: Item) -> bool:
    return item[0] == gold[0] and (gold[1] is None or item[1] == gold[1])


def dedupe(ranked: Sequence[Item]) -> list[Item]:
    seen: set[Item] = set()
    out = []
    for it in ranked:
        if it not in seen:
            seen.add(it)
            out.append(it)
    return out


def recall_at(ranked: Sequence[Item], gold: Sequence[Item], k: int) -> float:
    if not gold:
        return math.nan
    top = ranked[:k]
    return sum(any(_matches(r, g) for r in top) for g in gold) / len(gold)


def mrr_at(ranked: Sequence[Item], gold: Sequence[Item], k: int = 10) -> float:
    for i, r in enumerate(ranked[:k]):
        if any(_matches(r, g) for g in gold):
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at(ranked: Sequence[Item], gold: Sequence[Item], k: int = 10) -> float:
    if not gold:
        return math.nan
    used: set[int] = set()
    dcg = 0.0
    for i, r in enumerate(ranked[:k]):
        for j, g in enumerate(gold):
            if j not in used and _matches(r, g):
                used.add(j)
                dcg += 1.0 / math.log2(i + 2)
                break
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / ideal


def first_rank(ranked: Sequence[Item], gold: Sequence[Item]) -> int | None:
    for i, r in enumerate(ranked):
        if any(_matches(r, g) for g in gold):
            return i + 1
    return None


def mean(values: Sequence[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else math.nan
