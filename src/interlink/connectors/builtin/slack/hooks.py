"""Slack hooks: what the connector spec cannot say in data.

- `scim_host`: Slack serves its Web API on `slack.com/api/...` but SCIM (member
  provisioning, and deactivation: the delete of `users`) on
  `api.slack.com/scim/...`. A spec has one `base_url`, so the SCIM request is
  moved to its host here.
- `changed_since`: Slack has no "changed since" filter. Its documented way is to
  walk `users.list` and compare each member's `updated` (epoch seconds, moved by
  every profile edit and by deactivation): the incremental listing is the full
  walk, and this records hook keeps the members updated at or after the watermark.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit, urlunsplit

from interlink._types import JSON
from interlink.connectors import HookCall
from interlink.connectors._answers import RecordsCall
from interlink.http import Request

__all__ = ["SCIM_HOST", "changed_since", "scim_host"]

SCIM_HOST = "api.slack.com"


def scim_host(call: HookCall) -> Request:
    """The request sent to Slack's SCIM host (`api.slack.com`), path and query unchanged."""
    request = call.request
    parts = urlsplit(request.url)
    url = urlunsplit((parts.scheme, SCIM_HOST, parts.path, parts.query, parts.fragment))
    return dataclasses.replace(request, url=url)


def changed_since(call: RecordsCall) -> list[JSON]:
    """The members whose `updated` is at or after the listing's watermark (all without one)."""
    if call.modified_after is None:
        return list(call.records)
    since = call.modified_after.timestamp()
    return [
        member
        for member in call.records
        if isinstance(member, dict)
        and isinstance(updated := member.get("updated"), int | float)
        and updated >= since
    ]
