"""The audit trail: one row per chat or search request (who, when, the masked question, which
articles were retrieved and cited, declined or not, latency), and one per refused request (401,
403, 413, 429: who if known, path, status, error code, client), exported as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.index.schema import AnswerRow, AuditEventRow, ConversationOwnerRow
from assistant.security.keys import utcnow
from assistant.security.pii import mask_pii
from assistant.security.principal import Principal

log = logging.getLogger(__name__)

COLUMNS = ["id", "at", "principal", "role", "endpoint", "question", "conversation_id", "answer_id", "access",
           "retrieved", "cited", "declined", "mode", "status", "latency_ms", "client", "path", "error"]
REFUSED = "refused"  # endpoint of the rows of refused requests


def article_ids_of_citations(citations: Iterable[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(f"{c['doc_id']}:{c['article_key']}" for c in citations))


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], mask: bool = True, enabled: bool = True) -> None:
        self.sessions = sessions
        self.mask = mask
        self.enabled = enabled

    def record(self, principal: Principal, endpoint: str, question: str, *, retrieved: list[str] | None = None,
               cited: list[str] | None = None, declined: bool | None = None, mode: str | None = None,
               answer_id: str | None = None, conversation_id: str | None = None, status: int = 200,
               latency_ms: float = 0.0, client: str | None = None) -> None:
        if not self.enabled:
            return
        if retrieved is None and answer_id:
            retrieved = self._retrieved(answer_id)
        row = AuditEventRow(
            at=utcnow(), principal=principal.id[:200], role=principal.role.value, endpoint=endpoint,
            question=mask_pii(question) if self.mask else question, conversation_id=conversation_id,
            answer_id=answer_id, access=principal.access_labels(), retrieved=retrieved or [], cited=cited or [],
            declined=declined, mode=mode, status=status, latency_ms=round(latency_ms, 2), client=client,
        )
        try:
            with self.sessions.begin() as s:
                s.add(row)
        except Exception:  # the answer was given: a failed audit write is logged, not turned into an error
            log.exception("không ghi được nhật ký audit (%s, %s)", principal.id, endpoint)

    def record_refusal(self, *, principal: str, role: str, path: str, status: int, error: str | None,
                       client: str | None, access: list[str] | None = None) -> None:
        """A request refused before it was served: there is no question to record."""
        if not self.enabled:
            return
        row = AuditEventRow(
            at=utcnow(), principal=principal[:200], role=role[:20], endpoint=REFUSED, question="",
            access=access, retrieved=[], cited=[], status=status, latency_ms=0.0, client=client,
            path=(mask_pii(path[:400]) if self.mask else path)[:300], error=(error or "")[:40] or None,
        )
        try:
            with self.sessions.begin() as s:
                s.add(row)
        except Exception:  # noqa: BLE001 - the refusal stands; a failed audit write is logged
            log.exception("không ghi được nhật ký audit cho yêu cầu bị từ chối (%s, %s)", principal, status)

    def _retrieved(self, answer_id: str) -> list[str]:
        with self.sessions() as s:
            row = s.get(AnswerRow, answer_id)
        return list(row.retrieved or []) if row else []

    def answer_owner(self, answer_id: str) -> str | None:
        with self.sessions() as s:
            return s.scalar(select(AuditEventRow.principal).where(AuditEventRow.answer_id == answer_id).limit(1))

    def events(self, since: datetime | None = None, until: datetime | None = None,
               limit: int | None = None) -> Iterator[AuditEventRow]:
        q = select(AuditEventRow).order_by(AuditEventRow.at, AuditEventRow.id)
        if since:
            q = q.where(AuditEventRow.at >= since)
        if until:
            q = q.where(AuditEventRow.at < until)
        if limit:
            q = q.limit(limit)
        with self.sessions() as s:
            yield from s.scalars(q.execution_options(yield_per=500))


def event_dict(row: AuditEventRow, mask: bool = True) -> dict[str, Any]:
    return {
        "id": row.id, "at": row.at.isoformat(timespec="milliseconds") + "Z", "principal": row.principal,
        "role": row.role, "endpoint": row.endpoint, "question": mask_pii(row.question) if mask else row.question,
        "conversation_id": row.conversation_id, "answer_id": row.answer_id, "access": row.access,
        "retrieved": row.retrieved or [], "cited": row.cited or [], "declined": row.declined, "mode": row.mode,
        "status": row.status, "latency_ms": row.latency_ms, "client": row.client, "path": row.path,
        "error": row.error,
    }


def write_events(rows: Iterable[AuditEventRow], out: TextIO, fmt: str, mask: bool = True) -> int:
    """CSV (lists joined by spaces) or JSON Lines; masking again on export is idempotent."""
    n = 0
    writer = csv.DictWriter(out, fieldnames=COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for row in rows:
        d = event_dict(row, mask)
        if writer:
            flat = d | {k: " ".join(d[k]) for k in ("retrieved", "cited")}
            flat["access"] = "*" if d["access"] is None else " ".join(d["access"])
            flat["declined"] = "" if d["declined"] is None else str(d["declined"]).lower()
            flat["path"], flat["error"] = d["path"] or "", d["error"] or ""
            writer.writerow(flat)
        else:
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
        n += 1
    return n


def export_text(rows: Iterable[AuditEventRow], fmt: str, mask: bool = True) -> str:
    buf = io.StringIO()
    write_events(rows, buf, fmt, mask)
    return buf.getvalue()


class ConversationOwners:
    """Binds a conversation to the caller that started it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def owner(self, conversation_id: str) -> str | None:
        with self.sessions() as s:
            row = s.get(ConversationOwnerRow, conversation_id)
        return row.principal if row else None

    def claim(self, conversation_id: str, principal: Principal) -> bool:
        """True when the conversation is (now) the caller's; False when another caller holds it."""
        current = self.owner(conversation_id)
        if current is None:
            try:
                with self.sessions.begin() as s:
                    s.add(ConversationOwnerRow(conversation_id=conversation_id, principal=principal.id[:200],
                                               created_at=utcnow()))
                return True
            except IntegrityError:  # claimed at the same moment by another request
                current = self.owner(conversation_id)
        return current == principal.id or principal.is_admin
