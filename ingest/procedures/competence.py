"""Who decides what: competence records from procedure cards and from articles that assign it.

Rules of Vietnamese legal drafting, not of one text:

* "… thuộc thẩm quyền (giải quyết) của X" — X is competent for what the sentence names;
* "X có thẩm quyền …" / "X quyết định …" (Chủ tịch Ủy ban nhân dân …) — X decides the rest;
* "Y giao / ủy quyền cho / phân cấp cho X …" — X acts, delegated from Y when Y is named;
* in a text that *is* a phân cấp / ủy quyền decision, a khoản that opens with a body and an
  action verb ("UBND cấp xã cấp giấy phép xây dựng …") assigns that action, delegated from the issuer;
* a procedure card's cơ quan giải quyết (catalogue column, "(thẩm quyền của X)" in the name, or a
  heading "ủy quyền cho X giải quyết … thuộc thẩm quyền giải quyết của Y").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ingest.procedures.models import Authority, CompetenceRecord, ProcedureCard, Span

if TYPE_CHECKING:
    from ingest.procedures.source import Cell, SectionMap

# The head noun of a public body or office holder.
_HEAD = (r"(?:Chủ tịch|Phó Chủ tịch|Giám đốc|Thủ trưởng|Bộ trưởng|Thủ tướng Chính phủ|Thủ tướng|Chính phủ|"
         r"Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Hội đồng nhân dân|HĐND|Sở|Bộ|Ban Quản lý|Ban|Trung tâm|Cục|"
         r"Chi cục|Phòng|Văn phòng|Thanh tra|Công an|Kho bạc|Cơ quan|cơ quan|Người đứng đầu|người đứng đầu)")
# Lower-case words that continue an organisation's name ("Ủy ban nhân dân cấp xã", "Ban Quản lý các khu công nghệ cao").
_NAME_WORDS = {
    *("nhân", "dân", "cấp", "xã", "tỉnh", "huyện", "thành", "phố", "phường", "và", "quản", "lý", "các", "khu"),
    *("công", "nghệ", "cao", "nghiệp", "nhà", "nước", "chuyên", "môn", "có", "thẩm", "quyền", "trung", "ương"),
    *("trực", "thuộc", "đặc", "đô", "thị", "xây", "dựng", "kinh", "tế", "hạ", "tầng", "tộc", "giáo", "tài", "chính"),
    *("thương", "vụ", "nội"),
}
_STOP_AFTER = {"có", "thẩm", "quyền", "cấp"}  # a name never ends on these


def _body_at(text: str, start: int) -> str | None:
    m = re.compile(_HEAD, re.I if text[start:start + 30].isupper() else 0).match(text, start)
    if not m:
        return None
    words = text[m.end():].lstrip().split(" ")
    taken: list[str] = []
    for w in words[:12]:
        core = w.strip(",;.:()“”\"")
        if not core or core != w.rstrip(",;.:)”\"") and not w.endswith((",", ";", ".", ":", ")")):
            break
        upper = core[:1].isupper() or core.isupper()
        if upper or core.lower() in _NAME_WORDS or core == "&":
            if text[start:start + 30].isupper() and core.lower() in ("giải", "thực", "quyết", "trong", "về", "thuộc"):
                break
            taken.append(core)
            if w[-1:] in ",;.:)":
                break
            continue
        break
    while taken and taken[-1].lower() in _STOP_AFTER | {"và", "các", "của"}:
        taken.pop()
    body = (m.group(0) + (" " + " ".join(taken) if taken else "")).strip()
    return canonical(body)


_LOWER_IN_NAMES = {"ban", "nhân", "dân", "thành", "phố", "tỉnh", "xã", "phường", "và", "của", "cấp", "các", "khu"}


def canonical(body: str) -> str:
    """A body's name in ordinary case ("SỞ CÔNG THƯƠNG HÀ NỘI" → "Sở Công Thương Hà Nội")."""
    body = " ".join(body.split()).strip(" ,;.:")
    if body != body.upper() or body in ("UBND", "HĐND"):
        return body
    words = body.lower().split()
    out = [w if (i and w in _LOWER_IN_NAMES) else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return " ".join("UBND" if w == "Ubnd" else "HĐND" if w == "Hđnd" else w for w in out)


_DELEGATE = re.compile(r"(?:ủy|uỷ) quyền cho\s+", re.I)
_COMPETENT_OF = re.compile(r"thuộc thẩm quyền(?: giải quyết| quyết định)? của\s+", re.I)
_IN_NAME = re.compile(r"\(thẩm quyền của\s+", re.I)


def authorities_in(cells: Sequence[Cell], span: Callable[..., Span]) -> list[Authority]:
    """The competent body named by headings/titles (nearest last wins) or by a name's "(thẩm quyền của X)"."""
    for c in reversed(list(cells)):
        t = c.text
        delegated = [b for m in _DELEGATE.finditer(t) if (b := _body_at(t, m.end()))]
        competent = [b for m in _COMPETENT_OF.finditer(t) if (b := _body_at(t, m.end()))]
        named = [b for m in _IN_NAME.finditer(t) if (b := _body_at(t, m.end()))]
        if delegated:
            origin = next((b for b in competent if b != delegated[0]), None)
            if origin is None:
                origin = next((x for o in cells for m in _COMPETENT_OF.finditer(o.text)
                               if (x := _body_at(o.text, m.end())) and x != delegated[0]), None)
            return [Authority(body=delegated[0], delegated_from=origin, span=span(c))]
        if named:
            return [Authority(body=named[0], span=span(c))]
        if competent:
            return [Authority(body=competent[0], span=span(c))]
    return []


def card_competences(cards: Sequence[ProcedureCard]) -> list[CompetenceRecord]:
    return [
        CompetenceRecord(task=c.name.text, body=a.body, delegated_from=a.delegated_from,
                         procedure_code=c.code.text if c.code else None, rule="card", span=a.span)
        for c in cards
        for a in c.authorities
    ]


_SENTENCE = re.compile(r"[^.;\n]+(?:[.;]|$)")
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("tham_quyen_cua", re.compile(r"(?P<task>[^.;:]{8,}?)\s+thuộc thẩm quyền(?: giải quyết| quyết định)? của\s+(?P<b>)")),
    ("co_tham_quyen", re.compile(r"(?P<b>)" + _HEAD + r"[^.;:]{0,80}?\s+có thẩm quyền\s+(?P<task>[^.;]{8,})")),
    ("quyet_dinh", re.compile(r"(?P<b>)(?:Chủ tịch|Phó Chủ tịch) (?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)[^.;:]{0,60}?\s+"
                              r"quyết định\s+(?P<task>[^.;]{8,})")),
    ("giao", re.compile(r"\bgiao(?: cho)?\s+(?P<b>)" + _HEAD + r"[^.;:]{0,120}?\s+(?P<task>(?:chủ trì|thực hiện|tổ chức|"
                        r"cấp|quyết định|phê duyệt|thẩm định|làm)[^.;]{8,})")),
    ("uy_quyen", re.compile(r"(?:ủy|uỷ|phân cấp) quyền cho\s+(?P<b>)" + _HEAD + r"[^.;:]{0,120}?\s+(?P<task>(?:giải quyết|"
                            r"thực hiện|quyết định|phê duyệt|cấp)[^.;]{8,})", re.I)),
]
_ACTION = re.compile(r"\s(?P<task>(?:cấp|chủ trì|chấp thuận|thẩm định|quyết định|phê duyệt|tổ chức|chịu trách nhiệm|"
                     r"thực hiện|giải quyết)\b[^.;]{8,})")
_CLAUSE_START = re.compile(r"^(?:\d{1,2}\.\s+|[a-zđ]\)\s+)?")
_DELEGATION_TEXT = re.compile(r"phân cấp|ủy quyền|uỷ quyền", re.I)
_ISSUER_BODY = re.compile(r"^(ỦY BAN NHÂN DÂN[^\n]*|UBND[^\n]*|HỘI ĐỒNG NHÂN DÂN[^\n]*)", re.M)


def _delegator(text: str) -> str | None:
    m = _ISSUER_BODY.search(text[:400])
    if not m:
        return None
    line = m.group(1).split(" CỘNG HÒA")[0].split(" TRUNG TÂM")[0]
    return canonical(line.strip())


def find_competences(doc_id: str, articles: Sequence, text: str, sections: SectionMap) -> list[CompetenceRecord]:
    out: list[CompetenceRecord] = []
    seen: set[tuple[str, str]] = set()
    delegation_doc = bool(_DELEGATION_TEXT.search(text[:1500]))
    delegator = _delegator(text) if delegation_doc else None
    cursor = 0
    for a in articles:
        base = text.find(a.text, cursor)
        if base < 0:
            continue
        cursor = base + 1
        body_text = a.text
        for line_m in re.finditer(r"[^\n]+", body_text):
            line = line_m.group(0)
            if line.count("\t") or len(line) < 20:
                continue
            for sm in _SENTENCE.finditer(line):
                sentence = sm.group(0)
                s_off = base + line_m.start() + sm.start()
                found = False
                for rule, rx in _RULES:
                    for m in rx.finditer(sentence):
                        bpos = m.end() if rule == "tham_quyen_cua" else m.start("b")
                        if rule == "giao":
                            bpos = m.start("b")
                        body = _body_at(sentence, bpos)
                        if not body:
                            continue
                        task = m.group("task").strip(" ,:-–")
                        task = _CLAUSE_START.sub("", task)
                        origin = None
                        if rule in ("giao", "uy_quyen"):
                            lead = sentence[: m.start()].strip()
                            hm = re.search(_HEAD + r"[^,;]*$", lead)
                            origin = _body_at(lead, hm.start()) if hm else delegator
                        key = (body.lower(), task[:80].lower())
                        if key in seen or len(task) < 8:
                            continue
                        seen.add(key)
                        found = True
                        out.append(CompetenceRecord(
                            task=task[:400], body=body, delegated_from=origin if origin != body else None, rule=rule,
                            span=Span(doc_id=doc_id, article_key=a.key, start=s_off, end=s_off + len(sentence))))
                if found or not delegation_doc or sm.start() != 0:
                    continue
                lead = _CLAUSE_START.match(sentence)
                start = lead.end() if lead else 0
                body = _body_at(sentence, start)
                if not body:
                    continue
                am = _ACTION.search(sentence, start + len(body) - 1)
                if not am or am.start() > start + len(body) + 40:
                    continue
                task = am.group("task").strip()
                key = (body.lower(), task[:80].lower())
                if key in seen:
                    continue
                seen.add(key)
                out.append(CompetenceRecord(
                    task=task[:400], body=body, delegated_from=delegator if delegator != body else None,
                    rule="phan_cap", span=Span(doc_id=doc_id, article_key=a.key, start=s_off,
                                               end=s_off + len(sentence))))
    return out
