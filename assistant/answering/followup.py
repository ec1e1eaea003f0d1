"""Follow-up questions made standalone by rules: the new ask is kept, the earlier subject put in.

"Thủ tục đăng ký khai tử nộp ở đâu?" then "Thế thời hạn là bao lâu?" is searched as "Thủ tục đăng ký
khai tử: thời hạn là bao lâu?", not as the earlier question with the new words glued on (the old
ask then dominates retrieval). The earlier turn is read as a *subject* (what it is about: a
procedure, a topic, a named document, an Điều) and an *ask* (what it wanted: "ở đâu", "thời hạn …
bao lâu"), the subject being what remains once the ask and question words are taken off its edges.

A follow-up is one of:
- an ellipsis: only an ask ("còn thời hạn thì sao?", "nộp ở đâu?") → earlier subject + new ask;
- an anaphor ("thủ tục này", "văn bản đó", "khoản đó", "điều này", "trường hợp đó") → replaced by
  what it points at in the earlier turn (the subject, the named document, the khoản / Điều);
- a new subject without an ask ("Còn Luật Hộ tịch thì sao?", "còn khoản 3?") → the earlier question
  with its subject (or document, or reference) replaced: the old ask is kept;
- a condition ("nếu … thì sao?") → earlier subject, the condition, the old ask.

Words are compared as written when the question has diacritics ("tử" is not "từ") and folded when it
was typed without them, so "con thoi han thi sao" works like "còn thời hạn thì sao"; the user's words
are kept as typed. Anything else is not a follow-up and is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from assistant.textproc import fold, nfc, without_diacritics


class FollowUp(StrEnum):
    NONE = "none"  # not a follow-up: the question as asked
    ELLIPSIS = "ellipsis"  # only an ask: the earlier subject put in front
    ANAPHORA = "anaphora"  # "thủ tục này", "văn bản đó": replaced by what they point at
    NEW_SUBJECT = "new_subject"  # "Còn Luật Hộ tịch thì sao?": the earlier question about the new subject
    CONDITION = "condition"  # "Nếu … thì sao?": the earlier subject and ask under the condition
    OWN_SUBJECT = "own_subject"  # a marker before a question of its own: the marker dropped


@dataclass(frozen=True)
class Rewrite:
    """The standalone question and how it was obtained."""

    standalone: str
    is_follow_up: bool
    kind: FollowUp = FollowUp.NONE
    subject: str = ""  # the earlier subject put in ("" when nothing was substituted)
    substituted: tuple[tuple[str, str], ...] = ()  # (follow-up words, what replaced them)
    kept_ask: str = ""  # the ask of the follow-up, or the earlier ask reused for a new subject


class _Phrases:
    """Phrases compared as written (in a question with diacritics "tử" is not "từ" and "kỷ luật" names no
    Luật), or folded for a question typed without them."""

    def __init__(self, *items: str) -> None:
        self.items = items
        self.exact = frozenset(tuple(nfc(p).lower().split()) for p in items)
        self.folded = frozenset(tuple(fold(p).split()) for p in items)
        self.longest = max((len(x) for x in self.exact), default=1)

    def __or__(self, other: _Phrases) -> _Phrases:
        return _Phrases(*self.items, *other.items)


# Words that open or close a follow-up and say nothing about its subject.
_LEAD = _Phrases(
    "thế còn", "vậy còn", "còn về", "còn đối với", "còn", "vậy thì", "thế thì", "như vậy thì", "như vậy",
    "nếu vậy thì", "nếu vậy", "nếu thế thì", "nếu thế", "vậy", "thế", "và", "thì", "ngoài ra", "thêm nữa", "rồi",
)
_LEAD_NOT = _Phrases("thế nào", "còn hiệu lực", "vậy là", "thế là")  # "Thế nào là …?" asks a definition
_TRAIL = _Phrases("thì sao", "thì thế nào", "thì như thế nào", "thì ra sao", "thì sao ạ", "thì sao nhỉ", "nữa",
                  "nữa không", "thì thế nào ạ", "thì sao vậy")

# Nouns that, followed by a demonstrative, point back at the conversation; what they stand for.
_DEMONSTRATIVES = _Phrases("đó", "này", "ấy", "trên", "kia", "nói trên", "vừa rồi", "vừa nêu", "đấy")
_ANAPHOR_ROLES = {
    "trường hợp": "subject", "việc": "subject", "vấn đề": "subject", "nội dung": "subject", "cái": "subject",
    "quy định": "subject", "thủ tục": "procedure", "hồ sơ": "dossier",
    "văn bản": "doc", "luật": "doc", "nghị định": "doc", "nghị quyết": "doc", "quyết định": "doc",
    "thông tư": "doc", "kế hoạch": "doc", "khoản": "ref", "điều": "ref", "điểm": "ref",
}
_ANAPHOR_HEADS = _Phrases(*_ANAPHOR_ROLES)
_PRONOUNS = _Phrases("nó")

# Question words: a text holding one asks something itself.
_QUESTION_WORDS = _Phrases("gì", "nào", "ai", "đâu", "bao lâu", "bao nhiêu", "mấy", "sao", "không", "chưa",
                           "thế nào", "bao giờ", "hả")
# Ask nouns and the question tail an ellipsis without question words gets ("còn thời hạn thì sao?"). A fee is
# asked open ("như thế nào"): the answer may well be "miễn lệ phí", which states no amount.
_DEFAULT_TAILS: list[tuple[_Phrases, str]] = [
    (_Phrases("thời hạn", "thời gian", "thời hiệu", "hạn", "thời hạn giải quyết", "thời gian giải quyết"),
     "là bao lâu"),
    (_Phrases("lệ phí", "phí", "chi phí", "mức phạt", "mức chi", "mức thu", "mức", "tiền", "số tiền"), "như thế nào"),
    (_Phrases("hồ sơ", "giấy tờ", "thành phần hồ sơ", "thành phần"), "gồm những gì"),
    (_Phrases("nơi nộp", "nơi", "địa chỉ", "nộp", "nộp hồ sơ"), "ở đâu"),
    (_Phrases("người"), "là ai"),
    (_Phrases("cơ quan", "đơn vị", "thẩm quyền", "có thẩm quyền", "cơ quan giải quyết"), "là cơ quan nào"),
    (_Phrases("điều kiện", "đối tượng", "nội dung"), "là gì"),
    (_Phrases("hiệu lực", "có hiệu lực"), "từ ngày nào"),
]
_ASK_NOUNS = _Phrases(*(x for phrases, _ in _DEFAULT_TAILS for x in phrases.items))
# Everything that is what a question asks, or how it asks, never its subject.
_ASK = _QUESTION_WORDS | _ASK_NOUNS | _Phrases(
    "là gì", "ở đâu", "khi nào", "lúc nào", "từ ngày nào", "từ khi nào", "kể từ", "như thế nào", "ra sao", "có",
    "được", "có được", "có phải", "phải", "là", "những gì", "những", "các", "gồm", "bao gồm", "cần", "cần gì",
    "thì", "ạ", "nhỉ", "vậy", "nữa", "cụ thể", "hiện nay", "hiện tại", "nói", "nói gì", "quy định", "theo", "tại",
    "trong", "đến", "bởi", "cho", "về", "đối với", "của", "với", "và", "hay", "hoặc", "bị", "mất", "tốn", "làm",
    "cách", "thế", "đã", "sẽ", "xin", "hỏi", "cho hỏi", "cho biết", "ơi", "muốn", "biết", "còn", "áp dụng",
    "ngày", "ngày nào", "nhận", "kết quả", "trả kết quả", "giải quyết", "thực hiện", "trình tự", "các bước",
    "bước", "quy trình", "thủ tục", "cách thức", "ngoại lệ", "trường hợp", "mẫu", "tờ khai", "số lượng", "bản",
    "trực tuyến", "qua mạng", "bưu chính", "trực tiếp", "ở", "lâu", "đâu", "mấy",
)
_CONDITION = _Phrases("nếu", "khi", "trường hợp", "trong trường hợp")
_DOC_TYPES = _Phrases("luật", "bộ luật", "nghị định", "nghị quyết", "quyết định", "thông tư", "kế hoạch", "pháp lệnh",
                      "hiến pháp", "chỉ thị", "nđ", "nq", "qđ", "tt", "kh")
_DOC_INTRO = _Phrases("theo", "của", "còn", "và", "với", "về", "tại", "trong", "xem")
_REF_HEADS = _Phrases("điều", "khoản", "điểm")
_SO_HIEU = re.compile(r"^\d+(?:/\d{4})?/[^\W\d_][\w\-–]*$|^\d+/\d{4}$")
_NUMBER = re.compile(r"^\d+[a-zđ]?$")
_LETTER = re.compile(r"^[a-zđ]$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_TOKEN = re.compile(r"\w+(?:[/.\-–]\w+)*")


@dataclass(frozen=True)
class _Tok:
    text: str  # as typed
    key: str  # compared: lower case, folded when the question is typed without diacritics
    start: int
    end: int


@dataclass
class _Parsed:
    """A question split into words, which of them ask (not subject), and its references."""

    text: str
    toks: list[_Tok]
    folded_mode: bool
    ask: list[bool] = field(default_factory=list)
    docs: list[tuple[int, int]] = field(default_factory=list)  # word ranges [i, j) naming a document
    refs: list[tuple[int, int]] = field(default_factory=list)  # word ranges of Điều / khoản / điểm references

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.toks]

    def match(self, i: int, phrases: _Phrases) -> int:
        """Length of the longest phrase of ``phrases`` starting at word ``i`` (0 if none)."""
        table = phrases.folded if self.folded_mode else phrases.exact
        keys = self.keys
        for n in range(min(phrases.longest, len(keys) - i), 0, -1):
            if tuple(keys[i : i + n]) in table:
                return n
        return 0

    def any(self, a: int, b: int, phrases: _Phrases) -> bool:
        return any(self.match(k, phrases) for k in range(a, b))

    def span(self, a: int, b: int) -> str:
        """The words [a, b) as typed, with what stands between them."""
        return self.text[self.toks[a].start : self.toks[b - 1].end] if b > a else ""


def _parse(text: str) -> _Parsed:
    text = re.sub(r"\s+", " ", nfc(text)).strip()
    folded_mode = without_diacritics(text)
    toks = [_Tok(m.group(), fold(m.group()) if folded_mode else m.group().lower(), m.start(), m.end())
            for m in _TOKEN.finditer(text)]
    p = _Parsed(text, toks, folded_mode, [False] * len(toks))
    i = 0
    while i < len(toks):
        n = p.match(i, _ASK)
        p.ask[i : i + n] = [True] * n
        i += n or 1
    p.refs = _find_refs(p)
    for a, b in p.refs:
        p.ask[a:b] = [False] * (b - a)
    p.docs = _find_docs(p)
    for a, b in p.docs:
        p.ask[a:b] = [False] * (b - a)
    return p


def _find_refs(p: _Parsed) -> list[tuple[int, int]]:
    """Word ranges of "điểm a khoản 2 Điều 5", "khoản 3", "Điều 19"."""
    out: list[tuple[int, int]] = []
    keys = p.keys
    i = 0
    while i < len(keys):
        j = i
        while j + 1 < len(keys) and p.match(j, _REF_HEADS) and (
                _NUMBER.match(keys[j + 1]) or _LETTER.match(keys[j + 1]) and fold(keys[j]) == "diem"):
            j += 2
        if j > i:
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _find_docs(p: _Parsed) -> list[tuple[int, int]]:
    """Word ranges naming a document: "Luật Hộ tịch", "Nghị định 170/2025/NĐ-CP", "NQ 57", "170/2025/NĐ-CP"."""
    in_ref = {k for a, b in p.refs for k in range(a, b)}
    keys = p.keys
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(keys):
        if _SO_HIEU.match(keys[i]):
            out.append((i, i + 1))
            i += 1
            continue
        n = p.match(i, _DOC_TYPES)
        numbered = n and i + n < len(keys) and (keys[i + n] in ("số", "so") or _SO_HIEU.match(keys[i + n])
                                                or _NUMBER.match(keys[i + n]))
        # "Luật Hộ tịch", "theo luật hộ tịch": a type word that names, not "kỷ luật" or "quy định của luật"
        named = n and (p.toks[i].text[:1].isupper() or i == 0 or p.match(i - 1, _DOC_INTRO))
        if not n or i in in_ref or not (numbered or named):
            i += 1
            continue
        j = i + n
        if keys[j : j + 1] in (["số"], ["so"]):
            j += 1
        if j < len(keys) and (_SO_HIEU.match(keys[j]) or _NUMBER.match(keys[j])):
            j += 1
        else:
            k = j  # the name: up to an ask word, a reference or the end of the clause
            while k < len(keys) and not p.ask[k] and k not in in_ref and not _SO_HIEU.match(keys[k]):
                if k > j and re.search(r"[?;:.!()]", p.text[p.toks[k - 1].end : p.toks[k].start]):
                    break
                k += 1
            if k == j:
                i += 1
                continue
            j = k
        while j < len(keys) and (_YEAR.match(keys[j]) or _SO_HIEU.match(keys[j])):
            j += 1  # "Luật Cán bộ, công chức 2025"
        out.append((i, j))
        i = j
    return out


@dataclass(frozen=True)
class _Earlier:
    """The earlier (standalone) question read as subject + ask, with its references."""

    text: str
    subject: str
    ask: str  # "thời hạn là bao lâu", "nộp ở đâu"; "" when none was found
    doc: str  # the last document it names
    ref: str  # its last Điều / khoản / điểm reference


def _earlier(text: str) -> _Earlier:
    p = _parse(text)
    whole = p.text.rstrip(" ?.!")
    head, colon, tail = whole.partition(": ")
    if colon and head and tail:  # a question this module wrote: "Thủ tục …: thời hạn là bao lâu"
        doc = p.span(*p.docs[-1]) if p.docs else ""
        ref = p.span(*p.refs[-1]) if p.refs else ""
        return _Earlier(whole, head, tail, doc, ref)
    content = [k for k, a in enumerate(p.ask) if not a]
    if not content:
        return _Earlier(whole, whole, "", "", "")
    a, b = content[0], content[-1] + 1
    if a >= 2 and fold(p.span(a - 2, a)).lower() == "thu tuc":
        a -= 2  # "Thủ tục đăng ký khai tử" names the procedure
    subject = p.span(a, b).strip(" ,;:")
    lead = next((p.span(k, k + n) for k in range(a) if (n := p.match(k, _ASK_NOUNS))), "")
    ask = lead.lower()
    if p.any(b, len(p.toks), _QUESTION_WORDS):
        ask = f"{ask} {p.span(b, len(p.toks))}".strip()
    doc = p.span(*p.docs[-1]) if p.docs else ""
    ref = p.span(*p.refs[-1]) if p.refs else ""
    return _Earlier(whole, subject, ask, doc, ref)


def _question(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:?.")
    text = re.sub(r"\s+([,;:?])", r"\1", text)
    return (text[:1].upper() + text[1:] + "?") if text else ""


def _after_colon(text: str) -> str:
    """"Lệ phí bao nhiêu" after "Thủ tục …:" is "lệ phí bao nhiêu"; "UBND …" stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _tail_for(p: _Parsed, a: int, b: int) -> str:
    tail = ""
    if not p.any(a, b, _QUESTION_WORDS):
        tail = next((t for k in range(a, b) for phrases, t in _DEFAULT_TAILS if p.match(k, phrases)), "như thế nào")
        tail = " " + (fold(tail) if p.folded_mode else tail)  # in the user's own spelling
    return tail


def _inner(text: str) -> str:
    """A phrase put inside a sentence: "Thủ tục …" → "thủ tục …", "Khoản 2 Điều 19" → "khoản 2 Điều 19";
    names ("Luật Hộ tịch", "UBND") keep their capitals."""
    first = fold(text.split(" ", 1)[0]) if text else ""
    if first in ("luat", "nghi", "quyet", "thong", "ke", "dieu", "bo", "phap", "hien") or not text[1:2].islower():
        return text
    return text[:1].lower() + text[1:]


def _merge_ref(new: str, old: str) -> str:
    """"khoản 3" after "khoản 2 Điều 19" is "khoản 3 Điều 19"; "điểm b" after it, "điểm b khoản 2 Điều 19"."""
    old = _inner(old)
    new_words, old_f = fold(new).split(), fold(old)
    if "dieu" in new_words or not old:
        return new
    article = re.search(r"\bdieu\s+\S+", old_f)
    clause = re.search(r"\bkhoan\s+\S+", old_f)
    if "khoan" in new_words or not clause:
        return f"{new} {old[article.start():]}" if article else new
    return f"{new} {old[clause.start():]}"


def _replace(text: str, old: str, new: str) -> str:
    """``text`` with its first ``old`` (compared folded, which keeps lengths) replaced by ``new``."""
    i = fold(text).find(fold(old)) if old else -1
    return text if i < 0 else text[:i] + new + text[i + len(old):]


def _antecedent(role: str, prev: _Earlier) -> str:
    if role == "doc":
        return prev.doc or prev.subject
    if role == "ref":
        if not prev.ref:
            return prev.subject
        return prev.ref + (f" {prev.doc}" if prev.doc else "")
    if role == "procedure":
        return prev.subject if fold(prev.subject).startswith("thu tuc") else f"thủ tục {prev.subject}"
    if role == "dossier":
        return f"hồ sơ {_inner(prev.subject)}"
    return prev.subject


def rewrite(question: str, previous: str) -> Rewrite:
    """``question`` made standalone against the previous (already standalone) question of the conversation."""
    q = re.sub(r"\s+", " ", nfc(question)).strip()
    if not previous or not previous.strip() or not q:
        return Rewrite(q, False)
    p = _parse(q)
    n_words = len(p.toks)
    i0, j0, marked = 0, n_words, False
    while i0 < j0 and not p.match(i0, _LEAD_NOT) and (n := p.match(i0, _LEAD)):
        i0, marked = i0 + n, True
    trimmed = True
    while trimmed:  # "… thì sao?", "… nữa?"
        trimmed = False
        for k in range(i0 + 1, j0):
            if p.match(k, _TRAIL) == j0 - k:
                j0, marked, trimmed = k, True, True
                break
    prev = _earlier(previous)
    if i0 >= j0:  # "Thì sao?": the earlier question again
        return Rewrite(_question(prev.text), bool(n_words), FollowUp.ELLIPSIS, prev.subject, kept_ask=prev.ask)

    # Anaphora: "thủ tục này", "văn bản đó", "khoản đó", "trường hợp trên", "nó".
    subs: list[tuple[int, int, str]] = []
    k = i0
    while k < j0:
        n = p.match(k, _ANAPHOR_HEADS)
        d = p.match(k + n, _DEMONSTRATIVES) if n and k + n < j0 else 0
        if n and d:
            head = " ".join(fold(t.text).lower() for t in p.toks[k : k + n])
            role = next(r for w, r in _ANAPHOR_ROLES.items() if fold(w) == head)
            subs.append((k, k + n + d, _antecedent(role, prev)))
            k += n + d
        elif p.match(k, _PRONOUNS):
            subs.append((k, k + 1, prev.subject))
            k += 1
        else:
            k += 1
    if subs:
        rest = [x for x in range(i0, j0) if not any(a <= x < b for a, b, _ in subs)]
        if not rest:  # "còn văn bản đó thì sao?": the earlier question
            return Rewrite(_question(prev.text), True, FollowUp.ANAPHORA, prev.subject, kept_ask=prev.ask)
        out, last = [], p.toks[i0].start
        for a, b, text in subs:
            out += [p.text[last : p.toks[a].start], text if a == i0 else _inner(text)]
            last = p.toks[b - 1].end
        out.append(p.text[last : p.toks[j0 - 1].end])
        return Rewrite(_question("".join(out)), True, FollowUp.ANAPHORA, prev.subject,
                       tuple((p.span(a, b), text) for a, b, text in subs), kept_ask=p.span(i0, j0))

    body = p.span(i0, j0)
    content = [x for x in range(i0, j0) if not p.ask[x]]
    has_question = p.any(i0, j0, _QUESTION_WORDS)

    if (n := p.match(i0, _CONDITION)) and (marked or has_question):
        if has_question and j0 == n_words:  # "Nếu … thì nộp ở đâu?": its own ask under the condition
            ask = _after_colon(body)
        else:  # "Nếu … thì sao?": the earlier ask under the condition
            ask = f"nếu {p.span(i0 + n, j0)} thì {prev.ask or 'sao'}"
        return Rewrite(_question(f"{prev.subject}: {ask}"), True, FollowUp.CONDITION, prev.subject,
                       (("", prev.subject),), kept_ask=ask)

    if not content:  # an ellipsis, only an ask: "Thế thời hạn là bao lâu?", "nộp ở đâu?"
        if not marked and n_words > 10:
            return Rewrite(q, False)
        ask = _after_colon(body) + _tail_for(p, i0, j0)
        return Rewrite(_question(f"{prev.subject}: {ask}"), True, FollowUp.ELLIPSIS, prev.subject,
                       (("", prev.subject),), kept_ask=ask)

    if not marked:
        return Rewrite(q, False)

    docs = [(a, b) for a, b in p.docs if i0 <= a < j0]
    refs = [(a, b) for a, b in p.refs if i0 <= a < j0]
    beyond = [x for x in content if not any(a <= x < b for a, b in docs + refs)]
    if not docs and not refs and marked and _echoes(p, beyond, prev.subject):
        # "Thế thời hạn đăng ký là bao lâu?" after "Đăng ký khai tử ở đâu?": its only other words repeat the
        # earlier subject, so it is an ellipsis of that subject
        ask = _after_colon(body) + _tail_for(p, i0, j0)
        return Rewrite(_question(f"{prev.subject}: {ask}"), True, FollowUp.ELLIPSIS, prev.subject,
                       (("", prev.subject),), kept_ask=ask)
    if has_question and (beyond or docs):  # "Còn thủ tục kết hôn thì nộp ở đâu?": a question of its own
        text = body
        if refs and not docs and prev.doc:
            ref = p.span(*refs[-1])
            text = _replace(body, ref, f"{ref} {prev.doc}")
        return Rewrite(_question(text), True, FollowUp.OWN_SUBJECT, kept_ask=body)

    # A new subject and the earlier ask: "Còn Luật Hộ tịch thì sao?", "còn khoản 3?", "còn khai sinh?"
    earlier = prev.text
    if docs:
        new_doc = p.span(*docs[-1])
        if prev.doc:
            text = _replace(earlier, prev.doc, new_doc)
            text = _replace(text, prev.ref + " ", "") if prev.ref else text  # its Điều belonged to the other text
            done: tuple[tuple[str, str], ...] = ((prev.doc, new_doc),)
        else:
            text, done = f"{earlier} theo {new_doc}", (("", new_doc),)
        if refs:
            text = _replace(text, new_doc, f"{p.span(*refs[-1])} {new_doc}")
        return Rewrite(_question(text), True, FollowUp.NEW_SUBJECT, new_doc, done, kept_ask=prev.ask)
    if refs and not beyond:
        new_ref = _merge_ref(p.span(*refs[-1]), prev.ref)
        if prev.ref:
            text, old = _replace(earlier, prev.ref, new_ref), prev.ref
        elif prev.doc:
            text, old = _replace(earlier, prev.doc, f"{new_ref} {prev.doc}"), ""
        else:
            text, old = f"{earlier} ({new_ref})", ""
        return Rewrite(_question(text), True, FollowUp.NEW_SUBJECT, new_ref, ((old, new_ref),), kept_ask=prev.ask)
    new = p.span(content[0], content[-1] + 1)
    old = _parallel(prev.subject, new)
    if old is None:  # "Còn lộ trình thực hiện thì sao?": another side of the same subject
        ask = _after_colon(body) + _tail_for(p, i0, j0)
        return Rewrite(_question(f"{prev.subject}: {ask}"), True, FollowUp.ELLIPSIS, prev.subject,
                       (("", prev.subject),), kept_ask=ask)
    text = _replace(earlier, old, new)
    return Rewrite(_question(text), True, FollowUp.NEW_SUBJECT, new, ((old, new),), kept_ask=prev.ask)


def _echoes(p: _Parsed, words: list[int], subject: str) -> bool:
    """Whether every one of these words of the follow-up is a word of the earlier subject."""
    known = {fold(m.group()) for m in _TOKEN.finditer(subject)}
    return bool(words) and all(fold(p.toks[x].text) in known for x in words)


def _parallel(subject: str, new: str) -> str | None:
    """The part of the earlier subject that a new one stands in for, aligned on a shared word:
    "đăng ký khai sinh" for "đăng ký khai tử" in "Thủ tục đăng ký khai tử", "viên chức" for "công chức" in
    "xử lý kỷ luật công chức". None when they share no word (the new words then ask about the subject)."""
    old_words = list(_TOKEN.finditer(subject))
    new_words = [fold(m.group()) for m in _TOKEN.finditer(new)]
    keys = [fold(m.group()) for m in old_words]
    if not old_words or not new_words:
        return None
    doc = next((k for k, w in enumerate(keys) if w in ("theo", "tai")), len(keys))  # "… theo Quyết định 74"
    if new_words[0] in keys[:doc]:  # the same head: from it to the end of the topic
        a = keys.index(new_words[0])
        return subject[old_words[a].start() : old_words[doc - 1].end()]
    if new_words[-1] in keys[:doc]:  # the same last word: as many words before it as the new one has
        b = max(k for k in range(doc) if keys[k] == new_words[-1])
        a = max(0, b - len(new_words) + 1)
        return subject[old_words[a].start() : old_words[b].end()]
    return None


def resolve(question: str, earlier: Sequence[str]) -> Rewrite:
    """``question`` after the user turns ``earlier`` (oldest first), each made standalone in turn."""
    standalone = ""
    for turn in earlier:
        standalone = rewrite(turn, standalone).standalone if standalone else re.sub(r"\s+", " ", nfc(turn)).strip()
    return rewrite(question, standalone)
