"""The outermost layer of the service, before routing, authentication and logging see a request.

* A request line or headers too large are refused at once: 414 for a URL beyond ``max_url_bytes``,
  431 for headers beyond ``max_header_bytes`` (uvicorn's default parser, httptools, sets no limit of
  its own; h11's 16 KiB applies only with ``--http h11``).
* The client address: ``X-Forwarded-For`` is believed only when the connection comes from one of
  ``trusted_proxies`` (IPs or CIDR ranges; none by default), read from the right, skipping the
  trusted proxies themselves. Rate limits per client and the audit's client IP use it. uvicorn's own
  proxy-header handling, which trusts 127.0.0.1 by default, is switched off (``uvicorn_options``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.security.errors import TrustError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    """``["10.0.0.5", "10.1.0.0/16"]`` → networks; a bad entry names itself."""
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"ASSISTANT_TRUSTED_PROXIES: '{value}' không phải địa chỉ IP hay dải CIDR") from exc
    return out


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "10.0.0.1:5000"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str | None:
    """The client a trusted proxy forwarded for, else the peer itself."""
    peer_ip = _ip(peer) if peer else None
    if not trusted or peer_ip is None or not any(peer_ip in n for n in trusted) or not forwarded_for:
        return peer
    hops = [h for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:  # garbage in the chain: stop at the last address we can vouch for
            return peer
        if not any(ip in n for n in trusted):
            return str(ip)
        peer = str(ip)
    return peer


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, max_url_bytes: int, max_header_bytes: int,
                 trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes
        self.trusted = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        url = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
        if self.max_url_bytes and url > self.max_url_bytes:
            await TrustError(414, "uri_too_long", limit=self.max_url_bytes).response()(scope, receive, send)
            return
        headers = scope.get("headers", [])
        size = sum(len(k) + len(v) + 4 for k, v in headers)
        if self.max_header_bytes and size > self.max_header_bytes:
            await TrustError(431, "headers_too_large", limit=self.max_header_bytes).response()(scope, receive, send)
            return
        if self.trusted:
            forwarded = b",".join(v for k, v in headers if k == b"x-forwarded-for").decode("latin-1") or None
            client = scope.get("client")
            ip = client_address(client[0] if client else None, forwarded, self.trusted)
            if client is not None and ip != client[0]:
                scope = dict(scope, client=(ip, 0))
        await self.app(scope, receive, send)


def uvicorn_options() -> dict[str, Any]:
    """What every uvicorn run of the service passes: forwarding headers are ours to judge."""
    return {"proxy_headers": False, "server_header": False}
