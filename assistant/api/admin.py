"""Administration endpoints (admin role only): the audit trail."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from assistant.api.auth import Permission, guard
from assistant.security.audit import event_dict
from assistant.security.principal import Principal

router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.get("/audit")
def audit_events(
    request: Request,
    _: Annotated[Principal, guard(Permission.ADMIN)],
    since: Annotated[date | None, Query(description="Từ ngày (UTC), yyyy-mm-dd")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    audit = request.app.state.audit
    start = datetime.combine(since, time.min) if since else None
    events = [event_dict(r, audit.mask) for r in audit.events(since=start, limit=limit)]
    return {"events": events, "count": len(events)}
