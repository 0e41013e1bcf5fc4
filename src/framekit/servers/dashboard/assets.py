"""The dashboard's files, read once from the package: pages put together, static files with ETags.

The pages are plain HTML, CSS and JavaScript shipped inside the package (no build
step, nothing fetched from a CDN): a dashboard on a machine without internet access
looks the same. Each page is the shared layout (``templates/layout.html``: the
navigation, the sign-out form) around its own ``<main>`` (``templates/<page>.html``),
put together once; at each request only the CSRF token is filled in.
"""

from __future__ import annotations

import functools
import hashlib
import html
from dataclasses import dataclass
from importlib import resources
from typing import Final

__all__ = ["PAGES", "Asset", "login_page", "pages", "static_files"]

PAGES: Final = {
    "live": "Live calls",
    "calls": "Calls",
    "call": "Call",
    "analytics": "Analytics",
}
"""Each page's file name (``templates/<name>.html``, ``static/<name>.js``) and heading."""

CSRF: Final = "{{csrf}}"
_TYPES: Final = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
_PACKAGE: Final = resources.files(__package__)


@dataclass(frozen=True, slots=True)
class Asset:
    """A static file in memory: its bytes, type and entity tag."""

    body: bytes
    content_type: str
    etag: str


def static_files() -> dict[str, Asset]:
    """Every file of ``static/`` by name."""
    found: dict[str, Asset] = {}
    for entry in (_PACKAGE / "static").iterdir():
        kind = _TYPES.get(entry.name[entry.name.rfind(".") :])
        if kind is None or not entry.is_file():
            continue
        body = entry.read_bytes()
        found[entry.name] = Asset(body, kind, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
    return found


def pages(title: str, prefix: str) -> dict[str, str]:
    """Each page of :data:`PAGES` as HTML, with :data:`CSRF` still to fill in."""
    layout = _template("layout")
    built = {}
    for name, heading in PAGES.items():
        page = _fill(
            layout,
            main=_template(name),
            heading=html.escape(heading),
            title=html.escape(title),
            prefix=prefix,
            page=name,
        )
        nav = f'data-nav="{name}"' if name != "call" else 'data-nav="calls"'
        built[name] = page.replace(nav, f'{nav} aria-current="page"', 1)
    return built


def login_page(title: str, prefix: str, *, error: str, next_path: str) -> str:
    """The sign-in page, the form's CSRF token still to fill in."""
    shown = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return _fill(
        _template("login"),
        title=html.escape(title),
        prefix=prefix,
        error=shown,
        next=html.escape(next_path, quote=True),
    )


@functools.cache
def _template(name: str) -> str:
    return (_PACKAGE / "templates" / f"{name}.html").read_text(encoding="utf-8")


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    return template
