"""OCR of scanned PDF pages with Tesseract (Debian: tesseract-ocr, tesseract-ocr-vie).

Only pages without a usable text layer are rasterised (pypdfium2) and read by the ``tesseract`` CLI,
one page at a time. Its TSV output gives the words with their line breaks and a confidence each, so
one run yields both the page text (lines as a text layer would give them, for the shared clean-up)
and the page's mean confidence.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, ImageFilter

# One OpenMP thread per tesseract run: with its default (all cores) a page took 3-4 × longer on a
# busy two-core server, the threads spinning against each other and against the service.
_ENV = {"OMP_THREAD_LIMIT": "1"}
# Page segmentation "one uniform block of text": legal texts are a single column; the automatic mode
# dropped short lines ("-------", a second header line) next to ruled lines of scans.
_PSM = "6"
# Words below this confidence are not evidence that a page holds text: on a blank, speckled scan
# Tesseract "reads" thousands of symbols, 87 % of them with a confidence under 60 (and a few
# "words" above it), while on a typed page 99 % of the words score over 90.
RELIABLE_WORD_CONFIDENCE = 60.0
MIN_RELIABLE_SHARE = 0.5  # a page where fewer words are reliable is speckle, not text
# A page with less ink than this (share of pixels darker than mid-grey, speckle removed) is blank:
# a typed page has ~5 %, six letters 0.01 %. Tesseract is not run on it: its automatic threshold turns
# the faint grey of an empty scan into thousands of "words", for a minute of CPU.
MIN_INK_SHARE = 0.0001


@dataclass(frozen=True)
class OcrOptions:
    """How scanned pages are read. ``command`` is the tesseract executable (name or path)."""

    enabled: bool = True
    command: str = "tesseract"
    languages: str = "vie"
    dpi: int = 300
    min_confidence: float = 70.0  # a page whose mean word confidence is below this is flagged
    page_timeout_seconds: float = 60.0  # one page's tesseract run
    before_page: Callable[[], None] | None = field(default=None, compare=False)  # e.g. extend a time limit


@dataclass
class OcrPage:
    page: int  # 1-based page number in the PDF
    confidence: float  # mean word confidence, 0-100
    words: int
    low_confidence: bool = False


@dataclass
class OcrReport:
    """Which pages of a document were read by OCR, and how sure the engine was."""

    engine: str  # "tesseract 5.3.0 (vie)"
    min_confidence: float
    pages: list[OcrPage] = field(default_factory=list)

    @property
    def mean_confidence(self) -> float:
        words = sum(p.words for p in self.pages)
        if not words:
            return 0.0
        return sum(p.confidence * p.words for p in self.pages) / words

    @property
    def low_confidence_pages(self) -> list[int]:
        return [p.page for p in self.pages if p.low_confidence]

    def as_json(self) -> dict:
        """What the index stores and the CLI/API show."""
        return {
            "engine": self.engine,
            "pages": [p.page for p in self.pages],
            "mean_confidence": round(self.mean_confidence, 1),
            "min_confidence": self.min_confidence,
            "low_confidence_pages": self.low_confidence_pages,
            "page_confidence": {str(p.page): round(p.confidence, 1) for p in self.pages},
        }


class OcrUnavailable(Exception):
    """Tesseract (or its Vietnamese data) is not installed."""


@functools.cache
def engine_version(command: str, languages: str) -> str:
    """"tesseract 5.3.0 (vie)"; raises ``OcrUnavailable`` when the engine or a language is missing."""
    exe = shutil.which(command)
    if exe is None:
        raise OcrUnavailable(command)
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(command) from exc
    installed = set(langs.stdout.split())
    if any(lang not in installed for lang in languages.split("+")):
        raise OcrUnavailable(f"{command} ({languages})")
    first = (version.stdout or version.stderr).strip().splitlines()
    return f"{first[0] if first else 'tesseract'} ({languages})"


def prepare_image(image: Image.Image) -> Image.Image:
    """Grey levels with the speckle of a scanner removed (a 3×3 median keeps 300 dpi strokes)."""
    return image.convert("L").filter(ImageFilter.MedianFilter(3))


@dataclass
class PageText:
    text: str  # one line per recognised line
    confidence: float  # mean word confidence, 0-100
    words: int
    reliable_words: int  # words recognised with RELIABLE_WORD_CONFIDENCE or more…
    reliable_letters: int  # …and their letters

    def holds_text(self, min_letters: int) -> bool:
        return self.reliable_letters >= min_letters and self.reliable_words >= MIN_RELIABLE_SHARE * self.words


def read_image(image: Image.Image, options: OcrOptions) -> PageText:
    """Run Tesseract on one page image."""
    prepared = prepare_image(image)
    histogram = prepared.histogram()
    if sum(histogram[:128]) < MIN_INK_SHARE * sum(histogram):
        return PageText("", 0.0, 0, 0, 0)
    png = io.BytesIO()
    prepared.save(png, format="PNG")
    command = [shutil.which(options.command) or options.command, "-", "-", "-l", options.languages,
               "--psm", _PSM, "--dpi", str(options.dpi), "tsv"]
    done = subprocess.run(command, input=png.getvalue(), capture_output=True, timeout=options.page_timeout_seconds,
                          env={**os.environ, **_ENV}, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace").strip()[-300:] or f"exit {done.returncode}")
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    reliable = reliable_letters = 0
    rows = csv.DictReader(io.StringIO(done.stdout.decode("utf-8", errors="replace")), delimiter="\t",
                          quoting=csv.QUOTE_NONE)
    for row in rows:
        word = (row.get("text") or "").strip()
        if row.get("level") != "5" or not word:
            continue
        lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(word)
        confidence = max(0.0, float(row["conf"]))
        confidences.append(confidence)
        if confidence >= RELIABLE_WORD_CONFIDENCE:
            reliable += 1
            reliable_letters += sum(1 for c in word if c.isalpha())
    text = "\n".join(" ".join(words) for words in lines.values())
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return PageText(text, mean, len(confidences), reliable, reliable_letters)
