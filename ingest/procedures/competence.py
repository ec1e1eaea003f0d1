"""Who decides what: competence records from procedure cards and from articles that assign it.

Rules of Vietnamese legal drafting, not of one text; each names a *specific* body (a generic
"cơ quan có thẩm quyền" or "người có thẩm quyền" names nobody and is skipped):

* ``thuộc thẩm quyền [quyết định …] của X`` — X is competent for what comes before;
* ``X có thẩm quyền …`` — X is competent for what follows;
* ``X quyết định …`` (Chủ tịch Ủy ban nhân dân …, Hội đồng nhân dân …, Chính phủ) — X decides;
* ``[Y] giao / ủy quyền cho / phân cấp cho X …`` — X acts, delegated from Y (the subject before
  the verb, else the issuer of a delegation decision);
* in a decision *on* phân cấp / ủy quyền, a khoản or điểm that opens with a body and an action
  verb ("UBND cấp xã cấp giấy phép xây dựng …"), or a khoản that is only a body followed by điểm
  opening with an action ("3. Sở Xây dựng" / "a) Cấp phép …"), assigns that action to the body,
  delegated from the issuer;
* a procedure card's cơ quan giải quyết (see ``authorities_in``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ingest.procedures.models import Authority, CompetenceRecord, ProcedureCard, Span

if TYPE_CHECKING:
    from ingest.procedures.source import Cell, SectionMap

# Office holders and head nouns of public bodies.
_HOLDER = r"(?:Phó Chủ tịch|Chủ tịch|Giám đốc|Phó Giám đốc|Thủ trưởng|Bộ trưởng|Chánh Văn phòng|Người đứng đầu)"
_ORG = (r"(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Hội đồng nhân dân|HĐND|Ủy ban Thường vụ Quốc hội|Quốc hội|"
        r"Thủ tướng Chính phủ|Thủ tướng|Chính phủ|Sở|Bộ|Ban Quản lý|Trung tâm|Cục|Chi cục|Phòng|Văn phòng|"
        r"Thanh tra|Công an|Kho bạc Nhà nước|Bộ phận Một cửa|cơ quan chuyên môn)")
_BODY_START = re.compile(rf"(?:{_HOLDER}\s+)?{_ORG}\b")
_LEVEL = re.compile(r"^cấp\s+(?:tỉnh|huyện|xã|thành phố|trung ương)\b", re.I)
# Lower-case words that end a body's name: verbs of action and the prepositions after a name.
_STOPS = {
    *("cấp", "chủ", "giải", "thực", "quyết", "phê", "thẩm", "chấp", "tổ", "chịu", "có", "tham", "là", "được"),
    *("ban", "trình", "xem", "hướng", "kiểm", "quản", "thu", "báo", "tiếp", "gửi", "xác", "lập", "làm", "phối"),
    *("đề", "ký", "xét", "giao", "ủy", "uỷ", "phân", "cho", "theo", "tại", "trong", "đối", "của", "đã", "sẽ"),
    *("phải", "để", "khi", "nếu", "trên", "thì", "mà", "do", "với", "hoặc", "hằng", "chỉ", "bảo", "quy", "căn"),
    *("ngừng", "tạm", "lấy", "rà", "xử", "nhận", "trả", "cử", "bầu", "đánh", "chuyển", "điều", "cung"),
    *("sử", "phát", "nộp", "ra", "từ", "sau", "trước", "về"),
}
_ANOTHER_SUBJECT = re.compile(r"(?:cơ quan|người|tổ chức|cá nhân|các cơ quan|đơn vị)\b", re.I)
_GENERIC = {"cơ quan chuyên môn", "Sở", "Bộ", "Phòng", "Trung tâm", "Cục", "Chi cục", "Văn phòng", "Thanh tra"}
_MAX_WORDS = 14


def body_at(text: str, start: int) -> tuple[str, int] | None:
    """The body named at ``start`` and where its name ends, or None."""
    caps = text[start : start + 40].isupper()
    m = (re.compile(_BODY_START.pattern, re.I) if caps else _BODY_START).match(text, start)
    if not m:
        return None
    end = m.end()
    for words, w in enumerate(re.finditer(r"\S+", text[m.end():]), start=1):
        token = w.group(0)
        core = token.rstrip(",;.:)”\"")
        if not core or core[0] in "(“\"-–":
            break
        lower = core.lower()
        at = m.end() + w.start()
        is_level = lower == "cấp" and _LEVEL.match(text[at:])  # "UBND cấp xã": a level, not the verb "cấp"
        if lower in _STOPS and (caps or core[0].islower()) and not is_level:
            break
        if lower == "và":
            after = text[at + len(token):].lstrip()
            if _BODY_START.match(after) or _ANOTHER_SUBJECT.match(after):
                break  # "HĐND Thành phố và cơ quan …", "Sở Tài chính và Sở Nội vụ": two subjects, not one name
        end = at + len(core)
        if core != token or words >= _MAX_WORDS:
            break  # punctuation closes a name
    body = canonical(text[start:end])
    if body in _GENERIC:
        return None
    return body, end


_LOWER_IN_NAMES = {"ban", "nhân", "dân", "thành", "phố", "tỉnh", "xã", "phường", "và", "của", "cấp", "các", "khu"}


def canonical(body: str) -> str:
    """A body's name in ordinary case ("SỞ CÔNG THƯƠNG HÀ NỘI" → "Sở Công Thương Hà Nội")."""
    body = " ".join(body.split()).strip(" ,;.:")
    if body != body.upper() or body in ("UBND", "HĐND"):
        return body
    words = body.lower().split()
    out = [w if (i and w in _LOWER_IN_NAMES) else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return " ".join("UBND" if w == "Ubnd" else "HĐND" if w == "Hđnd" else w for w in out)


def _first_body(text: str, start: int) -> str | None:
    found = body_at(text, start)
    return found[0] if found else None


_DELEGATE = re.compile(r"(?:ủy|uỷ) quyền cho\s+", re.I)
# "thuộc thẩm quyền [giải quyết | quyết định chủ trương đầu tư] của X"; "thẩm quyền quản lý" is not competence
_COMPETENT_OF = re.compile(r"thuộc thẩm quyền(?!\s+quản lý)(?:\s+[^\s,;.()]+){0,6}? của\s+", re.I)
_IN_NAME = re.compile(r"\(thẩm quyền của\s+", re.I)


def authorities_in(cells: Sequence[Cell], span: Callable[..., Span]) -> list[Authority]:
    """The competent body named by headings/titles (nearest last wins) or by a name's "(thẩm quyền của X)"."""
    for c in reversed(list(cells)):
        t = c.text
        delegated = [b for m in _DELEGATE.finditer(t) if (b := _first_body(t, m.end()))]
        competent = [b for m in _COMPETENT_OF.finditer(t) if (b := _first_body(t, m.end()))]
        named = [b for m in _IN_NAME.finditer(t) if (b := _first_body(t, m.end()))]
        if delegated:
            origin = next((b for b in competent if b != delegated[0]), None)
            if origin is None:
                origin = next((x for o in cells for m in _COMPETENT_OF.finditer(o.text)
                               if (x := _first_body(o.text, m.end())) and x != delegated[0]), None)
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


# -- articles -----------------------------------------------------------------------------------------

_MARKER = re.compile(r"^(?:\d{1,2}\.\s+|[a-zđ]\)\s+|-\s+)")
_ACTIONS = ("cấp", "chủ trì", "chấp thuận", "thẩm định", "quyết định", "phê duyệt", "tổ chức", "chịu trách nhiệm",
            "thực hiện", "giải quyết", "xét", "công nhận", "thu hồi", "ban hành", "cho phép")
_ACTION = re.compile(r"(?:" + "|".join(_ACTIONS) + r")\b", re.I)
# Where a delegated task starts: a verb, not the nouns "tổ chức", "cấp tỉnh" that may fill a list of bodies.
_TASK_VERB = re.compile(r"\b(?:thực hiện|giải quyết|quyết định|phê duyệt|chủ trì|thẩm định|chấp thuận|ban hành|làm|"
                        r"cấp(?!\s+(?:tỉnh|huyện|xã|sở|bộ|trung ương|thành phố|cơ sở)\b))\b", re.I)
_DELEGATING_VERB = re.compile(r"\b(?:giao(?: cho)?|(?:ủy|uỷ) quyền cho|phân cấp cho)\s+", re.I)
_COMPETENT_VERB = re.compile(r"\s+có thẩm quyền\s+")
_DECIDES = re.compile(r"\s+quyết định\s+")
_DELEGATION_DOC = re.compile(r"phân cấp|phân quyền|ủy quyền|uỷ quyền", re.I)
_ISSUER = re.compile(r"^(ỦY BAN NHÂN DÂN[^\n]*|UBND[^\n]*|HỘI ĐỒNG NHÂN DÂN[^\n]*)", re.M)


def _issuer(text: str) -> str | None:
    """The issuing body from the header: its last organisation line ("UBND THÀNH PHỐ HÀ NỘI / TRUNG TÂM
    PHỤC VỤ HÀNH CHÍNH CÔNG": the Trung tâm issues, the UBND is its parent)."""
    m = _ISSUER.search(text[:400])
    if not m:
        return None
    header = re.split(r"\s+(?:CỘNG HÒA|-{2,})", m.group(1))[0]
    parts = re.split(r"\s+(?=TRUNG TÂM|SỞ |BAN QUẢN LÝ|VĂN PHÒNG)", header)
    return canonical(parts[-1].strip())


def _body_ending_at(text: str, end: int) -> tuple[str, int] | None:
    """The body whose name ends exactly at ``end`` (the word before a verb), searching back."""
    best = None
    for m in _BODY_START.finditer(text, max(0, end - 160), end):
        found = body_at(text, m.start())
        if found and found[1] == end:
            best = (found[0], m.start())
            break
    return best


def _clean_task(task: str) -> str:
    return " ".join(task.strip(" ,:;-–.").split())[:400]


def _units(article_text: str) -> list[tuple[int, str, bool]]:
    """(offset, text, is_point) of every sentence-like unit: a line, split at ";" and ". "."""
    out = []
    for line in re.finditer(r"[^\n]+", article_text):
        is_point = bool(re.match(r"^[a-zđ]\)\s", line.group(0)))
        start = 0
        body = line.group(0)
        # a sentence ends at ";" or at ". " before a capital, never after a number ("2. UBND …", "Điều 4. …")
        for cut in re.finditer(r";|(?<![0-9IVXa-zđ)])\.(?=\s+[A-ZĐ])|(?<=[a-zđ\w]{2})\.(?=\s+[A-ZĐ])", body):
            if cut.end() - start > 1:
                out.append((line.start() + start, body[start : cut.end()], is_point))
            start = cut.end()
        if body[start:].strip():
            out.append((line.start() + start, body[start:], is_point))
    return out


def find_competences(doc_id: str, articles: Sequence, text: str, sections: SectionMap,
                     issuer: str | None = None) -> list[CompetenceRecord]:
    """``issuer``: the document's issuing body when its metadata knows it; else read from the header."""
    out: list[CompetenceRecord] = []
    seen: set[tuple[str, str]] = set()
    delegation_doc = bool(_DELEGATION_DOC.search(text[:1500]))
    issuer = issuer or _issuer(text)

    def add(rule: str, body: str, task: str, origin: str | None, start: int, end: int, key: str) -> None:
        task = _clean_task(task)
        if len(task.split()) < 2:
            return
        k = (body.lower(), task[:100].lower())
        if k in seen:
            return
        seen.add(k)
        out.append(CompetenceRecord(task=task, body=body, delegated_from=origin if origin != body else None,
                                    rule=rule, span=Span(doc_id=doc_id, article_key=key, start=start, end=end)))

    cursor = 0
    for a in articles:
        base = text.find(a.text, cursor)
        if base < 0:
            continue
        cursor = base + 1
        heading_body: str | None = None  # "3. Sở Xây dựng" over its điểm
        for off, unit, is_point in _units(a.text):
            letters = [ch for ch in unit if ch.isalpha()]
            if len(letters) > 20 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
                continue  # an ALL-CAPS heading names a list, it does not assign a task (cards read those)
            s, e = base + off, base + off + len(unit)
            lead = _MARKER.match(unit)
            body_start = lead.end() if lead else 0
            if not is_point:
                only = body_at(unit, body_start)
                heading_body = only[0] if only and not unit[only[1]:].strip(" .:") else None
            for m in _COMPETENT_OF.finditer(unit):
                if (b := _first_body(unit, m.end())):
                    add("tham_quyen_cua", b, unit[body_start:m.start()], None, s, e, a.key)
            for m in _COMPETENT_VERB.finditer(unit):
                if (found := _body_ending_at(unit, m.start())):
                    add("co_tham_quyen", found[0], unit[m.end():], None, s, e, a.key)
            for m in _DECIDES.finditer(unit):
                if unit[m.end():].startswith("thì"):
                    continue  # "trước khi X quyết định thì …": a condition, not an assignment
                if (found := _body_ending_at(unit, m.start())):
                    add("quyet_dinh", found[0], "quyết định " + unit[m.end():], None, s, e, a.key)
            for m in _DELEGATING_VERB.finditer(unit):
                found = body_at(unit, m.end())
                if not found:
                    continue
                subject = _body_ending_at(unit, m.start() - 1) if m.start() > 0 else None
                origin = subject[0] if subject else (issuer if delegation_doc else None)
                rule = "giao" if m.group(0).lower().startswith("giao") else "uy_quyen"
                # "ủy quyền cho X, Y, Z thực hiện …": the task starts at the action after the list of bodies
                act = _TASK_VERB.search(unit, found[1])
                add(rule, found[0], unit[act.start() if act else found[1]:], origin, s, e, a.key)
            if not delegation_doc:
                continue
            opening = body_at(unit, body_start)
            if opening and (act := _ACTION.match(unit, opening[1] + 1)):
                add("phan_cap", opening[0], unit[act.start():], issuer, s, e, a.key)
            elif is_point and heading_body and _ACTION.match(unit, body_start):
                add("phan_cap", heading_body, unit[body_start:], issuer, s, e, a.key)
    return out
