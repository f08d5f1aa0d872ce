"""Change Data Capture events, as a subscriber to `/data/ContactChangeEvent` receives them.

`{"channel", "data": {"schema", "payload": {"ChangeEventHeader": {...}, fields...},
"event": {"replayId"}}}`. A CREATE carries every non-null field, an UPDATE only
the changed ones (plus LastModifiedDate, which every update changes), a DELETE
none. Real CDC arrives over CometD or the Pub/Sub API; the simulator POSTs the
same messages to the configured URL instead (see `_wire.ChangeEvents`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["change_event"]

_NOT_IN_PAYLOAD = ("Id", "IsDeleted", "SystemModstamp")


def change_event(
    sobject: str,
    kind: str,
    values: Mapping[str, Any],
    changed: list[str],
    replay_id: int,
    now: float,
    user_id: str,
) -> dict[str, Any]:
    """One change event; `kind` is CREATE, UPDATE or DELETE, `values` the record's fields."""
    updating = kind == "UPDATE"
    header = {
        "entityName": sobject,
        "recordIds": [values["Id"]],
        "changeType": kind,
        "changeOrigin": "com/salesforce/api/rest/59.0",
        "transactionKey": str(uuid.uuid4()),
        "sequenceNumber": 1,
        "commitTimestamp": int(now * 1000),
        "commitNumber": 10_000_000 + replay_id,
        "commitUser": user_id,
        "nulledFields": [f for f in changed if values.get(f) is None] if updating else [],
        "diffFields": [],
        "changedFields": [*changed, "LastModifiedDate"] if updating else [],
    }
    payload: dict[str, Any] = {"ChangeEventHeader": header}
    if kind == "CREATE":
        payload.update(
            (k, v) for k, v in values.items() if v is not None and k not in _NOT_IN_PAYLOAD
        )
    elif updating:
        payload.update((f, values[f]) for f in changed if values.get(f) is not None)
        payload["LastModifiedDate"] = values["LastModifiedDate"]
    return {
        "channel": f"/data/{sobject}ChangeEvent",
        "data": {
            "schema": hashlib.sha256(sobject.encode()).hexdigest()[:22],
            "payload": payload,
            "event": {"replayId": replay_id},
        },
    }
