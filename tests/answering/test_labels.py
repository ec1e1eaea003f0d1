"""Document names and unit labels (assistant/retrieval/naming.py): one function for each, used by the
answers, the citations and (served with them) the widget."""

from __future__ import annotations

import json

import pytest

from assistant.answering.models import Citation
from assistant.retrieval.naming import (
    annex_name,
    chip_label,
    clean_title,
    document_full_name,
    document_name,
    trich_yeu,
    unit_label,
)
from tests.conftest import HANOI

QD74_HEADINGS = ["QUY ĐỊNH VỀ PHÂN CẤP MỘT SỐ NỘI DUNG THUỘC LĨNH VỰC XÂY DỰNG, GIAO THÔNG", "Chương I. QUY ĐỊNH CHUNG"]


@pytest.mark.parametrize(
    ("args", "label"),
    [
        # Điều, khoản, điểm
        (dict(kind="dieu", number="5"), "Điều 5"),
        (dict(kind="dieu", number="5", clause="2"), "khoản 2 Điều 5"),
        (dict(kind="dieu", number="5", clause="2", point="a"), "điểm a khoản 2 Điều 5"),
        (dict(kind="dieu", number="35a", heading_path=["Chương I. QUY ĐỊNH CHUNG"]), "Điều 35a"),
        # the decision's own article, and an article of the Quy định / Quy chế it issues
        (dict(kind="dieu", number="2", part="qd", heading_path=["Quyết định ban hành"]), "Điều 2"),
        (dict(kind="dieu", number="4", heading_path=QD74_HEADINGS, clause="1"),
         "khoản 1 Điều 4 Quy định ban hành kèm theo"),
        (dict(kind="dieu", number="2", heading_path=["QUY CHẾ XÉT TẶNG DANH HIỆU “CÔNG DÂN THỦ ĐÔ ƯU TÚ”"]),
         "Điều 2 Quy chế ban hành kèm theo"),
        # an article of a form attached to a decree
        (dict(kind="dieu", number="1", part="mau-3", heading_path=["Mẫu số 3"]), "Điều 1 Mẫu số 3"),
        # annexes and their items: the annex is named, never the document type alone
        (dict(kind="annex", number="I", part="phu-luc-i", title="PHỤ LỤC I NỘI DUNG CHI, MỨC CHI HỖ TRỢ"), "Phụ lục I"),
        (dict(kind="annex", number="0", part="phu-luc", title="(Kèm theo Nghị định số 170/2025/NĐ-CP …)"), "Phụ lục"),
        (dict(kind="annex", number="02", part="mau-02", title="Mẫu số 02: Sử dụng cho các địa phương"), "Mẫu số 02"),
        (dict(kind="section", number="16", part="phu-luc", title="Phạt tiền từ 20.000.000 đồng …"),
         "mục 16 Phụ lục"),
        (dict(kind="section", number="II", part="phu-luc-i", title="Hỗ trợ 100% chi phí …"), "mục II Phụ lục I"),
        (dict(kind="section", number="B.I", part="phu-luc", title="Thủ tục đề nghị thay đổi trụ sở …"),
         "mục B.I Phụ lục"),
        (dict(kind="section", number="I", part="mau-03", title="SƠ LƯỢC TIỂU SỬ BẢN THÂN"), "mục I Mẫu số 03"),
        (dict(kind="section", number="1", part="phu-luc", clause="2"), "khoản 2 mục 1 Phụ lục"),
        # a section of a plan (no annex)
        (dict(kind="section", number="II", title="NHIỆM VỤ"), "mục II"),
        # a procedure's section
        (dict(kind="procedure", number="3", part="phu-luc-i", title="Thời hạn giải quyết",
              heading_path=["PHỤ LỤC I", "Thủ tục Cấp giấy phép xây dựng mới"]),
         "mục Thời hạn giải quyết của thủ tục Cấp giấy phép xây dựng mới Phụ lục I"),
    ],
)
def test_unit_label_for_every_kind_of_unit(args, label):
    assert unit_label(**args) == label


def test_annex_names():
    assert annex_name("phu-luc-ii") == "Phụ lục II" and annex_name("phu-luc-1") == "Phụ lục 1"
    assert annex_name("mau-3") == "Mẫu số 3" and annex_name("phu-luc") == "Phụ lục"


@pytest.mark.parametrize(
    ("title", "doc_type", "number", "name"),
    [
        ("Luật Thủ đô (2026)", "Luật", "02/2026/QH16", "Luật Thủ đô số 02/2026/QH16"),
        # a name ending in "số" takes no second "số"
        ("Luật Chuyển đổi số", "Luật", "148/2025/QH15", "Luật Chuyển đổi số 148/2025/QH15"),
        ("Nghị định quy định về tuyển dụng, sử dụng và quản lý công chức", "Nghị định", "170/2025/NĐ-CP",
         "Nghị định 170/2025/NĐ-CP"),
        # catalogue notes never reach the name
        ("Quyết định ban hành Quy định về phân cấp … trên địa bàn TP Hà Nội (incl. cấp phép xây dựng)", "Quyết định",
         "74/2025/QĐ-UBND", "Quyết định 74/2025/QĐ-UBND"),
        ("Nghị quyết quy định mức tiền phạt … (k1 Điều 33 Luật Thủ đô)", "Nghị quyết", "76/2025/NQ-HĐND",
         "Nghị quyết 76/2025/NQ-HĐND"),
        # no số hiệu: type + trích yếu, abbreviations spelt out
        ("QĐ về việc ủy quyền cho Sở Công Thương Hà Nội giải quyết một số TTHC lĩnh vực công thương thuộc "
         "thẩm quyền UBND TP", "Quyết định", None,
         "Quyết định về việc ủy quyền cho Sở Công Thương Hà Nội giải quyết một số thủ tục hành chính lĩnh vực "
         "công thương thuộc thẩm quyền Ủy ban nhân dân thành phố"),
        (None, None, None, "doc-id"),
    ],
)
def test_document_short_name(title, doc_type, number, name):
    assert document_name(title, doc_type, number, "doc-id") == name


def test_full_name_adds_the_cleaned_trich_yeu():
    assert document_full_name("Nghị quyết quy định chi thu nhập tăng thêm cho CBCCVC … TP Hà Nội", "Nghị quyết",
                              "81/2025/NQ-HĐND", "x") == (
        "Nghị quyết 81/2025/NQ-HĐND quy định chi thu nhập tăng thêm cho cán bộ, công chức, viên chức")
    assert document_full_name("Luật Hộ tịch", "Luật", "60/2014/QH13", "x") == "Luật Hộ tịch số 60/2014/QH13"
    assert trich_yeu("QĐ công bố danh mục TTHC sửa đổi, bổ sung lĩnh vực du lịch (Sở Xây dựng HN)", "Quyết định") == (
        "công bố danh mục thủ tục hành chính sửa đổi, bổ sung lĩnh vực du lịch")
    # a số hiệu keeps its letters: "NQ" inside "214/NQ-CP" is not spelt out
    assert clean_title("Kế hoạch triển khai NQ 214/NQ-CP về thúc đẩy") == (
        "Kế hoạch triển khai Nghị quyết 214/NQ-CP về thúc đẩy")


@pytest.mark.skipif(not (HANOI / "manifest.json").exists(), reason="reference corpus not found")
def test_no_catalogue_note_of_the_real_manifest_reaches_a_name():
    from ingest.metadata import normalize_overrides

    notes = ("(", "incl.", "k1 ", "CBCCVC", "…", "TTHC", " TP ", " HN", "UBND", "QĐ ", "số số")
    for entry in json.loads((HANOI / "manifest.json").read_text(encoding="utf-8")):
        md = normalize_overrides(entry)
        for name in (document_name(md.get("title"), md.get("doc_type"), md.get("number"), "x"),
                     document_full_name(md.get("title"), md.get("doc_type"), md.get("number"), "x")):
            words = name.replace(md.get("number") or "\0", "")  # a số hiệu holds "UBND", "QĐ" by right
            assert not [n for n in notes if n in words], (entry["file"], name)


def test_citation_serves_its_label_and_chip():
    c = Citation(n=1, doc_id="nq76", number="76/2025/NQ-HĐND",
                 title="Nghị quyết quy định mức tiền phạt … (k1 Điều 33 Luật Thủ đô)",
                 doc_label="Nghị quyết 76/2025/NQ-HĐND", article_key="phu-luc:section-16",
                 article_label=unit_label("section", "16", "phu-luc"), quote="…", validity="còn hiệu lực",
                 url="/api/documents/nq76/articles/phu-luc%3Asection-16")
    data = c.model_dump()
    assert data["label"] == "mục 16 Phụ lục Nghị quyết 76/2025/NQ-HĐND"
    assert data["chip_label"] == "76/2025/NQ-HĐND · mục 16 Phụ lục"
    assert "(" not in data["title"] and "k1" not in data["title"]
    assert Citation.model_validate(data).label == data["label"]  # the served fields read back
    k = Citation(n=2, doc_id="ltd", number="02/2026/QH16", doc_label="Luật Thủ đô số 02/2026/QH16",
                 article="2", article_key="dieu-2", article_label="Điều 2", clause="3", point="a", quote="…",
                 validity="còn hiệu lực", url="/u")
    assert k.label == "điểm a khoản 3 Điều 2 Luật Thủ đô số 02/2026/QH16"
    assert k.chip_label == chip_label("02/2026/QH16", "", "Điều 2", "3", "a") == "02/2026/QH16 · Điều 2 khoản 3 điểm a"
