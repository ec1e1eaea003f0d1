"""Answer units cut from hand-made articles."""

from __future__ import annotations

from ingest.models import Article, Clause, UnitKind
from ingest.units import article_units, is_unit_id, split_unit_id


def _article(text: str, clauses: list[Clause], **kw) -> Article:
    return Article(number=kw.get("number", "5"), kind=kw.get("kind", "dieu"), title=kw.get("title", "Hồ sơ"),
                   text=text, clauses=clauses, heading_path=["Chương II. Thủ tục"])


def test_khoan_and_diem_units_with_heading_path() -> None:
    k1 = "1. Hồ sơ gồm:\na) Đơn đề nghị theo mẫu;\nb) Bản sao giấy tờ tùy thân có chứng thực của người đề nghị."
    k2 = "2. Thời hạn giải quyết là 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ."
    art = _article("Điều 5. Hồ sơ\n" + k1 + "\n" + k2,
                   [Clause(number="1", text=k1, points=["a", "b"]), Clause(number="2", text=k2)])
    units = article_units("doc", "Luật A", art, max_chars=120, embed_min_article_chars=50)
    assert [u.chunk_id for u in units] == ["doc:dieu-5:k1", "doc:dieu-5:k1a", "doc:dieu-5:k1b", "doc:dieu-5:k2"]
    assert [u.unit for u in units] == [UnitKind.CLAUSE, UnitKind.POINT, UnitKind.POINT, UnitKind.CLAUSE]
    point_b = units[2]
    assert point_b.point == "b" and point_b.clauses == ["1"]
    assert point_b.text.startswith("1. Hồ sơ gồm:\nb) Bản sao")  # the khoản's lead keeps the điểm readable
    assert units[3].embed_text.startswith("Luật A › Chương II. Thủ tục › Điều 5. Hồ sơ\n2. Thời hạn")
    # điểm are never embedded on their own; khoản of a long article are
    assert [u.embed for u in units] == [True, False, False, True]
    short = article_units("doc", "Luật A", art, max_chars=120, embed_min_article_chars=10_000)
    assert not any(u.embed for u in short)


def test_a_single_short_passage_has_no_units() -> None:
    art = _article("Điều 3. Áp dụng\nLuật này áp dụng với mọi người.", [Clause(text="Luật này áp dụng với mọi người.")])
    assert article_units("doc", "Luật A", art) == []


def test_section_without_khoan_is_cut_into_line_groups_at_sub_headings() -> None:
    body = ["Trình tự thực hiện:", *[f"Bước {i}: tiếp nhận và kiểm tra hồ sơ tại bộ phận một cửa số {i}." for i in
                                     range(6)], "Thời hạn giải quyết:", "05 ngày làm việc.", "Phí, lệ phí:",
            "Không."]
    art = _article("I. Thủ tục A\n" + "\n".join(body), [], kind="section", number="I", title="Thủ tục A")
    units = article_units("doc", "QĐ 1", art, max_chars=200)
    assert len(units) >= 2 and all(u.unit == UnitKind.PARAGRAPH for u in units)
    assert any(u.text.startswith("Thời hạn giải quyết:") for u in units)
    assert "\n".join(u.text for u in units) == "\n".join(body)  # nothing lost, nothing repeated


def test_unit_ids_read_like_chunk_ids() -> None:
    assert split_unit_id("doc:qd:dieu-2:k3a") == ("doc:qd:dieu-2", "k3a")
    assert is_unit_id("doc:dieu-7:k2") and is_unit_id("doc:section-I:p1") and not is_unit_id("doc:dieu-7:0")


def test_a_repeated_khoan_number_keeps_unit_ids_unique() -> None:
    k = [Clause(number="1", text="1. Về dữ liệu: xây dựng cơ sở dữ liệu dân cư."),
         Clause(number="2", text="2. Về nền tảng: triển khai nền tảng số."),
         Clause(number="1", text="1. Về nguồn lực: bố trí kinh phí thực hiện.")]
    art = _article("II. NHIỆM VỤ\n" + "\n".join(c.text for c in k), k, kind="section", number="II")
    ids = [u.chunk_id for u in article_units("kh", "KH 1", art)]
    assert ids == ["kh:section-II:k1", "kh:section-II:k2", "kh:section-II:k1-2"]
