from __future__ import annotations

import re

import pytest

from ingest.legal import parse_structure
from tests.conftest import HANOI, read_nfc

ARTICLE_LINE = re.compile(r"^\s*Điều\s+\d+[a-zđ]?\s*[\.:]", re.M)
FILES = sorted(p.name for p in HANOI.glob("*.txt")) if HANOI.exists() else []


def _parse(hanoi_dir, name):
    return parse_structure(read_nfc(hanoi_dir / name))


def _by_key(structure):
    return {a.key: a for a in structure.articles}


@pytest.mark.parametrize("name", FILES)
def test_every_article_line_becomes_exactly_one_article(hanoi_dir, name):
    text = read_nfc(hanoi_dir / name)
    expected = [m.group(0).split()[1].rstrip(".:") for m in ARTICLE_LINE.finditer(text)]
    dieu = [a for a in parse_structure(text).articles if a.kind == "dieu"]
    assert [a.number for a in dieu] == expected
    # Keys are unique, so every citation is unambiguous.
    keys = [a.key for a in parse_structure(text).articles]
    assert len(keys) == len(set(keys))


def test_corpus_has_28_documents(hanoi_dir):
    assert len(FILES) == 28


def test_luat_thu_do_articles_field_by_field(hanoi_dir):
    s = _parse(hanoi_dir, "luat-thu-do-02-2026-QH16.txt")
    arts = _by_key(s)
    assert len([a for a in s.articles if a.kind == "dieu"]) == 36
    d7 = arts["dieu-7"]
    assert d7.title == "Nhiệm vụ, quyền hạn về tổ chức bộ máy và chế độ công vụ"
    assert d7.heading_path == ["Chương II. TỔ CHỨC CHÍNH QUYỀN, CHẾ ĐỘ CÔNG VỤ VÀ BAN HÀNH VĂN BẢN QUY PHẠM PHÁP LUẬT"]
    assert [c.number for c in d7.clauses] == ["1", "2", "3"]
    assert d7.clauses[0].points == list("abcdđeghik")
    assert d7.text.startswith("Điều 7. Nhiệm vụ, quyền hạn")
    assert d7.clauses[0].text.startswith("1. Hội đồng nhân dân Thành phố có thẩm quyền:")
    d2 = arts["dieu-2"]
    assert "Khuê Văn Các" in d2.clauses[2].text
    d35 = arts["dieu-35"]
    assert d35.title == "Hiệu lực thi hành"
    assert d35.heading_path == ["Chương IX. ĐIỀU KHOẢN THI HÀNH"]
    assert "39/2024/QH15" in d35.text
    # The signature ("CHỦ TỊCH QUỐC HỘI …") is not part of the last article.
    assert "Trần Thanh Mẫn" not in arts["dieu-36"].text
    assert "Trần Thanh Mẫn" in s.signature
    # The preamble holds the header, not article text.
    assert "Luật số: 02/2026/QH16" in s.preamble and "Điều 1" not in s.preamble


def test_article_with_letter_suffix_and_chapters_with_sections(hanoi_dir):
    s = _parse(hanoi_dir, "nghi-dinh-63-2010-ND-CP.txt")
    numbers = [a.number for a in s.articles]
    assert numbers[numbers.index("35") + 1] == "35a"
    assert numbers[numbers.index("35a") + 1] == "36"
    cbcc = _by_key(_parse(hanoi_dir, "luat-can-bo-cong-chuc-80-2025-QH15.txt"))
    paths = {tuple(a.heading_path) for a in cbcc.values()}
    assert any(len(p) == 2 and p[1].startswith("Mục 1") for p in paths)


def test_non_nfc_file_parses(hanoi_dir):
    raw = (hanoi_dir / "luat-ho-tich-60-2014-QH13.txt").read_text(encoding="utf-8")
    s = parse_structure(raw)  # not normalised by the caller
    assert len([a for a in s.articles if a.kind == "dieu"]) == 77
    assert _by_key(s)["dieu-13"].title  # "Thẩm quyền đăng ký khai sinh"


def test_promulgating_decision_keeps_two_sets_of_articles(hanoi_dir):
    s = _parse(hanoi_dir, "quyet-dinh-74-2025-QD-UBND-HN.txt")
    arts = _by_key(s)
    own = [a for a in s.articles if a.part == "qd"]
    reg = [a for a in s.articles if a.part == "" and a.kind == "dieu"]
    assert [a.number for a in own] == ["1", "2", "3"]
    assert [a.number for a in reg] == [str(i) for i in range(1, 17)]
    assert arts["qd:dieu-2"].text.startswith("Điều 2. Quyết định này có hiệu lực")
    assert arts["dieu-2"].title == "Nguyên tắc phân cấp"
    assert arts["dieu-2"].heading_path[0].startswith("QUY ĐỊNH PHÂN CẤP")
    assert arts["dieu-2"].heading_path[1] == "Chương I. QUY ĐỊNH CHUNG"


def test_forms_repeating_articles_are_kept_apart(hanoi_dir):
    s = _parse(hanoi_dir, "nghi-dinh-170-2025-ND-CP.txt")
    main = [a for a in s.articles if a.kind == "dieu" and a.part == ""]
    assert [a.number for a in main] == [str(i) for i in range(1, 74)]
    form = [a for a in s.articles if a.kind == "dieu" and a.part != ""]
    assert [a.number for a in form] == ["1", "2", "3"]
    assert all(a.part.startswith("mau") for a in form)
    assert form[0].heading_path and form[0].heading_path[0].startswith("Mẫu số 3")


def test_document_without_articles_is_split_by_its_headings(hanoi_dir):
    s = _parse(hanoi_dir, "ke-hoach-308-KH-UBND-HN.txt")
    assert [(a.kind, a.number) for a in s.articles] == [("section", "I"), ("section", "II"), ("section", "III")]
    sec2 = s.articles[1]
    assert sec2.title == "NHIỆM VỤ"
    assert [c.number for c in sec2.clauses] == ["1", "2", "3", "4"]
    assert "1.1. Xây dựng các Chiến lược" in sec2.clauses[0].text


def test_procedure_annex_is_split_per_procedure(hanoi_dir):
    s = _parse(hanoi_dir, "quyet-dinh-1594-QD-TTPVHCC-HN.txt")
    arts = _by_key(s)
    assert [a.number for a in s.articles if a.kind == "dieu"] == ["1", "2", "3", "4"]
    proc = arts["phu-luc:section-B.I"]
    assert proc.title.startswith("Thủ tục đề nghị thay đổi trụ sở")
    assert proc.clauses[0].text.startswith("1. Cơ sở pháp lý")
    assert proc.heading_path[0].startswith("PHỤ LỤC")


SYNTHETIC = """LUẬT
SỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi
1. Luật này sửa đổi một số điều theo quy định tại khoản 2 Điều 5 của Luật X.
2. Việc áp dụng thực hiện theo
Điều 7 của Luật này và các quy định khác.
Điều 2. Sửa đổi, bổ sung Luật X
1. Điều 12 được sửa đổi như sau:
“Điều 12. Thời hạn giải quyết
1. Thời hạn giải quyết là 10 ngày.
2. Trường hợp phức tạp thì không quá 20 ngày.”
2. Bổ sung Điều 12a vào sau Điều 12 như sau:
"Điều 12a. Hồ sơ điện tử
Hồ sơ điện tử có giá trị như hồ sơ giấy."
3. Điều 13. Bãi bỏ khoản 3.
Điều 3. Hiệu lực thi hành
Luật này có hiệu lực từ ngày 01 tháng 7 năm 2026.
"""


def test_cross_references_and_quoted_amendments_stay_inside():
    s = parse_structure(SYNTHETIC)
    assert [a.number for a in s.articles] == ["1", "2", "3"]
    a1, a2, _ = s.articles
    assert [c.number for c in a1.clauses] == ["1", "2"]
    assert "Điều 7 của Luật này" in a1.clauses[1].text
    # The quoted Điều 12 / 12a with their own "1.", "2." stay inside Điều 2, khoản 1 and 2.
    assert [c.number for c in a2.clauses] == ["1", "2", "3"]
    assert "Thời hạn giải quyết là 10 ngày" in a2.clauses[0].text
    assert "Hồ sơ điện tử có giá trị" in a2.clauses[1].text
    assert a2.heading_path == ["Chương I. QUY ĐỊNH CHUNG"]


def test_glued_chapter_heading():
    s = parse_structure("Chương IQUY ĐỊNH CHUNG\nQUY ĐỊNH CHUNG\nĐiều 1. Phạm vi\nNội dung.\n")
    assert s.articles[0].heading_path == ["Chương I. QUY ĐỊNH CHUNG"]
    assert s.articles[0].text == "Điều 1. Phạm vi\nNội dung."
