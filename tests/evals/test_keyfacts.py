"""Key-fact metrics of `assistant eval` on a hand-made golden file; expected values computed by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from evals.answer_eval import evaluate_answers
from evals.keyfacts import HEAD_CHARS, CorpusStats, KeyFacts, key_facts, numbers, score
from evals.retrieval_eval import load_golden


def test_numbers_are_normalised_and_references_left_out():
    assert numbers("không quá 02 lần") == numbers("không quá 2 lần") == ["2 lần"]
    assert numbers("từ 01/7/2026") == numbers("từ ngày 01 tháng 7 năm 2026") == ["1/7/2026"]
    assert numbers("trong 30 ngày làm việc") == ["30 ngày"]
    assert numbers("1,5 triệu đồng") == numbers("1.500.000 đồng") == ["1500000 đồng"]
    assert numbers("cộng 7,5 điểm; 100% chi phí; tháng 6/2026") == ["7.5 điểm", "100 %", "6/2026"]
    # where in a text, a shortened document name and citation markers are not facts; a full số hiệu is
    assert numbers("khoản 2, 3 Điều 13; điểm c khoản 1 Điều 5; mục 66 Phụ lục II; NĐ 170; NQ 76/2025 [1]") == []
    assert numbers("thay thế Luật 104/2016/QH13") == ["104/2016/qh13"]


def test_gold_facts_rules():
    assert key_facts("Từ 01/7/2026 đến 31/12/2027 thí điểm trong Vành đai 1", None).facts == ("1/7/2026", "31/12/2027")
    # a single digit without a unit names a thing ("mức 4"): no numeric fact, and no corpus → none
    assert key_facts("Xe không đáp ứng mức 4", None) == KeyFacts((), "none")
    stats = CorpusStats(["Quốc hiệu và Tiêu ngữ của văn bản", "tên cơ quan ban hành văn bản, thời gian ban hành",
                         "địa danh ghi trên văn bản", "thời gian ban hành là ngày ký"])
    # no number: the 3 rarest words (df 1 each: quốc hiệu, tiêu ngữ, địa danh; "ban hành", "thời gian" df 2)
    assert key_facts("Quốc hiệu và Tiêu ngữ; tên cơ quan ban hành; địa danh và thời gian ban hành", stats) == (
        KeyFacts(("quốc hiệu", "tiêu ngữ", "địa danh"), "words"))
    # a word that no article holds is never a fact ("UBND": the texts spell it out)
    assert "ubnd" not in key_facts("UBND ban hành", stats).facts


def test_score_anywhere_and_in_the_first_characters():
    facts = KeyFacts(("1/7/2026", "31/12/2027"), "numbers")
    text = "x" * HEAD_CHARS + " áp dụng từ ngày 01 tháng 7 năm 2026 [1]"
    s = score(facts, text)
    assert (s.total, s.found, s.in_head, s.fully) == (2, 1, 0, False)
    assert score(facts, "Từ 01/07/2026 đến 31/12/2027.").fully
    assert score(facts, "Từ 01/07/2026 đến 31/12/2027.", declined=True).found == 0
    # a bare year is found in a date of that year
    assert score(KeyFacts(("2028",), "numbers"), "Kể từ ngày 01 tháng 01 năm 2028 đến hết năm 2029").fully
    # a number asked with its unit is found only with it
    assert not score(KeyFacts(("30 ngày",), "numbers"), "Điều 30; 30 tháng").found


@dataclass
class FakeAnswer:
    text: str
    declined: bool = False
    standalone_question: str = ""
    citations: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    confidence: float = 1.0
    mode: str = "extractive"
    flagged: bool = False
    timings_ms: dict = field(default_factory=dict)


GOLDEN = [
    {"id": "a", "question": "qa", "type": "numbers_dates", "gold": [{"doc": "d", "article": "1"}],
     "answer": "không quá 02 lần mức phạt chung"},
    {"id": "b", "question": "qb", "type": "numbers_dates", "gold": [{"doc": "d", "article": "2"}],
     "answer": "Từ 01/7/2026 đến 31/12/2027 thí điểm"},
    {"id": "c", "question": "qc", "type": "explicit", "gold": [{"doc": "d", "article": "3"}],
     "answer": "Quốc hiệu và Tiêu ngữ; tên cơ quan ban hành; địa danh và thời gian ban hành"},
    {"id": "d", "question": "qd", "type": "explicit", "gold": [{"doc": "d", "article": "4"}],
     "answer": "trong 15 ngày"},
    {"id": "e", "question": "qe", "type": "unanswerable", "gold": [], "answerable": False, "answer": ""},
    {"id": "f", "question": "Còn thời hạn thì sao?", "history": ["Thủ tục khai tử nộp ở đâu?"],
     "type": "procedure", "gold": [{"doc": "d", "article": "5"}], "answer": "Trong 15 ngày kể từ ngày có người chết"},
]
ANSWERS = {
    "qa": FakeAnswer("HĐND được quy định mức cao hơn nhưng không quá 2 lần [1]"),  # 1/1, head 1/1
    "qb": FakeAnswer("x" * 400 + " từ ngày 01 tháng 7 năm 2026"),  # 1/2 anywhere, 0/2 in the head
    "qc": FakeAnswer("Gồm Quốc hiệu và Tiêu ngữ [1]"),  # 2/3 (địa danh missing), both in the head
    "qd": FakeAnswer("Không tìm thấy căn cứ … trong 15 ngày", declined=True),  # declined: 0
    "qe": FakeAnswer("Không tìm thấy căn cứ", declined=True),
    "Còn thời hạn thì sao?": FakeAnswer("Trong thời hạn 15 ngày kể từ ngày có người chết [1]",
                                        standalone_question="Thủ tục khai tử: thời hạn là bao lâu?"),  # 1/1
}


def test_key_fact_metrics_match_hand_computation(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in GOLDEN), encoding="utf-8")
    seen: list[tuple[str, list[str]]] = []

    def answer_fn(question: str, history: list[str]) -> FakeAnswer:
        seen.append((question, history))
        return ANSWERS[question]

    stats = CorpusStats(["Quốc hiệu và Tiêu ngữ của văn bản", "tên cơ quan ban hành văn bản, thời gian ban hành",
                         "địa danh ghi trên văn bản", "thời gian ban hành là ngày ký"])
    out = evaluate_answers(load_golden(path), answer_fn, lambda d, k: None, stats=stats)
    assert ("Còn thời hạn thì sao?", ["Thủ tục khai tử nộp ở đâu?"]) in seen  # a conversation, with its history
    facts = out["key_facts"]
    # per item (found/total, in head/total, fully): a 1,1,1 · b 1/2,0,0 · c 2/3,2/3,0 · d 0,0,0 · f 1,1,1
    assert facts["n"] == 5 and facts["without_facts"] == 0
    assert facts["facts_present"] == pytest.approx(round((1 + 0.5 + 2 / 3 + 0 + 1) / 5, 4))
    assert facts["facts_in_head"] == pytest.approx(round((1 + 0 + 2 / 3 + 0 + 1) / 5, 4))
    assert facts["fully_answered"] == pytest.approx(2 / 5)
    by_type = facts["by_type"]
    assert by_type["numbers_dates"]["facts_present"] == pytest.approx(0.75)
    assert by_type["numbers_dates"]["fully_answered"] == pytest.approx(0.5)
    assert by_type["explicit"]["facts_present"] == pytest.approx(round((2 / 3 + 0) / 2, 4))
    assert by_type["procedure"]["n"] == 1 and "unanswerable" not in by_type
    assert facts["conversations"]["n"] == 1 and facts["conversations"]["fully_answered"] == 1.0
    record = next(r for r in out["records"] if r["id"] == "f")
    assert record["standalone"] == "Thủ tục khai tử: thời hạn là bao lâu?" and record["facts"] == ["15 ngày"]


def test_the_report_shows_key_facts_per_type():
    from evals.report import render_html
    from tests.evals.test_reports import make_report

    report = make_report()
    report["answers"]["key_facts"] = {
        "n": 3, "facts_present": 0.5, "facts_in_head": 0.25, "fully_answered": 0.3333, "citation_accuracy": 0.6667,
        "without_facts": 0, "by_type": {"procedure": {"n": 3, "facts_present": 0.5, "facts_in_head": 0.25,
                                                      "fully_answered": 0.3333, "citation_accuracy": 0.6667}},
    }
    page = render_html(report)
    assert "Ý chính của đáp án theo loại câu hỏi" in page and "Trả lời đủ ý chính" in page
    assert "procedure" in page and "25" in page
