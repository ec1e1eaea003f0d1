"""Turn normalised text into articles with heading paths and khoản/điểm.

Headings are recognised by line pattern *and* context: an "Điều N." line only opens an article
when N continues the sequence and the line is not inside quoted amendment text; cross-references
("theo khoản 2 Điều 5", "Điều 7 của Luật này") never match the heading pattern at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ingest.legal import patterns as P
from ingest.legal.zones import Zone, part_names, split_zones
from ingest.models import Article, Clause

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_to_int(s: str) -> int:
    total, prev = 0, 0
    for ch in reversed(s.upper()):
        v = _ROMAN_VALUES.get(ch, 0)
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def _article_number(num: str) -> tuple[int, str]:
    m = re.match(r"(\d+)([a-zđ]?)", num)
    assert m
    return int(m.group(1)), m.group(2)


def _continues(prev: str | None, num: str) -> bool:
    """Whether "Điều num" can follow "Điều prev" (gaps of a lost article or two are tolerated)."""
    if prev is None:
        return True
    pn, ps = _article_number(prev)
    n, s = _article_number(num)
    if n == pn:
        return bool(s) and s > ps
    return pn < n <= pn + 3 and not s or (n == pn + 1)


class _QuoteTracker:
    """Tracks quoted amendment text ("Điều 12 được sửa đổi như sau: “Điều 12. …”")."""

    def __init__(self) -> None:
        self.inside = False
        self.lines = 0

    def feed(self, line: str) -> bool:
        """Return True when this line is (part of) a quotation."""
        opens = sum(line.count(c) for c in "“«")
        closes = sum(line.count(c) for c in "”»")
        starts_quoted = line[:1] in P.OPEN_QUOTES
        if self.inside:
            self.lines += 1
            if closes > opens or self.lines > 400:
                self.inside = False
            return True
        if starts_quoted and opens > closes:
            self.inside, self.lines = True, 0
            return True
        return starts_quoted


@dataclass
class _ArticleBuilder:
    part: str
    number: str
    kind: str
    title: str
    heading_path: list[str]
    head: str
    body: list[str] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    _clause_lines: list[str] = field(default_factory=list)
    _clause_no: str | None = None
    _points: list[str] = field(default_factory=list)
    _started: bool = False

    def add(self, line: str, quoted: bool) -> None:
        self.body.append(line)
        m = None if quoted else P.CLAUSE.match(line)
        if m and self._next_clause_ok(m.group(1)):
            self._flush()
            self._clause_no, self._clause_lines, self._points = m.group(1), [line], []
            self._started = True
            return
        pm = None if quoted else P.POINT.match(line)
        if pm and self._next_point_ok(pm.group(1)):
            self._points.append(pm.group(1))
        self._clause_lines.append(line)
        self._started = True

    def _next_clause_ok(self, num: str) -> bool:
        expected = 1 if self._clause_no is None else int(self._clause_no) + 1
        return int(num) == expected

    def _next_point_ok(self, letter: str) -> bool:
        idx = P.POINT_LETTERS.find(letter)
        if not self._points:
            return idx == 0
        last = P.POINT_LETTERS.find(self._points[-1])
        # Many texts go "d) … e)" without "đ)".
        return idx == last + 1 or (idx == last + 2 and P.POINT_LETTERS[last + 1] == "đ")

    def _flush(self) -> None:
        if self._clause_lines:
            self.clauses.append(
                Clause(number=self._clause_no, text="\n".join(self._clause_lines), points=self._points)
            )

    def build(self, ordinal: int) -> Article:
        self._flush()
        text = "\n".join([self.head, *self.body])
        return Article(
            part=self.part,
            number=self.number,
            kind=self.kind,
            title=self.title,
            heading_path=list(self.heading_path),
            text=text,
            clauses=self.clauses,
            ordinal=ordinal,
        )


def _article_title(rest: str) -> str:
    """An Điều heading either names the article or already holds its whole text."""
    rest = rest.strip()
    if not rest:
        return ""
    if len(rest) <= 200 and not re.search(r"[\.;:]$", rest):
        return rest
    return ""


def _title_after(lines: list[str], i: int, inline: str) -> tuple[str, int]:
    """Chương/Mục titles sit on the heading line or the next line (crawls may print both)."""
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if inline:
        if nxt.strip() == inline.strip():
            return inline, 1
        more = P.caps_run(lines, i + 1) if P.is_upper_heading(inline) else []
        return " ".join([inline, *more]), len(more)
    if nxt and not P.ARTICLE.match(nxt) and not P.CHAPTER.match(nxt) and not P.SECTION.match(nxt):
        more = P.caps_run(lines, i + 2) if P.is_upper_heading(nxt) else []
        return " ".join([nxt, *more]), 1 + len(more)
    return "", 0


def _parse_dieu_zone(lines: list[str], part: str, root: list[str]) -> tuple[list[str], list[_ArticleBuilder]]:
    """Parse a zone that has Điều headings. Returns the lines before the first article and articles."""
    lead: list[str] = []
    builders: list[_ArticleBuilder] = []
    path: dict[str, str] = {}
    quotes = _QuoteTracker()
    prev: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        quoted = quotes.feed(line)
        cur = builders[-1] if builders else None
        if not quoted:
            m = P.ARTICLE.match(line)
            if m and _continues(prev, m.group(1)):
                prev = m.group(1)
                heading = [*root, *(path[k] for k in ("part", "chapter", "section", "sub") if k in path)]
                builders.append(
                    _ArticleBuilder(
                        part=part,
                        number=m.group(1),
                        kind="dieu",
                        title=_article_title(m.group(2)),
                        heading_path=heading,
                        head=line,
                    )
                )
                i += 1
                continue
            level = None
            for key, pat in (("part", P.PART), ("chapter", P.CHAPTER), ("section", P.SECTION), ("sub", P.SUBSECTION)):
                hm = pat.match(line)
                if hm and (key != "section" or len(line) < 200):
                    level = (key, hm)
                    break
            if level is not None:
                key, hm = level
                title, skip = _title_after(lines, i, hm.group(2))
                name = line.split()[0].capitalize() if key != "sub" else "Tiểu mục"
                label = f"{name} {hm.group(1)}" + (f". {title}" if title else "")
                order = ["part", "chapter", "section", "sub"]
                for k in order[order.index(key) :]:
                    path.pop(k, None)
                path[key] = label
                i += 1 + skip
                continue
        if cur is None:
            lead.append(line)
        else:
            cur.add(line, quoted)
        i += 1
    return lead, builders


def _section_headings(lines: list[str]) -> list[tuple[int, str, str, str]]:
    """Level-1 headings of a document without Điều: (line index, level, number, title).

    Roman numerals (I., II.) are the sections; capital letters (A., B.) group them. Without roman
    numerals, top-level numbers (1., 2.) are the sections. Numbers must run in sequence.
    """
    out: list[tuple[int, str, str, str]] = []
    romans = [(i, P.ROMAN_HEADING.match(x)) for i, x in enumerate(lines)]
    letter_prev = None
    roman_prev = 0
    for i, line in enumerate(lines):
        lm = P.LETTER_HEADING.match(line)
        if lm and len(line) < 300 and P.is_upper_heading(lm.group(2)[:60]):
            expected = "A" if letter_prev is None else chr(ord(letter_prev) + 1)
            if lm.group(1) == expected:
                letter_prev = lm.group(1)
                roman_prev = 0
                out.append((i, "letter", lm.group(1), lm.group(2)))
                continue
        rm = romans[i][1]
        if rm and len(line) < 400:
            v = roman_to_int(rm.group(1))
            if v == roman_prev + 1:
                roman_prev = v
                title = rm.group(2) or (lines[i + 1] if i + 1 < len(lines) else "")
                out.append((i, "roman", rm.group(1), title))
    if any(level == "roman" for _, level, _, _ in out):
        return out
    prev = 0
    for i, line in enumerate(lines):
        nm = P.NUMBERED_HEADING.match(line)
        if nm and not re.match(r"^\d+\.\d", line) and int(nm.group(1)) == prev + 1:
            prev += 1
            title = nm.group(2) or (lines[i + 1] if i + 1 < len(lines) else "")
            out.append((i, "number", nm.group(1), title))
    return out


def _parse_section_zone(lines: list[str], part: str, root: list[str]) -> tuple[list[str], list[_ArticleBuilder]]:
    heads = _section_headings(lines)
    if not heads:
        return lines, []
    lead = lines[: heads[0][0]]
    builders: list[_ArticleBuilder] = []
    group = ""
    group_label = ""
    for k, (i, level, num, title) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        if level == "letter":
            group, group_label = num, f"{num}. {title}"
            if end > i + 1:  # text between a letter heading and its first section
                b = _ArticleBuilder(part, num, "section", title, [*root], lines[i])
                for x in lines[i + 1 : end]:
                    b.add(x, False)
                builders.append(b)
            continue
        number = f"{group}.{num}" if group else num
        path = [*root, group_label] if group_label else [*root]
        b = _ArticleBuilder(part, number, "section", _short_title(title), path, lines[i])
        quotes = _QuoteTracker()
        for x in lines[i + 1 : end]:
            b.add(x, quotes.feed(x))
        builders.append(b)
    return lead, builders


def _short_title(title: str) -> str:
    title = title.strip()
    return title if len(title) <= 200 else title[:200].rsplit(" ", 1)[0] + "…"


@dataclass
class Structure:
    preamble: str
    signature: str
    articles: list[Article]


def parse_structure(text: str) -> Structure:
    text = unicodedata.normalize("NFC", text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", x).strip() for x in text.splitlines()]
    lines = [x for x in lines if x]
    zones = split_zones(lines)
    parts = part_names(zones)
    preamble: list[str] = []
    signature: list[str] = []
    builders: list[_ArticleBuilder] = []
    for zone, part in zip(zones, parts, strict=True):
        if zone.kind == "signature":
            signature.extend(zone.lines)
            continue
        root = [_zone_label(zone)] if zone.kind in ("regulation", "annex") else []
        if part == "qd":
            root = ["Quyết định ban hành"]
        has_dieu = any(P.ARTICLE.match(x) for x in zone.lines)
        parse = _parse_dieu_zone if has_dieu else _parse_section_zone
        lead, arts = parse(zone.lines, part, root)
        if zone.kind == "main":
            preamble.extend(lead)
        elif lead and (zone.kind == "annex" or arts):
            # An annex's own text (title, tables) is citable as the annex itself.
            # A regulation's title block is not content; a long lead-in (rare) stays citable.
            if zone.kind == "annex" or sum(len(x) for x in lead) > 600:
                intro = _ArticleBuilder(part, _annex_number(zone), "annex", _short_title(zone.label), [], lead[0])
                for x in lead[1:]:
                    intro.add(x, False)
                arts.insert(0, intro)
        elif lead:
            preamble.extend(lead)
        builders.extend(arts)
    articles = [b.build(k) for k, b in enumerate(builders)]
    return Structure(preamble="\n".join(preamble), signature="\n".join(signature), articles=articles)


def _zone_label(zone: Zone) -> str:
    return _short_title(zone.label) if zone.label else ""


def _annex_number(zone: Zone) -> str:
    m = P.ANNEX.match(zone.label) or P.FORM.match(zone.label)
    return (m.group(1) if m and m.group(1) else "") or "0"
