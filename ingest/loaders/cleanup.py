"""Character- and line-level normalisation shared by every loader.

Run after legacy-encoding repair (TCVN3 uses the soft hyphen and C1 bytes as letters).
"""

from __future__ import annotations

import re
import unicodedata

from ingest.loaders.rejoin import rejoin_lines

_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x0b\x0c\x85]")
# Unicode spaces that should read as a plain space.
_SPACES = re.compile(r"[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Controls, zero-width and bidi marks, soft hyphen: invisible noise.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_RUNS_OF_SPACES = re.compile(r" {2,}")


def normalize_chars(text: str) -> str:
    """NFC, ``\\n`` line ends, no control or invisible characters, one space between words."""
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text)
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    lines = [_RUNS_OF_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return unicodedata.normalize("NFC", "\n".join(lines))


def drop_blank_noise(lines: list[str]) -> list[str]:
    """No leading/trailing blank lines and never two blank lines in a row."""
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def clean_text(text: str, *, soft_wraps: bool = False) -> str:
    """Full clean-up: characters, re-joined wrapped lines, tidy blank lines."""
    lines = normalize_chars(text).split("\n")
    lines = rejoin_lines(lines, soft_wraps=soft_wraps)
    return "\n".join(drop_blank_noise(lines))
