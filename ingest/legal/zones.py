"""Split a document's lines into zones: main body, signature, attached regulation, annexes/forms.

A decision that promulgates a regulation holds two sets of Điều (its own and the regulation's);
forms appended after the signature may repeat "Điều 1." lines. Zones keep these apart so every
article gets an unambiguous ``part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.legal import patterns as P


@dataclass
class Zone:
    kind: str  # "main" | "signature" | "regulation" | "annex"
    label: str = ""  # heading shown in paths: "Quy định …", "Phụ lục I …", "Mẫu số 02 …"
    lines: list[str] = field(default_factory=list)
    has_article: bool = False


def _slug(text: str) -> str:
    text = text.lower().replace("đ", "d")
    import unicodedata

    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _lookahead_note(lines: list[str], i: int, span: int = 3) -> bool:
    return any(P.ATTACHED_NOTE.match(x) for x in lines[i + 1 : i + 1 + span])


def _annex_label(line: str, lines: list[str], i: int) -> str | None:
    """The label of an annex or form starting at line i, or None if the line is ordinary text."""
    m = P.ANNEX.match(line)
    if m and (line.startswith(("PHỤ LỤC", "PHỤ BIỂU")) or len(line) <= 60 or _lookahead_note(lines, i)):
        return line
    m = P.FORM.match(line)
    if m and len(line) <= 120:
        return line
    if P.ATTACHED_NOTE.match(line):
        return line
    return None


def split_zones(lines: list[str]) -> list[Zone]:
    zones = [Zone("main")]
    seen_article = False
    promulgates = False
    for i, line in enumerate(lines):
        cur = zones[-1]
        if P.ARTICLE.match(line):
            seen_article = cur.has_article = True
            if cur.kind == "main" and P.PROMULGATES.search(line):
                promulgates = True
        after_body = seen_article or cur.kind != "main"
        if (
            (cur.has_article or line.startswith("Nơi nhận"))
            and cur.kind in ("main", "regulation")
            and P.SIGNATURE.match(line)
            and not P.ARTICLE.match(line)
        ):
            zones.append(Zone("signature", lines=[line]))
            continue
        if after_body and cur.kind in ("signature", "main") and P.is_upper_heading(line):
            m = P.ATTACHED_TITLE.match(line)
            if m and (_lookahead_note(lines, i) or (promulgates and cur.kind == "signature")):
                zones.append(Zone("regulation", label=" ".join([line, *P.caps_run(lines, i + 1)]), lines=[line]))
                continue
        if after_body and cur.kind in ("signature", "annex", "main", "regulation"):
            label = _annex_label(line, lines, i)
            # "(Kèm theo …)" right after a title belongs to the zone that title opened.
            if label is not None and not (P.ATTACHED_NOTE.match(line) and len(cur.lines) <= 3 and cur.label):
                if cur.kind in ("main", "regulation") and not (
                    line.startswith(("PHỤ LỤC", "PHỤ BIỂU")) or P.ATTACHED_NOTE.match(line)
                ):
                    # Inside a body, only an unmistakable annex heading closes it.
                    cur.lines.append(line)
                    continue
                zones.append(Zone("annex", label=label, lines=[line]))
                continue
        cur.lines.append(line)
    for z in zones:
        if z.kind == "regulation" and not z.has_article:
            z.kind = "annex"  # an attached procedure or list without Điều is cited as an annex
    zones = _merge_empty(zones)
    for z in zones:
        # A bare "PHỤ LỤC II" heading is named by the all-caps title line under it.
        if z.kind == "annex" and len(z.label) <= 20:
            z.label = " ".join([z.label, *P.caps_run(z.lines, 1)])
    return zones


def _merge_empty(zones: list[Zone]) -> list[Zone]:
    out: list[Zone] = []
    for z in zones:
        if z.kind == "annex" and out and out[-1].kind == "annex" and len(out[-1].lines) <= 1:
            # A bare "PHỤ LỤC" line followed by its "(Kèm theo …)" or "Mẫu số …" line.
            out[-1].lines.extend(z.lines)
            out[-1].label = f"{out[-1].label} {z.label}".strip()
            continue
        out.append(z)
    return out


def part_names(zones: list[Zone]) -> list[str]:
    """Give each zone the ``part`` its articles carry.

    The regulation of a promulgating decision is what people cite ("Điều 5 Quy định ban hành kèm
    theo Quyết định 74"), so its articles are the main body (part ""); the decision's own
    articles become part "qd".
    """
    has_regulation = any(z.kind == "regulation" for z in zones)
    names: list[str] = []
    used: set[str] = set()
    for z in zones:
        if z.kind == "main":
            name = "qd" if has_regulation else ""
        elif z.kind == "regulation":
            name = "" if "" not in used else f"quy-dinh-{len(used)}"
        elif z.kind == "annex":
            m = P.ANNEX.match(z.label) or P.FORM.match(z.label)
            base = "mau" if P.FORM.match(z.label) else "phu-luc"
            num = m.group(1) if m and m.group(1) else ""
            name = f"{base}-{_slug(num)}" if num else base
            k = 2
            while name in used:
                name = f"{base}-{_slug(num) or 'x'}-{k}"
                k += 1
        else:
            name = "signature"
        used.add(name)
        names.append(name)
    return names
