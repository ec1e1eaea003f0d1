"""The extractive answer: no model writes anything; the answer quotes the khoản / điểm that
best cover the question, each with its citation, under a one-line lead-in.

It declines (with the closest documents) when retrieval confidence is below a threshold that is
calibrated on a golden set (``assistant eval`` reports the curve), never guessed per question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote as urlquote

from sqlalchemy import func, select

from assistant.answering.asked import QUANTITY_WORDS, Asked, asked_kind, needs_quantity, states
from assistant.answering.models import Citation
from assistant.answering.names import mentioned, proper_names
from assistant.answering.spans import TermStats, Unit, article_units, coverage, query_terms
from assistant.index.schema import ChunkRow
from assistant.index.store import Index
from assistant.retrieval.naming import document_name
from assistant.retrieval.search import ArticleHit, NamedDocument, SearchResult
from assistant.retrieval.validity import EXPIRED, IN_FORCE, LIKELY_EXPIRED, NOT_HELD, NOT_YET, RESTRICTED, Validity
from assistant.settings import Settings

DECLINE_TEXT = "Không tìm thấy căn cứ trong các văn bản hiện có để trả lời câu hỏi này."
STATUS_PREFIX = "Tình trạng hiệu lực theo dữ liệu văn bản: "


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    declined: bool
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


def article_label(hit_kind: str, number: str, part: str, title: str) -> str:
    if hit_kind == "dieu":
        return f"Điều {number}" + (" của Quyết định ban hành" if part == "qd" else "")
    if hit_kind == "annex":
        return title or "Phụ lục"
    return f"Mục {number}"


def source_url(doc_id: str, article_key: str, number: str, part: str, kind: str, clause: str | None) -> str:
    ref = number if (kind == "dieu" and not part) else urlquote(article_key, safe="")
    url = f"/api/documents/{urlquote(doc_id, safe='')}/articles/{ref}"
    return url + (f"?khoan={clause}" if clause else "")


def doc_name(hit: ArticleHit) -> str:
    return document_name(hit.doc_title, hit.doc_type, hit.doc_number, hit.doc_id)


def trim_quote(text: str, limit: int) -> tuple[str, bool]:
    """A prefix of the span, cut at a sentence or clause end: still verbatim. The khoản/điểm
    number ("2. ", "a) ") is left out: the citation names it."""
    text = re.sub(r"^(?:\d{1,3}\.|[a-zđ]\))\s+", "", text.strip())
    if len(text) <= limit:
        return text, False
    cut = max(text.rfind(x, 0, limit) for x in (". ", "; ", ":\n", ";\n", ".\n"))
    if cut < limit // 3:
        cut = text.rfind(" ", 0, limit)
    return text[: cut + 1].strip(), True


def _successor(v: Validity) -> str:
    if not v.successor:
        return ""
    return v.successor if v.successor_held else f"{v.successor} — {NOT_HELD}"


def _evidence(v: Validity) -> str:
    """"(theo Điều 3 Quyết định 1594/QĐ-TTPVHCC)": the readable text that says so."""
    if not v.evidence:
        return ""
    e = v.evidence[0]
    where = "căn cứ ban hành của" if e.article_id is None else _article_label(e.article_id)
    return f" (theo {where} {e.name or e.doc_id})"


def _article_label(article_id: str) -> str:
    key = article_id.split(":", 1)[1] if ":" in article_id else article_id
    number = key.rsplit("dieu-", 1)[1] if "dieu-" in key else None
    return f"Điều {number}" if number else key


def _force(v: Validity) -> str:
    """The verb phrase of a validity statement: "đã hết hiệu lực từ ngày …; văn bản thay thế: …"."""
    when = v.since.strftime("%d/%m/%Y") if v.since else None
    if v.status == EXPIRED:
        text = "đã hết hiệu lực" + (f" từ ngày {when}" if when else "")
        return text + (f"; văn bản thay thế: {_successor(v)}." if v.successor else ".")
    if v.status == LIKELY_EXPIRED:
        by = f" bởi {_successor(v)}" if v.successor else ""
        return f"có thể đã được thay thế{by}{_evidence(v)}; cần kiểm tra trước khi áp dụng."
    if v.status == RESTRICTED:
        return "— có văn bản khác liên quan đến hiệu lực; liên hệ quản trị."
    if v.status == NOT_YET:
        return "chưa có hiệu lực" + (f" (có hiệu lực từ ngày {when})." if when else ".")
    return "đang còn hiệu lực" + (f" (có hiệu lực từ ngày {when})." if when else ".")


def status_line(named: NamedDocument) -> str:
    """The answer to "… còn hiệu lực không?" as the index knows it (dates, replacements, what the texts
    the caller may read say); never a bare "đang còn hiệu lực" for a text they say is superseded."""
    return f"{STATUS_PREFIX}{named.name} {_force(named.validity)}"


def validity_note(hit: ArticleHit) -> str | None:
    if hit.validity.status == IN_FORCE:
        return None
    return f"Lưu ý: {doc_name(hit)} {_force(hit.validity)}"


class ExtractiveComposer:
    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self._stats: TermStats | None = None
        self._stats_size = -1

    def stats(self) -> TermStats:
        """IDF statistics, rebuilt only when the chunk table changed (a cheap count checks it)."""
        with self.index.sessions() as s:
            size = s.scalar(select(func.count()).select_from(ChunkRow)) or 0
            if self._stats is None or size != self._stats_size:
                self._stats, self._stats_size = TermStats(list(s.scalars(select(ChunkRow.text)))), size
        return self._stats

    def should_decline(self, result: SearchResult) -> str | None:
        if not result.hits:
            return "no_results"
        if result.hits[0].pinned:
            return None  # the question named an article we hold
        if result.confidence < self.settings.decline_threshold:
            return "low_confidence"
        return None

    def compose(
        self, question: str, result: SearchResult
    ) -> Composition:
        reason = self.should_decline(result)
        if reason:
            return self._decline(result, reason)
        cfg = self.settings
        top = result.hits[0]
        if top.pinned:  # "Điều 7 Luật Thủ đô …": answer from the named articles only
            chosen = [h for h in result.hits if h.pinned][: cfg.answer_max_articles]
        else:
            chosen = [top] + [h for h in result.hits[1 : cfg.answer_max_articles]
                              if h.score >= cfg.answer_relative_score * top.score]
        kind = None if top.pinned else asked_kind(question)
        kind = kind if needs_quantity(kind) else None
        # Named articles are answered as named; otherwise every retrieved article is read for names.
        if not top.pinned:
            # Texts one by one (each folded once and cached: the same articles come back), not joined.
            sources = [t for h in result.hits for t in (h.doc_title or "", h.article_text)]
            if any(not mentioned(name, sources) for name in proper_names(question)):
                return self._decline(result, "unknown_name")
        units = {h.article_id: article_units(h.article_text.split("\n", 1)[0], h.article_clauses)
                 for h in (result.hits if kind else chosen)}
        stats = self.stats()
        terms = query_terms(question)
        evidence: tuple[ArticleHit, Unit] | None = None
        if kind:
            # "bao nhiêu ngày?" is answered only by a passage on the subject that states a duration.
            # The question's own numbers ("làm việc đủ 12 tháng") are conditions, and "mấy", "phần
            # trăm" name what is asked: neither is the subject the passage must be about.
            subject = [t for t in terms if not t.isdigit() and t not in QUANTITY_WORDS]
            evidence = self._quantity_evidence(kind, subject, result.hits, units, stats)
            if evidence is None:
                return self._decline(result, "no_quantity")
            if evidence[0].article_id not in {h.article_id for h in chosen}:
                chosen = [*chosen[: cfg.answer_max_articles - 1], evidence[0]]
        picks: list[tuple[ArticleHit, Unit]] = []
        for rank, hit in enumerate(chosen):
            if hit.article_id not in units:
                continue
            selected = self._select_units(hit, units[hit.article_id], terms, stats, result, first=rank == 0,
                                          kind=kind)
            if evidence and evidence[0].article_id == hit.article_id and evidence[1] not in selected:
                selected = sorted([*selected[: cfg.answer_units_per_article - 1], evidence[1]], key=lambda u: u.order)
            picks.extend((hit, u) for u in selected)
        if not picks:
            return self._decline(result, "no_supporting_span")
        citations: list[Citation] = []
        lines: list[str] = []
        for n, (hit, unit) in enumerate(picks, 1):
            quote, cut = trim_quote(unit.text, cfg.answer_max_quote_chars)
            label = article_label(hit.kind, hit.article_number, hit.part, hit.title)
            cit = Citation(
                n=n,
                doc_id=hit.doc_id,
                number=hit.doc_number,
                title=hit.doc_title,
                doc_label=doc_name(hit),
                article=hit.article_number if hit.kind == "dieu" else None,
                article_key=hit.article_key,
                article_label=label,
                clause=unit.clause,
                point=unit.point,
                quote=quote,
                heading_path=hit.heading_path,
                validity=hit.validity.status,
                url=source_url(hit.doc_id, hit.article_key, hit.article_number, hit.part, hit.kind, unit.clause),
            )
            citations.append(cit)
            where = " ".join(x for x in (f"điểm {unit.point}" if unit.point else "",
                                          f"khoản {unit.clause}" if unit.clause else "", label) if x)
            lines.append(f"- {where[0].upper()}{where[1:]} {doc_name(hit)}: “{quote}”{'…' if cut else ''} [{n}]")
        docs = list(dict.fromkeys(doc_name(h) for h, _ in picks))
        lead = (f"Theo {docs[0]}, nội dung liên quan như sau:" if len(docs) == 1
                else "Theo các văn bản hiện có, nội dung liên quan như sau:")
        notes = []
        stated = set()
        if result.about_force:  # "… còn hiệu lực không?": the status comes first among the notes
            for named in result.named:
                notes.append(status_line(named))
                stated.add(named.doc_id)
        for hit in {h.article_id: h for h, _ in picks}.values():
            if hit.validity.status != IN_FORCE and hit.doc_id not in stated:
                note = validity_note(hit)
                if note and note not in notes:
                    notes.append(note)
        text = "\n".join([lead, *lines, *notes])
        return Composition(text, citations, False, None, notes)

    def _quantity_evidence(self, kind: Asked, terms: list[str], hits: list[ArticleHit],
                           units: dict[str, list[Unit]], stats: TermStats) -> tuple[ArticleHit, Unit] | None:
        """The retrieved passage that states the asked kind of quantity and best covers the question,
        read with its document and article titles (a unit alone often omits its subject)."""
        best: tuple[float, ArticleHit, Unit] | None = None
        for hit in hits:
            if hit.article_id not in units:
                continue
            head = hit.article_text.split("\n", 1)[0]
            context = f"{hit.doc_title or ''} {head}\n"
            for u in units[hit.article_id]:
                if states(kind, u.text):
                    cov = coverage(terms, context + u.text, stats)
                    if best is None or cov > best[0]:
                        best = (cov, hit, u)
        if best is None or best[0] < self.settings.answer_quantity_min_coverage:
            return None
        return best[1], best[2]

    def _select_units(self, hit: ArticleHit, units: list[Unit], terms: list[str], stats: TermStats,
                      result: SearchResult, first: bool, kind: Asked | None = None) -> list[Unit]:
        cfg = self.settings
        if not units:
            return []
        asked = result.reference.clauses if hit.pinned else []
        if asked:
            wanted = [u for u in units if u.clause in asked
                      and (not result.reference.points or u.point in result.reference.points or u.point is None)]
            if wanted:
                return wanted[: cfg.answer_units_per_article + 1]
        if hit.pinned and not terms_beyond_reference(terms):
            return sorted(units, key=lambda u: u.order)[: cfg.answer_units_per_article]
        # A khoản that states the asked quantity is the answer's core; its neighbours are context.
        bonus = {id(u): 0.2 for u in units if kind and states(kind, u.text)}
        scored = sorted(((coverage(terms, u.text, stats) + bonus.get(id(u), 0.0), u) for u in units),
                        key=lambda x: -x[0])
        best = scored[0][0]
        if not first and best < cfg.answer_min_coverage:
            return []
        keep = [u for sc, u in scored[: cfg.answer_units_per_article] if sc >= 0.75 * best]
        return sorted(keep, key=lambda u: u.order)

    def _decline(self, result: SearchResult, reason: str) -> Composition:
        near = list(dict.fromkeys(doc_name(h) for h in result.hits[:5]))[:3]
        text = DECLINE_TEXT
        if near:
            text += " Các văn bản gần nhất với câu hỏi: " + "; ".join(near) + "."
        text += " Anh/chị có thể diễn đạt lại câu hỏi cụ thể hơn hoặc liên hệ bộ phận pháp chế."
        return Composition(text, [], True, reason)


_REFERENCE_WORDS = re.compile(r"^(?:dieu|khoan|diem|luat|nghi|dinh|quyet|so|nam|\d+\w*)$")


def terms_beyond_reference(terms: list[str]) -> bool:
    """Whether the question says more than its reference ("Điều 7 Luật Thủ đô" alone says nothing)."""
    return sum(1 for t in terms if not _REFERENCE_WORDS.match(t)) > 3
