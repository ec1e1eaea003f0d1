"""Answer-level metrics: citation accuracy and precision, declines, span faithfulness, key facts of the
gold answer stated (evals/keyfacts.py); and the calibration of the decline threshold on a golden set
(never guessed).

A golden row with a ``history`` (earlier user questions) is a conversation: ``answer_fn`` asks each earlier
turn in one conversation, then the question."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.textproc import nfc
from evals.keyfacts import CorpusStats, key_facts, score
from evals.retrieval_eval import gold_items


def normalise(text: str) -> str:
    text = nfc(text).lower()
    text = text.replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", text).strip()


def _cites_gold(cit: dict[str, Any], gold: list[tuple[str, str | None]]) -> bool:
    return any(cit["doc_id"] == d and (a is None or cit.get("article") == a) for d, a in gold)


CONTEXT_CHARS = 3000  # per retrieved article, as the LLM path sees it (settings.llm_source_chars)


def answer_contexts(answer: Any, article_text: Callable[[str, str], str | None],
                    limit: int = CONTEXT_CHARS) -> list[str]:
    """The texts of the articles retrieved for an answer (its ``sources``), full article text when known."""
    out = []
    for src in answer.sources:
        text = article_text(src["doc_id"], src["article_key"]) if src.get("article_key") else None
        out.append((text or src.get("text") or "")[:limit])
    return out


def evaluate_answers(rows: list[dict[str, Any]], answer_fn: Callable[[str, list[str]], Any],
                     article_text: Callable[[str, str], str | None],
                     progress: Callable[[int, int], None] | None = None,
                     with_contexts: bool = False, stats: CorpusStats | None = None) -> dict[str, Any]:
    """``answer_fn(question, history) -> Answer`` (history: earlier user turns, oldest first, usually empty);
    ``article_text(doc_id, article_key)`` gives the source text; ``stats`` the corpus word frequencies for
    the key facts of gold answers without numbers.

    ``with_contexts`` adds ``contexts`` (retrieved article texts), ``answer_full`` and ``ground_truth``
    to each record, for the LLM judge and the ragas export; ``strip_contexts`` removes them again."""
    records = []
    for i, r in enumerate(rows):
        history = list(r.get("history") or [])
        a = answer_fn(r["question"], history)
        gold = gold_items(r)
        answerable = bool(r["answerable"] and gold)
        facts = key_facts(r.get("answer") or "", stats) if answerable else None
        fs = score(facts, a.text, a.declined) if facts else None
        cits = [c.model_dump() for c in a.citations]
        quotes_ok = [normalise(c["quote"]) in normalise(article_text(c["doc_id"], c["article_key"]) or "")
                     for c in cits]
        top = a.sources[0] if a.sources else {}
        records.append({
            "id": r["id"], "type": r.get("type", ""), "answerable": answerable,
            "declined": a.declined, "confidence": a.confidence, "pinned": bool(top.get("pinned")),
            "cites_gold": any(_cites_gold(c, gold) for c in cits) if gold else False,
            "precision": (sum(_cites_gold(c, gold) for c in cits) / len(cits)) if cits and gold else None,
            "quotes": len(quotes_ok), "quotes_ok": sum(quotes_ok), "mode": a.mode, "flagged": a.flagged,
            "latency_ms": a.timings_ms.get("total_ms"), "question": r["question"], "answer": a.text[:400],
            "citations": [f"{c['doc_id']}:{c['article_key']}" for c in cits], "gold": r["gold"],
            "facts": list(facts.facts) if facts else [], "facts_kind": facts.kind if facts else None,
            "facts_found": fs.found if fs else None, "facts_in_head": fs.in_head if fs else None,
        })
        if history:
            records[-1].update(history=history, standalone=a.standalone_question)
        if with_contexts:
            records[-1].update(contexts=answer_contexts(a, article_text), answer_full=a.text,
                               ground_truth=r.get("answer", ""))
        if progress:
            progress(i + 1, len(rows))
    return summarise_answers(records)


PRIVATE_KEYS = ("contexts", "answer_full", "ground_truth")


def strip_contexts(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers section without the bulky per-record judge inputs (kept out of report.json)."""
    for rec in answers.get("records", []):
        for key in PRIVATE_KEYS:
            rec.pop(key, None)
    return answers


def summarise_answers(records: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in records if r["answerable"]]
    unans = [r for r in records if not r["answerable"]]
    answered = [r for r in ans if not r["declined"]]
    precisions = [r["precision"] for r in answered if r["precision"] is not None]
    quotes = sum(r["quotes"] for r in records)
    out = {
        "n": len(records),
        "answerable": len(ans),
        "unanswerable": len(unans),
        "citation_accuracy": _ratio(sum(r["cites_gold"] and not r["declined"] for r in ans), len(ans)),
        "citation_precision": round(sum(precisions) / len(precisions), 4) if precisions else None,
        "decline_accuracy": _ratio(sum(r["declined"] for r in unans), len(unans)),
        "false_decline_rate": _ratio(sum(r["declined"] for r in ans), len(ans)),
        "span_faithfulness": _ratio(sum(r["quotes_ok"] for r in records), quotes),
        "flagged": sum(r["flagged"] for r in records),
        "calibration": calibrate(records),
        "key_facts": key_fact_metrics(records),
        "records": records,
    }
    return out


def _fact_summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over answerable items whose gold answer has key facts (declined answers state none)."""
    scored = [r for r in records if r["answerable"] and r.get("facts")]
    n = len(scored)
    return {
        "n": n,
        "facts_present": _ratio(sum(r["facts_found"] / len(r["facts"]) for r in scored), n),
        "facts_in_head": _ratio(sum(r["facts_in_head"] / len(r["facts"]) for r in scored), n),
        "fully_answered": _ratio(sum(r["facts_found"] == len(r["facts"]) for r in scored), n),
        "citation_accuracy": _ratio(sum(r["cites_gold"] and not r["declined"] for r in scored), n),
    }


def key_fact_metrics(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Key facts of the gold answers found in the answers: anywhere, in the first 300 characters, all of them
    ("fully answered"); overall, per question type and for conversations (items with a history)."""
    types = sorted({r["type"] for r in records if r["answerable"]})
    out = _fact_summary(records) | {
        "without_facts": sum(1 for r in records if r["answerable"] and not r.get("facts")),
        "by_type": {t: _fact_summary([r for r in records if r["type"] == t]) for t in types},
    }
    conversations = [r for r in records if r.get("history")]
    if conversations:
        out["conversations"] = _fact_summary(conversations)
    return out


def _ratio(a: float, b: int) -> float | None:
    return round(a / b, 4) if b else None


def calibrate(records: list[dict[str, Any]], max_false_decline: float = 0.05) -> dict[str, Any]:
    """Sweep the confidence threshold: decline when confidence < t (explicit references never
    decline). Pick the t with the best decline accuracy whose false-decline rate stays ≤ the bound."""
    ans = [r for r in records if r["answerable"]]
    unans = [r for r in records if not r["answerable"]]
    grid = sorted({round(r["confidence"], 3) for r in records} | {0.0})
    curve = []
    for t in grid:
        fd = sum((r["confidence"] < t) and not r["pinned"] for r in ans) / len(ans) if ans else 0.0
        da = sum((r["confidence"] < t) and not r["pinned"] for r in unans) / len(unans) if unans else 0.0
        curve.append({"threshold": t, "decline_accuracy": round(da, 4), "false_decline_rate": round(fd, 4)})
    ok = [c for c in curve if c["false_decline_rate"] <= max_false_decline]
    best = max(ok, key=lambda c: (c["decline_accuracy"], -c["threshold"])) if ok else None
    return {"max_false_decline": max_false_decline, "best": best, "curve": curve}
