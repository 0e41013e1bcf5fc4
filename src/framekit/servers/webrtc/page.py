"""The softphone page at ``/call``: plain HTML, CSS and JavaScript shipped in the package.

No build step and nothing fetched from elsewhere: ``static/`` is read once when the
server is built and served from memory with an entity tag. The page itself holds
no secret; it asks for the API token and sends it on the signalling requests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Final

from aiohttp import web

__all__ = ["PageFiles"]

_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "media-src 'self' blob: mediastream:; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class _File:
    body: bytes
    content_type: str
    etag: str


class PageFiles:
    """``GET /call`` (the page) and ``GET /call/static/{name}`` (its script and style)."""

    def __init__(self) -> None:
        self._files: dict[str, _File] = {}
        for entry in (resources.files(__package__) / "static").iterdir():
            kind = _TYPES.get(entry.name[entry.name.rfind(".") :])
            if kind is not None and entry.is_file():
                body = entry.read_bytes()
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                self._files[entry.name] = _File(body, kind, etag)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/call", self._page)
        app.router.add_get("/call/static/{name}", self._static)

    async def _page(self, request: web.Request) -> web.Response:
        return self._serve(request, "call.html")

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "call.html" or name not in self._files:
            raise web.HTTPNotFound()
        return self._serve(request, name)

    def _serve(self, request: web.Request, name: str) -> web.Response:
        file = self._files[name]
        headers = {
            "ETag": file.etag,
            "Cache-Control": "no-cache",
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        if request.headers.get("If-None-Match") == file.etag:
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=file.body, content_type=None, headers=headers | {"Content-Type": file.content_type}
        )
