"""Procedure and competence endpoints over real HTTP, filtered by the caller's access labels."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest

PUBLIC_DOC = "quyet-dinh-1597-QD-TTPVHCC-HN"  # three du lịch procedures, public
SNV_DOC = "quyet-dinh-1594-QD-TTPVHCC-HN"  # two tôn giáo procedures, dept:snv only


@pytest.fixture(scope="module")
def proc_server(tmp_path_factory, hanoi_dir) -> Iterator[SimpleNamespace]:
    from assistant.api.app import create_app
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore
    from assistant.settings import Settings
    from ingest.pipeline import ingest_files
    from tests.api.conftest import live_server

    root = tmp_path_factory.mktemp("proc")
    corpus = root / "corpus"
    corpus.mkdir()
    settings = Settings(data_dir=root / "data", auth_disabled=False, rate_limit_chat=0, rate_limit_search=0,
                        rate_limit_default=0, redis_url=None)
    index = Index(settings)
    for doc, access in ((PUBLIC_DOC, "public"), (SNV_DOC, "dept:snv")):
        shutil.copy(hanoi_dir / f"{doc}.txt", corpus)
        results = ingest_files([corpus / f"{doc}.txt"], index, settings, access=access)
        assert not any(r.failed for r in results), [r.message for r in results]
    decree = corpus / "nghi-dinh-95-2023.txt"  # a document cited by the cards' cơ sở pháp lý, readable by dept:tc only
    decree.write_text("CHÍNH PHỦ\nSố: 95/2023/NĐ-CP\nHà Nội, ngày 29 tháng 12 năm 2023\nNGHỊ ĐỊNH\n"
                      "QUY ĐỊNH CHI TIẾT MỘT SỐ ĐIỀU VÀ BIỆN PHÁP THI HÀNH LUẬT TÍN NGƯỠNG, TÔN GIÁO\n"
                      "Điều 1. Phạm vi điều chỉnh\nNghị định này quy định chi tiết một số điều của Luật.\n",
                      encoding="utf-8")
    assert not any(r.failed for r in ingest_files([decree], index, settings, access="dept:tc"))
    store = KeyStore(index.sessions)
    keys = {
        "admin": store.create("admin", "Quản trị").plaintext,
        "staff": store.create("staff", "Chuyên viên").plaintext,
        "staff_snv": store.create("staff", "Sở Nội vụ", scopes="dept:snv").plaintext,
    }
    app = create_app(settings)
    with live_server(app) as url:
        yield SimpleNamespace(url=url, headers={k: {"Authorization": f"Bearer {v}"} for k, v in keys.items()})


def _get(server: SimpleNamespace, path: str, who: str, **params) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, headers=server.headers[who], timeout=30)


def test_card_fields_with_citations(proc_server):
    r = _get(proc_server, "/api/procedures/1.012644", "staff_snv")
    assert r.status_code == 200, r.text
    card = r.json()
    assert card["code"] == "1.012644" and card["symbol"] == "QTTP-20"
    assert card["deadline"]["days"] == 30 and card["deadline"]["working_days"] is True
    assert [d["copy_kind"] for d in card["dossier"]] == ["ban_chinh", "ban_sao", "ban_chinh", "ban_chinh"]
    assert {c["channel"] for c in card["channels"]} == {"truc_tiep", "buu_chinh", "truc_tuyen"}
    cit = card["dossier"][0]["citation"]
    assert cit["doc_id"] == SNV_DOC and cit["article_key"] == "phu-luc:section-B.I" and cit["section"] == "Mục B.I"
    assert cit["url"] == f"/api/documents/{SNV_DOC}/articles/phu-luc:section-B.I"
    # the citation's offsets hold the cited words in the article the URL opens
    art = _get(proc_server, cit["url"], "staff_snv").json()
    assert "Văn bản đề nghị (Theo mẫu)" in art["article"]["text"]


def test_cited_documents_resolved_for_readers_only(proc_server):
    def resolved(who: str) -> dict[str, list[str]]:
        card = _get(proc_server, "/api/procedures/1.012644", who).json()
        return {n: b["documents"] for b in card["legal_basis"] for n in b["numbers"]}

    assert resolved("admin")["95/2023/NĐ-CP"] == ["nghi-dinh-95-2023"]
    assert resolved("staff_snv")["95/2023/NĐ-CP"] == []  # may read the card, not the decree
    assert resolved("admin")["02/2016/QH14"] == []  # not in the index


def test_unreadable_card_is_absent_and_404(proc_server):
    assert _get(proc_server, "/api/procedures/1.012644", "staff").status_code == 404
    listed = {p["code"] for p in _get(proc_server, "/api/procedures", "staff", k=200).json()["procedures"]}
    assert listed == {"1.014190", "1.014191", "1.014192"}
    everything = {p["code"] for p in _get(proc_server, "/api/procedures", "admin", k=200).json()["procedures"]}
    assert {"1.012644", "1.012657"} <= everything
    tasks = _get(proc_server, "/api/competence", "staff", q="tôn giáo", k=200).json()["competences"]
    assert all(t["citation"]["doc_id"] != SNV_DOC for t in tasks)


def test_ranked_search_and_filters(proc_server):
    hits = _get(proc_server, "/api/procedures", "staff_snv", q="thay đổi trụ sở tổ chức tôn giáo").json()["procedures"]
    assert hits and hits[0]["code"] == "1.012644"
    by_code = _get(proc_server, "/api/procedures", "staff", q="1.014192").json()["procedures"]
    assert by_code[0]["code"] == "1.014192"
    du_lich = _get(proc_server, "/api/procedures", "admin", linh_vuc="du lịch", k=200).json()["procedures"]
    assert {p["code"] for p in du_lich} == {"1.014190", "1.014191", "1.014192"}
    sxd = _get(proc_server, "/api/procedures", "admin", co_quan="Sở Xây dựng", k=200).json()["procedures"]
    assert {p["code"] for p in sxd} == {"1.014190", "1.014191", "1.014192"}


def test_competence_lookup(proc_server):
    rows = _get(proc_server, "/api/competence", "admin", q="biển hiệu phương tiện").json()["competences"]
    assert rows and rows[0]["body"] == "Sở Xây dựng" and rows[0]["procedure_code"] in {"1.014190", "1.014191",
                                                                                         "1.014192"}


def test_documented_in_openapi(proc_server):
    spec = _get(proc_server, "/openapi.json", "admin").json()
    assert "/api/procedures/{ma_tthc}" in spec["paths"]
    assert "ProcedureOut" in spec["components"]["schemas"]
