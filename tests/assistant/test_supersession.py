"""What indexed texts say about other documents' force (issue 18, item 6), on hand-made sentences."""

from __future__ import annotations

from datetime import date

from assistant.retrieval.supersession import ClaimKind, HeldDoc, likely_successors, statements
from assistant.retrieval.validity import (
    EXPIRED,
    IN_FORCE,
    LIKELY_EXPIRED,
    RESTRICTED,
    compute_validity,
    number_key,
)

OLD = HeldDoc("nd-61", "61/2018/NĐ-CP", "Nghị định", "Nghị định về thực hiện cơ chế một cửa, một cửa liên thông "
              "trong giải quyết TTHC", date(2018, 4, 23), date(2018, 6, 21))
QD = HeldDoc("qd-1736", "1736/QĐ-UBND", "Quyết định", "Về quy chế tiếp nhận hồ sơ", date(2020, 4, 27), None)
OTHER = HeldDoc("qd-9", "09/2015/QĐ-TTg", "Quyết định", "Quy chế một cửa ở địa phương", date(2015, 3, 25), None)
CITING = HeldDoc("qd-5", "5/QĐ-PUB", "Quyết định", "Về danh mục văn bản", date(2025, 12, 2), date(2025, 12, 2))
HELD = {number_key(d.number): d for d in (OLD, QD, OTHER, CITING)}


def claims(text: str, doc: HeldDoc = CITING) -> list[tuple[str, ClaimKind, str | None]]:
    return [(c.target, c.kind, c.by_label or c.by_number) for c in statements(doc, [("a:dieu-1", text)], HELD)]


def test_replaced_by_a_text_not_held():
    assert claims("Quyết định số 1736/QĐ-UBND đã được thay thế bởi Quyết định số 2001/QĐ-UBND.") == [
        ("qd-1736", ClaimKind.STATED, "Quyết định 2001/QĐ-UBND")]


def test_amended_by():
    assert claims("Nghị định số 61/2018/NĐ-CP được sửa đổi, bổ sung bởi Nghị định số 107/2021/NĐ-CP.") == [
        ("nd-61", ClaimKind.AMENDED, "Nghị định 107/2021/NĐ-CP")]


def test_this_text_ends_it():
    assert claims("Nghị định số 61/2018/NĐ-CP hết hiệu lực kể từ ngày Quyết định này có hiệu lực thi hành.") == [
        ("nd-61", ClaimKind.REPLACED, "5/QĐ-PUB")]
    assert claims("Quyết định này bãi bỏ toàn bộ Quyết định số 1736/QĐ-UBND ngày 27/4/2020.") == [
        ("qd-1736", ClaimKind.REPLACED, "5/QĐ-PUB")]
    assert claims("Nghị định số 61/2018/NĐ-CP hết hiệu lực.") == [("nd-61", ClaimKind.STATED, None)]


def test_what_does_not_end_it():
    assert claims("Bãi bỏ Điều 5 của Quyết định số 1736/QĐ-UBND.") == []  # one article only
    # 61/2018 is the subject: it replaces 09/2015, it is not replaced.
    assert claims("Nghị định số 61/2018/NĐ-CP thay thế Quyết định số 09/2015/QĐ-TTg.") == []
    assert claims("Thực hiện theo Nghị định số 61/2018/NĐ-CP về một cửa.") == []
    assert claims("Quyết định số 5/QĐ-PUB đã được thay thế bởi Quyết định số 9/QĐ-PUB.") == []  # itself


def test_codification_notes_name_amendments():
    got = claims("[Ghi chú (Bộ pháp điển): có nội dung được sửa đổi bởi Điều 1 Nghị định số 92/2017/NĐ-CP có "
                 "hiệu lực thi hành kể từ ngày 25/09/2017]", doc=OLD)
    assert got == [("nd-61", ClaimKind.AMENDED, "Nghị định 92/2017/NĐ-CP")]


PREAMBLE = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16/6/2025;\n"
            "Căn cứ Nghị định số 118/2025/NĐ-CP của Chính phủ về thực hiện thủ tục hành chính theo cơ chế một cửa, "
            "một cửa liên thông tại Bộ phận một cửa và cổng Dịch vụ công quốc gia;")


def test_a_newer_text_on_the_same_matter_cited_as_legal_basis():
    got = likely_successors(CITING, PREAMBLE, [OLD, QD, CITING])
    assert [(c.target, c.kind, c.by_label, c.article) for c in got] == [
        ("nd-61", ClaimKind.LIKELY, "Nghị định 118/2025/NĐ-CP", None)]
    # Not when the text also cites the old one, nor for an amending text, nor from an older text.
    assert likely_successors(CITING, PREAMBLE + "\nCăn cứ Nghị định số 61/2018/NĐ-CP;", [OLD]) == []
    amending = PREAMBLE.replace("của Chính phủ về thực hiện", "của Chính phủ sửa đổi, bổ sung Nghị định về thực hiện")
    assert likely_successors(CITING, amending, [OLD]) == []
    older = HeldDoc("qd-x", "1/QĐ-X", "Quyết định", "x", date(2017, 1, 1), None)
    assert likely_successors(older, PREAMBLE, [OLD]) == []
    other_matter = PREAMBLE.replace("thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa liên thông",
                                    "quản lý thuế")
    assert likely_successors(CITING, other_matter, [OLD]) == []


def test_validity_from_claims_the_caller_may_read_or_not():
    today = date(2026, 12, 4)
    [likely] = likely_successors(CITING, PREAMBLE, [OLD])
    v = compute_validity(OLD.effective, None, today, [likely], name=lambda d: f"<{d}>")
    assert (v.status, v.successor, v.successor_held, v.since) == (LIKELY_EXPIRED, "Nghị định 118/2025/NĐ-CP", False,
                                                                 None)
    assert [(e.doc_id, e.name) for e in v.evidence] == [("qd-5", "<qd-5>")]
    # The same claim from a text the caller cannot read: nothing of it but that it exists.
    v = compute_validity(OLD.effective, None, today, [], hidden=True)
    assert (v.status, v.since, v.successor, v.replaced_by, v.evidence) == (RESTRICTED, None, None, None, ())
    assert "liên hệ quản trị" in v.note
    [replaced] = [c for c in statements(CITING, [("a:dieu-1", "Quyết định này bãi bỏ toàn bộ Quyết định số "
                                                               "1736/QĐ-UBND.")], HELD)]
    v = compute_validity(None, None, today, [replaced], name=lambda d: f"<{d}>")
    assert (v.status, v.since, v.replaced_by, v.successor) == (EXPIRED, date(2025, 12, 2), "qd-5", "<qd-5>")
    assert compute_validity(date(2020, 1, 1), None, today).status == IN_FORCE
