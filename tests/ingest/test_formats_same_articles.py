"""PDF and DOCX made from a real text — page headers/footers, page numbers, hard-wrapped lines —
parse to the same articles as the TXT."""

from __future__ import annotations

import re

import pytest

from ingest.legal import parse_structure
from ingest.loaders import load_file
from tests.conftest import read_nfc
from tests.ingest.fixtures_gen import make_docx, make_pdf

DOCS = ["luat-thu-do-02-2026-QH16.txt", "nghi-dinh-172-2025-ND-CP.txt", "quyet-dinh-74-2025-QD-UBND-HN.txt"]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _signature(text: str) -> list[tuple]:
    s = parse_structure(text)
    return [(a.key, _flat(a.title), tuple(_flat(h) for h in a.heading_path),
             tuple(c.number for c in a.clauses), _flat(a.text)) for a in s.articles]


@pytest.mark.parametrize("name", DOCS)
def test_pdf_parses_to_the_same_articles(tmp_path, hanoi_dir, name):
    text = read_nfc(hanoi_dir / name)
    pdf = tmp_path / "doc.pdf"
    make_pdf(text, pdf, header="CÔNG BÁO/Số 25 + 26/Ngày 10-01-2026", footer="congbao.chinhphu.vn", wrap=80)
    loaded = load_file(pdf)
    assert "congbao.chinhphu.vn" not in loaded.text and "CÔNG BÁO/Số" not in loaded.text
    expected, got = _signature(text), _signature(loaded.text)
    assert [g[0] for g in got] == [e[0] for e in expected]
    for e, g in zip(expected, got, strict=True):
        assert g == e, e[0]


@pytest.mark.parametrize("name", DOCS)
def test_docx_parses_to_the_same_articles(tmp_path, hanoi_dir, name):
    text = read_nfc(hanoi_dir / name)
    docx = tmp_path / "doc.docx"
    make_docx(text, docx)
    assert _signature(load_file(docx).text) == _signature(text)
