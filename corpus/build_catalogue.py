"""Build ``corpus/catalogue.json``: the catalogue of the Hà Nội reference collection.

The catalogue is written from the facts recorded in the corpus ``manifest.json`` (number, title, type,
issuer, dates, source, completeness notes) plus a small table of relations (which document replaces
which) stated in those notes. It never contains the legal texts. The texts are read only to list the
số hiệu named in each effective-date clause (``replaces_per_text`` / ``amends_per_text``), as a
machine-read cross-check that is kept apart from the manifest facts.

    python corpus/build_catalogue.py [--manifest PATH] [--out PATH] [--as-of YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ingest.metadata import extract_metadata, normalize_overrides, parse_date

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "corpus" / "catalogue.json"

# Relations stated in the manifest's "completeness"/"effective" notes, with the full số hiệu where the
# note abbreviates it ("Luật CNTT 67/2006" = Luật Công nghệ thông tin 67/2006/QH11).
REPLACES: dict[str, list[str]] = {
    "02/2026/QH16": ["39/2024/QH15"],
    "01/2026/QH16": ["104/2016/QH13"],
    "148/2025/QH15": ["67/2006/QH11"],
    "80/2025/QH15": ["22/2008/QH12"],
    "2629/QĐ-TTg": ["942/QĐ-TTg"],
    "1610/QĐ-TTPVHCC": ["1234/QĐ-TTPVHCC"],
}
AMENDED_BY: dict[str, list[str]] = {
    # Consolidated text: the codification applied these amending decrees.
    "63/2010/NĐ-CP": ["48/2013/NĐ-CP", "150/2016/NĐ-CP", "92/2017/NĐ-CP"],
    # Original 2018 wording; the amending decree is NOT applied in the text.
    "61/2018/NĐ-CP": ["107/2021/NĐ-CP"],
}
# Documents outside the collection that the collection replaces (so a question about them can be
# answered with "no longer in force, see …").
EXTERNAL: dict[str, dict[str, Any]] = {
    "39/2024/QH15": {"title": "Luật Thủ đô (2024)", "type": "Luật", "issuer": "Quốc hội"},
    "67/2006/QH11": {"title": "Luật Công nghệ thông tin", "type": "Luật", "issuer": "Quốc hội"},
    "22/2008/QH12": {"title": "Luật Cán bộ, công chức (2008)", "type": "Luật", "issuer": "Quốc hội"},
    "942/QĐ-TTg": {
        "title": "Quyết định phê duyệt Chiến lược phát triển Chính phủ điện tử hướng tới Chính phủ số "
        "giai đoạn 2021-2025, định hướng đến năm 2030",
        "type": "Quyết định",
        "issuer": "Thủ tướng Chính phủ",
    },
    "1234/QĐ-TTPVHCC": {
        "title": "Quyết định phê duyệt phương án tái cấu trúc quy trình thực hiện nghĩa vụ tài chính "
        "đối với TTHC lĩnh vực đất đai",
        "type": "Quyết định",
        "issuer": "Trung tâm Phục vụ hành chính công TP Hà Nội",
    },
}
# Status remarks the manifest notes call for, keyed by số hiệu (or by id when there is no number).
REMARKS: dict[str, str] = {
    "61/2018/NĐ-CP": (
        "Later sources cite Nghị định 118/2025/NĐ-CP (09/06/2025) as the one-stop-shop decree and it is "
        "understood to replace 61/2018/NĐ-CP and 107/2021/NĐ-CP; not verified here. Verify before "
        "answering from this text."
    ),
    "1656/NQ-UBTVQH15": (
        "The source text prints the adoption date as 16/4/2025 but cites a document of 09/05/2025; the "
        "manifest records 16/06/2025. Verify the date in Công báo."
    ),
    "57/2025/NQ-HĐND": (
        "Issued to implement Luật Thủ đô 39/2024/QH15, which Luật Thủ đô 02/2026/QH16 replaced from "
        "01/07/2026; check whether the city has re-issued or confirmed it."
    ),
    "83/2025/NQ-HĐND": (
        "Issued to implement Điều 7 Luật Thủ đô 2024 (39/2024/QH15), replaced from 01/07/2026 by "
        "02/2026/QH16; check whether it still applies."
    ),
    "quyet-dinh-uy-quyen-So-Cong-Thuong-HN-2025": (
        "Number and date are blank in the source (probably a draft) and the decision body is missing; "
        "only the annex list of procedures is usable. Find the signed decision before citing it."
    ),
    "76/2025/NQ-HĐND": (
        "Issued under Luật Thủ đô (39/2024/QH15 at the time), replaced from 01/07/2026 by 02/2026/QH16; "
        "check whether it still applies."
    ),
}
UNVERIFIED_REPLACED_BY = {"61/2018/NĐ-CP": "118/2025/NĐ-CP"}


def default_manifest() -> Path:
    shared = Path(os.environ.get("ASSISTANT_SHARED_DIR") or REPO.parent / "shared")
    return shared / "corpus" / "hanoi" / "manifest.json"


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def verify_at(number: str | None, issuer: str | None, source: str) -> list[dict[str, str]]:
    """Where to check the official text: gazettes and databases by issuer, plus a search link."""
    hints: list[dict[str, str]] = []
    local = bool(issuer and "Hà Nội" in issuer)
    if issuer and issuer.startswith("Trung tâm Phục vụ"):
        hints.append({"name": "Cổng thông tin điện tử TP Hà Nội", "url": "https://hanoi.gov.vn"})
        hints.append({"name": "Cổng Dịch vụ công TP Hà Nội", "url": "https://dichvucong.hanoi.gov.vn"})
    elif local:
        hints.append({"name": "Công báo thành phố Hà Nội", "url": "https://congbao.hanoi.gov.vn"})
        hints.append({"name": "Cơ sở dữ liệu quốc gia về văn bản pháp luật", "url": "https://vbpl.vn"})
    else:
        hints.append({"name": "Công báo Chính phủ", "url": "https://congbao.chinhphu.vn"})
        hints.append({"name": "Cơ sở dữ liệu quốc gia về văn bản pháp luật", "url": "https://vbpl.vn"})
        if issuer in {"Quốc hội", "Ủy ban Thường vụ Quốc hội"}:
            hints.append({"name": "Cổng thông tin điện tử Quốc hội", "url": "https://quochoi.vn"})
    if "phapdien.moj.gov.vn" in source:
        hints.append({"name": "Bộ pháp điển điện tử (Bộ Tư pháp)", "url": "https://phapdien.moj.gov.vn"})
    if number:
        hints.append(
            {
                "name": "Thư viện Pháp luật (search by số hiệu; secondary source)",
                "url": "https://thuvienphapluat.vn/page/tim-van-ban.aspx?keyword=" + quote(number, safe=""),
            }
        )
    return hints


def _status(entry: dict[str, Any], replaced_by: str | None, as_of: date) -> tuple[str, str | None]:
    number = entry["number"] or entry["id"]
    effective = parse_date(entry["effective"]) if entry["effective"] else None
    expires = parse_date(entry["expires"]) if entry["expires"] else None
    if number in UNVERIFIED_REPLACED_BY:
        return "superseded_unverified", REMARKS.get(number)
    if expires and expires <= as_of:
        by = f" by {replaced_by}" if replaced_by else ""
        return "expired", f"Hết hiệu lực từ {expires:%d/%m/%Y} (replaced{by})."
    if effective and effective > as_of:
        return "not_yet_in_force", f"Có hiệu lực từ {effective:%d/%m/%Y}."
    if expires:
        return "in_force", f"In force until {expires:%d/%m/%Y}; replaced by {replaced_by}."
    if effective:
        return "in_force", REMARKS.get(number)
    if entry["type"] == "Kế hoạch":
        return "in_force", "Administrative plan: no effective-date clause; applies from issue."
    return "unknown", REMARKS.get(number)


def build(manifest_path: Path, as_of: date) -> dict[str, Any]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    corpus_dir = manifest_path.parent
    docs: list[dict[str, Any]] = []
    for raw in manifest:
        raw = {k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v for k, v in raw.items()}
        facts = normalize_overrides(raw)
        stem = Path(raw["file"]).stem
        number = facts.get("number")
        issued_note = None
        if m := re.search(r"\((.*)\)\s*$", raw.get("issued", "")):
            issued_note = m.group(1)
        elif raw.get("issued") and not facts.get("issued"):
            issued_note = raw["issued"]
        replaces = list(dict.fromkeys([*REPLACES.get(number or "", []), *facts.get("replaces", [])]))
        entry: dict[str, Any] = {
            "id": stem,
            "file": raw["file"],
            "number": number,
            "number_note": None if number else raw.get("number"),
            "title": facts.get("title"),
            "type": facts.get("doc_type"),
            "issuer": facts.get("issuer"),
            "issuer_detail": raw.get("issuer"),
            "issued": _iso(facts.get("issued")),
            "issued_note": issued_note,
            "effective": _iso(facts.get("effective")),
            "effective_note": facts.get("effective_note")
            or (raw.get("effective") if raw.get("effective") not in {None, "", "—"} and not facts.get("effective")
                else None),
            "expires": _iso(facts.get("expires")),
            "replaces": replaces,
            "replaced_by": None,
            "amended_by": AMENDED_BY.get(number or "", []),
            "replaces_per_text": [],
            "amends_per_text": [],
        }  # fmt: skip
        text_path = corpus_dir / raw["file"]
        if text_path.is_file():
            meta = extract_metadata(text_path.read_text(encoding="utf-8"), text_path.name)
            entry["replaces_per_text"] = meta.replaces
            entry["amends_per_text"] = meta.amends
        entry["source"] = raw.get("source")
        entry["completeness"] = raw.get("completeness")
        docs.append(entry)

    by_number = {d["number"]: d for d in docs if d["number"]}
    external: list[dict[str, Any]] = []
    for doc in docs:
        for old in doc["replaces"]:
            from_date = doc["effective"]
            if old in by_number:
                target = by_number[old]
                target["replaced_by"] = doc["number"]
                target["expires"] = target["expires"] or from_date
            elif old in EXTERNAL:
                external.append(
                    {
                        "number": old,
                        **EXTERNAL[old],
                        "in_collection": False,
                        "replaced_by": doc["number"],
                        "expires": from_date,
                        "status": "expired" if from_date and date.fromisoformat(from_date) <= as_of else
                        "in_force",
                        "status_remark": f"Replaced by {doc['number']} from {from_date}"
                        + (f" ({note})" if (note := doc["effective_note"]) and "thay thế" not in note else "")
                        + ".",
                        "note": "Not in the collection; title as cited by the replacing document.",
                    }
                )  # fmt: skip
    for doc in docs:
        status, remark = _status(doc, doc["replaced_by"], as_of)
        doc["replaced_by"] = doc["replaced_by"] or UNVERIFIED_REPLACED_BY.get(doc["number"] or "")
        doc["status"] = status
        doc["status_remark"] = remark
        doc["verify_at"] = verify_at(doc["number"], doc["issuer"], doc["source"] or "")
    # Stable key order for reviewers: identification, dates, relations, status, provenance.
    order = [
        "id", "file", "number", "number_note", "title", "type", "issuer", "issuer_detail", "issued",
        "issued_note", "effective", "effective_note", "expires", "replaces", "replaced_by", "amended_by",
        "replaces_per_text", "amends_per_text", "status", "status_remark", "verify_at", "source",
        "completeness",
    ]  # fmt: skip
    return {
        "collection": "hanoi",
        "description": "Reference collection of Trợ lý Công vụ: Vietnamese legal and administrative texts "
        "relevant to Hà Nội civil servants. Facts from corpus/hanoi/manifest.json; texts not included.",
        "status_as_of": as_of.isoformat(),
        "documents": [{k: d[k] for k in order} for d in docs],
        "referenced_documents": external,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build corpus/catalogue.json from the corpus manifest.")
    parser.add_argument("--manifest", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today(), help="date for status")
    args = parser.parse_args(argv)
    manifest = args.manifest or default_manifest()
    catalogue = build(manifest, args.as_of)
    args.out.write_text(json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(catalogue['documents'])} documents to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
