"""Data replication: `GET /sobjects/{type}/updated/` and `/deleted/?start=...&end=...`.

Both work to the minute (seconds are dropped from start and end, and
`latestDateCovered` is the end so rounded) and refuse a start more than 30
days ago with `INVALID_REPLICATION_DATE` (the simulator's reading of the
documented replication window; the exact message is a guess). Deleted records
come from the delete log, which the simulator never purges:
`earliestDateAvailable` is when the simulator started.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from interlink.simulators._http import RequestError
from interlink.simulators._store import Collection
from interlink.simulators.salesforce._objects import SObjectType, sf_time

__all__ = ["deleted_body", "minute", "replication_window", "updated_body"]

REPLICATION_WINDOW = 30 * 86_400.0


def minute(t: float) -> float:
    return t - t % 60


def replication_window(request: Request, now: float) -> tuple[float, float]:
    """(start, end) to the minute, or the 400 Salesforce answers."""
    bounds: list[float] = []
    for name in ("start", "end"):
        raw = request.query_params.get(name)
        if not raw:
            raise RequestError(f"Missing required parameter: {name}", 400, "MISSING_ARGUMENT")
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            message = f"{name}: '{raw}' is not a valid ISO 8601 date and time"
            raise RequestError(message, 400, "INVALID_DATE_FORMAT") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        bounds.append(minute(parsed.timestamp()))
    start, end = bounds
    if end < start:
        raise RequestError("end date must be after start date", 400, "INVALID_REPLICATION_DATE")
    if start < now - REPLICATION_WINDOW:
        message = "start date cannot be more than 30 days ago"
        raise RequestError(message, 400, "INVALID_REPLICATION_DATE")
    return start, end


def updated_body(
    sobject: SObjectType, collection: Collection, window: tuple[float, float]
) -> dict[str, Any]:
    """`{"ids": [...], "latestDateCovered"}`: live records modified in [start, end)."""
    start, end = window
    view = collection.by_modified(start, end)
    ids = [sobject.record_id(collection.resolve(ref)) for ref in view.refs(0, len(view))]
    return {"ids": ids, "latestDateCovered": sf_time(end)}


def deleted_body(
    sobject: SObjectType, collection: Collection, window: tuple[float, float], log_start: float
) -> dict[str, Any]:
    """`{"deletedRecords": [{"id", "deletedDate"}], "earliestDateAvailable",
    "latestDateCovered"}`: records deleted in [start, end), oldest first."""
    start, end = window
    gone = sorted(
        (r.archived_at, r.id, sobject.record_id(r))
        for r in collection.archived_by_id()
        if r.archived_at is not None and start <= r.archived_at < end
    )
    return {
        "deletedRecords": [{"id": rid, "deletedDate": sf_time(at)} for at, _, rid in gone],
        "earliestDateAvailable": sf_time(log_start),
        "latestDateCovered": sf_time(end),
    }
