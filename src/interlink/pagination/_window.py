"""Time-window incremental reads: `?updated_since=T`, `?start_time=T`.

The first request carries the watermark: the one already on the request (the
sync's checkpoint), else the declared `initial`. Each next window starts from
a body field (Zendesk's `end_time`) or, failing that, from the largest
modified-at among the page's records. The stream ends on the declared
end-of-stream flag, on an empty window, or when the watermark stops moving
(nothing new). A *full* page whose watermark cannot move is an error instead:
more records share one timestamp than fit a page, and stopping would drop them.

Windows are `positional`: vendors filter `>=` the watermark, so the boundary
records come back once more and the driver drops them by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from interlink._errors import ConfigError
from interlink._types import JSON
from interlink.http._models import Request, Response
from interlink.pagination._base import (
    MoreFlag,
    optional_path,
    require_size_param,
    stop_error,
    with_page_size,
)
from interlink.pagination._paths import BodyPath

__all__ = ["TimeWindowPagination"]


@dataclass(frozen=True, slots=True)
class TimeWindowPagination:
    """Incremental windows keyed by a watermark query parameter."""

    since_param: str
    initial: str | int | None = None
    next_since_path: str | None = None
    record_time_path: str | None = None
    end_of_stream_path: str | None = None
    size_param: str | None = None
    page_size: int | None = None
    _next: BodyPath | None = field(init=False, repr=False, compare=False)
    _record_time: BodyPath | None = field(init=False, repr=False, compare=False)
    _done: MoreFlag | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.since_param:
            raise ConfigError("since_param", "must name the watermark query parameter")
        if self.next_since_path is None and self.record_time_path is None:
            raise ConfigError(
                "next_since_path",
                "is required (e.g. 'end_time'), or record_time_path (e.g. 'updated_at') "
                "to start each window from the newest record seen",
            )
        require_size_param(self.page_size, self.size_param)
        object.__setattr__(self, "_next", optional_path(self.next_since_path, "next_since_path"))
        object.__setattr__(
            self, "_record_time", optional_path(self.record_time_path, "record_time_path")
        )
        done = optional_path(self.end_of_stream_path, "end_of_stream_path")
        object.__setattr__(self, "_done", None if done is None else MoreFlag(done, inverted=True))

    def paginator(self) -> _TimeWindowPaginator:
        return _TimeWindowPaginator(self)


class _TimeWindowPaginator:
    __slots__ = ("_first", "_spec", "_watermark")
    positional = True

    def __init__(self, spec: TimeWindowPagination) -> None:
        self._spec = spec
        self._first: Request | None = None
        self._watermark: JSON = None

    @property
    def watermark(self) -> JSON:
        """The start of the current window, as the vendor spelled it."""
        return self._watermark

    def start(self, request: Request) -> Request:
        spec = self._spec
        request = with_page_size(request, spec.size_param, spec.page_size)
        self._watermark = request.params.get(spec.since_param, spec.initial)
        if self._watermark is not None:
            request = request.with_params({spec.since_param: self._watermark})
        self._first = request
        return request

    def resume(self, request: Request) -> Request:
        since = self._spec.since_param
        if since not in request.params:
            raise ConfigError(
                "resume_from", f"the request to resume has no {since!r} parameter: {request!r}"
            )
        self._watermark = request.params[since]
        self._first = request
        return request

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._first is not None, "advance() before start()"
        spec = self._spec
        if spec._done is not None and spec._done.more(body, response) is False:
            return None
        if not records:
            return None
        nxt = spec._next.get(body) if spec._next is not None else None
        if nxt is None and spec._record_time is not None:
            nxt = _newest(spec._record_time, records, response)
        if nxt is None:
            raise stop_error(
                f"no start for the next window: {spec.next_since_path or spec.record_time_path!r} "
                "is missing",
                response,
            )
        if self._watermark is not None and _instant(nxt, response) <= _instant(
            self._watermark, response
        ):
            if spec.page_size is not None and len(records) >= spec.page_size:
                raise stop_error(
                    f"the window starting at {self._watermark!r} is full and cannot move on: "
                    f"more records share one timestamp than fit a page of {spec.page_size}",
                    response,
                )
            return None
        self._watermark = nxt
        return self._first.with_params({spec.since_param: nxt})


def _newest(path: BodyPath, records: Sequence[JSON], response: Response) -> JSON:
    newest: JSON = None
    newest_at = 0.0
    for record in records:
        value = path.get(record)
        if value is None:
            continue
        at = _instant(value, response)
        if newest is None or at > newest_at:
            newest, newest_at = value, at
    return newest


def _instant(value: JSON, response: Response) -> float:
    """Epoch seconds of a watermark: a number, a numeric string, or ISO-8601."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:  # vendors that omit the zone mean UTC
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.timestamp()
    raise stop_error(f"cannot read {value!r} as a timestamp (epoch or ISO-8601)", response)
