"""Everyday words → the legal terms the texts use: "đuổi việc" is "buộc thôi việc", "làm thủ tục trên
mạng" is "trực tuyến", "ông bà lớn tuổi" are "người cao tuổi".

Staff and citizens ask in everyday Vietnamese; the documents never say "nghỉ đẻ" or "bằng giả", so
the full-text index cannot match such a question. The legal terms are added to the lexical query
(the question itself is kept: a lay word may still occur in a text); the coverage behind the
decline threshold stays that of the question as asked. The
dense query is left as asked: the embedding model reads everyday language already (adding the
terms there too gained on the dev split, nothing on the frozen one, and costs tokens to embed).

The built-in list holds general equivalences of administrative language, not answers to particular
questions. An operator adds local ones with ``ASSISTANT_THESAURUS_PATH``: a UTF-8 file with one
``everyday phrase<TAB>legal terms`` per line (``#`` starts a comment).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from assistant.textproc import fold, nfc, without_diacritics

log = logging.getLogger(__name__)

BUILT_IN: tuple[tuple[str, str], ...] = (
    # employment of cán bộ, công chức
    ("đuổi việc", "buộc thôi việc"),
    ("xin nghỉ việc", "thôi việc"),
    ("nghỉ đẻ", "nghỉ thai sản"),
    ("có bầu", "mang thai"),
    ("mang bầu", "mang thai"),
    ("làm tạm", "biệt phái"),
    ("lên chức", "bổ nhiệm"),
    ("bằng giả", "văn bằng chứng chỉ giả mạo"),
    ("bằng cấp giả", "văn bằng chứng chỉ giả mạo"),
    ("giấy tờ giả", "giả mạo giấy tờ"),
    # administrative procedures
    ("trên mạng", "trực tuyến"),
    ("qua mạng", "trực tuyến"),
    ("online", "trực tuyến"),
    ("nộp giấy tờ", "nộp hồ sơ"),
    ("sửa hồ sơ", "sửa đổi bổ sung hồ sơ"),
    ("góp ý", "phản ánh kiến nghị"),
    ("lấy kết quả", "trả kết quả"),
    ("bớt phí", "miễn giảm phí"),
    ("ông bà", "người cao tuổi"),
    ("người già", "người cao tuổi"),
    ("lớn tuổi", "người cao tuổi"),
    ("tàn tật", "khuyết tật"),
    ("lấy vợ", "kết hôn"),
    ("lấy chồng", "kết hôn"),
    ("xin tài liệu", "yêu cầu cung cấp thông tin"),
    # the city
    ("bãi giữ xe", "bãi đỗ xe"),
    ("chặt cây", "chặt hạ cây xanh"),
    ("nhà thương mại", "nhà ở thương mại"),
)


def read_entries(path: Path) -> list[tuple[str, str]]:
    """``everyday<TAB>legal`` lines; a malformed line is an error naming the file and line."""
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"{path}:{n}: expected 'everyday phrase<TAB>legal terms'")
        entries.append((parts[0], parts[1]))
    return entries


class Thesaurus:
    def __init__(self, entries: Iterable[tuple[str, str]] = BUILT_IN) -> None:
        # Accented questions match accented phrases ("mất tiền" is not "mặt tiền"); a question typed
        # without diacritics is matched on the folded phrases.
        self._accented = [(self._pattern(nfc(lay).lower()), legal) for lay, legal in entries]
        self._folded = [(self._pattern(fold(lay)), legal) for lay, legal in entries]

    @staticmethod
    def _pattern(phrase: str) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")

    def legal_terms(self, question: str) -> list[str]:
        q = nfc(question).lower()
        plain = without_diacritics(q)
        found = [legal for pattern, legal in (self._folded if plain else self._accented) if pattern.search(q)]
        return [t for t in dict.fromkeys(found) if (fold(t) if plain else t) not in q]

    def expand(self, question: str) -> str:
        terms = self.legal_terms(question)
        return f"{question} {' '.join(terms)}" if terms else question


@lru_cache(maxsize=4)
def load_thesaurus(extra: Path | None = None) -> Thesaurus:
    """The built-in list plus the operator's file. A file that cannot be read is logged (file and line)
    and left out: a typo in it must not turn every search into an error."""
    entries = list(BUILT_IN)
    if extra:
        try:
            entries += read_entries(extra)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.error("thesaurus file not used, built-in list only: %s", exc)
    return Thesaurus(entries)
