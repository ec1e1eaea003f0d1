"""Names and labels as the API serves them, on real texts indexed with the corpus manifest (whose titles
carry catalogue notes): answers and citations use the official short name, and each citation carries the
label the widget shows."""

from __future__ import annotations

import httpx
import pytest

from assistant.api.app import create_app
from assistant.retrieval.naming import capitalised
from tests.api.conftest import live_server

NQ76 = "nghi-quyet-76-2025-NQ-HDND-HN"
QD74 = "quyet-dinh-74-2025-QD-UBND-HN"
NOTES = ("(incl.", "(k1", "k1 Điều", "TP Hà Nội", "số số", "CBCCVC", "của Quyết định ban hành")


@pytest.fixture(scope="module")
def api(small_hanoi):
    # labels are under test here, not authentication (tests/security)
    with live_server(create_app(small_hanoi.model_copy(update={"auth_disabled": True}))) as url, \
            httpx.Client(base_url=url, timeout=60) as client:
        yield client


def ask(api: httpx.Client, question: str) -> dict:
    answer = api.post("/api/chat", json={"question": question}).json()
    assert not answer["declined"], answer["text"]
    served = answer["text"] + " ".join(c["label"] + c["chip_label"] + (c["title"] or "") for c in answer["citations"])
    served += " ".join(s["name"] + s["label"] + (s["title"] or "") for s in answer["sources"])
    assert not [n for n in NOTES if n in served], served
    return answer


def test_an_annex_item_is_labelled_with_its_annex(api):
    a = ask(api, "Mức phạt đối với hành vi không thành lập Đội phòng cháy, chữa cháy và cứu nạn, cứu hộ cơ sở "
                 "là bao nhiêu?")
    c = next(c for c in a["citations"] if c["doc_id"] == NQ76)
    assert c["label"].startswith("mục ") and c["label"].endswith(" Phụ lục Nghị quyết 76/2025/NQ-HĐND")
    assert c["chip_label"] == f"76/2025/NQ-HĐND · {c['article_label']}"
    # the quote line, under its document named once
    assert "\nNghị quyết 76/2025/NQ-HĐND:\n" in a["text"] and f"- {capitalised(c['article_label'])}: “" in a["text"]


def test_the_decisions_own_article_and_the_attached_regulations(api):
    own = ask(api, "Quyết định 74/2025/QĐ-UBND có hiệu lực từ ngày nào?")
    labels = {c["label"] for c in own["citations"] if c["doc_id"] == QD74}
    assert "Điều 2 Quyết định 74/2025/QĐ-UBND" in labels, labels
    attached = ask(api, "Thẩm quyền cấp giấy phép xây dựng theo Quyết định 74/2025/QĐ-UBND được phân cấp thế nào?")
    labels = [c["label"] for c in attached["citations"] if c["doc_id"] == QD74 and c["article"] == "4"]
    assert labels and all(x.endswith("Điều 4 Quy định ban hành kèm theo Quyết định 74/2025/QĐ-UBND") for x in labels)


def test_document_view_names_the_text_without_catalogue_notes(api):
    doc = api.get(f"/api/documents/{NQ76}").json()
    assert doc["display_name"] == "Nghị quyết 76/2025/NQ-HĐND"
    assert doc["full_name"] == ("Nghị quyết 76/2025/NQ-HĐND quy định mức tiền phạt đối với một số hành vi vi phạm "
                                "hành chính trong lĩnh vực phòng cháy, chữa cháy trên địa bàn thành phố Hà Nội")
    view = api.get(f"/api/documents/{NQ76}/articles/phu-luc%3Asection-8").json()
    assert view["article"]["label"] == "Mục 8 Phụ lục"
