"""The staff chat widget and its demo page, served from the package's ``assistant/web`` folder.

``/`` is a mock intranet page of a Hà Nội department with the widget on it; ``/widget.js`` (and
``/widget.css`` if one is added) is what other intranet sites embed with one ``<script>`` tag.
There is no build step: the files are served as checked in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assistant.api.documents import not_found

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

# The embed URL is not versioned, so browsers revalidate after a short while (cheap: ETag → 304).
ASSET_CACHE = "public, max-age=300, stale-while-revalidate=86400"
PAGE_CACHE = "no-cache"
# The demo page runs no inline script; the widget styles itself inside its shadow root.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}

router = APIRouter(tags=["web"], include_in_schema=False)


@dataclass(frozen=True)
class _Asset:
    body: bytes
    etag: str
    stamp: tuple[int, int]


_cache: dict[str, _Asset] = {}


def _load(name: str) -> _Asset | None:
    path = WEB_DIR / name
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(name)
    if cached is None or cached.stamp != stamp:
        body = path.read_bytes()
        cached = _Asset(body, f'"{hashlib.sha256(body).hexdigest()[:20]}"', stamp)
        _cache[name] = cached
    return cached


def _serve(request: Request, name: str, cache_control: str, extra: dict[str, str] | None = None) -> Response:
    asset = _load(name)
    if asset is None:
        raise not_found(f"Không có tệp '{name}'.")
    headers = {"ETag": asset.etag, "Cache-Control": cache_control, "X-Content-Type-Options": "nosniff", **(extra or {})}
    if asset.etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else asset.body
    headers["Content-Length"] = str(len(asset.body))
    return Response(body, media_type=ASSETS[name], headers=headers)


@router.api_route("/", methods=["GET", "HEAD"])
def demo_page(request: Request) -> Response:
    headers = {"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "same-origin"}
    key = getattr(request.app.state, "demo_key", None)
    asset = _load("index.html")
    if key and asset is not None:
        # `assistant serve` made a chat-only widget key bound to this origin for the demo page.
        body = asset.body.replace(b'data-api="/"', f'data-api="/" data-key="{key}"'.encode(), 1)
        headers |= {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        return Response(b"" if request.method == "HEAD" else body, media_type=ASSETS["index.html"], headers=headers)
    return _serve(request, "index.html", PAGE_CACHE, headers)


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_js(request: Request) -> Response:
    # Embedded by other intranet origins: allow cross-origin loading (also under COEP / SRI).
    return _serve(request, "widget.js", ASSET_CACHE, {"Cross-Origin-Resource-Policy": "cross-origin",
                                                      "Access-Control-Allow-Origin": "*"})


@router.api_route("/widget.css", methods=["GET", "HEAD"])
def widget_css(request: Request) -> Response:
    return _serve(request, "widget.css", ASSET_CACHE, {"Cross-Origin-Resource-Policy": "cross-origin",
                                                       "Access-Control-Allow-Origin": "*"})
