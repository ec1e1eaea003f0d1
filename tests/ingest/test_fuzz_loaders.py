"""Bad input never crashes or hangs ingestion, always gives a per-file error naming the file,
and leaves what is already indexed untouched."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import ingest.pipeline as pipeline
from assistant.index.schema import ChunkRow, DocumentRow
from assistant.index.store import Index
from assistant.settings import Settings
from ingest.loaders import LoaderError, load_file
from ingest.pipeline import collect_files, ingest_files
from tests.conftest import read_nfc
from tests.ingest.fixtures_gen import make_pdf

SUFFIXES = [".pdf", ".docx", ".html", ".txt", ".md"]


@settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_give_text_or_a_loader_error(tmp_path, data, suffix):
    f = tmp_path / f"rac{suffix}"
    f.write_bytes(data)
    try:
        loaded = load_file(f)
    except LoaderError as exc:
        assert exc.path == f and f.name in str(exc)
    else:
        assert isinstance(loaded.text, str)


@pytest.fixture(scope="module")
def real_pdf(tmp_path_factory, hanoi_dir) -> bytes:
    path = tmp_path_factory.mktemp("pdf") / "nq81.pdf"
    make_pdf(read_nfc(hanoi_dir / "nghi-quyet-81-2025-NQ-HDND-HN.txt"), path, header="HĐND", footer="trang")
    return path.read_bytes()


@settings(max_examples=25, deadline=10000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(min_value=0.0, max_value=0.98))
def test_truncated_pdf_never_crashes(tmp_path, real_pdf, cut):
    f = tmp_path / "cut.pdf"
    f.write_bytes(real_pdf[: int(len(real_pdf) * cut)])
    try:
        load_file(f)
    except LoaderError as exc:
        assert "cut.pdf" in str(exc)


def test_docx_zip_bomb_is_refused_quickly(tmp_path):
    bomb = tmp_path / "bom.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as w:
            chunk = b"\0" * (1 << 20)
            for _ in range(260):
                w.write(chunk)
    assert bomb.stat().st_size < 2_000_000
    t0 = time.time()
    with pytest.raises(LoaderError, match="quá lớn"):
        load_file(bomb)
    assert time.time() - t0 < 10


def test_enormous_line_and_mixed_encodings(tmp_path):
    big = tmp_path / "mot-dong.txt"
    big.write_text("Điều 1. Phạm vi\n" + "quy định " * 400_000, encoding="utf-8")
    t0 = time.time()
    assert load_file(big).text.startswith("Điều 1. Phạm vi")
    assert time.time() - t0 < 30
    mixed = tmp_path / "tron-ma.txt"
    legacy = "Luật này quy định".encode("cp1258", errors="replace")
    mixed.write_bytes("Điều 1. Phạm vi điều chỉnh\n".encode() + legacy + b"\xff\xfe\x00")
    try:
        assert isinstance(load_file(mixed).text, str)
    except LoaderError as exc:
        assert "tron-ma.txt" in str(exc)


def _snapshot(settings: Settings) -> tuple:
    index = Index(settings)
    with index.sessions() as s:
        docs = sorted(s.execute(select(DocumentRow.id, DocumentRow.content_hash)).all())
        chunks = sorted(s.execute(select(ChunkRow.id, ChunkRow.content_hash)).all())
    stats = index.stats()
    index.engine.dispose()
    return docs, chunks, stats


def test_bad_batch_leaves_the_index_untouched(tmp_path, hanoi_dir, real_pdf):
    settings = Settings(data_dir=tmp_path / "data")
    good = tmp_path / "good"
    good.mkdir()
    (good / "nq81.txt").write_text(read_nfc(hanoi_dir / "nghi-quyet-81-2025-NQ-HDND-HN.txt"), encoding="utf-8")
    index = Index(settings)
    assert ingest_files(collect_files([good]), index, settings)[0].status == "added"
    before = _snapshot(settings)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "cut.pdf").write_bytes(real_pdf[: len(real_pdf) // 3])
    (bad / "rac.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (bad / "rong.html").write_text("<html><script>x()</script></html>")
    (bad / "nhi-phan.txt").write_bytes(bytes(range(256)) * 20)
    # A changed copy of the good document whose parsing fails mid-way must not replace it.
    (bad / "nq81.txt").write_text("Điều 1. Bị cắt\n", encoding="utf-8")
    original = pipeline.prepare

    def failing_prepare(path, *args, **kwargs):
        if path.name == "nq81.txt":
            raise RuntimeError("đĩa đầy")
        return original(path, *args, **kwargs)

    pipeline.prepare = failing_prepare
    try:
        results = ingest_files(collect_files([bad]), index, settings)
    finally:
        pipeline.prepare = original
    assert {r.path.name: r.status for r in results} == {
        "cut.pdf": "failed", "rac.docx": "failed", "rong.html": "failed", "nhi-phan.txt": "failed",
        "nq81.txt": "failed",
    }
    assert all(r.path.name in r.message for r in results)
    assert _snapshot(settings) == before


def test_a_file_that_takes_too_long_is_abandoned(tmp_path, hanoi_dir, monkeypatch):
    settings = Settings(data_dir=tmp_path / "data", file_timeout_seconds=1)
    src = tmp_path / "src"
    src.mkdir()
    (src / "cham.txt").write_text(read_nfc(hanoi_dir / "nghi-quyet-81-2025-NQ-HDND-HN.txt"), encoding="utf-8")

    def slow_parse(text):
        time.sleep(5)

    monkeypatch.setattr(pipeline, "parse_structure", slow_parse)
    t0 = time.time()
    result = ingest_files(collect_files([src]), Index(settings), settings)[0]
    assert time.time() - t0 < 4
    assert result.status == "failed" and "quá 1 giây" in result.message and "cham.txt" in result.message


def test_collect_files_skips_sidecars(tmp_path: Path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.txt.meta.json").write_text("{}")
    (tmp_path / "manifest.json").write_text("[]")
    (tmp_path / "anh.png").write_bytes(b"\x89PNG")
    assert [p.name for p in collect_files([tmp_path])] == ["a.txt"]
