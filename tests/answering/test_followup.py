"""Follow-up questions made standalone by rules (assistant/answering/followup.py), on multi-turn sequences."""

from __future__ import annotations

import pytest

from assistant.answering.followup import resolve, rewrite

# (user turns, oldest first; the standalone question expected for the last one; kind)
SEQUENCES = [
    # an ellipsis keeps its own ask and gets the earlier subject, never the earlier ask
    (["Thủ tục đăng ký khai tử ở đâu?", "còn thời hạn thì sao?"],
     "Thủ tục đăng ký khai tử: thời hạn là bao lâu?", "ellipsis"),
    (["Thủ tục cấp giấy phép xây dựng nộp ở đâu?", "Thế thời hạn giải quyết là bao lâu?"],
     "Thủ tục cấp giấy phép xây dựng: thời hạn giải quyết là bao lâu?", "ellipsis"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Lệ phí bao nhiêu?"], "Thủ tục đăng ký khai tử: lệ phí bao nhiêu?", "ellipsis"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Thời hạn?"], "Thủ tục đăng ký khai tử: thời hạn là bao lâu?", "ellipsis"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Thế còn nộp trực tuyến được không?"],
     "Thủ tục đăng ký khai tử: nộp trực tuyến được không?", "ellipsis"),
    (["Điều kiện tổ chức vùng phát thải thấp là gì?", "Còn lộ trình thực hiện thì sao?"],
     "Tổ chức vùng phát thải thấp: lộ trình thực hiện như thế nào?", "ellipsis"),
    # typed without diacritics: the markers are recognised, the user's words kept
    (["Thủ tục cấp giấy phép xây dựng nộp ở đâu?", "the thoi han giai quyet la bao lau"],
     "Thủ tục cấp giấy phép xây dựng: thoi han giai quyet la bao lau?", "ellipsis"),
    (["Thủ tục đăng ký khai tử ở đâu?", "con le phi thi sao"],
     "Thủ tục đăng ký khai tử: le phi nhu the nao?", "ellipsis"),
    (["thu tuc dang ky khai tu o dau", "con thoi han thi sao"],
     "Thu tuc dang ky khai tu: thoi han la bao lau?", "ellipsis"),
    # a new subject keeps the earlier ask
    (["Luật Tiếp cận thông tin 2026 có hiệu lực từ ngày nào?", "Còn Luật Hộ tịch thì sao?"],
     "Luật Hộ tịch có hiệu lực từ ngày nào?", "new_subject"),
    (["NQ 57/2025/NQ-HĐND áp dụng từ khi nào?", "còn NĐ 170/2025/NĐ-CP thì sao?"],
     "NĐ 170/2025/NĐ-CP áp dụng từ khi nào?", "new_subject"),
    (["Thủ tục đăng ký khai tử nộp ở đâu?", "Còn đăng ký khai sinh thì sao?"],
     "Thủ tục đăng ký khai sinh nộp ở đâu?", "new_subject"),
    (["Thời hạn xử lý kỷ luật công chức là bao lâu?", "còn viên chức thì sao?"],
     "Thời hạn xử lý kỷ luật viên chức là bao lâu?", "new_subject"),
    (["Ai có thẩm quyền cấp giấy phép xây dựng theo Quyết định 74/2025/QĐ-UBND?",
      "Còn cấp phép chặt hạ cây xanh thì sao?"],
     "Ai có thẩm quyền cấp phép chặt hạ cây xanh theo Quyết định 74/2025/QĐ-UBND?", "new_subject"),
    # references: a khoản goes into the earlier Điều, a Điều replaces it, a điểm into the khoản
    (["Điều 19 Luật Cán bộ, công chức 2025 quy định điều kiện gì?", "còn khoản 2 thì sao?"],
     "Khoản 2 Điều 19 Luật Cán bộ, công chức 2025 quy định điều kiện gì?", "new_subject"),
    (["Điều 19 Luật Cán bộ, công chức 2025 quy định điều kiện gì?", "Còn Điều 20?"],
     "Điều 20 Luật Cán bộ, công chức 2025 quy định điều kiện gì?", "new_subject"),
    (["Điều 19 Luật Cán bộ, công chức 2025 quy định điều kiện gì?", "còn khoản 2 thì sao?", "Còn điểm b?"],
     "Điểm b khoản 2 Điều 19 Luật Cán bộ, công chức 2025 quy định điều kiện gì?", "new_subject"),
    (["dieu 6 luat thu do noi gi", "con dieu 7 thi sao"], "Dieu 7 luat thu do noi gi?", "new_subject"),
    # anaphora: what "thủ tục này", "văn bản đó", "khoản đó", "nó" point at
    (["Thủ tục đăng ký khai tử nộp ở đâu?", "Thủ tục này cần hồ sơ gì?"],
     "Thủ tục đăng ký khai tử cần hồ sơ gì?", "anaphora"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Vậy thủ tục đó cần giấy tờ gì?"],
     "Thủ tục đăng ký khai tử cần giấy tờ gì?", "anaphora"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Hồ sơ đó gồm những gì?"],
     "Hồ sơ thủ tục đăng ký khai tử gồm những gì?", "anaphora"),
    (["Nghị quyết 57/2025/NQ-HĐND áp dụng từ khi nào?", "Văn bản đó quy định vùng phát thải thấp ở đâu?"],
     "Nghị quyết 57/2025/NQ-HĐND quy định vùng phát thải thấp ở đâu?", "anaphora"),
    (["Khoản 2 Điều 14 Luật Thủ đô quy định gì?", "Khoản đó áp dụng cho ai?"],
     "Khoản 2 Điều 14 Luật Thủ đô áp dụng cho ai?", "anaphora"),
    (["Biểu tượng của Thủ đô là gì?", "Còn nó được quy định ở điều nào?"],
     "Biểu tượng của Thủ đô được quy định ở điều nào?", "anaphora"),
    (["Luật Tiếp cận thông tin 2026 có hiệu lực từ ngày nào?", "Còn Luật Hộ tịch thì sao?",
      "Văn bản đó có bao nhiêu điều?"], "Luật Hộ tịch có bao nhiêu điều?", "anaphora"),
    # a condition: the earlier subject, the condition, the earlier ask (or its own)
    (["Thời hạn xử lý kỷ luật công chức là bao lâu?", "Nếu là viên chức thì sao?"],
     "Xử lý kỷ luật công chức: nếu là viên chức thì thời hạn là bao lâu?", "condition"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Nếu người chết ở nước ngoài thì nộp ở đâu?"],
     "Thủ tục đăng ký khai tử: nếu người chết ở nước ngoài thì nộp ở đâu?", "condition"),
    # chains: each turn resolved against the standalone form of the one before
    (["Thủ tục cấp giấy phép xây dựng nộp ở đâu?", "Thời hạn giải quyết là bao lâu?", "Còn lệ phí thì sao?"],
     "Thủ tục cấp giấy phép xây dựng: lệ phí như thế nào?", "ellipsis"),
    (["Điều kiện tổ chức vùng phát thải thấp là gì?", "Còn lộ trình thực hiện thì sao?",
      "the con tieu chi xac dinh thi sao"],
     "Tổ chức vùng phát thải thấp: tieu chi xac dinh nhu the nao?", "ellipsis"),
    (["Thủ tục đăng ký khai tử ở đâu?", "Còn thời hạn thì sao?", "Nếu quá hạn thì sao?"],
     "Thủ tục đăng ký khai tử: nếu quá hạn thì thời hạn là bao lâu?", "condition"),
    # words that only repeat the earlier subject do not make a new one
    (["Đăng ký khai tử ở đâu?", "Thế thời hạn đăng ký là bao lâu?"],
     "Đăng ký khai tử: thời hạn đăng ký là bao lâu?", "ellipsis"),
    (["Thời hiệu xử lý kỷ luật cán bộ, công chức theo Nghị định 172/2025/NĐ-CP là bao lâu?",
      "Còn thời hạn xử lý kỷ luật thì sao?"],
     "Xử lý kỷ luật cán bộ, công chức theo Nghị định 172/2025/NĐ-CP: thời hạn xử lý kỷ luật là bao lâu?", "ellipsis"),
    (["Thời hạn đăng ký khai sinh là bao lâu?", "Còn khai tử thì sao?"],
     "Thời hạn đăng ký khai tử là bao lâu?", "new_subject"),
    # a question of its own after a marker: the marker dropped, nothing substituted
    (["Thủ tục đăng ký khai tử ở đâu?", "Còn thủ tục đăng ký kết hôn thì nộp ở đâu?"],
     "Thủ tục đăng ký kết hôn thì nộp ở đâu?", "own_subject"),
]

# Not follow-ups: returned exactly as asked.
STANDALONE = [
    ("Biểu tượng của Thủ đô là gì?", "Luật Thủ đô có bao nhiêu điều?"),
    ("Thế nào là cán bộ?", "Thế nào là công chức?"),
    ("Thủ tục đăng ký khai tử ở đâu?", "Điều 2 Luật Thủ đô quy định gì?"),
    ("Thủ tục đăng ký khai tử ở đâu?", "Công chức bị kỷ luật cảnh cáo có được nâng lương không?"),
    ("Thủ tục đăng ký khai tử ở đâu?", "Khai sinh cho trẻ em bị bỏ rơi làm ở đâu?"),
]


@pytest.mark.parametrize(("turns", "expected", "kind"), SEQUENCES, ids=[s[0][-1] for s in SEQUENCES])
def test_a_follow_up_keeps_its_ask_and_takes_the_earlier_subject(turns, expected, kind):
    r = resolve(turns[-1], turns[:-1])
    assert r.standalone == expected
    assert r.is_follow_up and r.kind == kind


@pytest.mark.parametrize(("previous", "question"), STANDALONE)
def test_a_question_that_is_not_a_follow_up_is_unchanged(previous, question):
    r = rewrite(question, previous)
    assert r.standalone == question and not r.is_follow_up and r.substituted == ()


def test_the_earlier_ask_does_not_come_back_with_a_new_ask():
    r = rewrite("Thế thời hạn giải quyết là bao lâu?", "Thủ tục cấp giấy phép xây dựng nộp ở đâu?")
    assert "nộp" not in r.standalone and "ở đâu" not in r.standalone
    assert r.subject == "Thủ tục cấp giấy phép xây dựng" and r.kept_ask == "thời hạn giải quyết là bao lâu"


def test_what_was_substituted_is_reported():
    r = rewrite("Văn bản đó quy định vùng phát thải thấp ở đâu?", "Nghị quyết 57/2025/NQ-HĐND áp dụng từ khi nào?")
    assert r.substituted == (("Văn bản đó", "Nghị quyết 57/2025/NQ-HĐND"),)
    r = rewrite("Còn Luật Hộ tịch thì sao?", "Luật Tiếp cận thông tin 2026 có hiệu lực từ ngày nào?")
    assert r.substituted == (("Luật Tiếp cận thông tin 2026", "Luật Hộ tịch"),) and r.kept_ask


def test_without_history_or_with_an_empty_question_nothing_changes():
    assert rewrite("còn thời hạn thì sao?", "") == rewrite("còn thời hạn thì sao?", "   ")
    assert not rewrite("còn thời hạn thì sao?", "").is_follow_up
    assert resolve("Thủ tục đăng ký khai tử ở đâu?", []).standalone == "Thủ tục đăng ký khai tử ở đâu?"
