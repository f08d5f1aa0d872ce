"""Zendesk hooks: keep the incremental export's start_time at least a minute old.

The time-based export refuses a `start_time` younger than one minute (422
"Too recent start_time"), and leaves out the last minute of changes anyway.
A sync whose watermark is that recent (it ran a moment ago) would fail, so
the first request of an incremental listing starts no later than 61 seconds
before now. Starting earlier never loses a change; it may read again a few
already seen, which the sync de-duplicates by id. Later windows come from the
export's own `end_time` and are left alone.
"""

from __future__ import annotations

from interlink.connectors import HookCall
from interlink.http import Request

__all__ = ["MIN_AGE", "settled_start_time"]

MIN_AGE = 61
"""Seconds: Zendesk wants start_time older than a minute; one more for clock skew."""


def settled_start_time(call: HookCall) -> Request:
    """The request with `start_time` moved back to at most now - 61 s."""
    request = call.request
    given = request.params.get("start_time")
    if call.now is None or given is None or not given.isdigit():
        return request
    latest = int(call.now) - MIN_AGE
    if int(given) <= latest:
        return request
    return request.with_params({"start_time": latest})
