"""How answers, citations and the widget name a document and a unit of it — one place for both.

A document is named by its official short name: loại + số hiệu ("Nghị định 170/2025/NĐ-CP"), a law by
its name and số hiệu ("Luật Thủ đô số 02/2026/QH16"). The trích yếu ("quy định về tuyển dụng, …") is
added where the short name alone says nothing (``document_full_name``: the document view). Catalogue
titles (a manifest's ``title``) are notes for people who keep the collection — "(incl. cấp phép xây
dựng)", "(k1 Điều 33 Luật Thủ đô)", "CBCCVC … TP Hà Nội" — so a title is cleaned before any of it is
shown: parenthesised notes dropped, the catalogue's abbreviations spelt out, a title cut short by "…"
kept only up to the cut.

A unit is labelled by ``unit_label``: "khoản 2 Điều 5", "điểm a khoản 2 Điều 5", "Điều 2" of a decision
that attaches a Quy định ("Điều 2 Quy định ban hành kèm theo" + the decision's name), "mục 16 Phụ lục",
"mục II Phụ lục I", "Phụ lục I", "Mẫu số 02", "Điều 1 Mẫu số 3", a procedure's section. The label plus
the document name is the citation (``citation_label``); the compact form is the widget's chip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TRAILING_YEAR = re.compile(r"\s*\((?:19|20)\d{2}\)\s*$")
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
# A law is named by its name; other texts by type and số hiệu.
_NAMED_TYPES = ("luật", "bộ luật", "pháp lệnh", "hiến pháp")
_TYPE_ABBREVIATIONS = {"QĐ": "Quyết định", "NQ": "Nghị quyết", "NĐ": "Nghị định", "TT": "Thông tư", "KH": "Kế hoạch"}
# The catalogue's shorthand, spelt out as the texts write it (whole words only, never inside a số hiệu).
_ABBREVIATIONS = {
    "UBND TP": "Ủy ban nhân dân thành phố", "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân",
    "TTHC": "thủ tục hành chính", "VPHC": "vi phạm hành chính", "PCCC": "phòng cháy, chữa cháy",
    "CBCCVC": "cán bộ, công chức, viên chức", "CBCC": "cán bộ, công chức", "TP": "thành phố", "HN": "Hà Nội",
    **_TYPE_ABBREVIATIONS,
}
_ABBREVIATION = re.compile(r"(?<![\w/\-])(" + "|".join(sorted(map(re.escape, _ABBREVIATIONS), key=len, reverse=True))
                           + r")(?![\w/\-])")
_TYPE_WORDS = re.compile(r"^(?:bộ luật|luật|pháp lệnh|hiến pháp|nghị định|nghị quyết|quyết định|thông tư|kế hoạch"
                         r"|chỉ thị|công văn|thông báo|quy định|quy chế)\s+", re.I)


def plain_title(title: str | None) -> str:
    """"Luật Thủ đô (2026)" → "Luật Thủ đô": the year is in the số hiệu already."""
    return _TRAILING_YEAR.sub("", title or "")


def clean_title(title: str | None) -> str:
    """A catalogue title without its notes: "QĐ phê duyệt … TTHC … (Sở Dân tộc và Tôn giáo HN)" →
    "Quyết định phê duyệt … thủ tục hành chính …"; "… cho CBCCVC … TP Hà Nội" → "… cho cán bộ, công chức,
    viên chức" (what follows an ellipsis is not the title)."""
    text = plain_title(title)
    text = re.split(r"\s*(?:…|\.\.\.)", text, maxsplit=1)[0]
    while _PARENTHESES.search(text):
        text = _PARENTHESES.sub("", text)
    text = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
    return re.sub(r"\s+", " ", text).strip(" ,;:-")


def _is_named_type(doc_type: str | None) -> bool:
    return (doc_type or "").lower() in _NAMED_TYPES


def trich_yeu(title: str | None, doc_type: str | None) -> str:
    """The subject line of a text without its type: "quy định về tuyển dụng, sử dụng và quản lý công chức"."""
    text = clean_title(title)
    if doc_type and text.lower().startswith(doc_type.lower() + " "):
        text = text[len(doc_type) + 1 :]
    elif not _is_named_type(doc_type):
        text = _TYPE_WORDS.sub("", text, count=1) if text.lower().split(" ", 1)[0] in ("quyết", "nghị", "kế",
                                                                                      "thông") else text
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def document_name(title: str | None, doc_type: str | None, number: str | None, fallback: str) -> str:
    """The short name: "Luật Thủ đô số 02/2026/QH16", "Nghị quyết 76/2025/NQ-HĐND", "Luật Chuyển đổi số
    148/2025/QH15" (a name ending in "số" takes no second one); a text without số hiệu by type + trích yếu."""
    name = clean_title(title)
    if doc_type and number:
        if _is_named_type(doc_type) and name.lower().startswith(doc_type.lower() + " "):
            return f"{name} {number}" if name.lower().endswith(" số") else f"{name} số {number}"
        return f"{doc_type} {number}"
    if doc_type and name:
        subject = trich_yeu(title, doc_type)
        return name if _is_named_type(doc_type) else f"{doc_type} {subject}".strip()
    return name or number or fallback


def document_full_name(title: str | None, doc_type: str | None, number: str | None, fallback: str) -> str:
    """The short name with the trích yếu where the short name alone does not say what the text is about:
    "Nghị định 170/2025/NĐ-CP quy định về tuyển dụng, sử dụng và quản lý công chức"."""
    short = document_name(title, doc_type, number, fallback)
    if _is_named_type(doc_type) or not number or not doc_type:
        return short
    subject = trich_yeu(title, doc_type)
    return f"{short} {subject}" if subject else short


# -- units --------------------------------------------------------------------------------------------------------

_ANNEX_PART = re.compile(r"^(phu-luc|mau)(?:-(\w+))?$")


def annex_name(part: str, title: str = "") -> str:
    """"phu-luc-i" → "Phụ lục I", "phu-luc" → "Phụ lục", "mau-02" → "Mẫu số 02"; a part of another kind
    by its title."""
    m = _ANNEX_PART.match(part or "")
    if not m:
        return title.strip() or part
    if m.group(1) == "mau":
        return "Mẫu số " + (m.group(2) or "").upper() if m.group(2) else "Mẫu"
    number = m.group(2)
    return f"Phụ lục {number.upper()}" if number else "Phụ lục"


def _attached_instrument(heading_path: Sequence[str]) -> str | None:
    """"Quy định" / "Quy chế" when the article belongs to the one a decision issues (its first heading
    is that instrument's title, "QUY CHẾ XÉT TẶNG …"), else None."""
    head = (heading_path[0] if heading_path else "").strip()
    m = re.match(r"(?i)^(quy chế|quy định|điều lệ|quy trình)\b(?!\s+chung)", head)
    return m.group(1).capitalize() if m else None


def unit_label(kind: str, number: str, part: str = "", title: str = "", heading_path: Sequence[str] = (),
               clause: str | None = None, point: str | None = None) -> str:
    """The label of an article-level unit and, optionally, its khoản / điểm, without the document name.

    ``kind``/``number``/``part``/``title``/``heading_path`` are those of the indexed article ("dieu", "section",
    "annex"; ``part`` "qd" for the decision's own articles, "phu-luc-i" / "mau-02" for annexes and forms);
    "procedure" is a procedure's section (``title``: "Thời hạn giải quyết", the last heading the procedure)."""
    if kind == "dieu":
        base = f"Điều {number}"
        if part and part != "qd":
            base += f" {annex_name(part)}"
        elif not part and (instrument := _attached_instrument(heading_path)):
            base += f" {instrument} ban hành kèm theo"
    elif kind == "annex":
        base = annex_name(part, title) if part else (title.strip() or "Phụ lục")
    elif kind == "procedure":
        procedure = next((h for h in reversed(heading_path) if h.lower().startswith("thủ tục")), "")
        base = f"mục {title.strip()}" + (f" của {procedure[:1].lower()}{procedure[1:]}" if procedure else "")
        base += f" {annex_name(part)}" if part else ""
    else:  # a numbered section: of an annex ("mục 16 Phụ lục") or of a plan ("mục II")
        base = f"mục {number}" + (f" {annex_name(part)}" if part else "")
    return clause_label(base, clause, point)


def clause_label(article_label: str, clause: str | None = None, point: str | None = None) -> str:
    """"Điều 5" with khoản 2, điểm a → "điểm a khoản 2 Điều 5"."""
    return " ".join(p for p in (f"điểm {point}" if point else "", f"khoản {clause}" if clause else "",
                                article_label) if p)


def citation_label(unit: str, document: str) -> str:
    """"khoản 2 Điều 5" + "Luật Hộ tịch số 60/2014/QH13" → "khoản 2 Điều 5 Luật Hộ tịch số 60/2014/QH13"."""
    return f"{unit} {document}".strip()


def chip_label(number: str | None, document: str, article_label: str, clause: str | None,
               point: str | None) -> str:
    """The widget's compact form: "02/2026/QH16 · Điều 2 khoản 3" (số hiệu first, the unit from the top)."""
    where = " ".join(x for x in (article_label, f"khoản {clause}" if clause else "",
                                 f"điểm {point}" if point else "") if x)
    return f"{number or document} · {where}".strip(" ·")


def capitalised(label: str) -> str:
    """A label at the start of a line or heading: "mục 16 Phụ lục" → "Mục 16 Phụ lục"."""
    return label[:1].upper() + label[1:]
