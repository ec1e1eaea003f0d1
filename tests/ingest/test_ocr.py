"""Scanned PDFs read by Tesseract: scans rendered here from real corpus texts (rotated, speckled),
measured against the same text's PDF with a text layer through the same loader."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from rapidfuzz.distance import Levenshtein

from assistant.index.store import Index
from assistant.settings import Settings
from ingest.legal import parse_structure
from ingest.loaders import LoaderError, OcrOptions, load_file
from ingest.loaders.ocr import OcrUnavailable, engine_version
from ingest.loaders.pdf import usable_text_layer
from ingest.pipeline import ingest_files
from tests.conftest import read_nfc
from tests.ingest.fixtures_gen import blank_scan, make_pdf, make_scanned_pdf, scan_pages, wrap_lines

try:
    engine_version("tesseract", "vie")
except OcrUnavailable:
    pytestmark = pytest.mark.skip("tesseract-ocr with tesseract-ocr-vie is not installed (.ci/run installs it)")

# Three real texts of different kinds: a city council resolution, a law, a government decree.
TEXTS = ["nghi-quyet-81-2025-NQ-HDND-HN.txt", "luat-tiep-can-thong-tin-01-2026-QH16.txt",
         "nghi-dinh-173-2025-ND-CP.txt"]
PAGES = 2  # of each text: enough for several Điều, few enough for a quick test (~4 s a page)
LINES_PER_PAGE = 52  # make_pdf's body lines per A4 page at wrap 80
MAX_CER = 0.03


def excerpt(text: str, pages: int) -> str:
    """The first source lines of ``text`` that fill ``pages`` pages of make_pdf."""
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        used += len(wrap_lines(line, 80))
        if used > pages * LINES_PER_PAGE:
            break
        kept.append(line)
    return "\n".join(kept)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length, whitespace runs counted as one."""
    ref, hyp = (re.sub(r"\s+", " ", s).strip() for s in (reference, hypothesis))
    return Levenshtein.distance(ref, hyp) / max(1, len(ref))


def dieu_keys(text: str) -> list[str]:
    return [a.key for a in parse_structure(text).articles if a.kind == "dieu"]


@pytest.fixture(scope="module")
def scans(tmp_path_factory, hanoi_dir) -> list[tuple[str, Path, Path]]:
    """(name, PDF with a text layer, its scan without one) for each text."""
    out = []
    for seed, name in enumerate(TEXTS):
        folder = tmp_path_factory.mktemp(Path(name).stem)
        text = excerpt(read_nfc(hanoi_dir / name), PAGES)
        typed = folder / "typed.pdf"
        make_pdf(text, typed, header="VĂN BẢN QUY PHẠM PHÁP LUẬT", footer="Bản sao lưu trữ")
        scanned = folder / f"{Path(name).stem}-scan.pdf"
        make_scanned_pdf(scan_pages(typed, seed=seed, rotate=0.5 + 0.25 * seed), scanned)
        out.append((name, typed, scanned))
    return out


@pytest.fixture(scope="module")
def loaded(scans):
    return {name: (load_file(typed), load_file(scanned)) for name, typed, scanned in scans}


def test_scans_have_no_text_layer(scans):
    for _, _, scanned in scans:
        assert all(not (p.extract_text() or "").strip() for p in PdfReader(scanned).pages)


@pytest.mark.parametrize("name", TEXTS)
def test_ocr_character_error_rate(loaded, name):
    typed, scanned = loaded[name]
    rate = cer(typed.text, scanned.text)
    print(f"{name}: CER {rate:.2%}, confidence {scanned.ocr.mean_confidence:.1f}")
    assert rate <= MAX_CER, f"{name}: CER {rate:.2%}"


@pytest.mark.parametrize("name", TEXTS)
def test_ocr_recovers_every_dieu(loaded, name):
    typed, scanned = loaded[name]
    expected = dieu_keys(typed.text)
    assert len(expected) >= 2, "the excerpt must hold several Điều"
    assert dieu_keys(scanned.text) == expected


@pytest.mark.parametrize("name", TEXTS)
def test_ocr_report_names_pages_and_confidence(loaded, name):
    _, scanned = loaded[name]
    assert scanned.ocr is not None
    assert [p.page for p in scanned.ocr.pages] == list(range(1, PAGES + 1))
    assert 80 <= scanned.ocr.mean_confidence <= 100
    assert scanned.ocr.low_confidence_pages == []
    assert scanned.ocr.engine.startswith("tesseract") and "(vie)" in scanned.ocr.engine
    assert any("OCR" in w for w in scanned.warnings)


def test_running_headers_are_removed_from_ocr_pages(loaded):
    for typed, scanned in loaded.values():
        assert "VĂN BẢN QUY PHẠM PHÁP LUẬT" not in scanned.text
        assert "Trang 1/" not in scanned.text and "Trang 2/" not in scanned.text
        assert "VĂN BẢN QUY PHẠM PHÁP LUẬT" not in typed.text


@pytest.fixture(scope="module")
def mixed(scans, tmp_path_factory) -> tuple[Path, Path]:
    """(a PDF whose page 1 has a text layer and page 2 is a scan, the typed PDF it comes from)."""
    _, typed, scanned = scans[1]
    writer = PdfWriter()
    writer.append(str(typed), pages=[0])
    writer.append(str(scanned), pages=[1])
    path = tmp_path_factory.mktemp("mixed") / "mixed.pdf"
    writer.write(path)
    return path, typed


@pytest.fixture(scope="module")
def batch(mixed, tmp_path_factory):
    """One ingestion run over an empty scan and the mixed PDF, with a confidence floor no page reaches."""
    folder = tmp_path_factory.mktemp("batch")
    make_scanned_pdf([blank_scan(seed=3)], folder / "to-trinh-trong.pdf")
    shutil.copy(mixed[0], folder / "mixed.pdf")
    settings = Settings(data_dir=folder / "data", ocr_min_confidence=99.0)
    index = Index(settings)
    results = {r.path.name: r for r in ingest_files(sorted(folder.glob("*.pdf")), index, settings)}
    return results, index


def test_mixed_pdf_ocrs_only_the_scanned_page(mixed):
    path, typed = mixed
    out = load_file(path)
    assert [p.page for p in out.ocr.pages] == [2]
    reference = load_file(typed)
    assert cer(reference.text, out.text) <= MAX_CER
    assert dieu_keys(out.text) == dieu_keys(reference.text)


def test_empty_scan_is_a_per_file_error(batch):
    results, index = batch
    empty = results["to-trinh-trong.pdf"]
    assert empty.failed
    assert empty.message.startswith("to-trinh-trong.pdf:") and "OCR" in empty.message and "rỗng" in empty.message
    good = results["mixed.pdf"]
    assert good.status == "added" and good.articles >= 2
    assert [d.id for d in index.list_documents()] == [good.doc_id]  # the empty scan is not "indexed"


def test_ocr_record_is_stored_and_low_pages_flagged(batch):
    results, index = batch
    good = results["mixed.pdf"]
    stored = index.get_document(good.doc_id).ocr
    assert stored["pages"] == [2] and stored["mean_confidence"] >= 80
    assert stored["min_confidence"] == 99.0 and stored["low_confidence_pages"] == [2]
    assert set(stored["page_confidence"]) == {"2"}
    assert any("kém tin cậy" in w and "trang 2" in w for w in good.warnings)


def test_without_tesseract_a_scan_is_refused_by_name(scans):
    _, _, scanned = scans[0]
    with pytest.raises(LoaderError) as err:
        load_file(scanned, ocr=OcrOptions(command="/nonexistent/tesseract"))
    assert scanned.name in str(err.value) and "tesseract-ocr" in str(err.value)


def test_garbage_text_layer_is_not_usable():
    assert usable_text_layer("Điều 1. Phạm vi điều chỉnh của Nghị quyết này")
    assert not usable_text_layer("12 / 3")
    assert not usable_text_layer("\ue001\ue002\ue003 \ue004\ue005 " * 10 + "abc")
    assert not usable_text_layer("\ufffd" * 30 + "Điều 1. Phạm vi điều chỉnh của Nghị quyết này")


def test_ocr_record_is_shown_by_docs_show_and_the_api(batch):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from assistant.api.app import create_app
    from assistant.cli import app as cli

    results, index = batch
    doc_id = results["mixed.pdf"].doc_id
    data_dir = str(index.settings.data_dir)
    shown = CliRunner().invoke(cli, ["--data-dir", data_dir, "docs", "show", doc_id], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())  # the line may wrap on a narrow terminal
    line = text[text.index("OCR: "):]
    assert line.startswith("OCR: trang 2 — tesseract") and "dưới ngưỡng 99 %: trang 2 (" in line
    as_json = CliRunner().invoke(cli, ["--data-dir", data_dir, "docs", "show", doc_id, "--json"])
    assert json.loads(as_json.stdout)["ocr"]["pages"] == [2]
    with TestClient(create_app(index.settings.model_copy(update={"auth_disabled": True}))) as client:
        body = client.get(f"/api/documents/{doc_id}").json()
    assert body["ocr"]["pages"] == [2] and body["ocr"]["low_confidence_pages"] == [2]
