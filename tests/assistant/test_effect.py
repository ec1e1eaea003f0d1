"""Questions about a document's force find the effect articles (its own, or the repealing text's)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.index.store import Index
from assistant.retrieval.effect import (
    asks_effect,
    asks_transition,
    is_effect_article,
    mentions,
    number_form,
    says_repealed,
)
from assistant.retrieval.search import Retriever, SearchFilters
from tests.answering.conftest import fake_llm  # noqa: F401,F811 - the fake OpenAI server fixture

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("question,expected", [
    ("Nghị định 46/2010/NĐ-CP còn hiệu lực không?", True),
    ("nghi dinh 46/2010 con ap dung khong", True),
    ("Nghị quyết này bắt đầu áp dụng từ ngày nào?", True),
    ("Luật số 52/2019/QH14 đã bị bãi bỏ chưa?", True),
    ("Thời hạn giải quyết hồ sơ là bao nhiêu ngày?", False),
    ("Công chức được áp dụng hình thức kỷ luật nào?", False),
    # The validity of a decision the text is about, not of the text itself.
    ("Theo Nghị định 172/2025/NĐ-CP, quyết định kỷ luật có hiệu lực trong bao lâu?", False),
    ("Luật Thủ đô có hiệu lực chưa?", True),
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


def test_number_forms_tell_numbers_apart():
    nd = number_form(112, 2020, None, "Nghị định")
    assert nd.needle == "112/2020"
    assert mentions("bãi bỏ Nghị định số 112/2020/NĐ-CP ngày …", nd)
    assert not mentions("Nghị định số 12/2020/NĐ-CP", nd)
    assert not mentions("Nghị định số 112/2020/NĐ-CP", number_form(12, 2020, None, "Nghị định"))
    # The suffix: a council's resolution is not the Quốc hội's law of the same number.
    assert not mentions("Luật số 47/2024/QH15", number_form(47, 2024, "nq-hdnd", "Nghị quyết"))
    # A Nghị quyết may be the Quốc hội's: "…/QH15".
    assert mentions("Nghị quyết số 258/2025/QH15 của Quốc hội", number_form(258, 2025, None, "Nghị quyết"))
    # No year, but a suffix: "Quyết định 942/QĐ-TTg".
    qd = number_form(942, None, "qd-ttg", "Quyết định")
    assert qd.needle == "942/" and mentions("Quyết định số 942/QĐ-TTg ngày 15/6/2021", qd)
    assert not mentions("Quyết định số 1942/QĐ-TTg", qd)
    assert number_form(47, None, None, "Nghị quyết") is None  # a bare "47/" would match anything


def test_repealing_articles_are_told_from_mentions():
    assert says_repealed("Luật số 52/2019/QH14 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành.")
    assert says_repealed("Bãi bỏ các quy định liên quan về công chức cấp xã tại Nghị định số 33/2023/NĐ-CP")
    assert not says_repealed("Công chức được tuyển dụng theo Luật số 52/2019/QH14 được xếp vào ngạch …")


@pytest.fixture(scope="module")
def retriever(hanoi_settings):
    return Retriever(Index(hanoi_settings), hanoi_settings, today=lambda: TODAY)


@pytest.mark.parametrize("question,article", [
    # Not held: found through the article of NĐ 170/2025 that repeals it.
    ("Nghị định 46/2010/NĐ-CP về thôi việc, nghỉ hưu của công chức còn hiệu lực không?",
     "nghi-dinh-170-2025-ND-CP:dieu-71"),
    ("Luật số 52/2019/QH14 sửa đổi Luật Cán bộ, công chức còn áp dụng không?",
     "luat-can-bo-cong-chuc-80-2025-QH15:dieu-44"),
    # Cited by both the transitional and the effect article: the effect one first …
    ("Nghị định 116/2024 sửa đổi quy định tuyển dụng, sử dụng và quản lý công chức còn áp dụng không?",
     "nghi-dinh-170-2025-ND-CP:dieu-71"),
    # … unless the question is about cases begun under the old rules.
    ("Hồ sơ tuyển dụng nộp trước khi Nghị định 170/2025 có hiệu lực thì xử lý theo quy định chuyển tiếp nào?",
     "nghi-dinh-170-2025-ND-CP:dieu-70"),
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


@pytest.fixture(scope="module")
def answers(hanoi_settings, retriever):
    from assistant.answering.service import AnswerService

    return AnswerService(retriever.index, hanoi_settings, retriever)


def test_the_answer_states_the_named_documents_force(answers):
    a = answers.answer("Luật Tiếp cận thông tin năm 2016 hiện nay còn hiệu lực không?")
    assert not a.declined
    assert a.citations[0].doc_id == "luat-tiep-can-thong-tin-01-2026-QH16" and a.citations[0].article == "30"
    status = [n for n in a.notes if n.startswith("Tình trạng hiệu lực")]
    assert status == ["Tình trạng hiệu lực theo dữ liệu văn bản: Luật Tiếp cận thông tin số 104/2016/QH13 đã hết "
                      "hiệu lực từ ngày 01/09/2026; văn bản thay thế: Luật Tiếp cận thông tin số 01/2026/QH16."]
    assert status[0] in a.text
    # Said once: not again as the "Lưu ý: … đã hết hiệu lực" of a cited article.
    assert "Lưu ý: Luật Tiếp cận thông tin số 104/2016/QH13" not in a.text

    a = answers.answer("Nghị định 61/2018/NĐ-CP có hiệu lực thi hành từ ngày nào?")
    assert a.citations[0].article == "40" and "21 tháng 6 năm 2018" in a.citations[0].quote
    # Later texts of the collection cite Nghị định 118/2025/NĐ-CP (not held) on the same matter as their
    # legal basis: never a bare "đang còn hiệu lực" (issue 18, item 6).
    assert any("61/2018/NĐ-CP có thể đã được thay thế bởi Nghị định 118/2025/NĐ-CP — văn bản này chưa có trong "
               "hệ thống (theo căn cứ ban hành của" in n for n in a.notes), a.notes
    assert not any("61/2018/NĐ-CP đang còn hiệu lực" in n for n in a.notes)


def test_a_content_question_gets_no_status_line(answers):
    a = answers.answer("Nghị định 61/2018/NĐ-CP quy định bộ phận một cửa tiếp nhận hồ sơ thế nào?")
    assert not any(n.startswith("Tình trạng hiệu lực") for n in a.notes)


def test_the_llm_answer_keeps_the_status_line(hanoi_settings, retriever, fake_llm):  # noqa: F811
    from assistant.answering.llm import LLMAnswerer
    from assistant.answering.service import AnswerService

    fake_llm.mode = "good"  # answers from source [1] with a verbatim quote
    settings = hanoi_settings.model_copy(update={"llm_base_url": fake_llm.base_url, "llm_model": "fake"})
    service = AnswerService(retriever.index, settings, retriever, llm=LLMAnswerer(settings))
    a = service.answer("Nghị định 61/2018/NĐ-CP có hiệu lực thi hành từ ngày nào?")
    assert a.mode == "llm" and a.citations
    assert any(n.startswith("Tình trạng hiệu lực") and "61/2018/NĐ-CP có thể đã được thay thế bởi Nghị định "
               "118/2025/NĐ-CP" in n for n in a.notes), a.notes
    assert a.notes[0] in a.text
