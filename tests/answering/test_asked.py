"""What a question asks for, and whether a passage states it."""

import pytest

from assistant.retrieval.asked import Asked, asked_kind, states


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Cố ý báo cháy giả bị phạt bao nhiêu tiền?", Asked.MONEY),
        ("Lệ phí đăng ký kết hôn là bao nhiêu tiền?", Asked.MONEY),  # "hôn" is not "hơn"
        ("Ô tô vi phạm nồng độ cồn bị phạt bao nhiêu?", Asked.MONEY),
        ("Thuê chuyên gia tối đa bao nhiêu một tháng?", Asked.AMOUNT),
        ("thu nhap toi da bao nhieu thi duoc mua nha o xa hoi", Asked.AMOUNT),
        # "phát thải" folds like "phạt": not a fine
        ("Dự thảo đề án vùng phát thải thấp phải niêm yết tối thiểu bao nhiêu ngày?", Asked.DURATION),
        ("Tuổi nghỉ hưu của nữ là bao nhiêu tuổi?", Asked.AGE),
        # alternatives offered by the asker still ask for the quantity
        ("Thuế suất thuế giá trị gia tăng là 8% hay 10%?", Asked.PERCENT),
        ("Thời hạn khai tử là 15 ngày hay 30 ngày?", Asked.DURATION),
        # Diacritics tell apart what folding would merge: "tài khoản" is not "khoán", "số lượng" not "lương".
        ("Mật khẩu tài khoản máy chủ phải thay đổi sau bao nhiêu ngày?", Asked.DURATION),
        ("Số lượng thành viên hội đồng tối đa là bao nhiêu?", Asked.NUMBER),
        ("Mức khoán công tác phí hằng tháng là bao nhiêu?", Asked.AMOUNT),
        ("muc khoan cong tac phi hang thang la bao nhieu", Asked.AMOUNT),
        ("Công ty bị phạt nặng hơn cá nhân bao nhiêu?", Asked.NUMBER),
        ("Chi phí nghiên cứu được tính vào chi phí được trừ bao nhiêu %?", Asked.PERCENT),
        ("Phụ cấp công vụ là bao nhiêu phần trăm?", Asked.PERCENT),
        ("Khai tử trong bao nhiêu ngày?", Asked.DURATION),
        ("Cơ quan phải trả lời trong bao lâu?", Asked.DURATION),
        ("Chính quyền xã mới hoạt động từ ngày nào?", Asked.DATE),
        ("Luật này áp dụng từ khi nào?", Asked.DATE),
        ("Cấm xe máy từ mấy giờ đến mấy giờ?", Asked.TIME_OF_DAY),
        ("Tốc độ tối đa trong khu dân cư là bao nhiêu km/h?", Asked.SPEED),
        ("Người hoàn thành nghĩa vụ quân sự được cộng mấy điểm?", Asked.POINTS),
        ("Mức phạt cao hơn mức chung tối đa mấy lần?", Asked.NUMBER),
        ("Yêu cầu dân sửa hồ sơ mấy lần?", Asked.NUMBER),
        # Not a quantity: a condition, a procedure, a definition.
        ("Công chức đi học thạc sĩ khi nào phải đền bù?", None),
        ("Thủ tục cấp hộ chiếu gồm những bước nào?", None),
        ("Luật Thủ đô quy định gì về chính quyền đô thị?", None),
    ],
)
def test_asked_kind(question: str, kind: Asked | None) -> None:
    assert asked_kind(question) == kind


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (Asked.MONEY, "Phạt tiền từ 10.000.000 đồng đến 15.000.000 đồng", True),
        (Asked.MONEY, "mức chi tối đa 30 triệu đồng/tháng", True),
        (Asked.MONEY, "hưởng phụ cấp bằng 50% mức lương cơ sở", False),
        (Asked.MONEY, "Chính phủ quy định mức lương cơ sở.", False),
        (Asked.MONEY, "giữa công dân Việt Nam đồng thời có quốc tịch nước ngoài", False),
        (Asked.MONEY, "thưởng năm triệu đồng", True),
        (Asked.MONEY, "thưởng hai triệu đồng", True),
        (Asked.AMOUNT, "hưởng phụ cấp bằng 50% mức lương cơ sở", True),
        (Asked.AMOUNT, "mức hỗ trợ bằng 2 lần mức lương cơ sở", True),
        (Asked.AMOUNT, "mức hỗ trợ do Hội đồng nhân dân quyết định", False),
        (Asked.PERCENT, "được trừ thêm 100% chi phí thực tế", True),
        (Asked.PERCENT, "phụ cấp công vụ theo quy định của Chính phủ", False),
        (Asked.DURATION, "trong thời hạn 05 ngày làm việc", True),
        (Asked.DURATION, "trong thời hạn mười lăm ngày", True),
        (Asked.DURATION, "kể từ ngày ký ban hành", False),
        (Asked.DURATION, "sau ngày được bổ nhiệm", False),
        (Asked.DURATION, "đang nuôi con dưới 36 tháng tuổi", False),
        (Asked.DURATION, "có hiệu lực từ ngày 15 tháng 7 năm 2026", False),
        (Asked.DURATION, "nghỉ 6 tháng trước ngày 01 tháng 7 năm 2026", True),
        (Asked.AGE, "đang nuôi con dưới 36 tháng tuổi", True),
        (Asked.DATE, "báo cáo trước ngày 20 hằng tháng", True),
        (Asked.DATE, "có hiệu lực từ ngày 01 tháng 7 năm 2026", True),
        (Asked.DATE, "hoạt động từ ngày 1/7/2025", True),
        (Asked.DATE, "Ủy ban nhân dân cấp xã thực hiện", False),
        (Asked.TIME_OF_DAY, "từ 6 giờ đến 9 giờ và từ 16 giờ đến 19 giờ", True),
        (Asked.TIME_OF_DAY, "theo khung giờ do Ủy ban nhân dân Thành phố quyết định", False),
        (Asked.SPEED, "không quá 50 km/h", True),
        (Asked.SPEED, "tốc độ phù hợp", False),
        (Asked.POINTS, "được cộng 2,5 điểm vào kết quả vòng 2", True),
        (Asked.POINTS, "có quyền ưu tiên khi thi tuyển", False),
    ],
)
def test_states(kind: Asked, text: str, expected: bool) -> None:
    assert states(kind, text) is expected
