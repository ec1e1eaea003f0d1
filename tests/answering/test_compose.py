"""The extractive answer on hand-made retrieval results: the asked fact first, exceptions first, honest
declines. No corpus and no model: a tiny empty index gives the term statistics."""

from __future__ import annotations

import pytest

from assistant.answering.extractive import ExtractiveComposer
from assistant.index.store import Index
from assistant.retrieval.references import parse_reference
from assistant.retrieval.search import ArticleHit, SearchResult
from assistant.retrieval.validity import IN_FORCE, Validity
from assistant.settings import Settings


@pytest.fixture(scope="module")
def composer(tmp_path_factory) -> ExtractiveComposer:
    settings = Settings(data_dir=tmp_path_factory.mktemp("compose"))
    return ExtractiveComposer(Index(settings), settings)


def hit(number: str, title: str, clauses: list[tuple[str | None, str]], *, doc: str = "luat-a", kind: str = "dieu",
        score: float = 1.0) -> ArticleHit:
    head = f"Điều {number}. {title}" if kind == "dieu" else f"{number}. {title}"
    text = "\n".join([head, *(t for _, t in clauses)])
    return ArticleHit(
        doc_id=doc, doc_number="10/2025/QH15", doc_title="Luật Thủ tục mẫu", doc_type="Luật", issuer="Quốc hội",
        article_id=f"{doc}:{kind}-{number}", article_key=f"{kind}-{number}", article_number=number, kind=kind,
        part="", title=title, heading_path=[], score=score, lexical_score=1.0, dense_score=0.0,
        chunk_id=f"{doc}:{kind}-{number}:0", text=text, clauses=[n for n, _ in clauses if n],
        validity=Validity(IN_FORCE), article_text=text,
        article_clauses=[{"number": n, "text": t, "points": []} for n, t in clauses],
    )


def result(question: str, *hits: ArticleHit) -> SearchResult:
    return SearchResult(question, list(hits), parse_reference(question), [], coverage=1.0, dense_used=False)


PROCEDURE = hit("5", "Giải quyết hồ sơ", [
    ("1", "1. Hồ sơ gồm đơn đề nghị theo mẫu và bản sao giấy tờ tùy thân của người đề nghị."),
    ("2", "2. Người đề nghị nộp hồ sơ trực tiếp tại Bộ phận Một cửa của Ủy ban nhân dân cấp xã hoặc qua dịch vụ "
          "bưu chính."),
    ("3", "3. Thời hạn giải quyết là 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ."),
    ("4", "4. Chủ tịch Ủy ban nhân dân cấp xã quyết định cấp giấy xác nhận cho người đề nghị."),
])


@pytest.mark.parametrize(("question", "lead", "clause"), [
    ("Thời hạn giải quyết hồ sơ đề nghị là bao lâu?",
     "Thời hạn: Thời hạn giải quyết là 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ [1]", "3"),
    ("Nộp hồ sơ đề nghị ở đâu?", "Nơi nộp: Người đề nghị nộp hồ sơ trực tiếp tại Bộ phận Một cửa", "2"),
    ("Ai quyết định cấp giấy xác nhận cho người đề nghị?",
     "Cơ quan có thẩm quyền: Chủ tịch Ủy ban nhân dân cấp xã quyết định cấp giấy xác nhận", "4"),
    ("ho so de nghi gom nhung gi", "Hồ sơ: Hồ sơ gồm đơn đề nghị theo mẫu", "1"),
])
def test_the_fact_sentence_opens_the_answer_and_is_cited_first(composer, question, lead, clause) -> None:
    c = composer.compose(question, result(question, PROCEDURE))
    assert not c.declined
    assert c.text.startswith(lead), c.text
    assert c.citations[0].clause == clause
    assert len(c.text.split("\n", 1)[0]) <= 300
    # every quote is verbatim in its article
    assert all(cit.quote in PROCEDURE.article_text for cit in c.citations)


def test_an_excluding_clause_is_stated_before_the_rule(composer) -> None:
    art = hit("12", "Bổ nhiệm", [
        ("1", "1. Công chức được xem xét bổ nhiệm vào vị trí lãnh đạo khi đáp ứng đủ tiêu chuẩn, điều kiện."),
        ("2", "2. Không bổ nhiệm công chức đang trong thời gian bị kỷ luật, trừ trường hợp được Thủ tướng cho phép."),
    ])
    q = "Công chức đang bị kỷ luật có được bổ nhiệm không?"
    c = composer.compose(q, result(q, art))
    first = c.text.split("\n", 1)[0]
    assert "trừ trường hợp" in first or "Không bổ nhiệm" in first, c.text
    assert c.citations[0].clause == "2"


def test_a_referral_to_another_text_is_declined_naming_it(composer) -> None:
    art = hit("20", "Lệ phí", [(None, "Lệ phí cấp giấy xác nhận thực hiện theo quy định của pháp luật về phí và "
                                    "lệ phí.")])
    q = "Lệ phí cấp giấy xác nhận là bao nhiêu tiền?"
    c = composer.compose(q, result(q, art))
    assert c.declined and c.reason == "referred"
    assert "pháp luật về phí và lệ phí" in c.text and not c.citations


def test_a_body_that_no_passage_names_is_declined(composer) -> None:
    art = hit("3", "Nguyên tắc", [(None, "Việc cấp giấy xác nhận bảo đảm công khai, minh bạch, đúng thời hạn.")])
    q = "Cơ quan nào cấp giấy xác nhận?"
    c = composer.compose(q, result(q, art))
    assert c.declined and c.reason == "no_fact"


def test_quotes_are_grouped_under_their_document(composer) -> None:
    q = "Thời hạn giải quyết hồ sơ đề nghị là bao lâu?"
    c = composer.compose(q, result(q, PROCEDURE))
    lines = c.text.split("\n")
    assert lines[1] == "Căn cứ:" and lines[2] == "Luật Thủ tục mẫu số 10/2025/QH15:"
    assert lines[3].startswith("- Khoản 3 Điều 5: “Thời hạn giải quyết")
