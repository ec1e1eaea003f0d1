from __future__ import annotations

from assistant.retrieval.references import expand_abbreviations, parse_reference


def test_article_clause_point_and_full_number():
    r = parse_reference("Điểm a khoản 2 Điều 15 Nghị định 172/2025/NĐ-CP quy định gì?")
    assert r.articles == ["15"] and r.clauses == ["2"] and r.points == ["a"]
    assert [(d.number, d.year, d.suffix, d.doc_type) for d in r.docs] == [(172, 2025, "nd-cp", "Nghị định")]


def test_number_spellings():
    for q in ("NQ 83", "nghị quyết số 83 năm 2025", "83/2025/NQ-HĐND", "Nghị quyết 83/2025", "nq83"):
        r = parse_reference(q)
        assert r.docs and r.docs[0].number == 83, q
        assert r.docs[0].doc_type == "Nghị quyết", q
    assert parse_reference("nghị quyết số 83 năm 2025").docs[0].year == 2025
    assert parse_reference("QĐ 1594/QĐ-TTPVHCC").docs[0].suffix == "qd-ttpvhcc"
    assert parse_reference("Kế hoạch 308/KH-UBND").docs[0].number == 308


def test_without_diacritics_and_years_are_not_numbers():
    r = parse_reference("dieu 7 luat thu do")
    assert r.articles == ["7"] and r.docs == []
    r = parse_reference("Luật Tiếp cận thông tin 2016 Điều 5")
    assert r.articles == ["5"] and r.years == [2016] and r.docs == []
    assert parse_reference("Điều kiện được cấp phép là gì?").articles == []


def test_abbreviations_are_expanded_as_whole_words():
    assert expand_abbreviations("Luật CBCC quy định gì về TTHC") == (
        "Luật cán bộ, công chức quy định gì về thủ tục hành chính"
    )
    assert expand_abbreviations("Nghị định 172/2025/NĐ-CP") == "Nghị định 172/2025/NĐ-CP"


def test_references_are_stripped_for_content_matching():
    from assistant.retrieval.references import strip_references

    assert strip_references("khoản 2 Điều 15 Nghị định 172/2025/NĐ-CP quy định gì") == "Nghị định quy định gì"
    assert strip_references("Điều kiện cấp phép") == "Điều kiện cấp phép"  # not a reference
    assert strip_references("Nghị định 999/2030/NĐ-CP biểu tượng", documents=True) == "biểu tượng"
    assert strip_references("NQ 47/2024/NQ-HĐND còn hiệu lực?", documents=True, numbers=False) == (
        "47/2024/NQ-HĐND còn hiệu lực?"
    )
    assert strip_references("Điều 7") == "Điều 7"  # nothing left: keep the question


def test_ky_luat_and_phap_luat_do_not_name_a_law():
    from datetime import date

    from assistant.retrieval.references import CatalogueEntry, resolve

    law = CatalogueEntry("luat-cbcc", "80/2025/QH15", "Luật", "Luật Cán bộ, công chức", date(2025, 6, 24))
    for q in ("Xử lý kỷ luật cán bộ, công chức theo quy định nào?",
              "Theo pháp luật cán bộ, công chức thì ai được tuyển dụng?"):
        assert resolve(q, parse_reference(q), [law]) == [], q
    q = "Luật Cán bộ, công chức quy định gì về kỷ luật?"
    assert resolve(q, parse_reference(q), [law]) == ["luat-cbcc"]
