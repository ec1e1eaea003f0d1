"""Proper names in questions, and whether the sources mention them."""

import pytest

from assistant.answering.names import mentioned, proper_names


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Đà Nẵng có chính sách thu hút nhân tài cho công chức như thế nào?", ["Đà Nẵng"]),
        ("Khi nào cầu Trần Hưng Đạo qua sông Hồng được khởi công?", ["Trần Hưng Đạo"]),
        ("TP Hồ Chí Minh áp dụng vùng phát thải thấp ở những phường nào?", ["Hồ Chí Minh"]),
        # sentence openers, document and office names are not proper names to look for
        ("Theo Luật Thủ đô, biểu tượng của Thủ đô là gì?", []),
        ("Nếu Luật Thủ đô quy định khác thì áp dụng luật nào?", []),
        ("Sở Nội vụ có nhiệm vụ gì?", []),
        ("Thủ tục cấp hộ chiếu gồm những bước nào?", []),
        ("phuong Hong Ha sap xep tu nhung phuong nao", ["Hong Ha"]),
        # the asker's or another person's name is not a subject the sources must mention
        ("Tôi là Nguyễn Văn A, CCCD 001203001234: mật khẩu máy chủ Lam Sơn đổi sau bao lâu?", ["Lam Sơn"]),
        ("Ông Trần Văn Bình hỏi về thủ tục khai sinh", []),
    ],
)
def test_proper_names(question: str, names: list[str]) -> None:
    assert proper_names(question) == names


def test_mentioned_ignores_case_and_diacritics_and_accepts_part_of_a_long_name() -> None:
    text = "Sắp xếp phường Hồng Hà trên cơ sở phường Chương Dương; Sở Công Thương thành phố Hà Nội"
    assert mentioned("Hong Ha", [text])
    assert mentioned("Công Thương Hà Nội", ["Luật Thủ đô", text])
    assert not mentioned("Đà Nẵng", [text])
    assert not mentioned("Trần Hưng Đạo", [text, "đường Trần Phú"])
    # a name is not made of words from two texts
    assert not mentioned("Hà Nội", ["Sở Công Thương thành phố Hà", "Nội vụ"])
