"""Procedure cards from the real texts, from DOCX/HTML with real tables, and from malformed tables."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.legal import parse_structure
from ingest.loaders import load_file
from ingest.models import DocumentMetadata, ParsedDocument
from ingest.procedures import Channel, CopyKind, Extraction, ProcedureStatus, WarningKind, extract_document
from ingest.procedures.text import fold
from tests.procedures.builders import Block, c, to_docx, to_html, to_text


def extract_file(path: Path) -> tuple[Extraction, str]:
    loaded = load_file(path)
    structure = parse_structure(loaded.text)
    doc = ParsedDocument(doc_id=path.stem, metadata=DocumentMetadata(), articles=structure.articles, text=loaded.text)
    return extract_document(doc, path, loaded.format), loaded.text


def cards_by_code(ex: Extraction) -> dict[str, object]:
    return {card.code.text: card for card in ex.cards if card.code}


def test_procedure_sections_of_qd_1594(hanoi_dir):
    ex, text = extract_file(hanoi_dir / "quyet-dinh-1594-QD-TTPVHCC-HN.txt")
    cards = cards_by_code(ex)
    assert set(cards) == {"1.012644", "1.012657"}  # the two codes listed in Điều 3 as repealed are not cards
    card = cards["1.012644"]
    assert card.symbol.text == "QTTP-20"
    assert card.field.text == "Tín ngưỡng, tôn giáo"
    assert [(d.copy_kind, d.quantity) for d in card.dossier] == [
        (CopyKind.ORIGINAL, 1), (CopyKind.COPY, 1), (CopyKind.ORIGINAL, 1), (CopyKind.ORIGINAL, 1)]
    # the crawl re-joins "… tổ chức tôn giáo" with the lower-case line after it; the card keeps the cell
    assert card.dossier[3].name == "Giấy tờ chứng minh có địa điểm hợp pháp để đặt trụ sở mới"
    assert [ch.channel for ch in card.channels] == [Channel.IN_PERSON, Channel.POST, Channel.ONLINE]
    assert card.channels[0].address == "Số 12, phố Nguyễn Trãi, phường Hà Đông, thành phố Hà Nội"
    assert card.channels[2].url == "https://dichvucong.gov.vn"
    assert card.deadline.days == 30 and card.deadline.working_days is True
    assert card.fee.free is True and card.online_level.text == "Toàn trình"
    assert [a.body for a in card.authorities] == ["UBND thành phố Hà Nội"]
    assert [b.numbers for b in card.legal_basis][:2] == [["02/2016/QH14"], ["95/2023/NĐ-CP"]]
    steps = {s.label: s for s in card.steps}
    assert steps["Bước 3"].days == 16 and steps["Bước 1"].days == 0.5
    assert steps["Bước 7"].duration is None and steps["Bước 7"].days is None  # "07 ngày" is merged over 6–13
    assert steps["Bước 7"].group == "Quy trình nội bộ tại UBND thành phố Hà Nội"
    assert [s.unit for s in card.steps if s.label == "Bước 2"] == [
        "Trưởng Bộ phận TN&TKQ", "Lãnh đạo Sở", "Lãnh đạo phòng Nghiệp vụ"]
    kinds = {w.kind for w in card.warnings}
    assert WarningKind.STEP_WITHOUT_DURATION in kinds
    assert WarningKind.MISSING_HEADER in kinds  # its address table has no "Cách thức nộp" header
    assert not card.results  # no "Kết quả" column: left empty, not guessed
    # every value's span holds it in the normalised text, inside the section the key names
    for value in (card.name, card.code, *[d for d in card.dossier], card.deadline):
        piece = text[value.span.start:value.span.end]
        assert (getattr(value, "text", None) or value.name) in piece
    assert card.dossier[0].span.article_key == "phu-luc:section-B.I"
    assert cards["1.012657"].dossier[1].name == "Biên bản họp bầu, cử người đại diện mới (nếu có)"


def test_catalogues_of_1597_1609(hanoi_dir):
    ex, _ = extract_file(hanoi_dir / "quyet-dinh-1597-QD-TTPVHCC-HN.txt")
    cards = cards_by_code(ex)
    assert {k: v.deadline.days for k, v in cards.items()} == {"1.014190": 7, "1.014191": 7, "1.014192": 2}
    assert {a.body for v in cards.values() for a in v.authorities} == {"Sở Xây dựng"}
    assert all(len(v.places) == 2 and v.fee.free for v in cards.values())
    ex, _ = extract_file(hanoi_dir / "quyet-dinh-1609-QD-TTPVHCC-HN.txt")
    cards = cards_by_code(ex)
    assert cards["1.012507"].status is ProcedureStatus.PUBLISHED
    assert cards["1.012507"].authorities == []  # the text names no cơ quan giải quyết for it
    assert cards["1.012507"].channels[0].url == "https://chungchidauthau.mof.gov.vn"
    assert {cards[k].status for k in ("1.012508", "1.012509", "1.012510")} == {ProcedureStatus.ABOLISHED}
    # rows 2 and 3 lack the merged "văn bản bãi bỏ" cell: their lĩnh vực and cơ quan still land in place
    assert cards["1.012510"].field.text == "Đấu thầu"
    assert cards["1.012510"].authorities[0].body == "Sở Tài chính các tỉnh, thành phố trực thuộc Trung ương"


def test_authorisation_annex(hanoi_dir):
    ex, _ = extract_file(hanoi_dir / "quyet-dinh-uy-quyen-So-Cong-Thuong-HN-2025.txt")
    assert len(ex.cards) == 128  # 129 rows, one repeated
    assert sum(1 for c_ in ex.cards if c_.code is None) == 1  # row 41 has no mã TTHC
    assert len({c_.field.text for c_ in ex.cards}) == 19
    # the annex delegates to the Sở what is the city's, or (a row says so) the province's competence
    assert {a.body for c_ in ex.cards for a in c_.authorities} == {"Sở Công Thương"}
    assert {fold(a.delegated_from) for c_ in ex.cards for a in c_.authorities} == {
        "uy ban nhan dan thanh pho ha noi", "uy ban nhan dan tinh", "uy ban nhan dan cap tinh"}
    assert all(len(c_.authorities) == 1 for c_ in ex.cards)
    card = cards_by_code(ex)["1.003390"]  # written "1.003.390" in the annex
    assert card.field.text == "Thương mại điện tử"


# -- the same section as crawl text, DOCX and HTML ----------------------------------------------------

DOSSIER = [
    [c("STT"), c("Tên hồ sơ"), c("Bản sao/bản chính"), c("Số lượng")],
    [c("1"), c("Văn bản đề nghị (Theo mẫu)"), c("Bản chính"), c("1")],
    [c("2"), c("bản sao quyết định công nhận tổ chức tôn giáo"), c("Bản sao"), c("1")],
    [c("3"), c("Giấy tờ chứng minh có địa điểm hợp pháp để đặt trụ sở mới"), c("Bản chính"), c("2")],
]
CHANNELS = [
    [c("STT"), c("Cách thức nộp, nhận kết quả"), c("Địa chỉ")],
    [c("1"), c("Trực tiếp tại Bộ phận TN&TKQ - Sở Dân tộc và Tôn giáo thành phố Hà Nội"),
     c("Số 12, phố Nguyễn Trãi, phường Hà Đông, thành phố Hà Nội")],
    [c("2"), c("Thông qua dịch vụ bưu chính công ích"), c("Số 12, phố Nguyễn Trãi, phường Hà Đông, thành phố Hà Nội")],
    [c("3"), c("Trực tuyến tại Cổng Dịch vụ công Quốc gia"), c("https://dichvucong.gov.vn")],
]
TIME_FEE = [
    [c("Thời gian giải quyết", 1, 2), c("Mức thu (ĐVT: Việt Nam đồng)", 1, 2),
     c("Cung cấp dịch vụ công trực tuyến", 2)],
    [c("Ngày làm việc"), c("Giờ làm việc"), c("Phí"), c("Lệ phí")],
    [c("10 ngày"), c("80 giờ"), c("Không"), c("50.000 đồng"), c("Một phần")],
]
STEPS = [
    [c("Tên bước"), c("Đơn vị/người thực hiện"), c("Nội dung công việc"), c("Thời hạn giải quyết (ĐVT: Ngày làm việc)"),
     c("Biểu mẫu/ kết quả")],
    [c("Bước 1"), c("Cán bộ Bộ phận TN&TKQ"), c("Kiểm tra, tiếp nhận hồ sơ"), c("1/2 ngày"), c("Giấy tiếp nhận hồ sơ")],
    [c("Bước 2", 3), c("Trưởng Bộ phận TN&TKQ"), c("- Chuyển hồ sơ tới Lãnh đạo Sở."), c("1/2 ngày"),
     c("Mẫu Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu số 06)", 3)],
    [c("Lãnh đạo Sở"), c("- Phân công thụ lý hồ sơ cho phòng Nghiệp vụ."), c("1 ngày")],
    [c("Lãnh đạo phòng Nghiệp vụ"), c("- Phân công chuyên viên thụ lý hồ sơ."), c("1 ngày")],
    [c("Quy trình nội bộ tại UBND thành phố Hà Nội", 1, 5)],
    [c("Bước 3"), c("Phòng Hành chính – Quản trị"), c("Tiếp nhận hồ sơ"), c("07 ngày", 2), c("Văn bản trả lời", 2)],
    [c("Bước 4"), c("Lãnh đạo UBND Thành phố"), c("Phê duyệt kết quả giải quyết")],
]
SECTION: list[Block] = [
    "PHỤ LỤC",
    "QUY TRÌNH NỘI BỘ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH LĨNH VỰC TÍN NGƯỠNG, TÔN GIÁO THUỘC THẨM QUYỀN GIẢI QUYẾT "
    "CỦA UBND THÀNH PHỐ HÀ NỘI",
    "B. NỘI DUNG QUY TRÌNH NỘI BỘ ĐỐI VỚI VIỆC GIẢI QUYẾT TỪNG THỦ TỤC HÀNH CHÍNH",
    "I. Thủ tục đề nghị thay đổi trụ sở của tổ chức tôn giáo (Mã TTHC 1.012644, ký hiệu: QTTP-20)",
    "1. Cơ sở pháp lý",
    "- Luật Tín ngưỡng, tôn giáo số 02/2016/QH14 ngày 18/11/2016;",
    "- Nghị định số 95/2023/NĐ-CP ngày 29/12/2023 của Chính phủ;",
    "2. Thành phần hồ sơ",
    DOSSIER,
    "3. Cách thức, địa chỉ nộp hồ sơ, nhận kết quả giải quyết TTHC",
    CHANNELS,
    "4. Thời gian giải quyết, phí, lệ phí, mức độ cung cấp dịch vụ công trực tuyến",
    TIME_FEE,
    "6. Quy trình giải quyết",
    STEPS,
    "Tổng thời gian: 10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
]


def _without_spans(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_spans(v) for k, v in value.items() if k not in ("span", "doc_id", "message")}
    if isinstance(value, list):
        return [_without_spans(v) for v in value]
    return value


def _write(blocks: list[Block], folder: Path, name: str) -> dict[str, Path]:
    paths = {"txt": folder / f"{name}.txt", "html": folder / f"{name}.html", "docx": folder / f"{name}.docx"}
    paths["txt"].write_text(to_text(blocks), encoding="utf-8")
    paths["html"].write_text(to_html(blocks), encoding="utf-8")
    to_docx(blocks, paths["docx"])
    return paths


def test_same_records_from_text_docx_and_html(tmp_path):
    paths = _write(SECTION, tmp_path, "qt")
    cards = {fmt: extract_file(p)[0].cards for fmt, p in paths.items()}
    assert all(len(v) == 1 for v in cards.values()), {k: len(v) for k, v in cards.items()}
    dumped = {fmt: _without_spans(v[0].model_dump(mode="json")) for fmt, v in cards.items()}
    assert dumped["docx"] == dumped["txt"]
    assert dumped["html"] == dumped["txt"]
    card = cards["docx"][0]
    assert card.code.text == "1.012644" and card.symbol.text == "QTTP-20"
    assert [d.name for d in card.dossier][1] == "bản sao quyết định công nhận tổ chức tôn giáo"
    assert [d.quantity for d in card.dossier] == [1, 1, 2]
    assert [ch.channel for ch in card.channels] == [Channel.IN_PERSON, Channel.POST, Channel.ONLINE]
    assert card.deadline.days == 10 and card.deadline.working_days is True
    assert (card.fee.fee, card.fee.charge, card.fee.free) == ("Không", "50.000 đồng", False)
    assert card.online_level.text == "Một phần"
    steps = [(s.label, s.unit, s.days, s.result, s.group) for s in card.steps]
    assert steps == [
        ("Bước 1", "Cán bộ Bộ phận TN&TKQ", 0.5, "Giấy tiếp nhận hồ sơ", None),
        ("Bước 2", "Trưởng Bộ phận TN&TKQ", 0.5, "Mẫu Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu số 06)", None),
        ("Bước 2", "Lãnh đạo Sở", 1.0, None, None),
        ("Bước 2", "Lãnh đạo phòng Nghiệp vụ", 1.0, None, None),
        ("Bước 3", "Phòng Hành chính – Quản trị", 7.0, "Văn bản trả lời", "Quy trình nội bộ tại UBND thành phố Hà Nội"),
        ("Bước 4", "Lãnh đạo UBND Thành phố", None, None, "Quy trình nội bộ tại UBND thành phố Hà Nội"),
    ]
    assert [a.body for a in card.authorities] == ["UBND thành phố Hà Nội"]  # from the ALL-CAPS annex title
    # DOCX/HTML spans point into their own normalised text, which renders table rows with " | "
    loaded = load_file(paths["docx"]).text
    item = card.dossier[2]
    cited = loaded[item.span.start:item.span.end]
    assert cited.startswith("Giấy tờ chứng minh") and cited.endswith("| Bản chính | 2")


# -- malformed tables: a partial card and a warning, never a crash or an invented value ---------------

def _section_with(tables: dict[str, object]) -> list[Block]:
    blocks: list[Block] = []
    for b in SECTION:
        if isinstance(b, list):
            names = {id(DOSSIER): "dossier", id(CHANNELS): "channels", id(TIME_FEE): "time_fee", id(STEPS): "steps"}
            name = names[id(b)]
            replacement = tables.get(name, b)
            if replacement is not None:
                blocks.append(replacement)
        else:
            blocks.append(b)
    return blocks


@pytest.mark.parametrize("fmt", ["txt", "docx", "html"])
def test_dossier_table_without_header(tmp_path, fmt):
    paths = _write(_section_with({"dossier": DOSSIER[1:]}), tmp_path, "noheader")
    ex, _ = extract_file(paths[fmt])
    card = ex.cards[0]
    assert card.dossier == []  # rows without a header are not guessed into hồ sơ items
    assert card.deadline.days == 10 and len(card.channels) == 3  # the rest of the card is still read
    assert WarningKind.MISSING_FIELD in {w.kind for w in card.warnings}


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_unknown_header_is_reported(tmp_path, fmt):
    odd = [[c("Nội dung"), c("Ghi nhận")], [c("Hồ sơ lưu"), c("12 tháng")]]
    blocks = _section_with({})
    blocks.insert(blocks.index("6. Quy trình giải quyết"), "5. Lưu trữ")
    blocks.insert(blocks.index("6. Quy trình giải quyết"), odd)
    paths = _write(blocks, tmp_path, "odd")
    ex, _ = extract_file(paths[fmt])
    assert len(ex.cards) == 1 and len(ex.cards[0].steps) == 6  # the rest is read as before
    unknown = [w for w in ex.cards[0].warnings if w.kind is WarningKind.UNKNOWN_HEADER]
    assert len(unknown) == 1 and "Nội dung | Ghi nhận" in unknown[0].message
    assert "Hồ sơ lưu" not in str(ex.cards[0].model_dump())


def test_unknown_table_in_crawl_text_is_left_out(tmp_path):
    """Plain text cannot tell an unknown table from paragraphs: its cells are simply not read into the card."""
    odd = [[c("Nội dung"), c("Ghi nhận")], [c("Hồ sơ lưu"), c("12 tháng")]]
    blocks = _section_with({})
    blocks.insert(blocks.index("6. Quy trình giải quyết"), "5. Lưu trữ")
    blocks.insert(blocks.index("6. Quy trình giải quyết"), odd)
    ex, _ = extract_file(_write(blocks, tmp_path, "odd")["txt"])
    assert "Hồ sơ lưu" not in str(ex.cards[0].model_dump()) and len(ex.cards[0].steps) == 6


@pytest.mark.parametrize("fmt", ["txt", "docx", "html"])
def test_step_rows_without_days_and_merged_cells(tmp_path, fmt):
    steps = [STEPS[0], [c("Bước 1"), c("Cán bộ tiếp nhận"), c("Tiếp nhận hồ sơ")],
             [c("Bước 2"), c("Lãnh đạo Sở"), c("Phê duyệt"), c("2 ngày"), c("Văn bản trả lời")]]
    paths = _write(_section_with({"steps": steps, "time_fee": None}), tmp_path, "nodays")
    ex, _ = extract_file(paths[fmt])
    card = ex.cards[0]
    assert [(s.label, s.unit, s.work, s.days) for s in card.steps] == [
        ("Bước 1", "Cán bộ tiếp nhận", "Tiếp nhận hồ sơ", None), ("Bước 2", "Lãnh đạo Sở", "Phê duyệt", 2.0)]
    assert [w.kind for w in card.warnings].count(WarningKind.STEP_WITHOUT_DURATION) == 1
    assert card.fee is None and card.online_level is None  # no time/fee table: nothing invented
    assert card.deadline.days == 10  # from "Tổng thời gian"


def test_catalogue_with_merged_and_missing_cells(tmp_path):
    table = [
        [c("STT"), c("Mã TTHC"), c("Tên thủ tục hành chính"), c("Lĩnh vực"), c("Cơ quan thực hiện"),
         c("Căn cứ pháp lý")],
        [c("I"), c("Lĩnh vực Hộ tịch (02 TTHC)", 1, 5)],
        [c("1"), c("1.000001"), c("Đăng ký khai sinh"), c("Hộ tịch"), c("UBND cấp xã"),
         c("Luật Hộ tịch số 60/2014/QH13", 2)],
        [c("2"), c("1.000002"), c("Đăng ký kết hôn"), c("Hộ tịch"), c("UBND cấp xã")],
        [c("3"), c("Đăng ký khai tử")],
    ]
    paths = _write(["QUYẾT ĐỊNH CÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH LĨNH VỰC HỘ TỊCH", table], tmp_path, "cat")
    for fmt in ("txt", "docx", "html"):
        ex, _ = extract_file(paths[fmt])
        by_name = {c_.name.text: c_ for c_ in ex.cards}
        assert set(by_name) == {"Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử"}, fmt
        assert by_name["Đăng ký khai sinh"].legal_basis[0].numbers == ["60/2014/QH13"]
        assert by_name["Đăng ký kết hôn"].legal_basis == []  # the merged cell is not copied down
        assert by_name["Đăng ký kết hôn"].authorities[0].body == "UBND cấp xã"
        assert by_name["Đăng ký khai tử"].code is None and by_name["Đăng ký khai tử"].authorities == []
        assert by_name["Đăng ký khai tử"].field.text == "Hộ tịch"  # from its group row, which the text states


def test_never_crashes_on_broken_text(hanoi_dir, tmp_path):
    lines = (hanoi_dir / "quyet-dinh-1594-QD-TTPVHCC-HN.txt").read_text(encoding="utf-8").splitlines()
    rng = random.Random(14)
    for n in range(12):
        broken = list(lines)
        for _ in range(40):
            i = rng.randrange(len(broken))
            op = rng.choice(("drop", "dup", "swap", "cut"))
            if op == "drop":
                del broken[i]
            elif op == "dup":
                broken.insert(i, broken[i])
            elif op == "swap" and i + 1 < len(broken):
                broken[i], broken[i + 1] = broken[i + 1], broken[i]
            elif op == "cut":
                broken[i] = broken[i][: len(broken[i]) // 2]
        path = tmp_path / f"broken-{n}.txt"
        path.write_text("\n".join(broken), encoding="utf-8")
        ex, text = extract_file(path)
        for card in ex.cards:
            assert card.name.text
            assert 0 <= card.span.start <= card.span.end <= len(text)


def test_procedures_listed_by_name(hanoi_dir):
    ex, text = extract_file(hanoi_dir / "quyet-dinh-1610-QD-TTPVHCC-HN.txt")
    assert len(ex.cards) == 25  # 20 cấp tỉnh + 6 cấp xã, one cấp tỉnh name listed twice
    assert all(c_.code is None and c_.field.text == "Đất đai" for c_ in ex.cards)
    levels = [c_.level.text for c_ in ex.cards]
    assert levels.count("Thủ tục hành chính cấp tỉnh") == 19 and levels.count("Thủ tục hành chính cấp xã") == 6
    split = next(c_ for c_ in ex.cards if c_.name.text == "Tách thửa hoặc hợp thửa đất")
    assert text[split.name.span.start:split.name.span.end] == "Tách thửa hoặc hợp thửa đất"
    # nothing the list does not say: no authority, deadline, dossier or channel
    assert not any(c_.authorities or c_.deadline or c_.dossier or c_.channels for c_ in ex.cards)
