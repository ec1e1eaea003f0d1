"""Questions about a document's force find the effect articles (its own, or the repealing text's)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.index.store import Index
from assistant.retrieval.effect import asks_effect, asks_transition, citation_form, is_effect_article, mentions
from assistant.retrieval.search import Retriever, SearchFilters

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("question,expected", [
    ("Nghị định 46/2010/NĐ-CP còn hiệu lực không?", True),
    ("nghi dinh 46/2010 con ap dung khong", True),
    ("Nghị quyết này bắt đầu áp dụng từ ngày nào?", True),
    ("Luật số 52/2019/QH14 đã bị bãi bỏ chưa?", True),
    ("Thời hạn giải quyết hồ sơ là bao nhiêu ngày?", False),
    ("Công chức được áp dụng hình thức kỷ luật nào?", False),
])
def test_asks_effect(question, expected):
    assert asks_effect(question) is expected


def test_asks_transition():
    assert asks_transition("Hồ sơ nộp trước ngày luật mới có hiệu lực thì theo luật cũ hay luật mới?")
    assert not asks_transition("Luật này có hiệu lực từ ngày nào?")


def test_effect_articles_by_title_or_opening():
    assert is_effect_article("Hiệu lực thi hành", "")
    assert is_effect_article("Điều khoản chuyển tiếp", "")
    assert not is_effect_article("Trách nhiệm thi hành", "… chịu trách nhiệm thi hành Nghị định này.")
    assert is_effect_article(None, "Quyết định này có hiệu lực kể từ ngày ký.")
    assert not is_effect_article(None, "Sở Nội vụ chủ trì, phối hợp với các sở, ngành.")


def test_citation_forms_tell_numbers_apart():
    assert citation_form(112, 2020, None, "Nghị định") == "112/2020/nd"
    assert citation_form(47, 2024, "nq-hdnd", "Nghị quyết") == "47/2024/nq-hdnd"
    assert citation_form(47, None, None, "Nghị quyết") is None  # a bare "47/" would match anything
    assert mentions("bãi bỏ Nghị định số 112/2020/NĐ-CP ngày …", "112/2020/nd")
    assert not mentions("Nghị định số 12/2020/NĐ-CP", "112/2020/nd")
    assert not mentions("Nghị định số 112/2020/NĐ-CP", "12/2020/nd")
    assert not mentions("Luật số 47/2024/QH15", "47/2024/nq-hdnd")


@pytest.fixture(scope="module")
def retriever(hanoi_settings):
    return Retriever(Index(hanoi_settings), hanoi_settings, today=lambda: TODAY)


@pytest.mark.parametrize("question,article", [
    # Not held: found through the article of NĐ 170/2025 that repeals it.
    ("Nghị định 46/2010/NĐ-CP về thôi việc, nghỉ hưu của công chức còn hiệu lực không?",
     "nghi-dinh-170-2025-ND-CP:dieu-71"),
    ("Luật số 52/2019/QH14 sửa đổi Luật Cán bộ, công chức còn áp dụng không?",
     "luat-can-bo-cong-chuc-80-2025-QH15:dieu-44"),
    # Held and in force: its own effect article.
    ("Nghị định 61/2018/NĐ-CP có hiệu lực thi hành từ ngày nào?", "nghi-dinh-61-2018-ND-CP:dieu-40"),
])
def test_effect_questions_rank_the_effect_article_first(retriever, question, article):
    result = retriever.search(question, k=5)
    assert result.hits[0].article_id == article, [h.article_id for h in result.hits]


def test_a_replaced_document_is_answered_by_its_successor_first(retriever):
    result = retriever.search("Luật Tiếp cận thông tin năm 2016 hiện nay còn hiệu lực không?", k=5)
    ids = [h.article_id for h in result.hits]
    assert ids[0] == "luat-tiep-can-thong-tin-01-2026-QH16:dieu-30", ids
    assert "luat-tiep-can-thong-tin-104-2016-QH13:dieu-37" in ids[:3]  # its own dates come next


def test_effect_articles_respect_the_callers_documents(retriever):
    question = "Nghị định 46/2010/NĐ-CP về thôi việc, nghỉ hưu của công chức còn hiệu lực không?"
    others = [d for d in retriever.doc_ids() if d != "nghi-dinh-170-2025-ND-CP"]
    result = retriever.search(question, k=5, filters=SearchFilters(doc_ids=others))
    assert all(h.doc_id != "nghi-dinh-170-2025-ND-CP" for h in result.hits)


def test_content_questions_are_unchanged(retriever):
    """Without a question about force, the effect article does not jump ahead."""
    result = retriever.search("Nghị định 61/2018/NĐ-CP quy định bộ phận một cửa tiếp nhận hồ sơ thế nào?", k=5)
    assert result.hits[0].article_id != "nghi-dinh-61-2018-ND-CP:dieu-40"
