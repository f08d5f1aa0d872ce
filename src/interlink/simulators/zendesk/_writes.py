"""Ticket writes: reading `{"ticket": {...}}` bodies Zendesk's way, and the webhook events a
change produces.

Zendesk ignores attributes it does not know, rejects wrong values with a 422
`RecordInvalid` naming each field under `details`, and refuses to touch a
closed ticket ("Status: closed prevents ticket update"). A created ticket
takes its description from its first comment, which is therefore required.
A safe update (`safe_update: true` with `updated_stamp`) whose stamp is not the
ticket's `updated_at` is refused with 409 `UpdateConflict`, changing nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from interlink.simulators._http import Reply, RequestError
from interlink.simulators._store import StoredRecord
from interlink.simulators.zendesk._records import (
    BRAND_ID,
    FORM_ID,
    PRIORITIES,
    STATUSES,
    TYPES,
    iso,
)
from interlink.simulators.zendesk._wire import record_invalid

__all__ = ["EVENT_VERSION", "UPDATE_CONFLICT", "TicketEvents", "check_safe_update",
           "ticket_changes"]  # fmt: skip

EVENT_VERSION = "2022-11-06"
UPDATE_CONFLICT = (
    "Safe Update prevented the update due to outdated ticket data. "
    "Please fetch the latest ticket data and try again."
)
Details = dict[str, list[dict[str, Any]]]


def _is_id(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


def _is_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_tags(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(t, str) for t in value)


# Writable attribute -> (check, what a wrong value is called in the 422).
_CHECKS: Mapping[str, tuple[Callable[[Any], bool], str]] = {
    "subject": (_is_text, "must be text"),
    "status": (lambda v: v in STATUSES, "is not a valid status"),
    "priority": (lambda v: v is None or v in PRIORITIES, "is not a valid priority"),
    "type": (lambda v: v is None or v in TYPES, "is not a valid ticket type"),
    "requester_id": (lambda v: v is not None and _is_id(v), "must be a user id"),
    "assignee_id": (_is_id, "must be a user id"),
    "group_id": (_is_id, "must be a group id"),
    "organization_id": (_is_id, "must be an organization id"),
    "external_id": (_is_text, "must be text"),
    "due_at": (_is_text, "must be an ISO 8601 time"),
    "tags": (_is_tags, "must be a list of tags"),
}


def _comment_body(comment: Any) -> str | None:
    if isinstance(comment, str):
        return comment
    if isinstance(comment, dict) and isinstance(comment.get("body"), str):
        return str(comment["body"])
    return None


def check_safe_update(body: dict[str, Any], existing: StoredRecord) -> None:
    """Zendesk's safe update: when the ticket object has `safe_update: true` and an
    `updated_stamp`, the stamp must be the ticket's `updated_at` (to the second), or the
    update is a 409 `UpdateConflict`. Without the stamp the update is not protected."""
    ticket = body.get("ticket")
    if not isinstance(ticket, dict) or ticket.get("safe_update") is not True:
        return
    stamp = ticket.get("updated_stamp")
    if stamp is None:
        return
    try:
        when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise RequestError(
            f"Updated stamp: {stamp!r} is not an ISO 8601 time with a zone", 400, "InvalidValue"
        )
    if int(when.timestamp()) != int(existing.modified_at):
        raise RequestError(UPDATE_CONFLICT, 409, "UpdateConflict")


def ticket_changes(
    body: dict[str, Any], *, existing: StoredRecord | None, caller_id: int
) -> dict[str, Any]:
    """The stored fields a create (existing None) or an update writes, or a 4xx Reply."""
    ticket = body.get("ticket")
    if not isinstance(ticket, dict):
        raise RequestError('The request body must be {"ticket": {...}}', 400, "InvalidValue")
    details: Details = {}
    changes: dict[str, Any] = {}
    for name, (check, problem) in _CHECKS.items():
        if name not in ticket:
            continue
        value = ticket[name]
        if not check(value):
            label = name.replace("_", " ").capitalize()
            details[name] = [
                {"description": f"{label}: {value!r} {problem}", "error": "InvalidValue"}
            ]
        else:
            changes[name] = value
    comment = _comment_body(ticket.get("comment")) if "comment" in ticket else None
    if "comment" in ticket and not comment:
        details["comment"] = [
            {"description": "Comment: body cannot be blank", "error": "BlankValue"}
        ]
    if existing is None and not comment and "comment" not in details:
        details["base"] = [{"description": "Description: cannot be blank", "error": "BlankValue"}]
    if existing is not None and existing.fields.get("status") == "closed":
        details["status"] = [{"description": "Status: closed prevents ticket update"}]
    if details:
        raise Reply(record_invalid(details))
    if existing is None:
        requester = changes.get("requester_id", caller_id)
        defaults = {
            "subject": None,
            "description": comment,
            "priority": None,
            "type": None,
            "requester_id": requester,
            "submitter_id": caller_id,
            "assignee_id": None,
            "organization_id": None,
            "group_id": None,
            "tags": [],
            "external_id": None,
            "channel": "api",
            "tier": None,
        }
        created = {**defaults, **changes}
        # Zendesk files a ticket nobody is assigned to as "new", an assigned one as "open".
        created.setdefault("status", "open" if created["assignee_id"] else "new")
        return created
    if comment:
        changes["last_comment"] = comment  # a comment alone still changes the ticket
    return changes


class TicketEvents:
    """Builds Zendesk event-webhook payloads (`zen:event-type:ticket.*`) for ticket changes."""

    # Changed attribute -> the event type Zendesk emits for it.
    _CHANGE_EVENTS: Mapping[str, str] = {
        "subject": "subject_changed",
        "status": "status_changed",
        "priority": "priority_changed",
        "type": "type_changed",
        "assignee_id": "agent_assignment_changed",
        "group_id": "group_assignment_changed",
        "requester_id": "requester_changed",
        "organization_id": "organization_changed",
        "external_id": "external_id_changed",
        "tags": "tags_changed",
        "last_comment": "comment_added",
    }

    def __init__(self, account_id: int, seed: int) -> None:
        self.account_id, self._seed, self._count = account_id, seed, 0

    def _id(self) -> str:
        self._count += 1  # deterministic per seed, like everything else generated
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"zendesk:{self._seed}:event:{self._count}"))

    def _envelope(
        self, kind: str, rec: StoredRecord, actor: int, event: dict[str, Any], now: float
    ) -> dict[str, Any]:
        f = rec.fields

        def text(value: Any) -> str | None:
            return None if value is None else str(value)

        detail = {
            "actor_id": str(actor),
            "assignee_id": text(f.get("assignee_id")),
            "brand_id": str(BRAND_ID),
            "created_at": iso(rec.created_at),
            "custom_status": None,
            "description": f.get("description"),
            "external_id": text(f.get("external_id")),
            "form_id": str(FORM_ID),
            "group_id": text(f.get("group_id")),
            "id": str(rec.id),
            "is_public": True,
            "organization_id": text(f.get("organization_id")),
            "priority": text(f.get("priority") and f["priority"].upper()),
            "requester_id": text(f.get("requester_id")),
            "status": str(f.get("status", "new")).upper(),
            "subject": f.get("subject"),
            "submitter_id": text(f.get("submitter_id")),
            "tags": list(f.get("tags", [])),
            "type": text(f.get("type") and f["type"].upper()),
            "updated_at": iso(rec.modified_at),
            "via": {"channel": f.get("channel", "api")},
        }
        return {
            "type": f"zen:event-type:ticket.{kind}",
            "account_id": self.account_id,
            "id": self._id(),
            "time": iso(now),
            "zendesk_event_version": EVENT_VERSION,
            "subject": f"zen:ticket:{rec.id}",
            "detail": detail,
            "event": event,
        }

    def created(self, rec: StoredRecord, actor: int, now: float) -> list[dict[str, Any]]:
        return [self._envelope("created", rec, actor, {}, now)]

    def soft_deleted(self, rec: StoredRecord, actor: int, now: float) -> list[dict[str, Any]]:
        return [self._envelope("soft_deleted", rec, actor, {}, now)]

    def updated(
        self,
        before: StoredRecord,
        after: StoredRecord,
        changes: Mapping[str, Any],
        actor: int,
        now: float,
    ) -> list[dict[str, Any]]:
        """One event per changed attribute, as Zendesk sends them (a sequence per update)."""
        out = []
        for name, value in changes.items():
            kind = self._CHANGE_EVENTS.get(name)
            if kind is None or (name != "last_comment" and before.fields.get(name) == value):
                continue
            if name == "tags":
                old = set(before.fields.get("tags", []))
                event: dict[str, Any] = {
                    "tags_added": sorted(set(value) - old),
                    "tags_removed": sorted(old - set(value)),
                }
            elif name == "last_comment":
                event = {"comment": {"body": value, "is_public": True, "author": {"id": actor}}}
            else:
                event = {"current": value, "previous": before.fields.get(name)}
            out.append(self._envelope(kind, after, actor, event, now))
        return out
