"""A 2xx answer the connection does not map can still be a failure: check its envelope.

Vendors with an error envelope (Slack's HTTP 200 `{"ok": false, "error": ...}`,
Pipedrive's `{"success": false}`) say a call failed in the body of a 2xx. The
pipeline checks that for every answer it decodes; a `read_back` write and a
`delete` are sent without decoding (their answers may be empty: BambooHR's
201, a 204), so the connection checks them here. Without this a refused Slack
`users.profile.set` (`not_allowed_token_type`) would pass as done, and the
read-back would return the unchanged record.
"""

from __future__ import annotations

import orjson

from interlink._errors import UpstreamError
from interlink.http import ErrorContract, Response

__all__ = ["envelope_error"]


def envelope_error(
    contract: ErrorContract | None, response: Response, *, provider: str
) -> UpstreamError | None:
    """The failure `response`'s JSON body reports under `contract`; None for an empty,
    non-JSON or successful body, or a vendor without an envelope."""
    if contract is None or (contract.success_flag is None and contract.errors_field is None):
        return None
    if not response.content.strip():
        return None
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    return contract.check(response, body, provider=provider)
