"""Typed procedure cards (thủ tục hành chính) and competence records.

Every extracted value carries the ``Span`` it came from: the document, the article/section key the
legal parser gave that part of the text, and character offsets into the normalised document text
(``ParsedDocument.text``), so an answer can cite it and the widget can highlight it. A value the
text does not state is absent (None or an empty list), never guessed.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    doc_id: str
    article_key: str | None = None  # as the legal parser names it, e.g. "phu-luc:section-B.I"
    start: int  # offsets in the normalised document text; start == end when only the section is known
    end: int


class SourcedText(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    span: Span


class Channel(StrEnum):
    """How a dossier is filed (cách thức nộp)."""

    IN_PERSON = "truc_tiep"
    POST = "buu_chinh"
    ONLINE = "truc_tuyen"


class CopyKind(StrEnum):
    ORIGINAL = "ban_chinh"
    COPY = "ban_sao"
    ORIGINAL_OR_COPY = "ban_chinh_hoac_ban_sao"


class ProcedureStatus(StrEnum):
    """What the publishing decision does with the procedure."""

    PUBLISHED = "cong_bo"  # new, amended or simply listed
    ABOLISHED = "bai_bo"


class DossierItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    copy_kind: CopyKind | None = None
    quantity: int | None = None
    span: Span


class SubmissionChannel(BaseModel):
    model_config = ConfigDict(frozen=True)

    channel: Channel | None = None  # None: the row names a place but no recognisable channel
    text: str  # the cell as written
    address: str | None = None
    url: str | None = None
    span: Span


class Deadline(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    days: float | None = None  # the (first) number of days stated
    working_days: bool | None = None  # "ngày làm việc" (True), plain "ngày" (False), unknown (None)
    hours: float | None = None
    span: Span


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str  # "Bước 2"
    unit: str | None = None  # đơn vị / người thực hiện
    work: str | None = None  # nội dung công việc
    duration: str | None = None  # as written: "1/2 ngày", "Giờ hành chính"; None when the row states none
    days: float | None = None
    result: str | None = None  # biểu mẫu / kết quả
    group: str | None = None  # "Quy trình nội bộ tại UBND thành phố Hà Nội"
    span: Span


class LegalBasis(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    numbers: list[str] = Field(default_factory=list)  # số hiệu cited, e.g. "95/2023/NĐ-CP"
    span: Span


class Fee(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    fee: str | None = None  # phí
    charge: str | None = None  # lệ phí
    free: bool | None = None  # True when the text says there is none ("Không", "Không quy định", "0 đồng")
    span: Span


class Authority(BaseModel):
    """A body that decides (cơ quan giải quyết), with the one that delegated it, when stated."""

    model_config = ConfigDict(frozen=True)

    body: str
    delegated_from: str | None = None
    span: Span


class WarningKind(StrEnum):
    UNKNOWN_HEADER = "unknown_header"  # a table whose header is not recognised
    MISSING_HEADER = "missing_header"  # a known table whose header lacks expected columns
    UNASSIGNED_CELLS = "unassigned_cells"  # cells that fit no column (merged or broken cells)
    STEP_WITHOUT_DURATION = "step_without_duration"
    NOT_LOCATED = "not_located"  # a value whose offsets were not found in the normalised text
    MISSING_FIELD = "missing_field"


class ExtractionWarning(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: WarningKind
    message: str  # Vietnamese, for the operator
    span: Span | None = None


class ProcedureCard(BaseModel):
    doc_id: str
    code: SourcedText | None = None  # mã TTHC, "1.012644"
    symbol: SourcedText | None = None  # ký hiệu of the internal process, "QTTP-20"
    name: SourcedText
    field: SourcedText | None = None  # lĩnh vực
    status: ProcedureStatus = ProcedureStatus.PUBLISHED
    level: SourcedText | None = None  # "Thủ tục hành chính cấp Thành phố"
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    dossier: list[DossierItem] = Field(default_factory=list)
    channels: list[SubmissionChannel] = Field(default_factory=list)
    places: list[SourcedText] = Field(default_factory=list)  # địa điểm thực hiện
    deadline: Deadline | None = None
    steps: list[Step] = Field(default_factory=list)
    authorities: list[Authority] = Field(default_factory=list)
    fee: Fee | None = None
    results: list[SourcedText] = Field(default_factory=list)  # kết quả
    online_level: SourcedText | None = None  # mức độ dịch vụ công trực tuyến ("Toàn trình")
    span: Span  # the whole card (section or catalogue row)
    warnings: list[ExtractionWarning] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable id within the document: the code, else the name's offset."""
        return self.code.text if self.code else f"@{self.name.span.start}"


class CompetenceRecord(BaseModel):
    """Who decides a task or procedure: one row of the competence list."""

    model_config = ConfigDict(frozen=True)

    task: str
    body: str
    delegated_from: str | None = None
    procedure_code: str | None = None
    # which rule found it: card, tham_quyen_cua, co_tham_quyen, quyet_dinh, giao, uy_quyen, phan_cap
    rule: str
    span: Span


class Extraction(BaseModel):
    cards: list[ProcedureCard] = Field(default_factory=list)
    competences: list[CompetenceRecord] = Field(default_factory=list)
    warnings: list[ExtractionWarning] = Field(default_factory=list)
