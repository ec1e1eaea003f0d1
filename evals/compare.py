"""Question-by-question comparison of two eval reports (``report.json`` of `assistant eval --report`).

For every question: the rank of the first gold article for "ours" (lower is better, missing = not in
the top k), whether the answer declined (right for unanswerable questions, wrong otherwise) and whether
it cites a gold article. Each aspect that changed is marked improved or regressed; a question is
``improved`` / ``regressed`` when all its changes go one way, ``mixed`` when they disagree,
``unchanged`` otherwise (``new`` / ``removed`` when it is in one report only)."""

from __future__ import annotations

import math
from typing import Any

SYSTEM = "ours"
STATUSES = ("regressed", "mixed", "improved", "unchanged", "new", "removed")

# (path in the report, Vietnamese label, higher is better)
RETRIEVAL_METRICS = (("recall@1", True), ("recall@10", True), ("mrr@10", True), ("ndcg@10", True))
ANSWER_METRICS = (
    ("citation_accuracy", "Trích dẫn đúng căn cứ", True),
    ("citation_precision", "Độ chính xác trích dẫn", True),
    ("decline_accuracy", "Từ chối đúng (không có căn cứ)", True),
    ("false_decline_rate", "Từ chối nhầm", False),
    ("span_faithfulness", "Trích nguyên văn đúng", True),
)
JUDGE_METRICS = (
    ("faithfulness", "Trung thực (LLM chấm)", True),
    ("answer_relevance", "Đúng trọng tâm (LLM chấm)", True),
)


def question_states(report: dict[str, Any], system: str = SYSTEM) -> dict[str, dict[str, Any]]:
    """Per question id: question, type, answerable, and (when measured) rank, declined, cites_gold."""
    out: dict[str, dict[str, Any]] = {}
    for qid, pq in (report.get("per_question") or {}).items():
        st = out.setdefault(qid, {"id": qid, "question": pq.get("question", ""), "type": pq.get("type", ""),
                                  "answerable": True})
        if system in pq:
            st["rank"] = pq[system].get("rank")
    for rec in (report.get("answers") or {}).get("records", []):
        st = out.setdefault(rec["id"], {"id": rec["id"], "question": rec.get("question", ""),
                                        "type": rec.get("type", ""), "answerable": rec.get("answerable", True)})
        st["answerable"] = bool(rec.get("answerable", st["answerable"]))
        st["declined"] = bool(rec.get("declined"))
        if st["answerable"]:
            st["cites_gold"] = bool(rec.get("cites_gold"))
    return out


def _rank_value(rank: int | None) -> float:
    return math.inf if rank is None else float(rank)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    if "rank" in old and "rank" in new and old["rank"] != new["rank"]:
        better = _rank_value(new["rank"]) < _rank_value(old["rank"])
        changes.append({"aspect": "rank", "old": old["rank"], "new": new["rank"],
                        "verdict": "improved" if better else "regressed"})
    if "declined" in old and "declined" in new and old["declined"] != new["declined"]:
        # Declining is right for an unanswerable question and wrong for an answerable one.
        better = new["declined"] != new["answerable"]
        changes.append({"aspect": "declined", "old": old["declined"], "new": new["declined"],
                        "verdict": "improved" if better else "regressed"})
    if "cites_gold" in old and "cites_gold" in new and old["cites_gold"] != new["cites_gold"]:
        changes.append({"aspect": "cites_gold", "old": old["cites_gold"], "new": new["cites_gold"],
                        "verdict": "improved" if new["cites_gold"] else "regressed"})
    return changes


def _status(changes: list[dict[str, Any]]) -> str:
    verdicts = {c["verdict"] for c in changes}
    if verdicts == {"improved"}:
        return "improved"
    if verdicts == {"regressed"}:
        return "regressed"
    return "mixed" if verdicts else "unchanged"


def _get(report: dict[str, Any], *path: str) -> Any:
    cur: Any = report
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def metric_deltas(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    systems = [s for s in (new.get("systems") or {}) if s in (old.get("systems") or {})]
    for name in systems:
        for key, higher in RETRIEVAL_METRICS:
            rows.append(_delta(f"systems.{name}.{key}", f"{name}: {key}", _get(old, "systems", name, key),
                               _get(new, "systems", name, key), higher))
    for key, label, higher in ANSWER_METRICS:
        rows.append(_delta(f"answers.{key}", label, _get(old, "answers", key), _get(new, "answers", key), higher))
    for key, label, higher in JUDGE_METRICS:
        rows.append(_delta(f"answers.judge.{key}", label, _get(old, "answers", "judge", key),
                           _get(new, "answers", "judge", key), higher))
    return [r for r in rows if r["old"] is not None or r["new"] is not None]


def _delta(path: str, label: str, old: Any, new: Any, higher: bool) -> dict[str, Any]:
    num = isinstance(old, int | float) and isinstance(new, int | float)
    delta = round(new - old, 4) if num else None
    verdict = "unchanged"
    if delta:
        verdict = "improved" if (delta > 0) == higher else "regressed"
    return {"metric": path, "label": label, "old": old, "new": new, "delta": delta, "higher_is_better": higher,
            "verdict": verdict}


def compare_reports(old: dict[str, Any], new: dict[str, Any], system: str = SYSTEM) -> dict[str, Any]:
    """The comparison of ``new`` against ``old`` (both report dicts)."""
    before, after = question_states(old, system), question_states(new, system)
    questions = []
    for qid in list(after) + [q for q in before if q not in after]:
        o, n = before.get(qid), after.get(qid)
        if o is None or n is None:
            cur = n or o or {}
            questions.append({"id": qid, "question": cur.get("question", ""), "type": cur.get("type", ""),
                              "status": "new" if o is None else "removed", "changes": [], "old": o, "new": n})
            continue
        changes = _changes(o, n)
        questions.append({"id": qid, "question": n.get("question") or o.get("question", ""),
                          "type": n.get("type", ""), "status": _status(changes), "changes": changes,
                          "old": o, "new": n})
    counts = {s: sum(q["status"] == s for q in questions) for s in STATUSES}
    old_meta, new_meta = old.get("meta") or {}, new.get("meta") or {}
    same_golden = None
    if old_meta.get("golden_sha256") and new_meta.get("golden_sha256"):
        same_golden = old_meta["golden_sha256"] == new_meta["golden_sha256"]
    return {
        "system": system,
        "old": {"generated_at": old_meta.get("generated_at"), "golden": old.get("golden"),
                "golden_sha256": old_meta.get("golden_sha256")},
        "new": {"generated_at": new_meta.get("generated_at"), "golden": new.get("golden"),
                "golden_sha256": new_meta.get("golden_sha256")},
        "same_golden": same_golden,
        "counts": counts,
        "metrics": metric_deltas(old, new),
        "questions": questions,
    }


def compact(comparison: dict[str, Any]) -> dict[str, Any]:
    """The comparison without the unchanged questions (what is written next to a report)."""
    return comparison | {"questions": [q for q in comparison["questions"] if q["status"] != "unchanged"]}
