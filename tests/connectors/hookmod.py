"""A hook module for the tests: adds a query built in Python, as a SOQL builder would."""

from __future__ import annotations

from interlink.connectors import HookCall
from interlink.http import Request


def since_query(call: HookCall) -> Request:
    """Puts the watermark into a `q` parameter as a query language would want it."""
    since = call.modified_after.isoformat() if call.modified_after else "ever"
    return call.request.with_params(
        {"q": f"SELECT id FROM {call.resource} WHERE modified >= {since}"}
    )


NOT_CALLABLE = 42
