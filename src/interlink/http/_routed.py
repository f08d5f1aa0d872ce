"""Send a vendor's real URLs somewhere else: simulators on loopback, by host.

```python
transport = RoutedTransport(
    {"api.hubapi.com": "http://127.0.0.1:8101", "*.zendesk.com": "http://127.0.0.1:8102"},
    AiohttpTransport(),
)
```

A built-in connector keeps its real base URL and token URL; only the bytes go
to the simulator. The request arrives there as a reverse proxy would deliver
it: `Host` is the vendor's host and `X-Forwarded-Proto` its scheme (uvicorn
trusts both from 127.0.0.1), so a simulator that writes absolute next links
writes the vendor's own, and the paginator's same-origin guard still holds.
The response carries the original request: errors and next links name the
vendor's URL, never the loopback one. A host with no route is sent unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from interlink._errors import ConfigError
from interlink.http._models import Request, Response
from interlink.http._transport import Transport

__all__ = ["RoutedTransport"]


class RoutedTransport:
    """Rewrites requests whose host is routed to the mapped base URL, then sends them inner.

    Keys are host names (`api.hubapi.com`), or `*.domain` for every subdomain
    of a domain (a per-customer host such as `{subdomain}.zendesk.com`).
    Values are base URLs (`http://127.0.0.1:8101`, optionally with a path prefix).
    """

    __slots__ = ("_exact", "_inner", "_suffixes")

    def __init__(self, routes: Mapping[str, str], inner: Transport) -> None:
        self._inner = inner
        self._exact: dict[str, tuple[str, str, str]] = {}
        self._suffixes: list[tuple[str, tuple[str, str, str]]] = []
        for host, base in routes.items():
            target = _target(host, base)
            key = host.strip().lower()
            if key.startswith("*."):
                self._suffixes.append((key[1:], target))
            elif not key or "/" in key or "*" in key:
                raise ConfigError(
                    f"routes.{host}", "must be a host name like 'api.hubapi.com' or '*.zendesk.com'"
                )
            else:
                self._exact[key] = target
        # The longest suffix wins, so `*.eu.example.com` beats `*.example.com`.
        self._suffixes.sort(key=lambda item: -len(item[0]))

    def _route(self, host: str) -> tuple[str, str, str] | None:
        found = self._exact.get(host)
        if found is not None:
            return found
        for suffix, target in self._suffixes:
            if host.endswith(suffix):
                return target
        return None

    def routed(self, request: Request) -> Request:
        """The request as it leaves for its route (unchanged when its host has none)."""
        parts = urlsplit(request.url)
        target = self._route((parts.hostname or "").lower())
        if target is None:
            return request
        scheme, netloc, prefix = target
        url = urlunsplit((scheme, netloc, prefix + parts.path, parts.query, parts.fragment))
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in ("host", "x-forwarded-proto")
        }
        headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        headers["X-Forwarded-Proto"] = parts.scheme
        return replace(request, url=url, headers=headers)

    async def send(self, request: Request) -> Response:
        response = await self._inner.send(self.routed(request))
        return replace(response, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _target(host: str, base: str) -> tuple[str, str, str]:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(
            f"routes.{host}",
            f"must map to a base URL like 'http://127.0.0.1:8101', got {base!r}",
        )
    return parts.scheme, parts.netloc, parts.path.rstrip("/")
