"""Personal data in questions, masked before anything is written to logs or the audit table.

Masked: e-mail addresses, CCCD (12 digits), Vietnamese phone numbers (0xxxxxxxxx, +84…, with
spaces, dots or dashes between groups), CMND (9 digits). Legal references ("172/2025/NĐ-CP",
"Điều 15", "21/11/2025") are left alone: they are not runs of 9+ bare digits.

Every pattern runs in time linear in its input: each can start only at the beginning of a run of
its characters (a negative lookbehind) and every repetition is bounded, so a long run of letters or
digits (``GET /x<aaaa…>``, sent without a key) costs one pass, never a match attempt per position
that scans to the end of the run. Log fields are also cut to ``LOG_FIELD_MAX`` characters first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

# Local part ≤ 64 and domain labels ≤ 63 characters (RFC 5321), at most 8 labels after the first.
EMAIL = re.compile(r"(?<![A-Za-z0-9._\-])[A-Za-z0-9._\-]{1,64}(?:@|%40)"
                   r"[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
# Not followed by more digits, a decimal part, or "/2025", "/QĐ-…" (a số hiệu or a date); "/articles" is fine.
_END = r"(?!\d|[.,]\d|/[\dA-ZĐ])"
# 12 digits, optionally in groups of three separated by a space or dash (amounts use dots). A path
# segment ("/api/documents/001203001234") counts: legal numbers after a slash are years (4 digits).
CCCD = re.compile(r"(?<![\d.,])\d{3}(?:[ \-]?\d{3}){3}" + _END)
# 0 or +84/84 then 9–10 more digits; a space, dot or dash (or its URL encoding) may separate digits.
# After "+" (an encoded space in ?q=) or "/" (a path segment) too.
PHONE = re.compile(r"(?<![\w.,])(?:\+\s?84|%2B84|\(\+84\)|84|0)(?:(?:[\s.\-+]|%20)?\d){9,10}" + _END)
CMND = re.compile(r"(?<![\d.,])\d{9}" + _END)

MASKS = (
    (EMAIL, "[EMAIL]"),
    (CCCD, "[CCCD]"),
    (PHONE, "[SĐT]"),
    (CMND, "[CMND]"),
)

# A log field (an access-log URL, a question) is cut to this many characters before it is masked:
# a log line never needs more, and masking stays cheap whatever a client sends.
LOG_FIELD_MAX = 2048


def mask_pii(text: str) -> str:
    for pattern, token in MASKS:
        text = pattern.sub(token, text)
    return text


def mask_field(value: str, limit: int = LOG_FIELD_MAX) -> str:
    """A bounded, masked copy of one log field."""
    if len(value) > limit:
        value = f"{value[:limit]}…[+{len(value) - limit} ký tự]"
    return mask_pii(value)


def _mask_arg(value: object) -> object:
    return mask_field(value) if isinstance(value, str) else value


class PiiLogFilter(logging.Filter):
    """Masks personal data in every record it sees (access-log lines carry ?q=… questions).

    The message template and each argument are masked in place: formatters that read
    ``record.args`` themselves (uvicorn's access log unpacks its 5-tuple) keep working."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_field(record.msg, 4 * LOG_FIELD_MAX)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_mask_arg(a) for a in args)
        elif isinstance(args, Mapping):
            record.args = {k: _mask_arg(v) for k, v in args.items()}
        return True


def install_log_masking() -> None:
    """Mask every log record of the process when it is created (idempotent).

    A record factory rather than handler filters: it applies whatever handlers uvicorn, the CLI or
    a host application configure later, and to propagated records too.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_pii", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        PiiLogFilter().filter(record)
        return record

    factory.masks_pii = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
