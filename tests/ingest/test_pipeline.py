"""End-to-end ingestion through the CLI on the real corpus (lexical phase; vectors in test_kill)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.index.store import Index
from assistant.settings import Settings

runner = CliRunner()


def _run(data_dir: Path, *args: str):
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def hanoi_index(tmp_path_factory, hanoi_dir):
    data = tmp_path_factory.mktemp("hanoi-index")
    res = _run(data, "ingest", str(hanoi_dir), "--no-embed", "--json")
    assert res.exit_code == 0, res.output
    return data, json.loads(res.stdout)


def test_whole_corpus_is_added(hanoi_index):
    data, out = hanoi_index
    assert out["failed"] == 0
    assert len(out["files"]) == 28
    assert {f["status"] for f in out["files"]} == {"added"}
    stats = Index(Settings(data_dir=data)).stats()
    assert stats["documents"] == 28
    assert stats["chunks"] == sum(f["chunks"] for f in out["files"])  # rows that get a vector
    assert stats["rows"] == stats["lexical"] == sum(f["rows"] for f in out["files"])  # every searchable row
    assert stats["units"] == sum(f["units"] for f in out["files"]) > stats["rows"] - stats["chunks"]


def test_second_ingest_is_a_no_op(hanoi_index, hanoi_dir):
    data, _ = hanoi_index
    res = _run(data, "ingest", str(hanoi_dir), "--json", "--no-embed")
    out = json.loads(res.stdout)
    assert {f["status"] for f in out["files"]} == {"unchanged"}
    assert all(f["chunks"] == 0 for f in out["files"])  # not even parsed


@pytest.mark.slow
def test_second_ingest_embeds_nothing(tmp_path, hanoi_dir):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("nghi-quyet-81-2025-NQ-HDND-HN.txt", "quyet-dinh-1609-QD-TTPVHCC-HN.txt"):
        shutil.copy(hanoi_dir / name, src)
    first = json.loads(_run(tmp_path / "data", "ingest", str(src), "--json").stdout)
    assert first["embedded"] == sum(f["chunks"] for f in first["files"]) > 0
    second = json.loads(_run(tmp_path / "data", "ingest", str(src), "--json").stdout)
    assert second["embedded"] == 0 and {f["status"] for f in second["files"]} == {"unchanged"}


def test_docs_show_luat_thu_do(hanoi_index):
    data, _ = hanoi_index
    res = _run(data, "docs", "show", "luat-thu-do-02-2026-QH16", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["number"] == "02/2026/QH16"
    assert doc["type"] == "Luật"
    assert doc["issuer"] == "Quốc hội"
    assert doc["issued"] == "2026-04-23"
    assert doc["effective"] == "2026-07-01"
    assert "39/2024/QH15" in doc["replaces"]
    dieu = [a for a in doc["articles"] if a["kind"] == "dieu"]
    assert [a["number"] for a in dieu] == [str(i) for i in range(1, 37)]
    text = _run(data, "docs", "show", "luat-thu-do-02-2026-QH16").stdout
    assert "02/2026/QH16" in text and "23/04/2026" in text and "01/07/2026" in text and "36 Điều" in text


def test_docs_list_and_unknown_id(hanoi_index):
    data, _ = hanoi_index
    listed = json.loads(_run(data, "docs", "list", "--json").stdout)
    assert len(listed) == 28
    res = _run(data, "docs", "show", "khong-co")
    assert res.exit_code == 1 and "Không có văn bản" in res.output


def test_bad_file_does_not_stop_the_batch(tmp_path, hanoi_dir):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(hanoi_dir / "nghi-quyet-81-2025-NQ-HDND-HN.txt", src)
    (src / "hong.pdf").write_bytes(b"%PDF-1.7\n garbage without objects")
    (src / "rong.txt").write_text("")
    res = _run(tmp_path / "data", "ingest", str(src), "--no-embed", "--json")
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    by_name = {Path(f["path"]).name: f for f in out["files"]}
    assert by_name["nghi-quyet-81-2025-NQ-HDND-HN.txt"]["status"] == "added"
    assert by_name["hong.pdf"]["status"] == "failed" and "hong.pdf" in by_name["hong.pdf"]["message"]
    assert by_name["rong.txt"]["status"] == "failed" and "rong.txt" in by_name["rong.txt"]["message"]
    assert Index(Settings(data_dir=tmp_path / "data")).stats()["documents"] == 1


def test_dry_run_writes_nothing(tmp_path, hanoi_dir):
    res = _run(tmp_path, "ingest", str(hanoi_dir / "luat-thu-do-02-2026-QH16.txt"), "--dry-run", "--json")
    out = json.loads(res.stdout)
    assert out["files"][0]["status"] == "would-add" and out["files"][0]["articles"] == 36
    assert Index(Settings(data_dir=tmp_path)).stats()["documents"] == 0


def test_changed_file_replaces_its_chunks_and_access_label(tmp_path, hanoi_dir):
    src = tmp_path / "src"
    src.mkdir()
    f = src / "nq81.txt"
    text = (hanoi_dir / "nghi-quyet-81-2025-NQ-HDND-HN.txt").read_text(encoding="utf-8")
    f.write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    assert _run(data, "ingest", str(f), "--no-embed", "--access", "dept:snv").exit_code == 0
    index = Index(Settings(data_dir=data))
    assert index.get_document("nq81").access == "dept:snv"
    first = {c.id: c.text for c in index.get_chunks([f"nq81:dieu-{i}:0" for i in range(1, 8)]).values()}
    assert any("Điều 2." in t for t in first.values())
    f.write_text(text.replace("Điều 2.", "Điều 2. [VĂN BẢN MỚI]", 1), encoding="utf-8")
    out = json.loads(_run(data, "ingest", str(f), "--no-embed", "--json", "--access", "dept:snv").stdout)
    assert out["files"][0]["status"] == "updated"
    chunks = index.get_chunks([f"nq81:dieu-{i}:0" for i in range(1, 8)])
    assert "[VĂN BẢN MỚI]" in chunks["nq81:dieu-2:0"].text
    assert index.stats()["rows"] == index.stats()["lexical"]


def test_sidecar_overrides_manifest(tmp_path, hanoi_dir):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(hanoi_dir / "nghi-quyet-83-2025-NQ-HDND-HN.txt", src)
    (src / "manifest.json").write_text(json.dumps([{"file": "nghi-quyet-83-2025-NQ-HDND-HN.txt",
                                                   "number": "83/2025/NQ-HĐND", "type": "Nghị quyết",
                                                   "issuer": "HĐND thành phố Hà Nội", "issued": "27/11/2025",
                                                   "effective": "10/12/2025"}]), encoding="utf-8")
    (src / "nghi-quyet-83-2025-NQ-HDND-HN.txt.meta.json").write_text(
        json.dumps({"id": "nq-83-2025", "title": "Nghị quyết về Công dân danh dự Thủ đô"}), encoding="utf-8")
    data = tmp_path / "data"
    assert _run(data, "ingest", str(src), "--no-embed").exit_code == 0
    doc = json.loads(_run(data, "docs", "show", "nq-83-2025", "--json").stdout)
    assert doc["title"] == "Nghị quyết về Công dân danh dự Thủ đô"
    assert doc["effective"] == "2025-12-10" and doc["number"] == "83/2025/NQ-HĐND"
