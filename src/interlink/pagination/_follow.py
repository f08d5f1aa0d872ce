"""Following a vendor-given next URL safely.

A next URL is resolved against the URL of the page that gave it (Salesforce's
`nextRecordsUrl` is a bare path), and must stay on that page's origin: the
pipeline attaches credentials to whatever it sends, so a next link pointing
elsewhere (another host, another scheme, a protocol-relative `//evil.example`,
or user-info in the authority) would hand them to a stranger.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from interlink.http._models import Request, Response
from interlink.pagination._base import stop_error

__all__ = ["follow_next_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def follow_next_url(
    current: Request,
    href: str,
    response: Response,
    allowed_hosts: frozenset[str] = frozenset(),
) -> Request:
    """The request for `href`, relative to `current`; refuses a foreign origin.

    The next URL carries its own query, so `current`'s params are dropped;
    headers, method and sensitivity marks are kept.
    """
    target = urljoin(current.full_url, href.strip())
    if _origin(target) != _origin(current.url) and not _allowed(target, current, allowed_hosts):
        raise stop_error(
            f"refusing a next page link to a foreign origin {_describe(target)!r} "
            f"(the page came from {_describe(current.url)!r})",
            response,
        )
    return replace(current, url=target, params={})


def _origin(url: str) -> tuple[str, str, int | None, bool]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: never our origin
        return (scheme, "", -1, True)
    return (
        scheme,
        (parts.hostname or "").lower(),
        port if port is not None else _DEFAULT_PORTS.get(scheme),
        "@" in parts.netloc,
    )


def _allowed(target: str, current: Request, allowed_hosts: frozenset[str]) -> bool:
    # Extra hosts a vendor legitimately paginates on; never a scheme downgrade, never user-info.
    scheme, host, _, userinfo = _origin(target)
    return (
        bool(allowed_hosts)
        and host in allowed_hosts
        and not userinfo
        and scheme == urlsplit(current.url).scheme.lower()
    )


def _describe(url: str) -> str:
    # Only the origin: a query could hold anything.
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}" if parts.scheme else host
