"""Procedure cards live and die with their document: written in its transaction, replaced, removed."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from assistant.index.procedures import get_procedure, search_competences, search_procedures
from assistant.index.schema import CompetenceRow, ProcedureRow
from assistant.index.store import Index
from assistant.settings import Settings
from ingest.pipeline import ingest_files

DOC = "quyet-dinh-1597-QD-TTPVHCC-HN"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> Settings:
    if request.param == "postgresql":
        return Settings(data_dir=tmp_path / "data", database_url=request.getfixturevalue("pg_url"))
    return Settings(data_dir=tmp_path / "data")


def _counts(index: Index) -> tuple[int, int]:
    with index.sessions() as s:
        return (s.scalar(select(func.count()).select_from(ProcedureRow)),
                s.scalar(select(func.count()).select_from(CompetenceRow)))


def test_replaced_and_removed_with_document(tmp_path, hanoi_dir, settings):
    index = Index(settings)
    path = tmp_path / f"{DOC}.txt"
    shutil.copy(hanoi_dir / path.name, path)
    assert [r.status for r in ingest_files([path], index, settings, access="internal")] == ["added"]
    assert _counts(index) == (3, 3)
    with index.sessions() as s:
        hit = get_procedure(s, "1.014192", ["public", "internal"])
        assert hit is not None and hit.access == "internal" and hit.card.deadline.days == 2
        assert get_procedure(s, "1.014192", ["public"]) is None
        assert [h.card.code.text for h in search_procedures(s, "cấp đổi biển hiệu", labels=None)][0] == "1.014191"
        assert search_competences(s, "biển hiệu", labels=["public"]) == []

    # the third procedure (its four lines after row 3's STT) is cut out of the text: re-ingestion drops its card
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = lines.index("1.014192") - 1
    path.write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    assert [r.status for r in ingest_files([path], index, settings, access="internal")] == ["updated"]
    assert _counts(index) == (2, 2)
    with index.sessions() as s:
        assert get_procedure(s, "1.014192", None) is None

    assert index.remove_document(DOC)
    assert _counts(index) == (0, 0)


def test_extraction_failure_keeps_the_document(tmp_path, hanoi_dir, monkeypatch, settings):
    import ingest.pipeline as pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "extract_document", broken)
    index = Index(settings)
    path = tmp_path / f"{DOC}.txt"
    shutil.copy(hanoi_dir / path.name, path)
    [result] = ingest_files([path], index, settings)
    assert result.status == "added"
    assert any("thủ tục" in w for w in result.warnings)
    assert _counts(index) == (0, 0)


def test_cli_list_and_show(tmp_path, hanoi_dir):
    from typer.testing import CliRunner

    from assistant.cli import app

    runner = CliRunner(env={"COLUMNS": "200"})  # rich wraps table cells to the terminal's width
    data = str(tmp_path / "data")
    shutil.copy(hanoi_dir / "quyet-dinh-1594-QD-TTPVHCC-HN.txt", tmp_path)
    r = runner.invoke(app, ["--data-dir", data, "ingest", str(tmp_path / "quyet-dinh-1594-QD-TTPVHCC-HN.txt"),
                            "--no-embed"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--data-dir", data, "procedures", "list", "--q", "người đại diện"])
    assert r.exit_code == 0 and "Mã TTHC" in r.output and "1.012657" in r.output
    r = runner.invoke(app, ["--data-dir", data, "procedures", "show", "1.012644"])
    assert r.exit_code == 0, r.output
    for label in ("Thành phần hồ sơ", "Cách thức nộp", "Thời hạn giải quyết", "30 ngày làm việc",
                  "Quy trình giải quyết", "QTTP-20", "phu-luc:section-B.I"):
        assert label in r.output, label
    r = runner.invoke(app, ["--data-dir", data, "procedures", "show", "9.999999"])
    assert r.exit_code == 1 and "Không có thủ tục mã" in r.output
