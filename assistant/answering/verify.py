"""Check an LLM answer against the sources it was given, in code, after generation.

* every marker ``[n]`` (also ``[1, 2]``, ``[1][2]``) must name a provided source, else it is removed;
* every quoted span (“…”, "…" or «…», at least ``MIN_QUOTE_CHARS``) must be found verbatim, after
  normalisation, in the source its marker points to (the marker right after it in the same sentence,
  else the one before it in the same sentence); otherwise that marker is removed. A quote with no
  marker is checked against all sources;
* the surviving sources become citations, renumbered 1..m in order of first appearance;
* an answer with no surviving citation, or one that leaks the prompt, is a decline.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote as urlquote

from assistant.answering.models import Citation, Source
from assistant.answering.prompts import NO_ANSWER, REWRITE_PROMPT, SYSTEM_PROMPT
from assistant.textproc import fold, nfc

MIN_QUOTE_CHARS = 12
FALLBACK_QUOTE_CHARS = 300
MAX_QUOTE_CHARS = 700  # a quote elided with "…" over a longer range is cited by its longest piece
LEAK_NGRAM = 10  # this many consecutive words of the prompt in an answer = a leak

_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\s*\]")
_QUOTE = re.compile(r"“([^“”]*)”|\"([^\"\n]*)\"|«([^«»]*)»")
_BOUNDARY = re.compile(r"[.!?](?:\s|$)|\n")
_TIGHT_GAP = re.compile(r"[\s.,;:!?)\]]*")
_ELLIPSIS = re.compile(r"[(\[]?\.{3,}[)\]]?")
_CLAUSE_LINE = re.compile(r"\s*(\d{1,3})\.\s")
_POINT_LINE = re.compile(r"\s*([a-zđ])\)\s")
_ARTICLE_LINE = re.compile(r"\s*(Điều|Chương|Mục|Phụ lục)\s", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;:](?=\s|$)")
_ENUMERATOR = re.compile(r"\s*(\d{1,3}|[a-zđ]|[IVXLC]{1,6})", re.IGNORECASE)

_CHAR_MAP = {
    **dict.fromkeys("“”„‟«»〝〞″＂", '"'),
    **dict.fromkeys("‘’‚‛′＇`", "'"),
    **dict.fromkeys("‐‑‒–—―−﹣－", "-"),
    "…": "...",
}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_STRIP = " .,;:!?\"'"


@dataclass
class Verified:
    text: str
    citations: list[Citation] = field(default_factory=list)
    flagged: bool = False
    dropped_markers: list[int] = field(default_factory=list)
    unsupported_quotes: list[str] = field(default_factory=list)
    declined: bool = False


# -- normalisation -----------------------------------------------------------------------------
def normalize_map(text: str) -> tuple[str, list[int]]:
    """NFC, lowercase, one space for any whitespace, one quote and one dash character.

    Returns the normalised string and, for each of its characters, the index in ``text`` it came from
    (``text`` must already be NFC for the indexes to be exact).
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                index.append(i)
            continue
        for c in _CHAR_MAP.get(ch, ch).lower():
            out.append(c)
            index.append(i)
    return "".join(out), index


def normalize(text: str) -> str:
    return normalize_map(nfc(text))[0].strip()


def _quote_pieces(quote: str) -> list[str]:
    """The normalised pieces of a quote, split where the model elided text with "…"."""
    norm = normalize(html.unescape(_MARKER.sub(" ", quote)))
    pieces = [p.strip(_STRIP) for p in _ELLIPSIS.split(norm)]
    return [p for p in pieces if p]


class _SourceText:
    """A source's text, NFC, with its normalised form for matching."""

    def __init__(self, text: str) -> None:
        self.text = nfc(text)
        self.norm, self.index = normalize_map(self.text)

    def locate(self, quote: str) -> tuple[int, int] | None:
        """(start, end) in ``self.text`` of the quote's pieces, found in order; None if absent."""
        spans = self.piece_spans(quote)
        return (spans[0][0], spans[-1][1]) if spans else None

    def piece_spans(self, quote: str) -> list[tuple[int, int]]:
        """(start, end) in ``self.text`` of each piece of the quote, found in order; [] if one is absent."""
        pieces = _quote_pieces(quote)
        spans: list[tuple[int, int]] = []
        pos = 0
        for piece in pieces:
            at = self.norm.find(piece, pos)
            if at < 0:
                return []
            pos = at + len(piece)
            spans.append((self.index[at], self.index[pos - 1] + 1))
        return spans

    def span_text(self, quote: str, limit: int = MAX_QUOTE_CHARS) -> str | None:
        """The source's own words for a quote: from its first to its last piece, or its longest piece."""
        spans = self.piece_spans(quote)
        if not spans:
            return None
        start, end = spans[0][0], spans[-1][1]
        if end - start > limit:
            start, end = max(spans, key=lambda sp: sp[1] - sp[0])
        return self.text[start:end]


# -- clause / point ----------------------------------------------------------------------------
def _position_unit(text: str, pos: int) -> tuple[str | None, str | None]:
    """The khoản and điểm whose lines contain position ``pos`` of ``text``."""
    clause = point = None
    offset = 0
    for line in text.splitlines(keepends=True):
        if offset > pos:
            break
        if m := _CLAUSE_LINE.match(line):
            clause, point = m.group(1), None
        elif m := _POINT_LINE.match(line):
            point = m.group(1)
        elif _ARTICLE_LINE.match(line):
            clause = point = None
        offset += len(line)
    return clause, point


def find_clause(source_text: str, quote: str) -> tuple[str | None, str | None]:
    """(khoản, điểm) of the source lines that hold ``quote`` ("1." lines, "a)" lines); None when unknown.

    Both ends of the quote must lie in the same khoản (and the same điểm for the điểm to be given).
    """
    src = _SourceText(source_text)
    span = src.locate(quote)
    if span is None:
        return None, None
    start = _position_unit(src.text, span[0])
    end = _position_unit(src.text, max(span[1] - 1, span[0]))
    if start[0] is None or start[0] != end[0]:
        return None, None
    return start[0], start[1] if start[1] == end[1] else None


def first_sentence(text: str, limit: int = FALLBACK_QUOTE_CHARS) -> str:
    """The first sentence of a source (after an "Điều N. …" heading), verbatim, at most ``limit`` chars."""
    text = nfc(text).strip()
    lines = text.split("\n")
    body = text
    if len(lines) > 1 and _ARTICLE_LINE.match(lines[0]) and "\n".join(lines[1:]).strip():
        body = "\n".join(lines[1:]).strip()
    end = len(body)
    for m in _SENTENCE_END.finditer(body):
        line_start = body.rfind("\n", 0, m.start()) + 1
        if _ENUMERATOR.fullmatch(body[line_start:m.start()]):
            continue  # "1." / "a." / "II." numbering, not a sentence end
        end = m.end()
        break
    sentence = body[:end].strip()
    if len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit)
        sentence = sentence[: cut if cut > limit // 3 else limit].strip()
    return sentence


# -- prompt leaks ------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return re.findall(r"\w+", normalize(text))


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


_PROMPT_NGRAMS = (_ngrams(_words(SYSTEM_PROMPT), LEAK_NGRAM) | _ngrams(_words(REWRITE_PROMPT), LEAK_NGRAM)) - _ngrams(
    _words(NO_ANSWER + " để trả lời câu hỏi này"), LEAK_NGRAM)


def leaks_prompt(text: str, sources: list[Source] | None = None) -> bool:
    """Whether ``text`` repeats ``LEAK_NGRAM`` consecutive words of the prompts (not found in a source)."""
    hits = _ngrams(_words(text), LEAK_NGRAM) & _PROMPT_NGRAMS
    if hits and sources:
        for s in sources:
            hits -= _ngrams(_words(s.text), LEAK_NGRAM)
    return bool(hits)


def is_decline_text(text: str) -> bool:
    """The answer is (a variant of) the "Không tìm thấy căn cứ…" sentence."""
    bare = fold(_MARKER.sub(" ", nfc(text))).strip(" \n\t.:;!\"'“”")
    return bare.startswith(fold("Không tìm thấy căn cứ")) and len(bare) <= len(NO_ANSWER) + 60


# -- markers and quotes ------------------------------------------------------------------------
@dataclass
class _Marker:
    start: int
    end: int
    numbers: list[int]
    keep: list[int] = field(default_factory=list)


@dataclass
class _Quote:
    start: int  # opening quote character
    end: int  # after the closing quote character
    inner: str


def _marker_numbers(spec: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", spec):
        if m := re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)", part):
            a, b = int(m.group(1)), int(m.group(2))
            numbers.extend(range(a, b + 1) if 0 <= b - a <= 20 else (a, b))
        elif part.strip().isdigit():
            numbers.append(int(part))
    return list(dict.fromkeys(numbers))


def _marker_for(q: _Quote, markers: list[_Marker], masked: str) -> _Marker | None:
    """The marker right after the quote in its sentence, else the one before it in its sentence."""
    for m in markers:
        if m.start < q.start:
            continue
        if m.start < q.end:  # a marker written inside the quote
            return m
        gap = masked[q.end:m.start]
        if _TIGHT_GAP.fullmatch(gap) or (len(gap) <= 300 and not _BOUNDARY.search(gap)):
            return m
        break
    for m in reversed(markers):
        if m.end <= q.start:
            gap = masked[m.end:q.start]
            if len(gap) <= 300 and not _BOUNDARY.search(gap):
                return m
            break
    return None


def _with_khoan(url: str, clause: str | None) -> str:
    if not clause or "khoan=" in url:
        return url
    return url + ("&" if "?" in url else "?") + f"khoan={urlquote(clause)}"


def _citation(n: int, source: Source, quote: str) -> Citation:
    clause, point = find_clause(source.text, quote)
    return Citation(
        n=n, doc_id=source.doc_id, number=source.number, title=source.title, doc_label=source.doc_label,
        article=source.article, article_key=source.article_key, article_label=source.article_label,
        clause=clause, point=point,
        quote=quote, heading_path=list(source.heading_path), validity=source.validity,
        url=_with_khoan(source.url, clause),
    )


def _rebuild(text: str, markers: list[_Marker], renumber: dict[int, int]) -> str:
    out: list[str] = []
    pos = 0
    for m in markers:
        out.append(text[pos:m.start])
        numbers = sorted({renumber[n] for n in m.keep if n in renumber})
        if numbers:
            out.append("".join(f"[{n}]" for n in numbers))
        else:  # removed: no space left dangling before punctuation, none missing between words
            out[-1] = out[-1].rstrip(" \t")
            nxt = text[m.end:m.end + 1]
            if nxt and (nxt.isalnum() or nxt in "“\"«(") and out[-1] and not out[-1][-1].isspace():
                out.append(" ")
        pos = m.end
    out.append(text[pos:])
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


def _declined(flagged: bool, dropped: list[int], unsupported: list[str]) -> Verified:
    return Verified(text=NO_ANSWER, citations=[], flagged=flagged, dropped_markers=dropped,
                    unsupported_quotes=unsupported, declined=True)


def verify_answer(text: str, sources: list[Source]) -> Verified:
    """Keep only what the sources support; see the module docstring for the rules."""
    text = nfc(text or "").strip()
    by_n = {s.n: s for s in sources}
    markers = [_Marker(m.start(), m.end(), _marker_numbers(m.group(1))) for m in _MARKER.finditer(text)]
    all_numbers = list(dict.fromkeys(n for m in markers for n in m.numbers))

    if not text or is_decline_text(text):
        return _declined(False, [], [])
    if leaks_prompt(text, sources):
        return _declined(True, all_numbers, [])

    dropped: list[int] = []
    for m in markers:
        m.keep = [n for n in m.numbers if n in by_n]
        dropped.extend(n for n in m.numbers if n not in by_n)

    quotes: list[_Quote] = []
    for qm in _QUOTE.finditer(text):
        inner = next(g for g in qm.groups() if g is not None)
        quotes.append(_Quote(qm.start(), qm.end(), inner))
    masked = list(text)
    for q in quotes:
        masked[q.start:q.end] = "x" * (q.end - q.start)
    masked_text = "".join(masked)

    texts = {n: _SourceText(s.text) for n, s in by_n.items()}
    verified_quote: dict[int, str] = {}  # source number -> first verified span, verbatim from the source
    unsupported: list[str] = []
    for q in quotes:
        inner = q.inner.strip()
        if len(_MARKER.sub("", inner).strip()) < MIN_QUOTE_CHARS:
            continue
        marker = _marker_for(q, markers, masked_text)
        targets = marker.keep if marker and marker.keep else list(by_n)
        found = False
        for n in targets:
            span = texts[n].span_text(inner)
            if span is not None:
                found = True
                verified_quote.setdefault(n, span)
        if not found:
            unsupported.append(inner)
            if marker and marker.keep:
                dropped.extend(marker.keep)
                marker.keep = []

    order: list[int] = []
    for m in markers:
        for n in m.keep:
            if n not in order:
                order.append(n)
    renumber = {old: new for new, old in enumerate(order, 1)}
    dropped = list(dict.fromkeys(dropped))
    flagged = bool(dropped or unsupported)
    if not order:
        return _declined(True, dropped, unsupported)

    new_text = _rebuild(text, markers, renumber)
    citations = [
        _citation(renumber[old], by_n[old], verified_quote.get(old) or first_sentence(by_n[old].text))
        for old in order
    ]
    return Verified(text=new_text, citations=citations, flagged=flagged, dropped_markers=dropped,
                    unsupported_quotes=unsupported, declined=False)
