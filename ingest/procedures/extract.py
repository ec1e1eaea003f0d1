"""Procedure cards from procedure decisions and their annexes.

Two shapes occur in Hà Nội's texts, and both are read from the same cell stream (``source``):

* catalogue tables (danh mục thủ tục hành chính): one row per procedure, columns named by the
  header (Mã TTHC, Tên thủ tục, Thời hạn giải quyết, Địa điểm, Cách thức, Phí, Căn cứ pháp lý,
  Lĩnh vực, Cơ quan thực hiện…), group rows ("I. Lĩnh vực Xuất nhập khẩu") giving the lĩnh vực;
* procedure sections ("I. Thủ tục … (Mã TTHC 1.012644, ký hiệu: QTTP-20)") with numbered parts:
  cơ sở pháp lý, thành phần hồ sơ, cách thức và địa chỉ nộp, thời gian và phí, quy trình.

Columns are recognised by their header words, cells by what they hold (a code, a duration, a
citation…) when merged cells leave a row short or long. Whatever is not recognised becomes a
typed warning; nothing is filled in that the text does not say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ingest.procedures import text as T
from ingest.procedures.competence import authorities_in, card_competences, find_competences
from ingest.procedures.models import (
    Authority,
    Deadline,
    DossierItem,
    Extraction,
    ExtractionWarning,
    Fee,
    LegalBasis,
    ProcedureCard,
    ProcedureStatus,
    SourcedText,
    Span,
    Step,
    SubmissionChannel,
    WarningKind,
)
from ingest.procedures.source import Cell, SectionMap


class Col(StrEnum):
    STT = "stt"
    CODE = "code"
    NAME = "name"
    DEADLINE = "deadline"
    PLACE = "place"
    CHANNEL = "channel"
    FEE = "fee"
    BASIS = "basis"
    SYMBOL = "symbol"
    NOTE = "note"
    FIELD = "field"
    AUTHORITY = "authority"
    ABOLISH_BASIS = "abolish_basis"
    DOC_NAME = "doc_name"
    COPY = "copy"
    QTY = "qty"
    SUBMIT = "submit"
    ADDRESS = "address"
    STEP = "step"
    UNIT = "unit"
    WORK = "work"
    RESULT = "result"
    FEE_GROUP = "fee_group"
    ONLINE = "online"
    DAYS = "days"
    HOURS = "hours"
    FEE_ONLY = "fee_only"
    CHARGE = "charge"
    FORM = "form"
    DUTY = "duty"


# Header cell (folded, prefix) → column. Longer prefixes first so "le phi" is not read as "phi".
_HEADERS: list[tuple[str, Col]] = sorted(
    [
        ("stt", Col.STT), ("tt", Col.STT), ("so tt", Col.STT),
        ("ma tthc", Col.CODE), ("ma thu tuc", Col.CODE), ("ma so tthc", Col.CODE),
        ("ten thu tuc", Col.NAME), ("linh vuc/ten quy trinh", Col.NAME), ("ten quy trinh", Col.NAME),
        ("thoi han giai quyet (dvt", Col.DAYS), ("thoi han giai quyet", Col.DEADLINE),
        ("thoi gian giai quyet", Col.DEADLINE),
        ("dia diem thuc hien", Col.PLACE), ("co quan thuc hien", Col.AUTHORITY),
        ("co quan giai quyet", Col.AUTHORITY), ("cach thuc thuc hien", Col.CHANNEL),
        ("phi le phi", Col.FEE), ("phi, le phi", Col.FEE), ("muc thu", Col.FEE_GROUP), ("phi", Col.FEE_ONLY),
        ("le phi", Col.CHARGE), ("can cu phap ly", Col.BASIS), ("co so phap ly", Col.BASIS),
        ("ky hieu", Col.SYMBOL), ("ghi chu", Col.NOTE), ("linh vuc", Col.FIELD),
        ("ten van ban quy dinh viec bai bo", Col.ABOLISH_BASIS),
        ("ten ho so", Col.DOC_NAME), ("ten giay to", Col.DOC_NAME), ("thanh phan ho so", Col.DOC_NAME),
        ("ban sao/ban chinh", Col.COPY), ("ban sao/ ban chinh", Col.COPY), ("ban chinh/ban sao", Col.COPY),
        ("so luong", Col.QTY), ("cach thuc nop", Col.SUBMIT), ("dia chi", Col.ADDRESS),
        ("ten buoc", Col.STEP), ("don vi/nguoi thuc hien", Col.UNIT), ("don vi/ nguoi thuc hien", Col.UNIT),
        ("noi dung cong viec", Col.WORK), ("bieu mau/ ket qua", Col.RESULT), ("bieu mau/ket qua", Col.RESULT),
        ("ket qua", Col.RESULT), ("cung cap dich vu cong truc tuyen", Col.ONLINE),
        ("muc do dich vu cong", Col.ONLINE), ("ngay lam viec", Col.DAYS), ("gio lam viec", Col.HOURS),
        ("ten bieu mau", Col.FORM), ("trach nhiem", Col.DUTY),
    ],
    key=lambda kv: -len(kv[0]),
)
_EXACT_ONLY = {"tt", "stt", "so tt", "phi", "le phi", "ket qua", "dia chi", "linh vuc", "ky hieu", "trach nhiem"}


def header_col(text: str) -> Col | None:
    if len(text) > 90:
        return None
    f = T.fold(text).replace(" / ", "/")
    for prefix, col in _HEADERS:
        if prefix in _EXACT_ONLY:
            if f == prefix or f.startswith(prefix + " dvt"):
                return col
        elif f.startswith(prefix):
            return col
    return None


class Kind(StrEnum):
    CATALOGUE = "catalogue"
    DOSSIER = "dossier"
    CHANNELS = "channels"
    TIME_FEE = "time_fee"
    STEPS = "steps"
    FORMS = "forms"
    DUTIES = "duties"
    UNKNOWN = "unknown"


def table_kind(cols: Sequence[Col], context: str) -> Kind:
    c = set(cols)
    if Col.CODE in c and Col.NAME in c:
        return Kind.CATALOGUE
    if Col.DOC_NAME in c:
        return Kind.DOSSIER
    if Col.STEP in c or {Col.UNIT, Col.WORK} <= c:
        return Kind.STEPS
    if Col.SUBMIT in c or (Col.ADDRESS in c and "nop" in T.fold(context)):
        return Kind.CHANNELS
    if Col.DEADLINE in c and c & {Col.FEE_GROUP, Col.FEE_ONLY, Col.CHARGE, Col.DAYS, Col.FEE}:
        return Kind.TIME_FEE
    if Col.FORM in c:
        return Kind.FORMS
    if Col.DUTY in c:
        return Kind.DUTIES
    return Kind.UNKNOWN


@dataclass
class TableRead:
    kind: Kind
    cols: list[Col]
    header: list[Cell]
    body: list[Cell]
    heading: str = ""


@dataclass
class _Ctx:
    doc_id: str
    sections: SectionMap
    warnings: list[ExtractionWarning] = field(default_factory=list)

    def span(self, *cells: Cell) -> Span:
        located = [c for c in cells if c.located] or list(cells)
        start = min(c.start for c in located)
        end = max(c.end for c in located)
        return Span(doc_id=self.doc_id, article_key=self.sections.key_at(start), start=start, end=end)

    def sourced(self, cell: Cell, text: str | None = None) -> SourcedText:
        return SourcedText(text=text if text is not None else cell.text, span=self.span(cell))

    def warn(self, kind: WarningKind, message: str, *cells: Cell) -> ExtractionWarning:
        w = ExtractionWarning(kind=kind, message=message, span=self.span(*cells) if cells else None)
        self.warnings.append(w)
        return w


def _header_run(cells: list[Cell], i: int) -> list[Col] | None:
    """Columns of a header starting at cell i: two or more header cells in a row (a grouped header
    spans two rows of a real table; its cells follow each other in the stream all the same)."""
    cols: list[Col] = []
    for c in cells[i:]:
        col = header_col(c.text)
        if col is None:
            break
        cols.append(col)
    return cols if len(cols) >= 2 else None


def _ends_table(cell: Cell, kind: Kind) -> bool:
    t = cell.text
    if T.PROCEDURE_HEADING.match(t) or t.startswith(("PHỤ LỤC", "Phụ lục ")) or re.match(r"^Điều\s+\d+[a-zđ]?\.\s", t):
        return True
    if re.match(r"^Mẫu\s+(?:số\s+)?[A-ZĐ]?\d+[a-z]?$", t):  # a form annex "Mẫu B12" begins
        return True
    if re.match(r"^[A-ZĐ]\.\s+\S", t) and t[3:].upper() == t[3:]:  # "B. NỘI DUNG …"
        return True
    if T.SUBHEADING.match(t) and not (kind == Kind.CATALOGUE and len(t) < 12):
        return True
    if kind == Kind.STEPS and T.fold(t).startswith("tong thoi gian"):
        return True
    return kind != Kind.CATALOGUE and re.match(r"^[IVXLC]{1,6}\.\s+\S", t) is not None


def read_tables(cells: list[Cell]) -> list[tuple[int, int, TableRead]]:
    """Every recognised header and the body cells under it: (first cell, end cell, table)."""
    out: list[tuple[int, int, TableRead]] = []
    i = 0
    heading = ""
    while i < len(cells):
        cols = _header_run(cells, i)
        if cols is None:
            c = cells[i]
            first_of_table = c.table is not None and (i == 0 or cells[i - 1].table != c.table)
            if first_of_table:
                # a real table whose first row names no column we know: reported, not read
                j = i
                while j < len(cells) and cells[j].table == c.table:
                    j += 1
                row = [c] + [x for x in cells[i + 1 : j] if not x.row_start][: 12]
                out.append((i, j, TableRead(Kind.UNKNOWN, [], row, cells[i + len(row) : j], heading)))
                i = j
                continue
            if T.SUBHEADING.match(c.text) or T.PROCEDURE_HEADING.match(c.text):
                heading = c.text
            i += 1
            continue
        kind = table_kind(cols, heading)
        header = cells[i : i + len(cols)]
        j = i + len(cols)
        table_id = cells[i].table
        while j < len(cells):
            c = cells[j]
            if table_id is not None and c.table != table_id:
                break
            if table_id is None and (_ends_table(c, kind) or _header_run(cells, j)):
                break
            j += 1
        out.append((i, j, TableRead(kind, cols, header, cells[i + len(cols) : j], heading)))
        i = j
    return out


# -- catalogue rows -------------------------------------------------------------------------------

def _fits(col: Col, text: str) -> bool:
    if col == Col.CODE:
        return bool(T.CODE.match(text))
    if col == Col.SYMBOL:
        return bool(T.SYMBOL.match(text))
    if col == Col.DEADLINE:
        return bool(T.number_of_days(text)[0] is not None or "quy định" in text or "giờ" in text)
    if col == Col.CHANNEL:
        return T.channel_of(text) is not None or "nộp" in text.lower()
    if col in (Col.BASIS, Col.ABOLISH_BASIS):
        return T.looks_like_citation(text)
    if col == Col.FEE:
        f = T.fold(text)
        return T.is_free(text) or "dong" in f or "phi" in f or "quy dinh" in f
    if col == Col.FIELD:
        return len(text) <= 80 and not re.search(r"\d", text)
    return True


def _align(cols: list[Col], cells: list[Cell]) -> tuple[dict[Col, list[Cell]], list[Cell]]:
    """Assign a row's cells to columns by order, skipping a column whose cell is missing (merged
    above) and attaching a surplus cell that fits no column to the column before it."""
    out: dict[Col, list[Cell]] = {}
    extra: list[Cell] = []
    ci = 0
    for k, cell in enumerate(cells):
        remaining_cells = len(cells) - k
        placed = False
        while ci < len(cols):
            col = cols[ci]
            remaining_cols = len(cols) - ci
            if _fits(col, cell.text):
                out.setdefault(col, []).append(cell)
                ci += 1
                placed = True
                break
            if remaining_cells > remaining_cols and ci > 0:
                out.setdefault(cols[ci - 1], []).append(cell)  # a surplus cell: a note of the previous column
                placed = True
                break
            ci += 1  # this column's cell is missing in this row
        if not placed:
            extra.append(cell)
    return out, extra


def _catalogue_rows(t: TableRead, ctx: _Ctx) -> list[tuple[list[Cell], list[Cell]]]:
    """(group cells before the row, row cells) in order."""
    cols = t.cols
    has_stt = Col.STT in cols
    rows: list[tuple[list[Cell], list[Cell]]] = []
    groups: list[Cell] = []
    current: list[Cell] | None = None
    body = t.body
    expected = 1
    k = 0
    while k < len(body):
        c = body[k]
        nxt = body[k + 1] if k + 1 < len(body) else None
        number = c.text.rstrip(".") if has_stt and T.ROW_NUMBER.match(c.text) else None
        starts = bool(number and ((nxt is not None and T.CODE.match(nxt.text)) or int(number) == expected)) or (
            not has_stt and bool(T.CODE.match(c.text)))
        if starts and number:
            expected = int(number) + 1
        if c.row_start and c.table is not None and not T.GROUP_MARK.match(c.text) and (
                starts or not T.ROW_NUMBER.match(c.text)) and current is not None and not starts:
            # a real table row that is neither a procedure nor a group mark: a group label row
            current = None
        if starts:
            current = [c]
            rows.append((groups, current))
            groups = []
        elif T.GROUP_MARK.match(c.text) or current is None:
            current = None
            groups.append(c)
        else:
            current.append(c)
        k += 1
    if groups:
        ctx.warn(WarningKind.UNASSIGNED_CELLS, f"{len(groups)} ô cuối bảng danh mục không thuộc thủ tục nào", *groups)
    return rows


_FIELD_IN_TEXT = re.compile(r"lĩnh vực\s+(.+?)(?:\s*\(\d+\s*TTHC\)|\s+thuộc\b|\s+của\b|\s+trên\b|\s+theo\b|"
                            r"\s+(?:được|bị|áp dụng)\b|[;(]|$)", re.I)
# "Vật liệu nổ công nghiệp, tiền chất thuốc nổ (07 TTHC)": a catalogue group counted in procedures is a lĩnh vực.
_COUNTED_GROUP = re.compile(r"^(?:Lĩnh vực\s+)?(.+?)\s*\(\d+\s*TTHC\)$", re.I)
_LEVEL = re.compile(r"(Thủ tục hành chính cấp\s+\S+(?:\s+[A-ZĐ]\S*)?)", re.I)


def field_in(text: str) -> str | None:
    m = _FIELD_IN_TEXT.search(text)
    if not m:
        return None
    value = m.group(1).strip(" .:")
    return T.sentence_case(value) if value else None


def _catalogue_cards(t: TableRead, ctx: _Ctx, context: list[Cell]) -> list[ProcedureCard]:
    cards: list[ProcedureCard] = []
    missing = [c for c in (Col.CODE, Col.NAME) if c not in t.cols]
    if missing:
        ctx.warn(WarningKind.MISSING_HEADER, "bảng danh mục thiếu cột " + ", ".join(m.value for m in missing),
                 *t.header)
    cols = [c for c in t.cols if c != Col.STT]
    field_cell: tuple[Cell, str] | None = None
    level: Cell | None = None
    group_context: list[Cell] = []
    abolished_heading = any("bai bo" in T.fold(c.text) for c in context[-1:])
    for groups, row in _catalogue_rows(t, ctx):
        # a group row is a mark ("I.", "A") and its label; other cells between rows are strays
        labels = [g for k, g in enumerate(groups) if k > 0 and T.GROUP_MARK.match(groups[k - 1].text)
                  and not T.GROUP_MARK.match(g.text)]
        strays = [g for g in groups if g not in labels and not T.GROUP_MARK.match(g.text)]
        if strays:
            ctx.warn(WarningKind.UNASSIGNED_CELLS, f"{len(strays)} ô giữa các dòng danh mục không thuộc cột nào",
                     *strays)
        for g in labels:
            f = field_in(g.text)
            counted = _COUNTED_GROUP.match(g.text)
            if f or counted:
                field_cell = (g, f or T.sentence_case(counted.group(1)))
            lv = _LEVEL.search(g.text)
            if lv:
                level = g
            group_context.append(g)
        cells = row[1:] if Col.STT in t.cols else row
        assigned, extra = _align(cols, cells)
        if extra:
            ctx.warn(WarningKind.UNASSIGNED_CELLS, f"{len(extra)} ô của dòng không khớp cột nào", *extra)
        name_cells = assigned.get(Col.NAME)
        code_cells = assigned.get(Col.CODE)
        if not name_cells:
            ctx.warn(WarningKind.MISSING_FIELD, "dòng danh mục không có tên thủ tục", *row)
            continue
        name_cell = name_cells[0]
        card = ProcedureCard(
            doc_id=ctx.doc_id,
            code=ctx.sourced(code_cells[0], T.canonical_code(code_cells[0].text)) if code_cells else None,
            name=ctx.sourced(name_cell, name_cell.text.rstrip(". ")),
            span=ctx.span(*row),
            status=ProcedureStatus.ABOLISHED if (Col.ABOLISH_BASIS in t.cols or abolished_heading)
            else ProcedureStatus.PUBLISHED,
        )
        values = _card_fields(assigned, ctx)
        if Col.FIELD not in assigned and field_cell:
            values["field"] = ctx.sourced(field_cell[0], field_cell[1])
        if level is not None:
            lv = _LEVEL.search(level.text)
            assert lv
            values["level"] = ctx.sourced(level, lv.group(1))
        auth = list(values.pop("authorities", []))
        if not auth:
            named = authorities_in([name_cell], ctx.span)
            above = authorities_in([*context, *group_context[-2:]], ctx.span)
            if above and above[0].delegated_from is not None:
                # "ủy quyền cho X giải quyết" above a row "… thuộc thẩm quyền của Y": X acts for Y
                origin = named[0].body if named and named[0].body != above[0].body else above[0].delegated_from
                auth = [above[0].model_copy(update={"delegated_from": origin})]
            else:
                auth = named or above
        values["authorities"] = auth
        cards.append(card.model_copy(update=values))
    return cards


def _card_fields(assigned: dict[Col, list[Cell]], ctx: _Ctx) -> dict:
    v: dict = {}
    if cells := assigned.get(Col.SYMBOL):
        v["symbol"] = ctx.sourced(cells[0])
    if cells := assigned.get(Col.FIELD):
        v["field"] = ctx.sourced(cells[0], T.sentence_case(cells[0].text.rstrip(". ")))
    if cells := assigned.get(Col.DEADLINE):
        v["deadline"] = _deadline(cells, ctx)
    if cells := assigned.get(Col.PLACE):
        v["places"] = [ctx.sourced(cells[0], item) for c in cells for item in T.bullets(c.text)]
    if cells := assigned.get(Col.CHANNEL):
        v["channels"] = _channels_from_text(cells[0], ctx)
    if cells := assigned.get(Col.FEE):
        v["fee"] = _fee(cells[0], ctx)
    if cells := assigned.get(Col.BASIS) or assigned.get(Col.ABOLISH_BASIS):
        v["legal_basis"] = _basis(cells, ctx)
    if cells := assigned.get(Col.RESULT):
        v["results"] = [ctx.sourced(c) for c in cells]
    if cells := assigned.get(Col.AUTHORITY):
        v["authorities"] = [Authority(body=c.text.rstrip(". "), span=ctx.span(c)) for c in cells[:1]]
    return v


def _deadline(cells: list[Cell], ctx: _Ctx, *, working: bool | None = None) -> Deadline:
    text = " ".join(c.text for c in cells)
    days, wd = T.number_of_days(cells[0].text)
    return Deadline(text=text, days=days, working_days=working if working is not None and days is not None else wd,
                    hours=T.number_of_hours(text), span=ctx.span(*cells))


def _channels_from_text(cell: Cell, ctx: _Ctx) -> list[SubmissionChannel]:
    out = []
    for item in T.bullets(cell.text):
        ch = T.channel_of(item)
        if ch is None:
            continue
        url = T.URL.search(item)
        out.append(SubmissionChannel(channel=ch, text=item, url=url.group(0).rstrip(".") if url else None,
                                     span=ctx.span(cell)))
    return out


def _fee(cell: Cell, ctx: _Ctx) -> Fee:
    """A "Phí, lệ phí" cell: free when it says none ("Không", "Không quy định", "0 đồng"), not free when it
    states an amount in đồng, unknown otherwise ("Theo quy định": the amount is in another text)."""
    free: bool | None = True if T.is_free(cell.text) else (False if "đồng" in cell.text else None)
    return Fee(text=cell.text, free=free, span=ctx.span(cell))


def _basis(cells: list[Cell], ctx: _Ctx) -> list[LegalBasis]:
    out = []
    for c in cells:
        for item in T.bullets(c.text):
            out.append(LegalBasis(text=item, numbers=T.legal_numbers(item), span=ctx.span(c)))
    return out


# -- procedure sections ------------------------------------------------------------------------------

def _dossier(t: TableRead, ctx: _Ctx) -> list[DossierItem]:
    cols = [c for c in t.cols]
    if Col.COPY not in cols or Col.QTY not in cols:
        ctx.warn(WarningKind.MISSING_HEADER, "bảng thành phần hồ sơ thiếu cột bản chính/bản sao hoặc số lượng",
                 *t.header)
    items: list[DossierItem] = []
    rows = _numbered_rows(t.body, len(cols))
    for row in rows:
        cells = row[1:] if T.ROW_NUMBER.match(row[0].text) else row
        name = cells[0] if cells else None
        if name is None:
            continue
        kind = qty = None
        rest = cells[1:]
        for c in rest:
            if kind is None and T.copy_kind(c.text):
                kind = T.copy_kind(c.text)
            elif qty is None and re.fullmatch(r"\d{1,2}", c.text.strip()):
                qty = int(c.text)
        if len(rest) > 2:
            ctx.warn(WarningKind.UNASSIGNED_CELLS, "dòng hồ sơ có ô thừa", *rest[2:])
        items.append(DossierItem(name=name.text.rstrip(";. "), copy_kind=kind, quantity=qty, span=ctx.span(*cells)))
    return items


def _numbered_rows(body: list[Cell], ncols: int) -> list[list[Cell]]:
    """Rows of a table whose first column is a running number (1, 2, 3…)."""
    rows: list[list[Cell]] = []
    expected = 1
    for c in body:
        starts = (c.row_start is True) if c.table is not None else (
            c.text.rstrip(".") == str(expected) and (not rows or len(rows[-1]) >= 2))
        if starts or not rows:
            rows.append([c])
            if c.text.rstrip(".") == str(expected):
                expected += 1
        else:
            rows[-1].append(c)
    return rows


def _channels_table(t: TableRead, ctx: _Ctx) -> list[SubmissionChannel]:
    if Col.SUBMIT not in t.cols:
        ctx.warn(WarningKind.MISSING_HEADER, "bảng cách thức nộp hồ sơ thiếu cột cách thức", *t.header)
    out = []
    for row in _numbered_rows(t.body, len(t.cols)):
        cells = row[1:] if T.ROW_NUMBER.match(row[0].text) else row
        if not cells:
            continue
        label = cells[0]
        url = next((m.group(0) for c in cells for m in [T.URL.search(c.text)] if m), None)
        address = next((c.text for c in cells[1:] if not T.URL.fullmatch(c.text)), None)
        out.append(SubmissionChannel(channel=T.channel_of(label.text), text=label.text, address=address, url=url,
                                     span=ctx.span(*cells)))
    return out


def _time_fee(t: TableRead, ctx: _Ctx) -> dict:
    v: dict = {}
    values = [c for c in t.body]
    days = next((c for c in values if T.number_of_days(c.text)[0] is not None), None)
    rest = [c for c in values if c is not days and not (T.is_duration(c.text) and "giờ" in c.text)]
    working = True if Col.DAYS in t.cols else None
    if days is not None:
        v["deadline"] = _deadline([days], ctx, working=working)
    # A two-row header: values follow the top row, a grouped column giving its sub-columns' values.
    groups = {Col.DEADLINE: [Col.DAYS, Col.HOURS], Col.FEE_GROUP: [Col.FEE_ONLY, Col.CHARGE]}
    order: list[Col] = []
    for c in t.cols:
        if c in groups and any(x in t.cols for x in groups[c]):
            order.extend(x for x in groups[c] if x in t.cols)
        elif c not in order:
            order.append(c)
    leaf = [c for c in order if c in (Col.FEE_ONLY, Col.CHARGE, Col.ONLINE, Col.FEE)]
    fee = charge = online = None
    for col, cell in zip(leaf, rest, strict=False):
        if col in (Col.FEE_ONLY, Col.FEE):
            fee = cell
        elif col == Col.CHARGE:
            charge = cell
        else:
            online = cell
    if fee is not None or charge is not None:
        cells = [c for c in (fee, charge) if c is not None]
        f = Fee(text="; ".join(c.text for c in cells), fee=fee.text if fee else None,
                charge=charge.text if charge else None,
                free=all(T.is_free(c.text) for c in cells), span=ctx.span(*cells))
        v["fee"] = f
    if online is not None:
        v["online_level"] = ctx.sourced(online)
    if len(rest) > len(leaf):
        ctx.warn(WarningKind.UNASSIGNED_CELLS, "bảng thời gian, phí có ô không khớp cột", *rest[len(leaf):])
    return v


def _steps(t: TableRead, ctx: _Ctx) -> list[Step]:
    blocks: list[tuple[Cell, list[Cell]]] = []
    for c in t.body:
        if T.STEP_LABEL.match(c.text):
            blocks.append((c, []))
        elif blocks:
            blocks[-1][1].append(c)
        else:
            ctx.warn(WarningKind.UNASSIGNED_CELLS, "ô trước bước đầu tiên của quy trình", c)
    steps: list[Step] = []
    group: str | None = None
    for label, cells in blocks:
        durations = [k for k, c in enumerate(cells) if T.is_duration(c.text)]
        segments: list[tuple[list[Cell], Cell | None]] = []
        prev = 0
        for d in durations:
            segments.append((cells[prev:d], cells[d]))
            prev = d + 1
        tail = cells[prev:]
        if not durations:
            segments.append((tail[:2], None))
            tail = tail[2:]
        pending_result: Cell | None = None
        next_group = None
        # A result cell merged down the sub-steps of one step sits after the first of them only; then
        # what follows the last sub-step cannot be its result: it is the next group's label row.
        merged_result = any(len(seg) > 2 for seg, _ in segments[1:])
        single_rows = [c for c in tail if c.row_start and c.table is not None]
        if durations and tail and not merged_result and tail[0] not in single_rows:
            pending_result, extra = tail[0], tail[1:]
            if extra:
                next_group = " ".join(c.text for c in extra)
        elif tail:
            next_group = " ".join(c.text for c in tail)
        for n, (seg, duration) in enumerate(segments):
            if len(seg) > 2 and steps and n > 0:
                # the cell before unit/work is the result of the previous sub-step
                steps[-1] = steps[-1].model_copy(update={"result": seg[0].text})
                seg = seg[1:]
            unit = seg[0].text if len(seg) >= 2 else None
            work = seg[-1].text if seg else None
            if len(seg) > 2:
                ctx.warn(WarningKind.UNASSIGNED_CELLS, f"{label.text}: ô thừa", *seg[:-2])
            days = T.number_of_days(duration.text)[0] if duration is not None else None
            if duration is None:
                ctx.warn(WarningKind.STEP_WITHOUT_DURATION, f"{label.text}: không ghi thời hạn (ô gộp hoặc thiếu)",
                         label)
            steps.append(Step(label=label.text, unit=unit, work=work, duration=duration.text if duration else None,
                              days=days, group=group, span=ctx.span(label, *seg, *([duration] if duration else []))))
        if pending_result is not None:
            steps[-1] = steps[-1].model_copy(update={"result": pending_result.text})
        if next_group:
            group = next_group
    return steps


@dataclass
class _Section:
    heading: Cell
    name: str
    code: str | None
    symbol: str | None
    cells: list[Cell]


_PART_WORDS = ("ho so", "phap ly", "trinh tu", "cach thuc", "thoi gian", "thoi han", "quy trinh")


def _sections(cells: list[Cell]) -> list[tuple[int, int, _Section]]:
    starts = [(k, m) for k, c in enumerate(cells) if (m := T.PROCEDURE_HEADING.match(c.text))]
    out = []
    for n, (k, m) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(cells)
        ref = m.group("ref")
        code = T.CODE_IN_TEXT.search(f"({ref})")
        symbol = T.SYMBOL_IN_TEXT.search(ref)
        parts = [T.fold(c.text) for c in cells[k + 1 : end] if T.SUBHEADING.match(c.text)]
        if not any(w in p for p in parts for w in _PART_WORDS):
            continue  # a procedure named in a list ("bãi bỏ … 1. Thủ tục … (Mã TTHC …)"), not described
        out.append((k, end, _Section(cells[k], m.group("name"), code.group(1) if code else None,
                                     symbol.group(1) if symbol else None, cells[k:end])))
    return out


def _basis_list(cells: list[Cell], ctx: _Ctx) -> list[LegalBasis]:
    """The "- …" lines under a "Cơ sở pháp lý" sub-heading."""
    out = []
    for c in cells:
        if T.SUBHEADING.match(c.text):
            break
        text = c.text.lstrip("-–+• ").rstrip(";. ")
        if text:
            out.append(LegalBasis(text=text, numbers=T.legal_numbers(text), span=ctx.span(c)))
    return out


def _section_card(sec: _Section, ctx: _Ctx, title_context: list[Cell]) -> ProcedureCard:
    h = sec.heading
    name_start = h.text.find(sec.name)
    name_span = Span(doc_id=ctx.doc_id, article_key=ctx.sections.key_at(h.start),
                     start=h.start + max(name_start, 0), end=h.start + max(name_start, 0) + len(sec.name))
    card = ProcedureCard(
        doc_id=ctx.doc_id,
        name=SourcedText(text=sec.name.rstrip(". "), span=name_span),
        code=SourcedText(text=sec.code, span=ctx.span(h)) if sec.code else None,
        symbol=SourcedText(text=sec.symbol, span=ctx.span(h)) if sec.symbol else None,
        span=ctx.span(*sec.cells),
    )
    v: dict = {}
    cells = sec.cells
    for k, c in enumerate(cells):
        sub = T.SUBHEADING.match(c.text)
        if sub and "phap ly" in T.fold(sub.group(2)):
            v["legal_basis"] = _basis_list(cells[k + 1 :], ctx)
        if T.fold(c.text).startswith("tong thoi gian"):
            total = _deadline([c], ctx)
            v.setdefault("deadline_total", total)
    for _, _, t in read_tables(cells):
        if t.kind == Kind.DOSSIER:
            v["dossier"] = _dossier(t, ctx)
        elif t.kind == Kind.CHANNELS:
            v["channels"] = _channels_table(t, ctx)
        elif t.kind == Kind.TIME_FEE:
            v.update(_time_fee(t, ctx))
        elif t.kind == Kind.STEPS:
            v["steps"] = _steps(t, ctx)
        elif t.kind == Kind.UNKNOWN:
            ctx.warn(WarningKind.UNKNOWN_HEADER, "bảng có tiêu đề cột không nhận ra: " +
                     " | ".join(c.text for c in t.header), *t.header)
    total = v.pop("deadline_total", None)
    if "deadline" not in v and total is not None:
        v["deadline"] = total
    if not v.get("dossier"):
        ctx.warn(WarningKind.MISSING_FIELD, f"{sec.name[:60]}: không tìm thấy thành phần hồ sơ", h)
    v["authorities"] = authorities_in([h], ctx.span) or authorities_in(title_context, ctx.span)
    return card.model_copy(update=v)


def _merge(a: ProcedureCard, b: ProcedureCard) -> ProcedureCard:
    """Fill a card's empty fields from another card of the same code (a section and its catalogue row)."""
    update = {}
    for name in ProcedureCard.model_fields:
        if name in ("doc_id", "span", "warnings", "name", "code"):
            continue
        if not getattr(a, name) and getattr(b, name):
            update[name] = getattr(b, name)
    return a.model_copy(update=update)


def _title_cells(cells: list[Cell]) -> list[Cell]:
    """The ALL-CAPS part of lines that title the document or an annex ("QUYẾT ĐỊNH VỀ VIỆC …")."""
    out = []
    for c in cells:
        words = c.text.split(" ")
        n = 0
        while n < len(words) and (words[n].upper() == words[n] or not any(ch.isalpha() for ch in words[n])):
            n += 1
        caps = " ".join(words[:n]).strip()
        if sum(ch.isalpha() for ch in caps) >= 20:
            out.append(replace(c, text=caps, end=c.start + len(caps)))
    return out


_LISTED_ITEM = re.compile(r"^\((\d{1,3})\)\s+(\S.{5,})$")
_LEVEL_HEADING = re.compile(r"^[IVXLC]{1,6}\.\s+(Thủ tục hành chính cấp\s+.+?)\.?$", re.I)


def _listed_cards(cells: list[Cell], ctx: _Ctx) -> list[ProcedureCard]:
    """Procedures listed by name under a "DANH MỤC THỦ TỤC HÀNH CHÍNH …" title, "(1) …", "(2) …",
    grouped by "I. Thủ tục hành chính cấp tỉnh": names, lĩnh vực and cấp only — the text says no more."""
    cards: list[ProcedureCard] = []
    seen: set[tuple[str, str]] = set()
    for k, title in enumerate(cells):
        if "danh muc thu tuc hanh chinh" not in T.fold(title.text) or title.text.upper() != title.text:
            continue
        field_name = field_in(title.text)
        level: Cell | None = None
        started = False
        for c in cells[k + 1 :]:
            lv = _LEVEL_HEADING.match(c.text)
            item = _LISTED_ITEM.match(c.text)
            if lv:
                level = c
            elif item:
                started = True
                name = item.group(2).rstrip(". ")
                key = (name, level.text if level else "")
                if key in seen:
                    continue  # listed twice under the same cấp: one procedure
                seen.add(key)
                start = c.start + c.text.find(item.group(2))
                span = Span(doc_id=ctx.doc_id, article_key=ctx.sections.key_at(c.start), start=start,
                            end=start + len(name))
                lv_match = _LEVEL_HEADING.match(level.text) if level else None
                cards.append(ProcedureCard(
                    doc_id=ctx.doc_id, name=SourcedText(text=name, span=span), span=ctx.span(c),
                    field=SourcedText(text=field_name, span=ctx.span(title)) if field_name else None,
                    level=SourcedText(text=lv_match.group(1), span=ctx.span(level)) if lv_match and level else None))
            elif started or c.start - title.end > 800:
                break  # the list has ended, or never began near its title
    return cards


def extract_cards(doc_id: str, cells: list[Cell], sections: SectionMap) -> Extraction:
    ctx = _Ctx(doc_id, sections)
    titles = _title_cells(cells)
    cards: dict[str, ProcedureCard] = {}
    order: list[str] = []
    section_ranges = _sections(cells)

    def add(card: ProcedureCard) -> None:
        key = card.key
        if key in cards:
            cards[key] = _merge(cards[key], card)
        else:
            cards[key] = card
            order.append(key)

    for _start, _end, sec in section_ranges:
        before = [t for t in titles if t.start <= sec.heading.start]
        add(_section_card(sec, ctx, before[-3:]))
    inside = [(s, e) for s, e, _ in section_ranges]
    for i, _j, t in read_tables(cells):
        if t.kind != Kind.CATALOGUE or any(s <= i < e for s, e in inside):
            if t.kind == Kind.UNKNOWN and not any(s <= i < e for s, e in inside):
                ctx.warn(WarningKind.UNKNOWN_HEADER, "bảng có tiêu đề cột không nhận ra: " +
                         " | ".join(c.text for c in t.header), *t.header)
            continue
        context = [c for c in titles if c.start <= t.header[0].start][-3:]
        for card in _catalogue_cards(t, ctx, context):
            add(card)
    if not cards:
        for card in _listed_cards(cells, ctx):
            add(card)
    out = [cards[k] for k in order]
    # a card with no field of its own takes the lĩnh vực its document's title names
    doc_field = next(((c, f) for c in titles for f in [field_in(c.text)] if f), None)
    if doc_field:
        out = [c if c.field else c.model_copy(update={"field": SourcedText(text=doc_field[1],
                                                                            span=ctx.span(doc_field[0]))})
               for c in out]
    by_card = {id(c): [w for w in ctx.warnings if w.span and c.span.start <= w.span.start < c.span.end] for c in out}
    out = [c.model_copy(update={"warnings": by_card[id(c)]}) for c in out]
    return Extraction(cards=out, warnings=ctx.warnings, competences=card_competences(out))


def extract(doc_id: str, cells: list[Cell], sections: SectionMap, articles: Sequence = (),
            text: str = "", issuer: str | None = None) -> Extraction:
    """Cards, competence records and warnings of one document."""
    result = extract_cards(doc_id, cells, sections)
    if articles and text:
        result.competences.extend(find_competences(doc_id, articles, text, sections, issuer))
    return result
