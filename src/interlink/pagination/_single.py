"""No pagination: the endpoint answers in one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from interlink._types import JSON
from interlink.http._models import Request, Response

__all__ = ["SinglePage"]


@dataclass(frozen=True, slots=True)
class SinglePage:
    """One request, one page."""

    def paginator(self) -> _SinglePaginator:
        return _SinglePaginator()


class _SinglePaginator:
    __slots__ = ()
    positional = False

    def start(self, request: Request) -> Request:
        return request

    def resume(self, request: Request) -> Request:
        return request

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        return None
