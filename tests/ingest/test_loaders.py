"""Document loaders: PDF, DOCX, HTML, TXT/MD → clean NFC text; legacy encodings; errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import docx
import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, LoadedText, LoaderError, load_file
from ingest.loaders.encoding import TCVN3_TABLE, convert_legacy, detect_legacy
from ingest.loaders.furniture import strip_furniture
from ingest.loaders.rejoin import rejoin_lines, should_join
from tests.ingest.fixtures_gen import make_docx, make_html, make_image_only_pdf, make_pdf

SHARED = Path(os.environ.get("ASSISTANT_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
HANOI = SHARED / "corpus" / "hanoi"
LUAT_THU_DO = HANOI / "luat-thu-do-02-2026-QH16.txt"
CHI_THI = SHARED / "corpus" / "extra" / "chi-thi-012-CT-UBND-DakLak-2025.md"

HEADER = "LUẬT THỦ ĐÔ — Số 02/2026/QH16 — trang 7"
FOOTER = "Công báo điện tử — bản sao để tra cứu"
TABLE = [
    ["STT", "Nội dung", "Cơ quan chủ trì"],
    ["1", "Lập Quy hoạch tổng thể Thủ đô", "Ủy ban nhân dân Thành phố"],
    ["2", "Thẩm định quy hoạch không gian ngầm", "Bộ Xây dựng"],
]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared corpus file not found: {path} (set ASSISTANT_SHARED_DIR)")
    return path


def _norm_lines(text: str) -> list[str]:
    """Non-blank lines after NFC and whitespace normalisation."""
    return [" ".join(line.split()) for line in unicodedata.normalize("NFC", text).split("\n") if line.strip()]


@pytest.fixture(scope="module")
def thu_do_head() -> str:
    """The first 120 lines of Luật Thủ đô 2026 (header, Chương I–III, Điều 1–11)."""
    return "\n".join(_need(LUAT_THU_DO).read_text(encoding="utf-8").split("\n")[:120])


# --- PDF -----------------------------------------------------------------------------------------


def test_pdf_round_trip_removes_furniture_and_rejoins(tmp_path: Path, thu_do_head: str) -> None:
    pdf = tmp_path / "luat-thu-do.pdf"
    pages = make_pdf(thu_do_head, pdf, header=HEADER, footer=FOOTER, wrap=80)
    assert pages >= 4

    loaded = load_file(pdf)

    assert isinstance(loaded, LoadedText)
    assert loaded.format == "pdf"
    assert loaded.warnings == []
    assert _norm_lines(loaded.text) == _norm_lines(thu_do_head)
    for noise in ("LUẬT THỦ ĐÔ — Số", "Công báo điện tử", "Trang "):
        assert noise not in loaded.text
    assert unicodedata.is_normalized("NFC", loaded.text)


def test_pdf_furniture_variants() -> None:
    # The table cell "4" that ends page three is not a page number: the sequence says "3".
    body = [["Điều 1. Phạm vi", "Nội dung trang một."], ["Nội dung trang hai."], ["STT | Số lượng", "4"]]
    numbers = ["- 1 -", "2/3", "Trang 3 của 3"]
    pages = [
        ["CÔNG BÁO Số 12 ngày 3/5/2026", *lines, "Bản quyền © Văn phòng Chính phủ", number]
        for lines, number in zip(body, numbers, strict=True)
    ]
    pages[1][0] = "CÔNG BÁO Số 13 ngày 4/5/2026"  # digits differ from page to page
    assert strip_furniture(pages) == body


def test_pdf_without_text_layer_needs_ocr(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    make_image_only_pdf(pdf)
    with pytest.raises(LoaderError, match="OCR") as info:
        load_file(pdf)
    assert info.value.path == pdf
    assert str(info.value).startswith("scan.pdf: ")


def test_truncated_pdf_is_rejected(tmp_path: Path, thu_do_head: str) -> None:
    whole = tmp_path / "whole.pdf"
    make_pdf(thu_do_head, whole, header=HEADER, footer=FOOTER)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(LoaderError, match="cut.pdf: .*cắt cụt"):
        load_file(cut)


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    pdf = tmp_path / "secret.pdf"
    make_pdf("Điều 1. Phạm vi điều chỉnh\nLuật này quy định về Thủ đô.", pdf, header="H", footer="F", encrypt="secret")
    with pytest.raises(LoaderError, match="mật khẩu"):
        load_file(pdf)


def test_corrupt_pdf_is_rejected(tmp_path: Path) -> None:
    pdf = tmp_path / "junk.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n")
    with pytest.raises(LoaderError, match="junk.pdf: .*PDF"):
        load_file(pdf)
    html_named_pdf = tmp_path / "page.pdf"
    html_named_pdf.write_bytes(b"<html><body>not a pdf</body></html>")
    with pytest.raises(LoaderError, match="không phải tệp PDF"):
        load_file(html_named_pdf)


# --- DOCX ----------------------------------------------------------------------------------------


def test_docx_round_trip_keeps_table_in_place(tmp_path: Path, thu_do_head: str) -> None:
    path = tmp_path / "luat-thu-do.docx"
    make_docx(thu_do_head, path, table_rows=TABLE)

    loaded = load_file(path)

    lines = thu_do_head.split("\n")
    middle = len(lines) // 2
    expected = [
        *_norm_lines("\n".join(lines[:middle])),
        *(" | ".join(row) for row in TABLE),
        *_norm_lines("\n".join(lines[middle:])),
    ]
    assert loaded.format == "docx"
    assert _norm_lines(loaded.text) == expected


def test_docx_merged_cells_written_once(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Điều 1. Danh mục")
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"ô {r}{c}"
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Tiêu đề gộp"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "Gộp dọc"
    document.add_paragraph("Hết danh mục.")
    path = tmp_path / "merged.docx"
    document.save(str(path))

    assert load_file(path).text.split("\n") == [
        "Điều 1. Danh mục",
        "Tiêu đề gộp | ô 02",
        "ô 10 | ô 11 | Gộp dọc",
        "ô 20 | ô 21",
        "Hết danh mục.",
    ]


def test_docx_junk_and_old_doc_are_rejected(tmp_path: Path) -> None:
    junk = tmp_path / "junk.docx"
    junk.write_bytes(os.urandom(2048))
    with pytest.raises(LoaderError, match="junk.docx: .*DOCX"):
        load_file(junk)
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with pytest.raises(LoaderError, match=r"\.doc"):
        load_file(old)


# --- HTML ----------------------------------------------------------------------------------------


def test_html_round_trip_drops_page_chrome(tmp_path: Path, thu_do_head: str) -> None:
    path = tmp_path / "luat-thu-do.html"
    make_html(thu_do_head, path, table_rows=TABLE)

    loaded = load_file(path)

    lines = thu_do_head.split("\n")
    middle = len(lines) // 2
    expected = [
        *_norm_lines("\n".join(lines[:middle])),
        *(" | ".join(row) for row in TABLE),
        *_norm_lines("\n".join(lines[middle:])),
    ]
    assert loaded.format == "html"
    assert _norm_lines(loaded.text) == expected
    for noise in ("Trang chủ", "theo dõi người dùng", "quảng cáo", "Bản quyền", "Văn bản liên quan", "CỔNG THÔNG TIN"):
        assert noise not in loaded.text


def test_html_article_lists_and_breaks(tmp_path: Path) -> None:
    path = tmp_path / "article.htm"
    path.write_text(
        "<html><body><nav>Menu chính</nav><article><header><h1>Quyết định số 71/2025</h1></header>"
        "<p>Điều 1. Ban hành <b>Quy chế</b> xét tặng danh hiệu.</p>"
        "<ol><li>Cá nhân đạt danh hiệu;</li><li>Tập thể tiêu biểu.</li></ol>"
        "<ul><li>Như Điều 3;</li></ul><p>Hà Nội,<br>ngày 1 tháng 12 năm 2025</p><p>KT. CHỦ TỊCH<br>PHÓ CHỦ TỊCH</p>"
        "<!-- bình luận ẩn --></article><footer>Liên hệ</footer></body></html>",
        encoding="utf-8",
    )
    assert load_file(path).text.split("\n") == [
        "Quyết định số 71/2025",
        "Điều 1. Ban hành Quy chế xét tặng danh hiệu.",
        "1. Cá nhân đạt danh hiệu;",
        "2. Tập thể tiêu biểu.",
        "- Như Điều 3;",
        "Hà Nội, ngày 1 tháng 12 năm 2025",  # a <br> inside a sentence is a wrap
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
    ]


# --- TXT / Markdown ------------------------------------------------------------------------------


def test_markdown_crawl_becomes_clean_lines() -> None:
    loaded = load_file(_need(CHI_THI))
    lines = loaded.text.split("\n")
    body = [line for line in lines if line]

    assert loaded.format == "txt"
    assert not any(marker in loaded.text for marker in ("**", "|"))
    assert "Đắk Lắk, ngày 26 tháng 11 năm 2025" in body
    assert "Số: 012/CT-UBND" in body
    for task in (
        "1. Thủ trưởng các sở, ban, ngành tỉnh; Chủ tịch UBND các xã, phường",
        "2. Sở Khoa học và Công nghệ",
        "3. Sở Nội vụ",
        "4. Văn phòng UBND tỉnh",
    ):
        assert task in body
    # Every điểm starts its own line and holds its whole (formerly wrapped) text.
    points = [line for line in body if line[:2] in {"a)", "b)", "c)", "d)", "e)", "g)", "h)", "i)"}]
    assert len(points) == 8 + 5 + 3 + 2
    assert all(line.endswith(".") for line in points)
    first_paragraph = next(line for line in body if line.startswith("Thời gian qua, tỉnh Đắk Lắk đã có"))
    assert first_paragraph.endswith("góp phần thúc đẩy phát triển kinh tế - xã hội của tỉnh.")
    assert "Chủ tịch UBND tỉnh yêu cầu Thủ trưởng các sở, ban, ngành" in loaded.text
    # Nothing wrapped is left: apart from điểm markers, no line starts lower-case.
    assert not [line for line in body if line[0].islower() and line not in points]
    # The signature block keeps its lines.
    assert body[-13:] == [
        "Nơi nhận:",
        "- TT Tỉnh ủy, TT HĐND tỉnh (b/c);",
        "- UB MTTQ Việt Nam tỉnh (b/c);",
        "- CT, PCT UBND tỉnh;",
        "- CVP, các PCVP UBND tỉnh;",
        "- Các sở, ban, ngành;",
        "- UBND các xã, phường;",
        "- Báo và PTTH Đắk Lắk;",
        "- Trung tâm CN và Cổng TTĐT tỉnh;",
        "- Lưu: VT, PVHCC (B_04b).",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Trương Công Thái",
    ]


def test_markdown_syntax_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "# Quyết định số 5\n\n## Điều 1. Phạm vi\n\nNội dung **in đậm** và __gạch__ và *nghiêng* của\n"
        "[văn bản](https://example.vn) gốc.\n\n| STT | Tên |\n|---|:---:|\n| 1 | Sở Nội vụ |\n\nMã B_04b, 2\\*3.\n",
        encoding="utf-8",
    )
    assert load_file(path).text.split("\n") == [
        "Quyết định số 5",
        "",
        "Điều 1. Phạm vi",
        "",
        "Nội dung in đậm và gạch và nghiêng của văn bản gốc.",
        "",
        "STT | Tên",
        "1 | Sở Nội vụ",
        "",
        "Mã B_04b, 2*3.",
    ]


def _windows_1258_form(text: str) -> str:
    """Windows-1258 writes â ê ô ơ ư ă đ precomposed and the five tones as combining marks."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in decomposed if m in "\u0300\u0301\u0303\u0309\u0323")
        out.append(unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in tones)) + tones)
    return "".join(out)


def test_text_encodings_and_nfc(tmp_path: Path) -> None:
    sentence = "Điều 1. Luật này quy định vị trí, vai trò của Thủ đô.\nHà Nội là Thủ đô."
    nfd = unicodedata.normalize("NFD", sentence)
    cases = {
        "utf8.txt": nfd.replace("\n", "\r\n").encode("utf-8"),
        "bom.txt": b"\xef\xbb\xbf" + sentence.encode("utf-8"),
        "utf16.txt": sentence.encode("utf-16"),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        loaded = load_file(tmp_path / name)
        assert loaded.text == sentence, name
        assert loaded.warnings == []
    cp1258 = tmp_path / "cp1258.txt"
    cp1258.write_bytes(_windows_1258_form(sentence).encode("cp1258"))
    loaded = load_file(cp1258)
    assert loaded.text == sentence
    assert loaded.warnings == ["đã chuyển mã từ Windows-1258 (CP1258)"]


def test_hanoi_corpus_is_never_taken_for_legacy_text() -> None:
    files = sorted(_need(HANOI).glob("*.txt"))
    assert len(files) == 28
    for path in files:
        raw = path.read_text(encoding="utf-8")
        assert detect_legacy(raw) is None, path.name
        loaded = load_file(path)
        assert loaded.warnings == [], path.name
        assert unicodedata.is_normalized("NFC", loaded.text)


def test_clean_txt_keeps_its_lines() -> None:
    for name in ("luat-thu-do-02-2026-QH16.txt", "luat-ho-tich-60-2014-QH13.txt", "nghi-dinh-30-2020-ND-CP.txt"):
        path = _need(HANOI / name)
        assert _norm_lines(load_file(path).text) == _norm_lines(path.read_text(encoding="utf-8")), name


# --- legacy encodings ----------------------------------------------------------------------------

# Inverse tables written independently of ingest.loaders.encoding.
_TCVN3_LOWER = dict(
    zip(
        "àảãáạăằẳẵắặâầẩẫấậđèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợùủũúụưừửữứựỳỷỹýỵ",
        "µ¶·¸¹¨»¼½¾Æ©ÇÈÉÊË®ÌÎÏÐÑªÒÓÔÕÖ×ØÜÝÞßáâãä«åæçèé¬êëìíîïñòóô\xadõö÷øùúûüýþ",
        strict=True,
    )
)
_TCVN3_UPPER_BASES = {"Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}


def to_tcvn3(text: str) -> str:
    """As typed with .VnTime / .VnTimeH fonts: capitals with tones use the lower-case codes."""
    out = []
    for ch in text:
        if ch in _TCVN3_UPPER_BASES:
            out.append(_TCVN3_UPPER_BASES[ch])
        elif ch.lower() in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"": "i", "\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_vni(text: str) -> str:
    """VNI Windows: base letter + one mark byte; ơ = ô, ư = ö, đ = ñ, toned i and ỵ single bytes."""
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        upper = base.isupper()
        low = base.lower()
        tone = next((m for m in marks if m in _VNI_TONE), "")
        if ch in "đĐ":
            seq = "ñ"
        elif low == "i" and (tone or not marks):
            seq = _VNI_I[tone]
        elif low == "y" and tone == "\u0323":
            seq = "î"
        elif "\u0302" in marks:
            seq = low + _VNI_CIRCUMFLEX[tone]
        elif "\u0306" in marks:
            seq = low + _VNI_BREVE[tone]
        elif "\u031b" in marks:
            seq = {"o": "ô", "u": "ö"}[low] + _VNI_TONE.get(tone, "")
        elif low in "aeouy" and tone:
            seq = low + _VNI_TONE[tone]
        else:
            out.append(ch)
            continue
        out.append(seq.upper() if upper else seq)
    return "".join(out)


@pytest.fixture(scope="module")
def legacy_sample() -> str:
    lines = _need(LUAT_THU_DO).read_text(encoding="utf-8").split("\n")
    picked = [
        next(line for line in lines if line.startswith("TỔ CHỨC CHÍNH QUYỀN, CHẾ ĐỘ CÔNG VỤ")),
        next(line for line in lines if line.startswith("Điều 7. Nhiệm vụ, quyền hạn")),
        next(line for line in lines if line.startswith("2. Thủ đô là trung tâm chính trị")),
        next(line for line in lines if line.startswith("3. Chủ tịch Ủy ban nhân dân Thành phố có thẩm quyền thành")),
    ]
    return unicodedata.normalize("NFC", "\n".join(line.strip() for line in picked))


def test_tcvn3_file_is_converted(tmp_path: Path, legacy_sample: str) -> None:
    # TCVN3 (ABC) has no capital toned letters outside the "H" fonts: keep Ủ out of the sample.
    sample = legacy_sample.replace("Ủy", "ủy")
    encoded = to_tcvn3(sample)
    assert "§iÒu 7" in encoded and "c¸c" in encoded
    path = tmp_path / "tcvn3.txt"
    path.write_bytes(encoded.encode("cp1252"))

    loaded = load_file(path)

    assert loaded.text == sample
    assert loaded.warnings == ["đã chuyển mã từ TCVN3"]


def test_vni_file_is_converted(tmp_path: Path, legacy_sample: str) -> None:
    encoded = to_vni(legacy_sample)
    assert "Ñieàu 7" in encoded and "cuûa" in encoded and "UÛy ban" in encoded
    path = tmp_path / "vni.txt"
    path.write_bytes(encoded.encode("latin-1"))

    loaded = load_file(path)

    assert loaded.text == legacy_sample
    assert loaded.warnings == ["đã chuyển mã từ VNI"]


def test_legacy_text_inside_docx_and_html_is_converted(tmp_path: Path, legacy_sample: str) -> None:
    sample = legacy_sample.replace("Ủy", "ủy")
    path = tmp_path / "vntime.docx"
    make_docx(to_tcvn3(sample), path)
    loaded = load_file(path)
    assert loaded.text == sample
    assert loaded.warnings == ["đã chuyển mã từ TCVN3"]
    page = tmp_path / "vni.html"  # no declared charset: the bytes are VNI read as Windows-1252
    page.write_bytes(
        (
            "<html><body>" + "".join(f"<p>{line}</p>" for line in to_vni(legacy_sample).split("\n")) + "</body></html>"
        ).encode("cp1252")
    )
    loaded = load_file(page)
    assert loaded.text == legacy_sample
    assert loaded.warnings == ["đã chuyển mã từ VNI"]


def test_tcvn3_table_agrees_with_glibc() -> None:
    """Cross-check against the TCVN 5712 converter of the C library, when it has one."""
    iconv = shutil.which("iconv")
    if iconv is None:
        pytest.skip("iconv not available")
    codes = sorted(TCVN3_TABLE)
    data = b"\n".join(bytes([ord(c)]) for c in codes)
    result = subprocess.run([iconv, "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip("iconv has no TCVN5712-1 converter")
    assert dict(zip(codes, result.stdout.decode("utf-8").split("\n"), strict=True)) == TCVN3_TABLE


def test_convert_legacy_covers_every_letter() -> None:
    lower = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
    assert convert_legacy(to_vni(lower), "vni") == lower
    assert convert_legacy(to_vni(lower.upper()), "vni") == lower.upper()
    assert convert_legacy(to_tcvn3(lower), "tcvn3") == lower
    # An all-caps line typed in a .VnTimeH font gets its capitals back.
    heading = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert convert_legacy(to_tcvn3(heading), "tcvn3") == heading
    # So does a toned capital opening a sentence; inside a sentence the case stays unknown.
    text = "Điều 13. Thẩm quyền đăng ký khai sinh\nỦy ban nhân dân cấp xã. Ở đâu có Ủy ban"
    assert convert_legacy(to_tcvn3(text), "tcvn3") == text.replace("có Ủy", "có ủy")


def test_unconvertible_legacy_text_is_rejected(tmp_path: Path, legacy_sample: str) -> None:
    garbled = to_tcvn3(legacy_sample) + "\n" + " ".join(["k³x", "q²z", "t´s", "n±m"] * 10)
    path = tmp_path / "garbled.txt"
    path.write_bytes(garbled.encode("cp1252"))
    with pytest.raises(LoaderError, match="garbled.txt: mã ký tự cũ .* Unicode"):
        load_file(path)


# --- re-joining rules ----------------------------------------------------------------------------

_OPEN_LINE = "Hội đồng nhân dân Thành phố quy định việc thành lập, tổ chức lại các cơ quan của"


@pytest.mark.parametrize(
    "line",
    [
        "Điều 5. Áp dụng pháp luật",
        "Chương II",
        "Mục 1. QUY ĐỊNH CHUNG",
        "Phần thứ hai",
        "Tiểu mục 2. Thủ tục",
        "PHỤ LỤC I",
        "Phụ lục II",
        "Mẫu số 01",
        "1. Thủ đô là trung tâm",
        "12. Trường hợp khác",
        "a) điểm thứ nhất",
        "đ) điểm thứ năm",
        "I. Quan điểm",
        "II. Mục tiêu",
        "1.1. Nhiệm vụ",
        "- Các sở, ban, ngành;",
        "+ 100% dịch vụ công",
        "Nơi nhận:",
        "QUY ĐỊNH CHUNG",
    ],
)
def test_structural_lines_are_never_joined(line: str) -> None:
    for width, soft in ((None, True), (80, False), (None, False)):
        assert not should_join(_OPEN_LINE, _OPEN_LINE, line, width=width, soft_wraps=soft), (line, width)


@pytest.mark.parametrize(
    ("prev", "line"),
    [
        ("QUY ĐỊNH CHUNG", "thuộc phạm vi quản lý của Thành phố"),
        ("Quốc hội ban hành Luật Thủ đô.", "và các văn bản hướng dẫn thi hành"),
        ("Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;", "Quốc hội ban hành Luật Thủ đô"),
        ("Điều 1. Phạm vi điều chỉnh", "Luật này quy định vị trí, vai trò của Thủ đô"),
    ],
)
def test_finished_lines_are_not_continued(prev: str, line: str) -> None:
    for width, soft in ((None, True), (80, False), (None, False)):
        assert not should_join(prev, prev, line, width=width, soft_wraps=soft), (prev, width)


def test_wrapped_continuations_are_joined() -> None:
    assert should_join(_OPEN_LINE, _OPEN_LINE, "Thành phố theo quy định.", width=80, soft_wraps=False)
    assert should_join(_OPEN_LINE, _OPEN_LINE, "Điều 4 của Luật này.", width=80, soft_wraps=False)
    assert should_join(_OPEN_LINE, _OPEN_LINE, "- xã hội của Thủ đô.", width=80, soft_wraps=False)
    assert should_join("Hà Nội, ngày", "Hà Nội, ngày", "26 tháng 11 năm 2025", width=None, soft_wraps=False)
    assert rejoin_lines(["Căn cứ Luật này, Hội đồng nhân dân", "quyết định:", "a) Nội dung;"]) == [
        "Căn cứ Luật này, Hội đồng nhân dân quyết định:",
        "a) Nội dung;",
    ]


# --- file-level errors ---------------------------------------------------------------------------


def test_file_errors_are_vietnamese_and_name_the_file(tmp_path: Path) -> None:
    assert {".pdf", ".docx", ".html", ".htm", ".txt", ".md"} == SUPPORTED_SUFFIXES
    empty = tmp_path / "rong.txt"
    empty.write_bytes(b"")
    with pytest.raises(LoaderError, match="rong.txt: tệp rỗng"):
        load_file(empty)
    blank = tmp_path / "trang.txt"
    blank.write_text(" \n\u00a0\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="trang.txt: không có nội dung"):
        load_file(blank)
    odd = tmp_path / "bang.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(LoaderError, match=r"bang.xlsx: định dạng \.xlsx không được hỗ trợ"):
        load_file(odd)
    big = tmp_path / "lon.txt"
    big.write_text("Điều 1. " + "nội dung " * 200, encoding="utf-8")
    with pytest.raises(LoaderError, match="lon.txt: tệp quá lớn"):
        load_file(big, max_bytes=1000)
    with pytest.raises(LoaderError, match="khong-co.pdf: không tìm thấy tệp"):
        load_file(tmp_path / "khong-co.pdf")
    error = LoaderError(tmp_path / "X.pdf", "không có lớp văn bản")
    assert (error.path.name, error.message) == ("X.pdf", "không có lớp văn bản")
    assert str(error) == "X.pdf: không có lớp văn bản"
