"""Personal data in questions, masked before anything is written to logs or the audit table.

Masked: e-mail addresses, CCCD (12 digits), Vietnamese phone numbers (0xxxxxxxxx, +84…, with
spaces, dots or dashes between groups), CMND (9 digits). Legal references ("172/2025/NĐ-CP",
"Điều 15", "21/11/2025") are left alone: they are not runs of 9+ bare digits.
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[A-Za-z0-9._\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# 12 digits, optionally in groups of three separated by a space or dash (amounts use dots).
CCCD = re.compile(r"(?<![\d.,/])\d{3}(?:[ \-]?\d{3}){3}(?![\d/]|[.,]\d)")
# 0 or +84/84 then 9–10 more digits; a space, dot or dash (or its URL encoding) may separate digits.
PHONE = re.compile(r"(?<![\w.,/+])(?:\+\s?84|%2B84|\(\+84\)|84|0)(?:(?:[\s.\-+]|%20)?\d){9,10}(?![\d/]|[.,]\d)")
CMND = re.compile(r"(?<![\d.,/])\d{9}(?![\d/]|[.,]\d)")

MASKS = (
    (EMAIL, "[EMAIL]"),
    (CCCD, "[CCCD]"),
    (PHONE, "[SĐT]"),
    (CMND, "[CMND]"),
)


def mask_pii(text: str) -> str:
    for pattern, token in MASKS:
        text = pattern.sub(token, text)
    return text


class PiiLogFilter(logging.Filter):
    """Masks personal data in every record it sees (access-log lines carry ?q=… questions)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, None
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
