"""Authentication and authorisation of API requests.

* ``TrustMiddleware`` (ASGI, before routing): request body size (413), the credential —
  ``Authorization: Bearer <API key | SSO token>`` or ``X-API-Key`` — turned into a ``Principal``
  (401), widget keys held to their allowed origins (403).
* ``guard(permission)`` (a dependency on every route): role → permission (403), per-caller rate
  limit (429). ``check_routes`` refuses to build an app with an unguarded route.
* Every refused request (401, 403, 413, 429) outside the public paths leaves an audit row: who if
  known, path, status, error code, client IP (at most ``audit_refused_per_minute`` per client IP).

Open without a credential: ``/healthz``, ``/readyz`` (ready or not and a reason code only), ``/``,
``/widget.js``, ``/widget.css``; ``/metrics`` with ``ASSISTANT_METRICS_OPEN=true`` (else admin only);
the OpenAPI pages with ``ASSISTANT_OPENAPI_OPEN=true`` (else staff or admin). ``ASSISTANT_AUTH_DISABLED=true`` serves
every request as an anonymous admin (development, browser tests).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.security.errors import TrustError, as_http_exception, unauthenticated
from assistant.security.keys import split_key
from assistant.security.principal import ANONYMOUS_ADMIN, Principal, Role, normalize_origin
from assistant.settings import Settings

# Load balancers and Kubernetes probe /healthz and /readyz without credentials.
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/", "/widget.js", "/widget.css"})
OPS_PATHS = frozenset({"/metrics"})
DOCS_PATHS = frozenset({"/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})
AUDITED_REFUSALS = frozenset({401, 403, 413, 429})


class Permission(StrEnum):
    CHAT = "chat"  # POST /api/chat
    FEEDBACK = "feedback"  # POST /api/feedback
    OPENAI = "openai"  # POST /v1/chat/completions
    SEARCH = "search"  # GET /api/search
    DOCUMENTS = "documents"  # document list and document view
    ARTICLE = "article"  # one article: the cited source the widget opens
    STATUS = "status"  # /api/status
    OPS = "ops"  # /metrics
    ADMIN = "admin"  # audit and (future) ingestion endpoints


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.STAFF: frozenset({Permission.CHAT, Permission.FEEDBACK, Permission.OPENAI, Permission.SEARCH,
                           Permission.DOCUMENTS, Permission.ARTICLE}),
    # The widget chats, rates answers and opens the articles its answers cite.
    Role.WIDGET: frozenset({Permission.CHAT, Permission.FEEDBACK, Permission.ARTICLE}),
}

BUCKETS = {Permission.CHAT: "chat", Permission.OPENAI: "chat", Permission.SEARCH: "search"}

_bearer = HTTPBearer(auto_error=False, description="Khoá API (tlcv_…) hoặc mã đăng nhập SSO (JWT).")


# -- middleware --------------------------------------------------------------------------------------


def credential(headers: Headers) -> str | None:
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


def request_origin(headers: Headers) -> str | None:
    """The page's origin: the Origin header, else the origin of the Referer (same-origin GETs carry no Origin)."""
    for value in (headers.get("origin"), headers.get("referer")):
        if not value or value == "null":
            continue
        parts = urlsplit(value)
        try:
            return normalize_origin(f"{parts.scheme}://{parts.netloc}")
        except ValueError:
            return None
    return None


def claimed_caller(headers: Headers) -> tuple[str, str]:
    """(principal, role) of a caller that was not authenticated: the key id its credential names, if any."""
    token = credential(headers)
    if not token:
        return "anonymous", "none"
    parts = split_key(token)
    return (f"key:{parts[0]}", "unverified") if parts else ("token", "unverified")


class _RefusalWatch:
    """Passes responses on; a refusal (a small JSON body) is held until ``on_refusal(status, error code)``
    has run, so that the refusal is on record before the caller learns of it."""

    def __init__(self, send: Send, on_refusal: Callable[[int, str | None], Awaitable[None]]) -> None:
        self.send = send
        self.on_refusal = on_refusal
        self.held: list[Message] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] in AUDITED_REFUSALS:
            self.held.append(message)
            return
        if not self.held:
            await self.send(message)
            return
        self.held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            body = b"".join(m.get("body", b"") for m in self.held[1:])
            await self.on_refusal(self.held[0]["status"], error_code(body))
            held, self.held = self.held, []
            for m in held:
                await self.send(m)


def error_code(body: bytes) -> str | None:
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


class TrustMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.public = PUBLIC_PATHS | (OPS_PATHS if settings.metrics_open else frozenset()) | (
            DOCS_PATHS if settings.openapi_open else frozenset())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in PUBLIC_PATHS:  # the demo page and widget files: not API routes, not audited
            await self.check(scope, receive, send)
            return

        async def on_refusal(status: int, error: str | None) -> None:
            await anyio.to_thread.run_sync(self.audit_refusal, scope, status, error)

        await self.check(scope, receive, _RefusalWatch(send, on_refusal))

    def audit_refusal(self, scope: Scope, status: int, error: str | None) -> None:
        state = scope["app"].state
        audit = getattr(state, "audit", None)
        if audit is None:
            return
        client = scope.get("client")
        ip = client[0] if client else "?"
        limit, limiter = self.settings.audit_refused_per_minute, getattr(state, "limiter", None)
        # A flood of bad requests must not flood the audit table: a bounded number per client IP.
        if limit > 0 and limiter is not None and not limiter.hit(f"audit-refused:{ip}", limit, 60).allowed:
            return
        principal: Principal | None = scope.get("state", {}).get("principal")
        if principal is not None:
            who, role, access = principal.id, principal.role.value, principal.access_labels()
        else:
            (who, role), access = claimed_caller(Headers(scope=scope)), []
        audit.record_refusal(principal=who, role=role, path=scope["path"], status=status, error=error, client=ip,
                             access=access)

    async def check(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        limit = self.settings.max_body_bytes
        length = headers.get("content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > limit):
            err = TrustError(413, "body_too_large", limit=limit) if length.strip().isdigit() else TrustError(
                400, "invalid_request")
            await err.response()(scope, receive, send)
            return
        if scope["method"] != "OPTIONS" and scope["path"] not in self.public:
            try:
                principal = await self.authenticate(scope, headers)
                if scope["path"] in DOCS_PATHS and principal.role is Role.WIDGET:
                    raise TrustError(403, "forbidden")
            except TrustError as err:
                await err.response()(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body without Content-Length
                    raise as_http_exception(TrustError(413, "body_too_large", limit=limit))
            return message

        await self.app(scope, limited_receive, send)

    async def authenticate(self, scope: Scope, headers: Headers) -> Principal:
        if self.settings.auth_disabled:
            return ANONYMOUS_ADMIN
        token = credential(headers)
        if not token:
            raise unauthenticated()
        auth = getattr(scope["app"].state, "auth", None)
        if auth is None:
            raise TrustError(503, "service_unavailable")
        principal: Principal = await anyio.to_thread.run_sync(auth.verify, token)
        if principal.role is Role.WIDGET and request_origin(headers) not in principal.origins:
            raise TrustError(403, "origin_not_allowed")
        return principal


# -- route guards --------------------------------------------------------------------------------------


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def rate_limit_key(request: Request, principal: Principal) -> str:
    """Widget keys are shared by everyone on the embedding pages: counted per key and client IP."""
    if principal.role is Role.WIDGET or principal.kind == "anonymous":
        return f"{principal.id}@{client_ip(request)}"
    return principal.id


def check_rate(request: Request, principal: Principal, permission: Permission) -> None:
    settings: Settings = request.app.state.settings
    bucket = BUCKETS.get(permission, "default")
    limit = {"chat": settings.rate_limit_chat, "search": settings.rate_limit_search}.get(
        bucket, settings.rate_limit_default)
    limiter = getattr(request.app.state, "limiter", None)
    if limit <= 0 or limiter is None:
        return
    decision = limiter.hit(f"{bucket}:{rate_limit_key(request, principal)}", limit,
                           settings.rate_limit_window_seconds)
    if not decision.allowed:
        raise as_http_exception(TrustError(
            429, "rate_limited", retry_after=decision.retry_after,
            headers={"Retry-After": str(decision.retry_after), "X-RateLimit-Limit": str(limit),
                     "X-RateLimit-Remaining": "0"}))


def guard(permission: Permission) -> Any:
    """``principal: Annotated[Principal, guard(Permission.SEARCH)]`` — the caller, allowed and counted."""

    def dependency(request: Request,
                   _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            if permission is Permission.OPS and request.app.state.settings.metrics_open:
                return Principal(id="anonymous", role=Role.WIDGET, kind="anonymous")
            raise as_http_exception(unauthenticated())
        if permission not in ROLE_PERMISSIONS[principal.role]:
            raise as_http_exception(TrustError(403, "forbidden"))
        check_rate(request, principal, permission)
        return principal

    dependency.__guard__ = permission  # type: ignore[attr-defined]
    return Depends(dependency)


def _guarded(dependant: Any) -> bool:
    call: Callable[..., Any] | None = getattr(dependant, "call", None)
    if call is not None and hasattr(call, "__guard__"):
        return True
    return any(_guarded(d) for d in getattr(dependant, "dependencies", []))


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, also inside included routers (recent FastAPI keeps them as router objects)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None:
            yield from api_routes(inner.routes)


def check_routes(app: FastAPI) -> None:
    """Deny by default: every API route but the public ones must declare a guard."""
    missing = [f"{sorted(r.methods)} {r.path}" for r in api_routes(app.routes)
               if r.path not in PUBLIC_PATHS and not _guarded(r.dependant)]
    if missing:
        raise RuntimeError(f"routes without an access guard: {', '.join(missing)}")
