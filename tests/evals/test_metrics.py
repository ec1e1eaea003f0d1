"""Eval metrics on a tiny hand-made golden file; expected values computed by hand below."""

from __future__ import annotations

import json
import math

import pytest

from evals.retrieval_eval import SystemRun, evaluate, load_golden

GOLDEN = [
    {"id": "a", "question": "qa", "type": "x", "gold": [{"doc": "d1", "article": "1"}]},
    {"id": "b", "question": "qb", "type": "x", "gold": [{"doc": "d1", "article": "2"}, {"doc": "d2", "article": "5"}]},
    {"id": "c", "question": "qc", "type": "y", "gold": [{"doc": "d3", "article": None}]},
    {"id": "d", "question": "qd", "type": "y", "gold": [{"doc": "d9", "article": "1"}]},
    {"id": "e", "question": "qe", "type": "y", "gold": [], "answerable": False},
]
RANKED = {
    "qa": [("d1", "1"), ("d1", "2")],  # rank 1
    "qb": [("d2", "5"), ("d9", "9"), ("d1", "2")],  # golds at ranks 1 and 3
    "qc": [("d1", "1"), ("d1", "2"), ("d3", "7")],  # doc-level gold at rank 3
    "qd": [("d1", "1")] * 1 + [(f"x{i}", "1") for i in range(12)],  # never
}


@pytest.fixture
def golden_file(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in GOLDEN), encoding="utf-8")
    return p


def test_metrics_match_hand_computation(golden_file):
    rows = load_golden(golden_file)
    run = SystemRun("fixed", lambda q, k: (RANKED[q], {"search_ms": 1.0}))
    m = evaluate(rows, [run], k=10)["systems"]["fixed"]
    # recall@1: a=1, b=1/2, c=0, d=0 → 1.5/4
    assert m["recall@1"] == pytest.approx(0.375)
    # recall@3: a=1, b=1, c=1, d=0 → 3/4
    assert m["recall@3"] == pytest.approx(0.75)
    # MRR@10: 1, 1, 1/3, 0 → (2 + 1/3)/4
    assert m["mrr@10"] == pytest.approx((2 + 1 / 3) / 4, abs=1e-4)
    # nDCG@10: a=1; b=(1 + 1/log2(4)) / (1 + 1/log2(3)); c=(1/log2(4))/1; d=0
    b = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m["ndcg@10"] == pytest.approx((1 + b + 0.5 + 0) / 4, abs=1e-4)
    assert m["by_type"]["x"]["recall@1"] == pytest.approx(0.75)
    assert m["by_type"]["y"]["n"] == 2


def test_unanswerable_questions_are_not_scored(golden_file):
    report = evaluate(load_golden(golden_file), [SystemRun("f", lambda q, k: (RANKED[q], {}))])
    assert report["questions"] == 5 and report["answerable"] == 4


def test_bad_golden_line_names_the_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"question": "ok", "gold": []}\n{not json}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="dòng 2"):
        load_golden(p)
