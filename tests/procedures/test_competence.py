"""Competence records: rules of legal drafting over real and written articles."""

from __future__ import annotations

from ingest.legal import parse_structure
from ingest.loaders import load_file
from ingest.procedures.competence import find_competences
from ingest.procedures.source import SectionMap


def competences(text: str, doc_id: str = "t"):
    articles = parse_structure(text).articles
    return find_competences(doc_id, articles, text, SectionMap(articles, text))


def test_phan_cap_decision_74(hanoi_dir):
    path = hanoi_dir / "quyet-dinh-74-2025-QD-UBND-HN.txt"
    text = load_file(path).text
    records = competences(text, path.stem)
    permits = {r.body: r for r in records if r.task.startswith("cấp giấy phép xây dựng")
               or r.task.startswith("cấp Giấy phép xây dựng")}
    assert set(permits) == {"UBND cấp xã", "Sở Xây dựng",
                            "Ban Quản lý các khu công nghệ cao và khu công nghiệp thành phố Hà Nội"}
    r = permits["UBND cấp xã"]
    assert r.delegated_from == "Ủy ban nhân dân thành phố Hà Nội" and r.rule == "phan_cap"
    assert r.span.article_key == "dieu-4"  # Điều 4 of the regulation: Cấp phép xây dựng
    assert "công trình cấp III trở xuống" in text[r.span.start:r.span.end]
    # "3. Sở Xây dựng" over "a) Cấp phép đào lòng đường …": the điểm's action belongs to the khoản's body
    digging = {r.body for r in records if r.task.startswith("Cấp phép đào lòng đường")}
    assert digging == {"UBND cấp xã", "Sở Xây dựng",
                       "Ban Quản lý các khu công nghệ cao và khu công nghiệp thành phố Hà Nội"}
    decides = [r for r in records if r.rule == "quyet_dinh" and r.body == "Chủ tịch UBND Thành phố"]
    assert decides and decides[0].task.startswith("quyết định đầu tư")


DOC = """QUYẾT ĐỊNH
Điều 1. Thẩm quyền
1. Việc cấp giấy phép khai thác nước dưới đất thuộc thẩm quyền của Chủ tịch Ủy ban nhân dân cấp tỉnh.
2. Chủ tịch Ủy ban nhân dân cấp xã có thẩm quyền phạt cảnh cáo đối với hành vi vi phạm.
3. Hội đồng nhân dân Thành phố quyết định chính sách hỗ trợ người có công.
4. Ủy ban nhân dân Thành phố giao Sở Tài chính chủ trì thẩm định giá đất cụ thể.
5. Hồ sơ được gửi cơ quan có thẩm quyền quyết định trong thời hạn 05 ngày.
6. Ủy quyền cho Giám đốc Sở Nội vụ, cơ quan chuyên môn, tổ chức hành chính khác thực hiện việc bổ nhiệm lại.
7. Trước khi Thủ tướng Chính phủ quyết định thì phải lấy ý kiến các bộ.
Điều 2. Tổ chức thực hiện
Sở Nội vụ tổng hợp báo cáo kết quả thực hiện.
"""


def test_rules_of_legal_language():
    records = {(r.rule, r.body): r for r in competences(DOC)}
    assert records[("tham_quyen_cua", "Chủ tịch Ủy ban nhân dân cấp tỉnh")].task == \
        "Việc cấp giấy phép khai thác nước dưới đất"
    assert records[("co_tham_quyen", "Chủ tịch Ủy ban nhân dân cấp xã")].task.startswith("phạt cảnh cáo")
    assert records[("quyet_dinh", "Hội đồng nhân dân Thành phố")].task.startswith("quyết định chính sách hỗ trợ")
    given = records[("giao", "Sở Tài chính")]
    assert given.delegated_from == "Ủy ban nhân dân Thành phố" and given.task.startswith("chủ trì thẩm định giá đất")
    # a list of bodies after "ủy quyền cho": the task starts at its verb, not at "tổ chức hành chính"
    assert records[("uy_quyen", "Giám đốc Sở Nội vụ")].task == "thực hiện việc bổ nhiệm lại"
    # "cơ quan có thẩm quyền" names nobody; "trước khi X quyết định thì" is a condition; a text that
    # delegates nothing assigns nothing by its subjects ("Sở Nội vụ tổng hợp …")
    assert {body for _, body in records} == {"Chủ tịch Ủy ban nhân dân cấp tỉnh", "Chủ tịch Ủy ban nhân dân cấp xã",
                                             "Hội đồng nhân dân Thành phố", "Sở Tài chính", "Giám đốc Sở Nội vụ"}


def test_delegator_is_the_issuing_body_not_its_parent(hanoi_dir):
    """The header "UBND THÀNH PHỐ HÀ NỘI / TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG": the Trung tâm issues the decision."""
    from ingest.procedures.text import fold

    text = load_file(hanoi_dir / "quyet-dinh-1594-QD-TTPVHCC-HN.txt").text
    given = [r for r in competences(text) if r.rule == "giao"]
    assert [r.body for r in given] == ["Sở Dân tộc và Tôn giáo Thành phố"]
    assert fold(given[0].delegated_from) == "trung tam phuc vu hanh chinh cong"
    assert not [r for r in competences(text) if r.task.isupper()]  # ALL-CAPS list titles assign nothing
