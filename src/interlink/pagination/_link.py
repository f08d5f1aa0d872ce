"""Next links: the RFC 8288 `Link` header (GitHub) and a next URL in the body.

The header parser follows RFC 8288 section 3: several link-values separated by
commas, several `Link` header fields, `rel` holding several space-separated
relation types, quoted parameters that may themselves hold `,` and `;`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from interlink._errors import ConfigError
from interlink._types import JSON
from interlink.http._models import Request, Response
from interlink.pagination._base import (
    MoreFlag,
    require_size_param,
    stop_error,
    with_page_size,
)
from interlink.pagination._follow import follow_next_url
from interlink.pagination._paths import BodyPath, compile_path

__all__ = ["Link", "LinkHeaderPagination", "NextUrlPagination", "parse_link_header"]


@dataclass(frozen=True, slots=True)
class Link:
    """One link-value: a target and its parameters (names lower-cased)."""

    target: str
    params: Mapping[str, str]

    @property
    def rels(self) -> frozenset[str]:
        return frozenset(self.params.get("rel", "").lower().split())


def parse_link_header(value: str) -> list[Link]:
    """Parse a `Link` header value; malformed link-values are skipped, not guessed."""
    links: list[Link] = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and value[pos] in " \t,":
            pos += 1
        if pos >= end:
            break
        if value[pos] != "<" or (close := value.find(">", pos)) < 0:
            pos = _skip_value(value, pos)
            continue
        target = value[pos + 1 : close].strip()
        params: dict[str, str] = {}
        pos = close + 1
        while True:
            while pos < end and value[pos] in " \t":
                pos += 1
            if pos >= end or value[pos] != ";":
                break
            name, param, pos = _param(value, pos + 1)
            if name and name not in params:  # RFC 8288: later occurrences are ignored
                params[name] = param
        links.append(Link(target, params))
        pos = _skip_value(value, pos)
    return links


def _param(value: str, pos: int) -> tuple[str, str, int]:
    end = len(value)
    start = pos
    while pos < end and value[pos] not in "=;,":
        pos += 1
    name = value[start:pos].strip().lower().rstrip("*")
    if pos >= end or value[pos] != "=":
        return name, "", pos
    pos += 1
    while pos < end and value[pos] in " \t":
        pos += 1
    if pos < end and value[pos] == '"':
        chars: list[str] = []
        pos += 1
        while pos < end and value[pos] != '"':
            if value[pos] == "\\" and pos + 1 < end:
                pos += 1
            chars.append(value[pos])
            pos += 1
        return name, "".join(chars), pos + 1
    start = pos
    while pos < end and value[pos] not in ";,":
        pos += 1
    return name, value[start:pos].strip(), pos


def _skip_value(value: str, pos: int) -> int:
    # To the next comma outside quotes and angle brackets.
    quoted = bracketed = False
    while pos < len(value):
        char = value[pos]
        if char == '"' and not bracketed:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracketed = True
        elif char == ">" and not quoted:
            bracketed = False
        elif char == "," and not quoted and not bracketed:
            return pos + 1
        pos += 1
    return pos


def _header_values(headers: Mapping[str, str], name: str) -> list[str]:
    getall = getattr(headers, "getall", None)
    if getall is not None:
        values: list[str] = getall(name, [])
        return values
    single = headers.get(name)
    return [single] if single is not None else []


@dataclass(frozen=True, slots=True)
class LinkHeaderPagination:
    """Follow the `Link` header's `rel="next"` target (GitHub, Shopify, ...)."""

    rel: str = "next"
    size_param: str | None = None
    page_size: int | None = None
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.rel or any(char.isspace() for char in self.rel):
            raise ConfigError("rel", f"must be one relation type like 'next', got {self.rel!r}")
        require_size_param(self.page_size, self.size_param)

    def paginator(self) -> _LinkHeaderPaginator:
        return _LinkHeaderPaginator(self)


class _FollowSpec(Protocol):
    @property
    def size_param(self) -> str | None: ...
    @property
    def page_size(self) -> int | None: ...
    @property
    def allowed_hosts(self) -> tuple[str, ...]: ...


_S = TypeVar("_S", bound=_FollowSpec)


class _Follower(Generic[_S]):
    """What both link-following paginators share: the first request and the host guard."""

    __slots__ = ("_current", "_hosts", "_spec")
    positional = False

    def __init__(self, spec: _S) -> None:
        self._spec = spec
        self._hosts = frozenset(host.lower() for host in spec.allowed_hosts)
        self._current: Request | None = None

    def start(self, request: Request) -> Request:
        spec = self._spec
        self._current = with_page_size(request, spec.size_param, spec.page_size)
        return self._current

    def resume(self, request: Request) -> Request:
        self._current = request  # a next link carries its own query
        return request


class _LinkHeaderPaginator(_Follower[LinkHeaderPagination]):
    __slots__ = ()

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._current is not None, "advance() before start()"
        rel = self._spec.rel.lower()
        for header in _header_values(response.headers, "link"):
            for link in parse_link_header(header):
                if rel in link.rels and link.target:
                    self._current = follow_next_url(
                        self._current, link.target, response, self._hosts
                    )
                    return self._current
        return None


@dataclass(frozen=True, slots=True)
class NextUrlPagination:
    """Follow a next URL found in the body: Salesforce's `nextRecordsUrl` (with
    `done_path="done"`), Zendesk's `links.next` (with `has_more_path="meta.has_more"`)."""

    next_url_path: str
    has_more_path: str | None = None
    done_path: str | None = None
    size_param: str | None = None
    page_size: int | None = None
    allowed_hosts: tuple[str, ...] = ()
    _next: BodyPath = field(init=False, repr=False, compare=False)
    _more: MoreFlag | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_size_param(self.page_size, self.size_param)
        object.__setattr__(self, "_next", compile_path(self.next_url_path, where="next_url_path"))
        object.__setattr__(self, "_more", MoreFlag.compile(self.has_more_path, self.done_path))

    def paginator(self) -> _NextUrlPaginator:
        return _NextUrlPaginator(self)


class _NextUrlPaginator(_Follower[NextUrlPagination]):
    __slots__ = ()

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._current is not None, "advance() before start()"
        spec = self._spec
        more = spec._more.more(body, response) if spec._more else None
        if more is False:
            return None
        href = spec._next.get(body)
        if href is None or href == "":
            if more is True:
                raise stop_error(
                    f"the vendor says there is more but gives no {spec.next_url_path!r}", response
                )
            return None
        if not isinstance(href, str):
            raise stop_error(f"{spec.next_url_path!r} must be a URL string, got {href!r}", response)
        self._current = follow_next_url(self._current, href, response, self._hosts)
        return self._current
