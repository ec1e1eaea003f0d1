"""Types shared by every loader: the error they raise and the text they return."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders.ocr import OcrReport


class LoaderError(Exception):
    """Raised with a Vietnamese message that names the file.

    ``str(error)`` is ``"<file name>: <message>"``, e.g.
    ``"X.pdf: không có lớp văn bản — cần OCR trước khi nạp"``.
    """

    def __init__(self, path: Path, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(self.path, message)  # keeps the error picklable across processes

    def __str__(self) -> str:
        return f"{self.path.name}: {self.message}"


@dataclass
class LoadedText:
    """The normalised text of one file, ready for the legal-structure parser."""

    path: Path
    format: str  # "pdf" | "docx" | "html" | "txt"
    text: str  # Unicode NFC, "\n" line ends, wrapped lines re-joined, no page furniture
    warnings: list[str] = field(default_factory=list)  # Vietnamese, e.g. "đã chuyển mã từ TCVN3"
    ocr: OcrReport | None = None  # scanned pages read by OCR, with the engine's confidence


@dataclass
class Extracted:
    """What a format reader hands back before the shared clean-up.

    ``soft_wraps`` is True when single newlines inside a paragraph are mere wraps
    (Markdown semantics), so a wrapped line may be re-joined even when it starts upper-case.
    """

    text: str
    warnings: list[str] = field(default_factory=list)
    soft_wraps: bool = False
    ocr: OcrReport | None = None
