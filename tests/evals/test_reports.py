"""The HTML report and the report comparison, on small hand-made report dicts."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from evals.compare import compare_reports, question_states
from evals.report import confusion, latency_edges, render_html, worst_failures, write_report

HOSTILE = '<script>alert("xss")</script> Điều 5 & "khoản 2"?'


def _system(r1: float, r10: float, *, ms: float = 12.0) -> dict[str, Any]:
    return {
        "recall@1": r1, "recall@3": (r1 + r10) / 2, "recall@5": r10 - 0.05, "recall@10": r10, "mrr@10": r1 + 0.05,
        "ndcg@10": r1 + 0.08,
        "by_type": {"explicit": {"n": 2, "recall@1": 1.0, "recall@3": 1.0, "recall@5": 1.0, "recall@10": 1.0,
                                 "mrr@10": 1.0, "ndcg@10": 1.0},
                    "paraphrase": {"n": 2, "recall@1": 0.0, "recall@3": 0.5, "recall@5": 0.5, "recall@10": 0.5,
                                   "mrr@10": 0.25, "ndcg@10": 0.3}},
        "latency_ms": {"search_p50": ms, "search_p95": ms * 2, "embed_p50": 80.0, "embed_p95": 95.0},
    }


def _pq(question: str, qtype: str, gold: list[dict[str, Any]], ours_rank: int | None, lex_rank: int | None,
        top: list[list[Any]]) -> dict[str, Any]:
    return {
        "question": question, "type": qtype, "gold": gold,
        "ours": {"rank": ours_rank, "top": top, "latency_ms": {"search_ms": 10.0 + (ours_rank or 9), "embed_ms": 80.0}},
        "lexical": {"rank": lex_rank, "top": top[::-1], "latency_ms": {"search_ms": 3.0 + (lex_rank or 5)}},
    }


def _record(qid: str, question: str, answerable: bool, declined: bool, cites_gold: bool, conf: float,
            answer: str = "Theo Điều 5, “nội dung trích” [1].") -> dict[str, Any]:
    return {"id": qid, "type": "paraphrase" if answerable else "unanswerable", "answerable": answerable,
            "declined": declined, "confidence": conf, "pinned": False, "cites_gold": cites_gold,
            "precision": 1.0 if cites_gold else 0.0, "quotes": 1, "quotes_ok": 1, "mode": "extractive",
            "flagged": False, "latency_ms": 500.0, "question": question, "answer": answer,
            "citations": ["luat-a:dieu-5"] if not declined else [], "gold": []}


def make_report() -> dict[str, Any]:
    g5 = [{"doc": "luat-a", "article": "5"}]
    per_question = {
        "q1": _pq("Điều 1 quy định gì?", "explicit", [{"doc": "luat-a", "article": "1"}], 1, 1,
                  [["luat-a", "1"], ["luat-a", "2"]]),
        "q2": _pq(HOSTILE, "paraphrase", g5, None, 4, [["luat-b", "9"], ["luat-a", "7"]]),
        "q3": _pq("Thời hạn giải quyết là bao lâu?", "paraphrase", g5, 3, None,
                  [["luat-b", "1"], ["luat-b", "2"], ["luat-a", "5"]]),
        "q4": _pq("Ai có thẩm quyền?", "explicit", [{"doc": "nd-b", "article": None}], 1, 2, [["nd-b", "3"]]),
    }
    records = [
        _record("q1", "Điều 1 quy định gì?", True, False, True, 0.9),
        _record("q2", HOSTILE, True, False, False, 0.7, answer="<b>đậm</b> & <img src=x onerror=alert(1)>"),
        _record("q3", "Thời hạn giải quyết là bao lâu?", True, True, False, 0.4),
        _record("q4", "Ai có thẩm quyền?", True, False, True, 0.8),
        _record("u1", "Lương hưu của tôi là bao nhiêu?", False, True, False, 0.3),
        _record("u2", "Giá vé xe buýt năm 2030?", False, False, False, 0.65),
    ]
    return {
        "questions": 6, "answerable": 4, "k": 10,
        "systems": {"ours": _system(0.5, 0.75), "lexical": _system(0.25, 0.75, ms=4.0)},
        "per_question": per_question,
        "answers": {
            "n": 6, "answerable": 4, "unanswerable": 2, "citation_accuracy": 0.5, "citation_precision": 0.6667,
            "decline_accuracy": 0.5, "false_decline_rate": 0.25, "span_faithfulness": 1.0, "flagged": 0,
            "calibration": {"max_false_decline": 0.05, "best": {"threshold": 0.35, "decline_accuracy": 0.5,
                                                                 "false_decline_rate": 0.0},
                            "curve": [{"threshold": t, "decline_accuracy": da, "false_decline_rate": fd}
                                      for t, da, fd in ((0.0, 0.0, 0.0), (0.35, 0.5, 0.0), (0.5, 0.5, 0.25),
                                                        (0.7, 1.0, 0.25), (0.9, 1.0, 0.75))]},
            "judge": {"skipped": "Bỏ qua chấm điểm bằng LLM: chưa cấu hình máy chủ mô hình."},
            "records": records,
        },
        "corpus": "../shared/corpus/hanoi", "golden": "evals/golden/test<1>.jsonl",
        "settings": {"fusion": "weighted", "lexical_weight": 0.4, "decline_threshold": 0.6},
        "meta": {"generated_at": "2026-03-01T10:15:00+07:00", "duration_s": 75.2, "corpus_index": "hanoi-abc",
                 "golden_sha256": "0123456789abcdef", "systems": ["ours", "lexical"], "k": 10, "answers": True,
                 "llm": False},
    }


# -- HTML ------------------------------------------------------------------------------------------
def test_report_has_every_section_in_vietnamese() -> None:
    page = render_html(make_report())
    for heading in ("Thông tin lần chạy", "Truy hồi cấp Điều", "Theo loại câu hỏi", "Biểu đồ truy hồi",
                    "Câu trả lời", "Ma trận từ chối", "Hiệu chỉnh ngưỡng từ chối", "Các lỗi nặng nhất"):
        assert heading in page, heading
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "So sánh" not in page  # only with --compare
    # both systems side by side, metadata and settings
    assert "Hệ thống (ours)" in page and "Từ khoá (lexical)" in page
    assert "01/03/2026 10:15" in page and "hanoi-abc" in page and "decline_threshold" in page
    # charts: recall@k curve, ranking bars, one latency histogram per system, calibration curve
    assert page.count("<svg") == 5
    assert "Recall@k theo hệ thống" in page and "ngưỡng hiện tại 0.6" in page and "đề xuất 0.35" in page
    # the judge note is shown when the judge was skipped
    assert "Bỏ qua chấm điểm bằng LLM" in page


def test_report_escapes_questions_and_answers() -> None:
    report = make_report()
    report["systems"]['evil"><script>x</script>'] = report["systems"]["lexical"]
    page = render_html(report)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>đậm</b>" not in page
    assert "test&lt;1&gt;.jsonl" in page
    # self-contained: no script, stylesheet link, image or remote URL other than the SVG namespace
    assert not re.search(r"<(link|img|iframe|object)\b", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_confusion_matrix_counts() -> None:
    assert confusion(make_report()["answers"]["records"]) == {
        "answerable_answered": 3, "answerable_declined": 1, "unanswerable_answered": 1, "unanswerable_declined": 1}
    page = render_html(make_report())
    assert "Có căn cứ (4)" in page and "Không có căn cứ (2)" in page


def test_worst_failures_missing_first_then_worst_rank() -> None:
    report = make_report()
    fails = worst_failures(report)
    assert [f["id"] for f in fails] == ["q2", "q3"]  # q2 missing, q3 at rank 3; rank-1 questions are not failures
    page = render_html(report)
    section = page[page.index('id="loi"'):]
    assert "không có trong top 10" in section and "hạng 3" in section
    assert 'class="gold">luat-a · Điều 5' in section  # the gold article in q3's top 5 is marked
    assert "Câu hỏi không có căn cứ nhưng vẫn được trả lời (1)" in section and "Giá vé xe buýt" in section


def test_report_without_answers_or_latency_still_renders() -> None:
    report = make_report()
    del report["answers"], report["meta"]
    for pq in report["per_question"].values():
        for name in ("ours", "lexical"):
            pq[name].pop("latency_ms")
    page = render_html(report)
    assert "không đánh giá câu trả lời" in page and "không có thời gian từng câu hỏi" in page


def test_latency_edges_cover_the_values() -> None:
    edges = latency_edges([1.0, 5.0, 12.0, 14.5])
    assert edges == [float(i) for i in range(16)]  # round 1 ms bins up to the largest value
    assert latency_edges([3.0] * 200 + [400.0])[:3] == [0.0, 0.2, 0.4]  # an outlier goes to the last bin


def test_write_report_files(tmp_path: Path) -> None:
    old, new = make_report(), make_report()
    new["per_question"]["q3"]["ours"]["rank"] = 1
    comparison = compare_reports(old, new)
    json_path, html_path = write_report(new, tmp_path / "out", comparison)
    assert json.loads(json_path.read_text(encoding="utf-8"))["per_question"]["q2"]["question"] == HOSTILE
    page = html_path.read_text(encoding="utf-8")
    assert "So sánh với lần chạy trước" in page and 'href="#so-sanh"' in page
    saved = json.loads((tmp_path / "out" / "comparison.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in saved["questions"]] == ["q3"]  # unchanged questions are left out


# -- comparison ------------------------------------------------------------------------------------
def _changed(report: dict[str, Any], qid: str, **fields: Any) -> None:
    rec = next(r for r in report["answers"]["records"] if r["id"] == qid)
    for key, value in fields.items():
        if key == "rank":
            report["per_question"][qid]["ours"]["rank"] = value
        else:
            rec[key] = value


def test_compare_marks_improved_regressed_mixed_unchanged() -> None:
    old = make_report()
    new = copy.deepcopy(old)
    _changed(new, "q3", rank=1, declined=False, cites_gold=True)  # better rank, answered, cites gold
    _changed(new, "q1", rank=None, cites_gold=False)  # gold lost
    _changed(new, "q2", rank=2, declined=True)  # better rank but now a false decline
    _changed(new, "u2", declined=True)  # unanswerable now declined: right
    _changed(new, "u1", declined=False)  # unanswerable now answered: wrong
    new["answers"]["records"].append(_record("n1", "Câu mới?", True, False, True, 0.8))
    old["answers"]["records"].append(_record("gone", "Câu cũ?", True, False, True, 0.8))
    comp = compare_reports(old, new)
    status = {q["id"]: q["status"] for q in comp["questions"]}
    assert status == {"q1": "regressed", "q2": "mixed", "q3": "improved", "q4": "unchanged", "u1": "regressed",
                      "u2": "improved", "n1": "new", "gone": "removed"}
    assert comp["counts"] == {"regressed": 2, "mixed": 1, "improved": 2, "unchanged": 1, "new": 1, "removed": 1}
    q1 = next(q for q in comp["questions"] if q["id"] == "q1")
    assert {c["aspect"]: (c["old"], c["new"], c["verdict"]) for c in q1["changes"]} == {
        "rank": (1, None, "regressed"), "cites_gold": (True, False, "regressed")}
    q3 = next(q for q in comp["questions"] if q["id"] == "q3")
    assert {c["aspect"] for c in q3["changes"]} == {"rank", "declined", "cites_gold"}
    assert all(c["verdict"] == "improved" for c in q3["changes"])


def test_compare_metric_deltas_respect_direction() -> None:
    old, new = make_report(), make_report()
    new["systems"]["ours"]["recall@1"] = 0.6
    new["answers"]["false_decline_rate"] = 0.1  # lower is better
    new["answers"]["span_faithfulness"] = 0.9
    metrics = {m["metric"]: m for m in compare_reports(old, new)["metrics"]}
    assert metrics["systems.ours.recall@1"]["verdict"] == "improved"
    assert metrics["systems.ours.recall@1"]["delta"] == pytest.approx(0.1)
    assert metrics["answers.false_decline_rate"]["verdict"] == "improved"
    assert metrics["answers.span_faithfulness"]["verdict"] == "regressed"
    assert metrics["systems.lexical.recall@10"]["verdict"] == "unchanged"


def test_compare_flags_different_golden_sets_and_renders() -> None:
    old, new = make_report(), make_report()
    new["meta"]["golden_sha256"] = "ffff"
    _changed(new, "q1", rank=2)
    comp = compare_reports(old, new)
    assert comp["same_golden"] is False
    page = render_html(new, comp)
    section = page[page.index('id="so-sanh"'):page.index('id="truy-hoi"')]
    assert "bộ câu hỏi khác nhau" in section
    assert "Kém đi (1)" in section and "hạng 1 → hạng 2" in section


def test_question_states_only_what_was_measured() -> None:
    report = make_report()
    del report["answers"]
    states = question_states(report)
    assert states["q1"] == {"id": "q1", "question": "Điều 1 quy định gì?", "type": "explicit", "answerable": True,
                            "rank": 1}


# -- headless Chromium ---------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists() or shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed")
def test_report_renders_in_chromium(tmp_path: Path) -> None:
    from evals.screenshot import screenshot

    _, html_path = write_report(make_report(), tmp_path)
    info = screenshot(html_path, tmp_path / "report.png")
    assert info["requests"] == [] and info["errors"] == [] and info["scripts"] == 0
    assert info["svg_count"] == 5
    assert info["sections"][0] == "Thông tin lần chạy" and any("lỗi nặng nhất" in s for s in info["sections"])
    assert (tmp_path / "report.png").stat().st_size > 20_000
