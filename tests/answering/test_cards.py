"""Procedure questions answered from the card's field first, on the real QĐ 1594 (SQL only, no vectors)."""

from __future__ import annotations

import shutil

import pytest

from assistant.answering.extractive import Composition
from assistant.answering.service import AnswerService
from assistant.index.store import Index
from assistant.retrieval.asked import AnswerType
from assistant.retrieval.search import Retriever, SearchFilters
from assistant.settings import Settings
from ingest.pipeline import collect_files, ingest_files

DOC = "quyet-dinh-1594-QD-TTPVHCC-HN"
NAME = "thủ tục đề nghị thay đổi trụ sở của tổ chức tôn giáo, tổ chức tôn giáo trực thuộc"


@pytest.fixture(scope="module")
def service(tmp_path_factory, hanoi_dir) -> AnswerService:
    root = tmp_path_factory.mktemp("cards")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(hanoi_dir / f"{DOC}.txt", corpus)
    settings = Settings(data_dir=root / "data")
    index = Index(settings)
    assert not any(r.failed for r in ingest_files(collect_files([corpus]), index, settings))
    return AnswerService(index, settings, Retriever(index, settings))


def declined(atype: AnswerType) -> Composition:
    return Composition("Không tìm thấy căn cứ …", [], True, "no_fact", answer_type=atype)


@pytest.mark.parametrize(("question", "atype", "expected"), [
    (f"Thời hạn giải quyết {NAME} là bao lâu?", AnswerType.DURATION, "Thời hạn ("),
    (f"Nộp hồ sơ {NAME} ở đâu?", AnswerType.PLACE, "Nơi nộp ("),
    (f"Hồ sơ {NAME} gồm những gì?", AnswerType.DOSSIER, "Hồ sơ ("),
    (f"Phí, lệ phí {NAME} là bao nhiêu?", AnswerType.AMOUNT, "Mức ("),
    (f"Cơ quan nào giải quyết {NAME}?", AnswerType.AUTHORITY, "Cơ quan có thẩm quyền ("),
])
def test_a_missing_fact_is_answered_from_the_card(service, question, atype, expected) -> None:
    comp = service._card_first(declined(atype), question, None)
    assert not comp.declined and comp.text.startswith(expected) and comp.procedure_code == "1.012644"
    cit = comp.citations[0]
    assert cit.n == 1 and cit.doc_id == DOC and cit.article_key.startswith("phu-luc:")
    article = next(a for a in service.index.get_articles(DOC) if a.key == cit.article_key)
    assert cit.quote in " ".join(article.text.split())  # verbatim in the cited section


def test_the_card_line_comes_first_and_other_citations_move_down(service) -> None:
    q = f"Thời hạn giải quyết {NAME} là bao lâu?"
    base = service.composer.compose(q, service.retriever.search(q, k=5, mode="lexical"))
    comp = service._card_first(base, q, None)
    assert comp.text.split("\n", 1)[0].endswith("[1]") and "30 ngày" in comp.text.split("\n", 1)[0]
    assert [c.n for c in comp.citations] == list(range(1, len(comp.citations) + 1))


def test_no_card_for_a_caller_who_may_not_read_it_nor_for_another_procedure(service) -> None:
    q = f"Thời hạn giải quyết {NAME} là bao lâu?"
    assert service._card_first(declined(AnswerType.DURATION), q, SearchFilters(access=["internal"])).declined
    other = "Thời hạn giải quyết thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ là bao lâu?"
    assert service._card_first(declined(AnswerType.DURATION), other, None).declined
