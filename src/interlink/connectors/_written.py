"""Single-record answers without the record: the written id in a body, "no data" on a get.

Two rules the connection applies to `get` / `create` / `update` answers:

- A `read_back` write whose answer names the new record's id in its JSON body
  instead of a `Location` header declares where with `records`:
  Salesforce `POST /sobjects/Contact/` answers `{"id": "003...", "success":
  true, "errors": []}` (`records: id`), Zoho `POST /crm/v6/Contacts` answers
  `{"data": [{"code": "SUCCESS", "details": {"id": "..."}}]}`
  (`records: "data[0].details.id"`). `Location` still wins where both exist.
- A `get` answered with a "no data" status of the error contract and no body
  (Zoho answers an unknown or deleted id with 204) is `NotFoundError`, as a
  404 is; any other single-record answer without a record is `FatalError`.
"""

from __future__ import annotations

from interlink._errors import FatalError, NotFoundError, UpstreamError
from interlink._types import JSON
from interlink.connectors._answers import location_id
from interlink.http import Request, Response
from interlink.pagination import BodyPath

__all__ = ["missing_record_error", "written_id"]


def written_id(response: Response, records: BodyPath | None) -> str | None:
    """The written record's id: the answer's `Location`, else the JSON body at `records`."""
    found = location_id(response)
    if found is not None or records is None or not response.content.strip():
        return found
    try:
        value = records.get(response.json())
    except ValueError:  # not JSON: the id is nowhere to be read
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def missing_record_error(
    provider: str, operation: str, request: Request, response: Response, body: JSON
) -> UpstreamError:
    """The error for a single-record answer that holds no record to map."""
    if operation == "get" and body is None and not response.content.strip():
        return NotFoundError(
            f"get answered HTTP {response.status} with no data: no such record",
            provider=provider, request=request, response=response,
        )  # fmt: skip
    return FatalError(
        f"{operation} answered without a record to map",
        provider=provider, request=request, response=response,
    )  # fmt: skip
