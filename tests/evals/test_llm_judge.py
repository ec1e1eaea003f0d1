"""LLM-judged answer metrics and the ragas export, against the local fake OpenAI server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.settings import Settings
from evals.llm_judge import SKIP_NOTE, export_ragas, judge_answers, parse_score
from tests.answering.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = "Điều 2. Vị trí của Thủ đô\n1. Thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam là Hà Nội."


def _records() -> list[dict[str, Any]]:
    return [
        {"id": "a", "question": "Thủ đô là thành phố nào?", "declined": False, "answer": "Theo Điều 2, “Hà Nội”…",
         "answer_full": "Theo Điều 2, “Thủ đô … là Hà Nội” [1].", "contexts": [CONTEXT, "Điều 3. Khác"],
         "ground_truth": "Hà Nội."},
        {"id": "b", "question": "Biểu tượng của Thủ đô?", "declined": False, "answer": "Khuê Văn Các [1].",
         "contexts": [CONTEXT], "ground_truth": "Khuê Văn Các."},
        {"id": "c", "question": "Giá vé xe buýt năm 2030?", "declined": True,
         "answer": "Không tìm thấy căn cứ trong các văn bản hiện có.", "contexts": [], "ground_truth": ""},
    ]


@pytest.mark.parametrize(("reply", "score"), [
    ('{"score": 0.8, "reason": "đủ căn cứ"}', 0.8),
    ('```json\n{"score": 1, "reason": "ok"}\n```', 1.0),
    ('Nhận xét: {"reason": "thiếu", "score": "0,5"}', 0.5),
    ("Điểm: 4/5", 0.8),
    ("7 / 10", 0.7),
    ("0.25", 0.25),
    ("không đánh giá được", None),
    ('{"score": -1}', None),
])
def test_parse_score(reply: str, score: float | None) -> None:
    assert parse_score(reply) == (pytest.approx(score) if score is not None else None)


def test_without_endpoint_the_judge_is_skipped() -> None:
    assert judge_answers(_records(), Settings(llm_base_url=None)) == {"skipped": SKIP_NOTE}


def test_judge_scores_answered_records(fake_llm: FakeOpenAI) -> None:
    fake_llm.mode = "judge"
    records = _records()
    out = judge_answers(records, Settings(llm_base_url=fake_llm.base_url, llm_model="judge-model"))
    assert out == {"model": "judge-model", "judged": 2, "faithfulness": 0.9, "answer_relevance": 0.9,
                   "calls": {"ok": 4, "unparsed": 0, "error": 0}}
    assert records[0]["judge_faithfulness"] == 0.9 and "judge_faithfulness" not in records[2]
    assert len(fake_llm.requests) == 4  # two prompts per answered record, none for the declined one
    faith = fake_llm.requests[0]
    assert faith["model"] == "judge-model" and faith["temperature"] == 0.0
    prompt = faith["messages"][-1]["content"]
    assert "TRUNG THỰC" in prompt and "là Hà Nội." in prompt and "Thủ đô là thành phố nào?" in prompt
    assert "Theo Điều 2, “Thủ đô … là Hà Nội” [1]." in prompt  # the full answer, not the clipped one
    assert "ĐÚNG TRỌNG TÂM" in fake_llm.requests[1]["messages"][-1]["content"]


def test_unparseable_and_failed_judge_calls_are_counted(fake_llm: FakeOpenAI) -> None:
    fake_llm.mode = "judge"
    fake_llm.judge_reply = "Tôi không chắc."
    settings = Settings(llm_base_url=fake_llm.base_url, llm_timeout=5.0)
    out = judge_answers(_records(), settings)
    assert out["faithfulness"] is None and out["calls"] == {"ok": 0, "unparsed": 4, "error": 0}
    fake_llm.mode = "error500"
    out = judge_answers(_records(), settings)
    assert out["answer_relevance"] is None and out["calls"] == {"ok": 0, "unparsed": 0, "error": 4}


def test_ragas_export_format(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "ragas.jsonl"
    assert export_ragas(_records(), path) == 3
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(set(r) == {"question", "answer", "contexts", "ground_truth"} for r in rows)
    assert rows[0] == {"question": "Thủ đô là thành phố nào?", "answer": "Theo Điều 2, “Thủ đô … là Hà Nội” [1].",
                       "contexts": [CONTEXT, "Điều 3. Khác"], "ground_truth": "Hà Nội."}
    assert rows[2]["contexts"] == [] and rows[2]["ground_truth"] == ""


def test_eval_command_judges_and_exports_with_an_llm(hanoi_settings: Settings, fake_llm: FakeOpenAI,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`assistant eval --ragas --report` on three dev questions, answers written by the fake LLM and judged."""
    from assistant.cli import app
    from tests.conftest import HANOI

    dev = [json.loads(line) for line in (ROOT / "evals/golden/hanoi_dev.jsonl").read_text("utf-8").splitlines()]
    rows = [next(r for r in dev if r["type"] == t) for t in ("explicit", "paraphrase", "unanswerable")]
    golden = tmp_path / "tiny.jsonl"
    golden.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    fake_llm.mode = "judge"
    monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", fake_llm.base_url)
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "fake-judge")
    result = CliRunner().invoke(app, [
        "--data-dir", str(hanoi_settings.data_dir.parent.parent), "eval", "--corpus", str(HANOI),
        "--golden", str(golden), "--systems", "ours", "--ragas", str(tmp_path / "ragas.jsonl"),
        "--report", str(tmp_path / "rep")])
    assert result.exit_code == 0, result.output
    assert "LLM chấm (fake-judge" in result.output
    report = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    a = report["answers"]
    assert {r["mode"] for r in a["records"]} == {"llm"}
    assert a["judge"]["judged"] >= 1 and a["judge"]["faithfulness"] == 0.9
    assert not any("contexts" in r or "answer_full" in r for r in a["records"])  # kept out of report.json
    ragas = [json.loads(x) for x in (tmp_path / "ragas.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in ragas] == [r["question"] for r in rows]
    assert ragas[0]["contexts"] and ragas[0]["ground_truth"] == rows[0]["answer"]
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Trung thực (LLM chấm)" in page
