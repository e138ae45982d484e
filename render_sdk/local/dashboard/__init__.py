"""The dashboard: static pages, shipped in the package, served at the local server's root.

The pages are plain HTML, CSS and JavaScript modules (no build step, nothing fetched from
the network). They read and drive the server only through the public ``/v1`` API, like
any other client, so this module serves files and nothing else: the page shell for the
deep-linkable paths and the assets under ``/dashboard/``. Pages are served without
authentication; the API behind them still asks for the key when one is set.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.types import Receive, Scope, Send

__all__ = ["ASSET_PREFIX", "Asset", "is_dashboard_path", "load_assets", "serve_dashboard"]

STATIC_DIR = Path(__file__).parent / "static"
ASSET_PREFIX = "/dashboard/"
SHELL = "index.html"

# The pages a browser may open (and reload): every one is answered with the shell,
# which reads location.pathname and renders the page itself.
_PAGE_PATHS = re.compile(r"^/(?:|tasks/[^/]+/[^/]+/?|runs/[^/]+/?)$")

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}

# The shell's stylesheet link, replaced by the stylesheet itself when served: the first
# paint then needs no second request.
_STYLESHEET_LINK = b'<link rel="stylesheet" href="/dashboard/app.css">'
_STYLESHEET = "app.css"

_OTHER_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def content_security_policy(inline_style: bytes | None = None) -> bytes:
    """Everything from this origin: no CDN, no inline script, no framing.

    The one inline thing allowed is the shell's own stylesheet, by its hash.
    """
    style = b"'self'"
    if inline_style is not None:
        digest = base64.b64encode(hashlib.sha256(inline_style).digest())
        style += b" 'sha256-" + digest + b"'"
    return (
        b"default-src 'self'; style-src " + style + b"; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )


@dataclass(frozen=True)
class Asset:
    """One static file held in memory with its content type, entity tag and policy."""

    body: bytes
    content_type: str
    etag: str
    csp: bytes


@cache
def load_assets() -> dict[str, Asset]:
    """Every servable file of the static folder by name (read once per process)."""
    files = {
        path.name: path.read_bytes()
        for path in sorted(STATIC_DIR.iterdir())
        if path.suffix in _CONTENT_TYPES and path.is_file()
    }
    inline_style = None
    if SHELL in files and _STYLESHEET in files and _STYLESHEET_LINK in files[SHELL]:
        inline_style = files[_STYLESHEET]
        files[SHELL] = files[SHELL].replace(
            _STYLESHEET_LINK, b"<style>" + inline_style + b"</style>"
        )
    assets: dict[str, Asset] = {}
    for name, body in files.items():
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        csp = content_security_policy(inline_style if name == SHELL else None)
        assets[name] = Asset(body, _CONTENT_TYPES[Path(name).suffix], etag, csp)
    return assets


def is_dashboard_path(path: str) -> bool:
    """Whether the dashboard answers ``path`` (never anything under ``/v1``)."""
    return bool(_PAGE_PATHS.match(path)) or path.startswith(ASSET_PREFIX)


def _lookup(path: str) -> Asset | None:
    if _PAGE_PATHS.match(path):
        return load_assets().get(SHELL)
    name = path[len(ASSET_PREFIX) :]
    # Only plain file names from the static folder: no sub-paths, no traversal.
    if "/" in name or name == SHELL:
        return None
    return load_assets().get(name)


async def serve_dashboard(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one HTTP request for a dashboard page or asset (GET and HEAD only)."""
    method = scope["method"]
    if method not in ("GET", "HEAD"):
        await _send(send, 405, b"text/plain; charset=utf-8", b"method not allowed\n", method)
        return
    asset = _lookup(scope["path"])
    if asset is None:
        await _send(send, 404, b"text/plain; charset=utf-8", b"not found\n", method)
        return
    # no-cache: the browser revalidates with the ETag, so an upgraded package shows at once.
    headers = [
        (b"etag", asset.etag.encode()),
        (b"cache-control", b"no-cache"),
        (b"content-security-policy", asset.csp),
    ]
    if _header(scope, b"if-none-match") == asset.etag.encode():
        await _send(send, 304, None, b"", method, headers)
        return
    await _send(send, 200, asset.content_type.encode(), asset.body, method, headers)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


async def _send(
    send: Send,
    status: int,
    content_type: bytes | None,
    body: bytes,
    method: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    all_headers = [*(headers or [(b"content-security-policy", content_security_policy())])]
    all_headers.extend(_OTHER_SECURITY_HEADERS)
    if content_type is not None:
        all_headers.append((b"content-type", content_type))
    if status != 304:
        all_headers.append((b"content-length", str(len(body)).encode()))
    if status == 405:
        all_headers.append((b"allow", b"GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
