"""Procedure cards live and die with their document: written in its transaction, replaced, removed."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from assistant.index.procedures import get_procedure, search_competences, search_procedures
from assistant.index.schema import CompetenceRow, ProcedureRow
from assistant.index.store import Index
from assistant.settings import Settings
from ingest.pipeline import ingest_files

DOC = "quyet-dinh-1597-QD-TTPVHCC-HN"


def _counts(index: Index) -> tuple[int, int]:
    with index.sessions() as s:
        return (s.scalar(select(func.count()).select_from(ProcedureRow)),
                s.scalar(select(func.count()).select_from(CompetenceRow)))


def test_replaced_and_removed_with_document(tmp_path, hanoi_dir):
    settings = Settings(data_dir=tmp_path / "data")
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


def test_extraction_failure_keeps_the_document(tmp_path, hanoi_dir, monkeypatch):
    import ingest.pipeline as pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "extract_document", broken)
    settings = Settings(data_dir=tmp_path / "data")
    index = Index(settings)
    path = tmp_path / f"{DOC}.txt"
    shutil.copy(hanoi_dir / path.name, path)
    [result] = ingest_files([path], index, settings)
    assert result.status == "added"
    assert any("thủ tục" in w for w in result.warnings)
    assert _counts(index) == (0, 0)
