"""The provincial Chỉ thị kept as a raw web crawl: loaded, cleaned and split by its numbered tasks."""

from __future__ import annotations

import pytest

from ingest.legal import parse_structure
from ingest.loaders import load_file
from ingest.metadata import extract_metadata
from tests.conftest import SHARED

DIRECTIVE = SHARED / "corpus" / "extra" / "chi-thi-012-CT-UBND-DakLak-2025.md"


@pytest.fixture(scope="module")
def loaded():
    if not DIRECTIVE.exists():
        pytest.skip("shared directive not found")
    return load_file(DIRECTIVE)


def test_directive_is_split_by_its_tasks(loaded):
    s = parse_structure(loaded.text)
    assert [(a.kind, a.number) for a in s.articles] == [("section", str(i)) for i in range(1, 5)]
    assert [a.title for a in s.articles] == [
        "Thủ trưởng các sở, ban, ngành tỉnh; Chủ tịch UBND các xã, phường",
        "Sở Khoa học và Công nghệ",
        "Sở Nội vụ",
        "Văn phòng UBND tỉnh",
    ]
    assert s.articles[0].clauses[0].points == list("abcdeghi")
    # Hard-wrapped sentences are whole again, markdown is gone.
    assert "**" not in loaded.text and "|" not in loaded.text
    assert "Thời gian qua, tỉnh Đắk Lắk đã có nhiều nỗ lực" in s.preamble
    assert "Trương Công Thái" in s.signature and "Trương Công Thái" not in s.articles[-1].text


def test_directive_metadata(loaded):
    md = extract_metadata(loaded.text, DIRECTIVE.name)
    assert (md.number, md.doc_type, md.issuer) == ("012/CT-UBND", "Chỉ thị", "UBND tỉnh Đắk Lắk")
    assert md.issued.isoformat() == "2025-11-26"
