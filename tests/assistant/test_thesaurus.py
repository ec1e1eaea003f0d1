"""Everyday words reach the legal terms of the texts."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.index.store import Index
from assistant.retrieval.search import Retriever
from assistant.retrieval.thesaurus import Thesaurus, load_thesaurus, read_entries


def test_everyday_words_bring_their_legal_terms():
    t = Thesaurus()
    assert t.legal_terms("Bị đuổi việc thì bao lâu được dự tuyển lại?") == ["buộc thôi việc"]
    assert set(t.legal_terms("Người lớn tuổi nộp hồ sơ trên mạng được gì?")) == {"người cao tuổi", "trực tuyến"}
    assert t.expand("Nghỉ đẻ mấy tháng?") == "Nghỉ đẻ mấy tháng? nghỉ thai sản"


def test_plain_questions_match_folded_and_accents_are_respected():
    t = Thesaurus()
    assert t.legal_terms("bi duoi viec thi sao") == ["buộc thôi việc"]
    # Typed with accents, only the same accents match: "chất cây" is not "chặt cây".
    assert t.legal_terms("Chất cây trồng trong chậu là gì?") == []
    assert t.legal_terms("Muốn chặt cây trên phố xin phép ai?") == ["chặt hạ cây xanh"]


def test_a_term_the_question_already_has_is_not_added():
    assert Thesaurus([("tàn tật", "khuyết tật")]).legal_terms("người tàn tật, khuyết tật") == []


def test_operator_file_extends_the_list(tmp_path):
    f = tmp_path / "thesaurus.tsv"
    f.write_text("# local words\nsổ đỏ\tgiấy chứng nhận quyền sử dụng đất\n\n", encoding="utf-8")
    t = load_thesaurus(f)
    assert t.legal_terms("Làm sổ đỏ ở đâu?") == ["giấy chứng nhận quyền sử dụng đất"]
    assert t.legal_terms("Bị đuổi việc?") == ["buộc thôi việc"]  # the built-in list still applies


def test_a_malformed_line_names_the_file_and_line(tmp_path):
    f = tmp_path / "bad.tsv"
    f.write_text("sổ đỏ\tgiấy chứng nhận\nchỉ một cột\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:2"):
        read_entries(f)


def test_an_everyday_question_finds_the_article_in_legal_words(hanoi_settings):
    question = "Công chức đi làm tạm ở cơ quan khác tối đa bao lâu?"
    wanted = {"nghi-dinh-170-2025-ND-CP:dieu-26", "nghi-dinh-170-2025-ND-CP:dieu-27"}  # biệt phái

    def top3(thesaurus: bool) -> set[str]:
        settings = hanoi_settings.model_copy(update={"thesaurus": thesaurus})
        retriever = Retriever(Index(settings), settings, today=lambda: date(2026, 11, 29))
        return {h.article_id for h in retriever.search(question, k=5).hits[:3]}

    assert wanted & top3(True)
    assert not wanted & top3(False)


def test_an_unreadable_operator_file_is_logged_and_left_out(tmp_path, caplog):
    f = tmp_path / "broken.tsv"
    f.write_text("chỉ một cột\n", encoding="utf-8")
    t = load_thesaurus(f)
    assert t.legal_terms("Bị đuổi việc?") == ["buộc thôi việc"]  # searches go on with the built-in list
    assert "broken.tsv:1" in caplog.text
    assert load_thesaurus(tmp_path / "missing.tsv").legal_terms("nghỉ đẻ") == ["nghỉ thai sản"]
