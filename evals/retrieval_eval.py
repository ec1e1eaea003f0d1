"""`assistant eval`: index a corpus (cached by content hash), run a golden set, report article-level
metrics for our pipeline and the baselines, side by side, from the same run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals import metrics as M

Item = tuple[str, str | None]
# "rules" is the previous release's ranking (weighted fusion + hand-set preferences) on the same index.
SYSTEMS = ("ours", "rules", "lexical", "dense", "naive_langchain")


def load_golden(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name}, dòng {n}: JSON không hợp lệ ({exc.msg})") from exc
        if "question" not in row:
            raise ValueError(f"{path.name}, dòng {n}: thiếu trường 'question'")
        history = row.get("history")
        if history is not None and not (isinstance(history, list) and all(isinstance(h, str) for h in history)):
            raise ValueError(f"{path.name}, dòng {n}: trường 'history' phải là danh sách các câu hỏi trước đó")
        row.setdefault("id", f"q{n}")
        row.setdefault("gold", [])
        row.setdefault("answerable", bool(row["gold"]))
        row.setdefault("type", "")
        rows.append(row)
    return rows


def gold_items(row: dict[str, Any]) -> list[Item]:
    return [(g["doc"], None if g.get("article") in (None, "") else str(g["article"])) for g in row["gold"]]


@dataclass
class SystemRun:
    name: str
    search: Callable[[str, int], tuple[list[Item], dict[str, float]]]


def hit_items(hits: list[Any]) -> list[Item]:
    return M.dedupe([(h.doc_id, h.article_number) for h in hits])


def evaluate(rows: list[dict[str, Any]], systems: list[SystemRun], k: int = 10,
             progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"] and r["gold"]]
    report: dict[str, Any] = {"questions": len(rows), "answerable": len(answerable), "k": k, "systems": {}}
    per_question: dict[str, dict[str, Any]] = {r["id"]: {"question": r["question"], "type": r["type"],
                                                         "gold": r["gold"]} for r in answerable}
    for r in answerable:
        if r.get("search_question"):  # a conversation: searched with the service's standalone question
            per_question[r["id"]].update(history=r.get("history") or [], standalone=r["search_question"])
    for sys_run in systems:
        records = []
        lat_search, lat_embed = [], []
        for i, r in enumerate(answerable):
            ranked, timings = sys_run.search(r.get("search_question") or r["question"], max(k, 10))
            gold = gold_items(r)
            rec = {
                "id": r["id"],
                "type": r["type"],
                **{f"recall@{n}": M.recall_at(ranked, gold, n) for n in (1, 3, 5, 10)},
                "mrr@10": M.mrr_at(ranked, gold, 10),
                "ndcg@10": M.ndcg_at(ranked, gold, 10),
                "rank": M.first_rank(ranked, gold),
            }
            records.append(rec)
            per_question[r["id"]][sys_run.name] = {
                "rank": rec["rank"], "top": [list(x) for x in ranked[:5]],
                # per-question latency (ms) for the report's histogram
                "latency_ms": {key: round(v, 2) for key, v in timings.items()
                               if key in ("search_ms", "embed_ms", "total_ms")},
            }
            if "search_ms" in timings:
                lat_search.append(timings["search_ms"])
            if "embed_ms" in timings:
                lat_embed.append(timings["embed_ms"])
            if progress:
                progress(sys_run.name, i + 1, len(answerable))
        report["systems"][sys_run.name] = summarise(records, lat_search, lat_embed)
    report["per_question"] = per_question
    return report


def summarise(records: list[dict[str, Any]], lat_search: list[float], lat_embed: list[float]) -> dict[str, Any]:
    from assistant.retrieval.search import percentile

    keys = ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    out: dict[str, Any] = {key: round(M.mean([r[key] for r in records]), 4) for key in keys}
    types = sorted({r["type"] for r in records})
    out["by_type"] = {
        t: {"n": sum(r["type"] == t for r in records),
            **{key: round(M.mean([r[key] for r in records if r["type"] == t]), 4) for key in keys}}
        for t in types
    }
    out["latency_ms"] = {
        "search_p50": round(percentile(lat_search, 50), 2) if lat_search else None,
        "search_p95": round(percentile(lat_search, 95), 2) if lat_search else None,
        "embed_p50": round(percentile(lat_embed, 50), 2) if lat_embed else None,
        "embed_p95": round(percentile(lat_embed, 95), 2) if lat_embed else None,
    }
    return out


def build_systems(retriever: Any, names: list[str], naive: Any | None = None) -> list[SystemRun]:
    def mode_search(mode: str, ranker: str | None = None) -> Callable[[str, int], tuple[list[Item], dict[str, float]]]:
        def run(q: str, k: int) -> tuple[list[Item], dict[str, float]]:
            res = retriever.search(q, k=k, mode=mode, ranker=ranker)
            return hit_items(res.hits), res.timings_ms

        return run

    out = []
    for name in names:
        if name == "ours":
            out.append(SystemRun(name, mode_search("hybrid", "learned")))
        elif name == "rules":
            out.append(SystemRun(name, mode_search("hybrid", "rules")))
        elif name in ("lexical", "dense"):
            out.append(SystemRun(name, mode_search(name)))
        elif name == "naive_langchain" and naive is not None:

            def run_naive(q: str, k: int) -> tuple[list[Item], dict[str, float]]:
                t0 = time.perf_counter()
                items = M.dedupe(naive.search(q, k))[:k]
                return items, {"total_ms": (time.perf_counter() - t0) * 1000}

            out.append(SystemRun(name, run_naive))
    return out
