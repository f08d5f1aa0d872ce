"""Server-rendered pages: Jinja2 templates shipped in the package, always autoescaped.

Every page is answered with headers that keep it to itself: no caching (a page
may carry a tenant token or a CSRF token), no framing, no referrer (the tenant
token in the URL must not travel to the vendor), and a content security policy
allowing no script at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

__all__ = ["PAGE_HEADERS", "message", "page"]

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

# The templates ship inside the package (connect's and the dashboard's); found by path so
# that loading them imports neither package.
_SERVER = Path(__file__).resolve().parent.parent
_env = Environment(
    loader=FileSystemLoader(
        [_SERVER / "connect" / "templates", _SERVER / "dashboard" / "templates"]
    ),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """`template` rendered with `context`, with the pages' headers."""
    text = _env.get_template(template).render(**context)
    return HTMLResponse(text, status, headers=PAGE_HEADERS)


def message(
    title: str,
    text: str,
    status: int,
    *,
    detail: str | None = None,
    link: str | None = None,
    link_text: str = "",
) -> HTMLResponse:
    """A one-message page: an error (status >= 400) or a success."""
    return page(
        "message.html",
        status,
        title=title,
        message=text,
        ok=status < 400,
        detail=detail,
        link=link,
        link_text=link_text,
    )
