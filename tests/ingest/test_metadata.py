"""Metadata extraction from real Hà Nội texts and synthetic headers; manifest/sidecar overrides."""

from __future__ import annotations

import json
import os
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from ingest.metadata import (
    canonical_number,
    doc_id_for,
    doc_type_from_number,
    extract_metadata,
    issuer_from_number,
    load_overrides,
    merge_metadata,
    normalize_issuer,
    parse_date,
)
from ingest.models import DocumentMetadata

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR") or ROOT.parent / "shared")
CORPUS = SHARED / "corpus" / "hanoi"


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"reference corpus not found at {CORPUS} (set ASSISTANT_SHARED_DIR)")
    return CORPUS


def _meta(corpus: Path, stem: str) -> DocumentMetadata:
    path = corpus / f"{stem}.txt"
    return extract_metadata(path.read_text(encoding="utf-8"), path.name)


# ---------------------------------------------------------------------------------------------
# Real documents
# ---------------------------------------------------------------------------------------------


def test_luat_thu_do_2026(corpus: Path) -> None:
    m = _meta(corpus, "luat-thu-do-02-2026-QH16")
    assert m.number == "02/2026/QH16"
    assert m.doc_type == "Luật"
    assert m.issuer == "Quốc hội"
    assert m.issued == date(2026, 4, 23)
    assert m.effective == date(2026, 7, 1)
    assert "39/2024/QH15" in m.replaces
    # The laws that amended the 2024 law are not themselves replaced.
    assert "47/2024/QH15" not in m.replaces
    assert m.title == "Luật Thủ đô"
    assert m.effective_note and "khoản 2" in m.effective_note


def test_nghi_dinh_171_2025(corpus: Path) -> None:
    m = _meta(corpus, "nghi-dinh-171-2025-ND-CP")
    assert m.number == "171/2025/NĐ-CP"
    assert m.doc_type == "Nghị định"
    assert m.issuer == "Chính phủ"
    assert m.issued == date(2025, 6, 30)
    assert m.effective == date(2025, 7, 1)
    assert m.title == "Quy định về đào tạo, bồi dưỡng công chức"
    # "bãi bỏ các quy định về … tại Nghị định số 101/2017/NĐ-CP" is a partial repeal.
    assert "101/2017/NĐ-CP" in m.amends
    assert m.replaces == []


def test_nghi_quyet_57_2025_hdnd(corpus: Path) -> None:
    m = _meta(corpus, "nghi-quyet-57-2025-NQ-HDND-HN")
    assert m.number == "57/2025/NQ-HĐND"
    assert m.doc_type == "Nghị quyết"
    assert m.issuer == "HĐND thành phố Hà Nội"
    assert m.issued == date(2025, 11, 26)
    assert m.effective == date(2025, 12, 10)
    assert m.replaces == ["47/2024/NQ-HĐND"]
    assert m.title and m.title.startswith("Quy định thực hiện vùng phát thải thấp")


def test_quyet_dinh_2629_ttg(corpus: Path) -> None:
    m = _meta(corpus, "quyet-dinh-2629-QD-TTg")
    assert m.number == "2629/QĐ-TTg"
    assert m.doc_type == "Quyết định"
    assert m.issuer == "Thủ tướng Chính phủ"
    assert m.issued == date(2025, 12, 1)
    assert m.effective == m.issued  # "có hiệu lực kể từ ngày ký"
    assert m.effective_note == "từ ngày ký"
    assert m.replaces == ["942/QĐ-TTg"]
    assert m.title == "Về việc phê duyệt chương trình phát triển Chính phủ số"


def test_ke_hoach_308_ubnd(corpus: Path) -> None:
    m = _meta(corpus, "ke-hoach-308-KH-UBND-HN")
    assert m.number == "308/KH-UBND"
    assert m.doc_type == "Kế hoạch"
    assert m.issuer == "UBND thành phố Hà Nội"
    assert m.issued == date(2025, 11, 17)
    assert m.effective is None
    assert m.title and m.title.startswith("Triển khai thực hiện Nghị quyết số 214/NQ-CP")


def test_damaged_headers(corpus: Path) -> None:
    # The crawl lost the "QUỐC HỘI" cell: issuer from the preamble ("Quốc hội ban hành Luật …").
    m = _meta(corpus, "luat-can-bo-cong-chuc-80-2025-QH15")
    assert (m.number, m.issuer, m.issued) == ("80/2025/QH15", "Quốc hội", date(2025, 6, 24))
    assert m.replaces == ["22/2008/QH12"]
    assert m.title == "Luật Cán bộ, công chức"
    # No date line: the annex heading "(Kèm theo Nghị định số 170/2025/NĐ-CP ngày 30 tháng 6 năm 2025 …)".
    assert _meta(corpus, "nghi-dinh-170-2025-ND-CP").issued == date(2025, 6, 30)
    # Subordinate unit named after its parent: the unit is the issuer.
    assert _meta(corpus, "quyet-dinh-1594-QD-TTPVHCC-HN").issuer == "Trung tâm Phục vụ hành chính công TP Hà Nội"
    # Draft with a blank number: type and issuer from "Quyết định số /QĐ-UBND" and the -HN filename.
    m = _meta(corpus, "quyet-dinh-uy-quyen-So-Cong-Thuong-HN-2025")
    assert (m.number, m.doc_type, m.issuer, m.issued) == (None, "Quyết định", "UBND thành phố Hà Nội", None)
    # Printed adoption date (16/4/2025) precedes a document it cites (09/05/2025): left unknown.
    m = _meta(corpus, "nghi-quyet-1656-NQ-UBTVQH15")
    assert (m.number, m.issuer, m.issued) == ("1656/NQ-UBTVQH15", "Ủy ban Thường vụ Quốc hội", None)
    assert m.effective_note == "từ ngày thông qua"


def test_accuracy_over_reference_collection(corpus: Path) -> None:
    from evals.metadata_accuracy import evaluate

    results = evaluate(corpus)
    assert results["n_documents"] == 28
    assert results["accuracy"] >= 0.9, results["misses"]


# ---------------------------------------------------------------------------------------------
# Synthetic headers
# ---------------------------------------------------------------------------------------------

_DECREE = """CHÍNH PHỦ
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Số: 45/2026/NĐ-CP
Hà Nội, ngày 10 tháng 2 năm 2026
NGHỊ ĐỊNH
QUY ĐỊNH VỀ THÍ ĐIỂM MỘT SỐ CHÍNH SÁCH
Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;
Căn cứ Nghị định số 12/2020/NĐ-CP ngày 05 tháng 01 năm 2020 của Chính phủ;
Chính phủ ban hành Nghị định quy định về thí điểm một số chính sách.
Điều 1. Phạm vi điều chỉnh
Nghị định này quy định về thí điểm.
Điều 2. Hiệu lực thi hành
1. Nghị định này có hiệu lực thi hành kể từ ngày 15/3/2026.
2. Nghị định số 99/2019/NĐ-CP được sửa đổi, bổ sung theo Nghị định số 11/2021/NĐ-CP hết hiệu lực kể từ ngày Nghị định này có hiệu lực thi hành.
3. Bãi bỏ Điều 5 của Nghị định số 77/2018/NĐ-CP.
"""  # noqa: E501


def test_synthetic_decree() -> None:
    m = extract_metadata(_DECREE)
    assert m.number == "45/2026/NĐ-CP"
    assert (m.doc_type, m.issuer) == ("Nghị định", "Chính phủ")
    assert m.issued == date(2026, 2, 10)
    assert m.effective == date(2026, 3, 15)
    assert m.title == "Quy định về thí điểm một số chính sách"
    assert m.replaces == ["99/2019/NĐ-CP"]
    assert m.amends == ["77/2018/NĐ-CP"]


def test_number_never_from_can_cu_line() -> None:
    text = """NGHỊ QUYẾT
VỀ VIỆC THỬ NGHIỆM
Căn cứ Nghị định số 12/2020/NĐ-CP ngày 05 tháng 01 năm 2020;
Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15;
Điều 1. Nghị quyết này có hiệu lực kể từ ngày ký.
"""
    m = extract_metadata(text)
    assert m.number is None
    assert m.doc_type == "Nghị quyết"
    assert m.issued is None
    assert m.effective is None and m.effective_note == "từ ngày ký"


def test_flattened_header_and_nfd_input() -> None:
    text = (
        "CHÍNH PHỦ_ Số: 171/2025/ND-CP CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAMĐộc lập – Tự do – Hạnh phúc_ "
        "Hà Nội, ngày 30 tháng 6 năm 2025 NGHỊ ĐỊNH\nQuy định về đào tạo, bồi dưỡng công chức\n"
        "Căn cứ Luật Tổ chức Chính phủ ngày 18 tháng 02 năm 2025;\n"
        "Điều 1. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2025.\n"
    )
    m = extract_metadata(unicodedata.normalize("NFD", text))
    assert m.number == "171/2025/NĐ-CP"
    assert (m.doc_type, m.issuer, m.issued) == ("Nghị định", "Chính phủ", date(2025, 6, 30))
    assert m.effective == date(2025, 7, 1)
    assert m.title == "Quy định về đào tạo, bồi dưỡng công chức"


def test_hanoi_headers_and_number_fallbacks() -> None:
    text = """UBND THÀNH PHỐ HÀ NỘI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG
-------
Số: 1700/QĐ-TTPVHCC
Hà Nội, ngày 01 tháng 12 năm 2025
QUYẾT ĐỊNH
VỀ VIỆC CÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH
GIÁM ĐỐC TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI
Căn cứ Quyết định số 63/2024/QĐ-UBND ngày 24/10/2024;
Điều 1. Quyết định này có hiệu lực kể từ ngày ký, thay thế Quyết định số 1500/QĐ-TTPVHCC ngày 01/10/2025.
"""
    m = extract_metadata(text)
    assert m.issuer == "Trung tâm Phục vụ hành chính công TP Hà Nội"
    assert m.title == "Về việc công bố danh mục thủ tục hành chính"
    assert m.effective == date(2025, 12, 1)
    assert m.replaces == ["1500/QĐ-TTPVHCC"]
    # Nothing but a number and a filename hint.
    bare = extract_metadata("Số: 12/2025/NQ-HĐND\nĐiều 1. Nội dung.\n", "nghi-quyet-12-2025-NQ-HDND-HN.txt")
    assert (bare.doc_type, bare.issuer) == ("Nghị quyết", "HĐND thành phố Hà Nội")


def test_number_helpers() -> None:
    assert canonical_number("171/2025/ND-CP") == "171/2025/NĐ-CP"
    assert canonical_number("07/2022/QĐ- UBND") == "07/2022/QĐ-UBND"
    assert canonical_number("57/2025/NQ-HDND") == "57/2025/NQ-HĐND"
    assert doc_type_from_number("02/2026/QH16") == "Luật"
    assert doc_type_from_number("170/2025/NĐ-CP") == "Nghị định"
    assert doc_type_from_number("308/KH-UBND") == "Kế hoạch"
    assert doc_type_from_number("12/CT-UBND") == "Chỉ thị"
    assert doc_type_from_number("05/2025/TT-BNV") == "Thông tư"
    assert issuer_from_number("02/2026/QH16") == "Quốc hội"
    assert issuer_from_number("170/2025/NĐ-CP") == "Chính phủ"
    assert issuer_from_number("2629/QĐ-TTg") == "Thủ tướng Chính phủ"
    assert issuer_from_number("1656/NQ-UBTVQH15") == "Ủy ban Thường vụ Quốc hội"
    assert issuer_from_number("57/2025/NQ-HĐND", "Hà Nội") == "HĐND thành phố Hà Nội"
    assert normalize_issuer("Quốc hội khóa XVI (kỳ họp thứ Nhất)") == "Quốc hội"
    assert normalize_issuer("Ủy ban nhân dân thành phố Hà Nội") == "UBND thành phố Hà Nội"


# ---------------------------------------------------------------------------------------------
# Overrides
# ---------------------------------------------------------------------------------------------


def test_manifest_values_with_notes_parse(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("…", encoding="utf-8")
    manifest = tmp_path / "manifest.json"
    entries = [
        {
            "file": "doc.txt",
            "number": "02/2026/QH16",
            "type": "Luật",
            "issuer": "Quốc hội khóa XVI (kỳ họp thứ Nhất)",
            "issued": "23/04/2026",
            "effective": "01/07/2026 (khoản 4 Điều 8 và khoản 6 Điều 36 có hiệu lực từ ngày thông qua)",
        },
        {"file": "other.txt", "number": "số chưa xác định (…/QĐ-UBND, 2025)", "issued": "2025 (ngày chưa rõ)"},
        {"file": "nq.txt", "issued": "16/06/2025 (the source prints …)", "effective": "từ ngày thông qua"},
        {"file": "kh.txt", "issued": "30/06/2025 (per other sources…)", "effective": "—"},
        {"file": "old.txt", "effective": "01/07/2018 (hết hiệu lực 01/09/2026)"},
    ]
    manifest.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")

    o = load_overrides(manifest, doc)
    assert o["number"] == "02/2026/QH16"
    assert o["doc_type"] == "Luật"
    assert o["issuer"] == "Quốc hội"
    assert o["issued"] == date(2026, 4, 23)
    assert o["effective"] == date(2026, 7, 1)
    assert "khoản 4 Điều 8" in o["effective_note"]

    other = load_overrides(manifest, tmp_path / "other.txt")
    assert other.get("number") is None and other.get("issued") is None
    nq = load_overrides(manifest, tmp_path / "nq.txt")
    assert nq["issued"] == nq["effective"] == date(2025, 6, 16)
    assert nq["effective_note"] == "từ ngày thông qua"
    kh = load_overrides(manifest, tmp_path / "kh.txt")
    assert kh["issued"] == date(2025, 6, 30) and kh.get("effective") is None
    old = load_overrides(manifest, tmp_path / "old.txt")
    assert (old["effective"], old["expires"]) == (date(2018, 7, 1), date(2026, 9, 1))
    assert load_overrides(None, tmp_path / "missing.txt") == {}


def test_sidecar_wins_over_manifest(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("…", encoding="utf-8")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps([{"file": "doc.txt", "number": "1/2025/NQ-HĐND", "issued": "01/01/2025", "title": "A"}]),
        encoding="utf-8",
    )
    sidecar = tmp_path / "doc.txt.meta.json"
    sidecar.write_text(
        json.dumps({"id": "nq-1", "access": "internal", "issued": "2025-01-02", "replaces": ["9/2024/NQ-HĐND"]}),
        encoding="utf-8",
    )
    o = load_overrides(manifest, doc)
    assert o["issued"] == date(2025, 1, 2)  # sidecar
    assert o["number"] == "1/2025/NQ-HĐND" and o["title"] == "A"  # manifest, not contradicted
    assert o["access"] == "internal"
    assert o["replaces"] == ["9/2024/NQ-HĐND"]
    assert doc_id_for(doc, o) == "nq-1"
    assert doc_id_for(doc, {}) == "doc"


def test_merge_metadata_overrides_win_where_parseable() -> None:
    extracted = DocumentMetadata(
        number="02/2026/QH16", doc_type="Luật", issuer="Quốc hội", issued=date(2026, 4, 23), title="Luật Thủ đô"
    )
    merged = merge_metadata(
        extracted,
        {"title": "Luật Thủ đô (2026)", "issued": "2025 (ngày chưa rõ)", "number": "số chưa xác định",
         "effective": "01/07/2026", "replaces": ["39/2024/QH15"]},
    )  # fmt: skip
    assert merged.title == "Luật Thủ đô (2026)"
    assert merged.issued == date(2026, 4, 23)  # unparseable override keeps the extracted value
    assert merged.number == "02/2026/QH16"
    assert merged.effective == date(2026, 7, 1)
    assert merged.replaces == ["39/2024/QH15"]
    signed = merge_metadata(extracted, {"effective": "từ ngày ký"})
    assert signed.effective == date(2026, 4, 23) and signed.effective_note == "từ ngày ký"


def test_parse_date_forms() -> None:
    assert parse_date("30/06/2025 (per other sources; the crawl lost the date line)") == date(2025, 6, 30)
    assert parse_date("2025-06-30") == date(2025, 6, 30)
    assert parse_date("ngày 30 tháng 6 năm 2025") == date(2025, 6, 30)
    assert parse_date("2025 (ngày chưa rõ)") is None
    assert parse_date("—") is None


def test_real_manifest_overrides(corpus: Path) -> None:
    o = load_overrides(corpus / "manifest.json", corpus / "luat-tiep-can-thong-tin-104-2016-QH13.txt")
    assert o["expires"] == date(2026, 9, 1)
    o = load_overrides(corpus / "manifest.json", corpus / "quyet-dinh-2629-QD-TTg.txt")
    assert o["effective"] == o["issued"] == date(2025, 12, 1)
    assert o["replaces"] == ["942/QĐ-TTg"]


def test_catalogue_records_replacements() -> None:
    catalogue = json.loads((ROOT / "corpus" / "catalogue.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in catalogue["documents"]}
    assert len(docs) == 28
    old = docs["luat-tiep-can-thong-tin-104-2016-QH13"]
    assert (old["replaced_by"], old["expires"]) == ("01/2026/QH16", "2026-09-01")
    assert "39/2024/QH15" in docs["luat-thu-do-02-2026-QH16"]["replaces"]
    external = {d["number"]: d for d in catalogue["referenced_documents"]}
    assert external["39/2024/QH15"]["replaced_by"] == "02/2026/QH16"
