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

from assistant.answering.facts import FactSpan, fact_spans, referral, states_fact
from assistant.answering.models import Citation
from assistant.answering.names import mentioned, proper_names
from assistant.answering.spans import (
    TermStats,
    Unit,
    article_units,
    coverage,
    has_sequence,
    key_pairs,
    query_terms,
)
from assistant.index.schema import ChunkRow
from assistant.index.store import Index
from assistant.retrieval.asked import (
    ANSWER_TYPE_LABELS,
    QUANTITY_WORDS,
    AnswerType,
    answer_type,
    asked_kind,
    measured_phrase,
    needs_quantity,
)
from assistant.retrieval.naming import document_full_name, document_name, unit_label
from assistant.retrieval.search import ArticleHit, NamedDocument, SearchResult
from assistant.retrieval.validity import EXPIRED, IN_FORCE, LIKELY_EXPIRED, NOT_HELD, NOT_YET, RESTRICTED, Validity
from assistant.settings import Settings
from ingest.models import UnitKind

DECLINE_TEXT = "Không tìm thấy căn cứ trong các văn bản hiện có để trả lời câu hỏi này."
STATUS_PREFIX = "Tình trạng hiệu lực theo dữ liệu văn bản: "


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    declined: bool
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    answer_type: AnswerType | None = None
    procedure_code: str | None = None  # the procedure card the answer line came from


@dataclass(frozen=True)
class Evidence:
    """The passage (and the span in it) that states the asked fact."""

    hit: ArticleHit
    unit: Unit
    span: FactSpan
    coverage: float


# Questions only a passage stating such a fact can answer: otherwise the honest answer is a decline.
QUANTITY_TYPES = frozenset({AnswerType.DURATION, AnswerType.AMOUNT, AnswerType.DATE})
FACT_TYPES = QUANTITY_TYPES | {AnswerType.AUTHORITY, AnswerType.PLACE, AnswerType.DOSSIER}
# Questions a procedure card's field answers, and the declines such a field lifts (the fact was missing).
CARD_TYPES = frozenset({AnswerType.DURATION, AnswerType.PLACE, AnswerType.DOSSIER, AnswerType.AUTHORITY,
                        AnswerType.AMOUNT, AnswerType.STEPS})
CARD_LIFTS = frozenset({"no_fact", "no_quantity", "referred"})


def _sentence(span: str) -> str:
    """A span as the end of a sentence (the span itself is untouched)."""
    return span.rstrip(" ,;:.")


def article_label(hit_kind: str, number: str, part: str, title: str, heading_path: list[str] | None = None) -> str:
    return unit_label(hit_kind, number, part, title, heading_path or ())  # naming.py owns every label


def source_url(doc_id: str, article_key: str, number: str, part: str, kind: str, clause: str | None) -> str:
    ref = number if (kind == "dieu" and not part) else urlquote(article_key, safe="")
    url = f"/api/documents/{urlquote(doc_id, safe='')}/articles/{ref}"
    return url + (f"?khoan={clause}" if clause else "")


def doc_name(hit: ArticleHit) -> str:
    return document_name(hit.doc_title, hit.doc_type, hit.doc_number, hit.doc_id)


def doc_full_name(hit: ArticleHit) -> str:
    """With the trích yếu: a list of closest documents says what each is about."""
    return document_full_name(hit.doc_title, hit.doc_type, hit.doc_number, hit.doc_id)


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
            # Article chunks only: answer units repeat their text and would halve every term's weight.
            articles = ChunkRow.unit.is_(None) | (ChunkRow.unit == UnitKind.ARTICLE.value)
            size = s.scalar(select(func.count()).select_from(ChunkRow).where(articles)) or 0
            if self._stats is None or size != self._stats_size:
                texts = list(s.scalars(select(ChunkRow.text).where(articles)))
                self._stats, self._stats_size = TermStats(texts), size
        return self._stats

    def should_decline(self, result: SearchResult) -> str | None:
        if not result.hits:
            return "no_results"
        if result.hits[0].pinned:
            return None  # the question named an article we hold
        if result.about_force and result.named:
            return None  # the force of a document we hold: its status and effect article answer it
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
        stats = self.stats()
        terms = query_terms(question)
        atype = answer_type(question)
        if top.pinned and not terms_beyond_reference(terms):
            atype = AnswerType.ARTICLE  # "Điều 7 Luật Thủ đô": the article's content is what is asked
        elif result.about_force and atype in (AnswerType.YES_NO, AnswerType.EXCEPTION):
            atype = AnswerType.GENERAL  # "… còn hiệu lực không?": the status line answers, then the effect article
        # Named articles are answered as named; otherwise every retrieved article is read for names.
        if not top.pinned:
            # Texts one by one (each folded once and cached: the same articles come back), not joined.
            sources = [t for h in result.hits for t in (h.doc_title or "", h.article_text)]
            if any(not mentioned(name, sources) for name in proper_names(question)):
                return self._decline(result, "unknown_name")
            # "Thủ tục cấp hộ chiếu …": a procedure no retrieved text names is not one the collection holds.
            named_procedure = procedure_name(question)
            if named_procedure:
                pairs = key_pairs(named_procedure, query_terms(named_procedure), stats)
                if pairs and not any(has_sequence(p, t) for p in pairs for t in sources):
                    return self._decline(result, "unknown_name")
        units = {h.article_id: article_units(h.article_text, h.article_clauses) for h in result.hits}
        # The asked fact must be stated by a passage on the question's subject. The question's own numbers
        # ("làm việc đủ 12 tháng") are conditions, and "mấy", "phần trăm" name what is asked: neither is the
        # subject the passage must be about.
        subject = [t for t in terms if not t.isdigit() and t not in QUANTITY_WORDS]
        # A document's force is answered by its effect article, which retrieval puts first: no other evidence.
        evidence = None if top.pinned or result.about_force else self._fact_evidence(
            atype, subject, result.hits, units, stats, question)
        if evidence is None and not top.pinned and not result.about_force and atype in FACT_TYPES:
            return self._decline_missing_fact(result, atype, subject, units, stats)
        if evidence and evidence.hit.article_id not in {h.article_id for h in chosen}:
            chosen = [*chosen[: cfg.answer_max_articles - 1], evidence.hit]
        picks: list[tuple[ArticleHit, Unit]] = []
        for rank, hit in enumerate(chosen):
            selected = self._select_units(hit, units[hit.article_id], terms, stats, result, first=rank == 0,
                                          atype=atype)
            if evidence and evidence.hit.article_id == hit.article_id and evidence.unit not in selected:
                selected = sorted([*selected[: cfg.answer_units_per_article - 1], evidence.unit],
                                  key=lambda u: u.order)
            picks.extend((hit, u) for u in selected)
        if not picks:
            return self._decline(result, "no_supporting_span")
        if evidence:  # the passage that states the asked fact is [1]
            picks.sort(key=lambda p: (p[0].article_id, p[1].order) != (evidence.hit.article_id, evidence.unit.order))
        quoted = [self._citation(n, hit, unit) for n, (hit, unit) in enumerate(picks, 1)]
        citations = [c for c, _ in quoted]
        lead = self._lead(atype, evidence, picks[:1] if result.about_force else picks, citations, subject, stats)
        lines = [lead, *self._quote_lines(picks, quoted)]
        notes = self._notes(result, picks)
        # A document's force, when asked, is the answer: its status line comes before everything else.
        status = [n for n in notes if n.startswith(STATUS_PREFIX)]
        others = [n for n in notes if not n.startswith(STATUS_PREFIX)]
        return Composition("\n".join([*status, *lines, *others]), citations, False, None, notes, answer_type=atype)

    def _citation(self, n: int, hit: ArticleHit, unit: Unit) -> tuple[Citation, bool]:
        """The unit's citation, and whether its quote was cut short."""
        quote, cut = trim_quote(unit.text, self.settings.answer_max_quote_chars)
        return Citation(
            n=n,
            doc_id=hit.doc_id,
            number=hit.doc_number,
            title=hit.doc_title,
            doc_label=doc_name(hit),
            article=hit.article_number if hit.kind == "dieu" else None,
            article_key=hit.article_key,
            article_label=article_label(hit.kind, hit.article_number, hit.part, hit.title, hit.heading_path),
            clause=unit.clause,
            point=unit.point,
            quote=quote,
            heading_path=hit.heading_path,
            validity=hit.validity.status,
            url=source_url(hit.doc_id, hit.article_key, hit.article_number, hit.part, hit.kind, unit.clause),
        ), cut

    def _lead(self, atype: AnswerType, evidence: Evidence | None, picks: list[tuple[ArticleHit, Unit]],
              citations: list[Citation], subject: list[str], stats: TermStats) -> str:
        """The answer's first line: the asked fact as a verbatim span with its [n]; for a question on what a
        text says, its most relevant sentence."""
        label = ANSWER_TYPE_LABELS[atype]
        if evidence is not None:
            return f"{label}: {_sentence(evidence.span.text)} [1]"
        # No typed fact: the sentence of the quoted passages that covers the question best.
        best: tuple[float, int, str] | None = None
        for kind in dict.fromkeys((atype, AnswerType.GENERAL)):  # any sentence when none of the asked kind
            for n, (_hit, unit) in enumerate(picks[:3], 1):
                for span in fact_spans(kind, unit.text, self.settings.answer_lead_chars):
                    cov = coverage(subject, span.text, stats) - 0.05 * (n - 1)
                    if best is None or cov > best[0]:
                        best = (cov, n, span.text)
            if best is not None:
                break
        if best is None:
            return f"Theo {citations[0].doc_label}:"
        return f"{label}: {_sentence(best[2])} [{best[1]}]"

    def _quote_lines(self, picks: list[tuple[ArticleHit, Unit]], quoted: list[tuple[Citation, bool]]) -> list[str]:
        """Supporting quotes grouped per document, the document named once; a cut quote ends with "…"."""
        lines = ["Căn cứ:"]
        by_doc: dict[str, list[tuple[Unit, Citation, bool]]] = {}
        for (_hit, unit), (cit, cut) in zip(picks, quoted, strict=True):
            by_doc.setdefault(cit.doc_label, []).append((unit, cit, cut))
        for doc_label, items in by_doc.items():
            lines.append(f"{doc_label}:")
            for unit, cit, cut in items:
                where = " ".join(x for x in (f"điểm {unit.point}" if unit.point else "",
                                              f"khoản {unit.clause}" if unit.clause else "", cit.article_label) if x)
                lines.append(f"- {where[0].upper()}{where[1:]}: “{cit.quote}”{'…' if cut else ''} [{cit.n}]")
        return lines

    def _notes(self, result: SearchResult, picks: list[tuple[ArticleHit, Unit]]) -> list[str]:
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
        return notes

    def _fact_evidence(self, atype: AnswerType, subject: list[str], hits: list[ArticleHit],
                       units: dict[str, list[Unit]], stats: TermStats, question: str = "") -> Evidence | None:
        """The retrieved passage that states the asked kind of fact and best covers the question's subject,
        read with its document and article titles (a unit alone often omits its subject). Units the
        retriever matched best, and better-ranked articles, are preferred on a tie."""
        if atype not in FACT_TYPES and atype not in (AnswerType.YES_NO, AnswerType.EXCEPTION):
            return None
        best: tuple[float, Evidence] | None = None
        # The subject of an amount, and of any fact with the setting on, must stand in the evidence's article:
        # one of the question's two most specific word pairs ("mức chi" of a plan is no "lương cơ sở").
        keys = key_pairs(question, subject, stats) if (atype == AnswerType.AMOUNT or (
            atype in FACT_TYPES and self.settings.answer_fact_key_pair)) else []
        # The quantity exactly as asked ("bao nhiêu tiền" wants money, not a percentage).
        kind = asked_kind(question) if atype in QUANTITY_TYPES else None
        quantity = kind if needs_quantity(kind) else None
        # An amount of what: "mức lương cơ sở" is not answered by "mức chi" of another allowance.
        measured = measured_phrase(question) if atype == AnswerType.AMOUNT else None
        for rank, hit in enumerate(hits):
            head = hit.article_text.split("\n", 1)[0]
            context = f"{hit.doc_title or ''} {head}\n"
            matched = {(u.clause, u.point) for u in hit.units[:2]}
            for u in units.get(hit.article_id, []):
                spans = fact_spans(atype, u.text, self.settings.answer_lead_chars, quantity)
                if not spans:
                    continue
                if keys and not any(has_sequence(k, f"{context}{hit.article_text}") for k in keys):
                    continue  # the fact is stated about something else
                if measured and not has_sequence(measured, f"{head}\n{u.text}"):
                    continue
                if atype in (AnswerType.YES_NO, AnswerType.EXCEPTION) and not spans[0].excluding:
                    continue  # only an excluding clause is put before the rule
                cov = coverage(subject, context + u.text, stats)
                score = cov - 0.03 * rank + (0.05 if (u.clause, u.point) in matched else 0.0)
                if best is None or score > best[0]:
                    # The span that best covers the subject; for a yes/no question, the excluding clause.
                    span = spans[0] if atype not in FACT_TYPES else max(
                        spans, key=lambda s: coverage(subject, s.text, stats))  # noqa: B023 - used at once
                    best = (score, Evidence(hit, u, span, cov))
        min_cov = self.settings.answer_quantity_min_coverage
        if best is None or best[1].coverage < min_cov:
            return None
        return best[1]

    def _decline_missing_fact(self, result: SearchResult, atype: AnswerType, subject: list[str],
                              units: dict[str, list[Unit]], stats: TermStats) -> Composition:
        """No retrieved passage on the subject states the asked fact. When the closest one refers the matter
        to another text ("theo quy định của pháp luật về …"), say which one governs it."""
        reason = "no_quantity" if atype in QUANTITY_TYPES else "no_fact"
        best: tuple[float, str] | None = None
        for hit in result.hits[:3]:
            for u in units.get(hit.article_id, []):
                target = referral(u.text)
                if target:
                    cov = coverage(subject, u.text, stats)
                    if best is None or cov > best[0]:
                        best = (cov, target)
        composition = self._decline(result, reason)
        if best is not None and best[0] >= self.settings.answer_quantity_min_coverage:
            composition.text = (f"Các văn bản hiện có không nêu cụ thể nội dung này; văn bản gần nhất dẫn chiếu "
                                f"đến quy định của {best[1]} — văn bản này chưa có trong hệ thống. "
                                + composition.text)
            composition.reason = "referred"
        return composition

    def _select_units(self, hit: ArticleHit, units: list[Unit], terms: list[str], stats: TermStats,
                      result: SearchResult, first: bool, atype: AnswerType = AnswerType.GENERAL) -> list[Unit]:
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
        # A unit that states the asked kind of fact is the answer's core; the retriever's best units count too.
        matched = {(u.clause, u.point): u.score for u in hit.units}
        bonus = {id(u): (0.2 if atype in FACT_TYPES and states_fact(atype, u.text) else 0.0)
                 + 0.1 * matched.get((u.clause, u.point), 0.0) for u in units}
        scored = sorted(((coverage(terms, u.text, stats) + bonus[id(u)], u) for u in units), key=lambda x: -x[0])
        best = scored[0][0]
        if not first and best < cfg.answer_min_coverage:
            return []
        keep = [u for sc, u in scored[: cfg.answer_units_per_article] if sc >= 0.75 * best]
        return sorted(keep, key=lambda u: u.order)

    def _decline(self, result: SearchResult, reason: str) -> Composition:
        near = list(dict.fromkeys(doc_full_name(h) for h in result.hits[:5]))[:3]
        text = DECLINE_TEXT
        if near:
            text += " Các văn bản gần nhất với câu hỏi: " + "; ".join(near) + "."
        text += " Anh/chị có thể diễn đạt lại câu hỏi cụ thể hơn hoặc liên hệ bộ phận pháp chế."
        return Composition(text, [], True, reason)


# "thủ tục <name>" up to the ask ("gồm", "nộp", "ở đâu", "bao lâu", "như thế nào", "cần", "thì", "là", "có", "mất").
_PROCEDURE = re.compile(r"\bthủ tục\s+(.+?)(?=\s+(?:gồm|bao gồm|nộp|ở đâu|tại đâu|bao lâu|mất|như thế nào|thế nào"
                        r"|ra sao|cần|thì|là|có|được|phải|do|của|trong|theo)\b|[?,.;:]|$)", re.I)


def procedure_name(question: str) -> str | None:
    """The procedure a question names ("thủ tục cấp hộ chiếu phổ thông" → "cấp hộ chiếu phổ thông"), if any."""
    m = _PROCEDURE.search(question)
    name = m.group(1).strip() if m else ""
    return name if len(name.split()) >= 2 else None


_REFERENCE_WORDS = re.compile(r"^(?:dieu|khoan|diem|luat|nghi|dinh|quyet|so|nam|\d+\w*)$")


def terms_beyond_reference(terms: list[str]) -> bool:
    """Whether the question says more than its reference ("Điều 7 Luật Thủ đô" alone says nothing)."""
    return sum(1 for t in terms if not _REFERENCE_WORDS.match(t)) > 3
