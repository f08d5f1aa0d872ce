"""Validating issue writes GitHub's way: `POST` creates, `PATCH` updates (and closes).

GitHub issues cannot be deleted through the REST API; closing one
(`state: closed`, with a `state_reason`) is the deletion analogue a sync
sees, through `state=all` / `state=closed` and a moved `updated_at`. Bad fields
are a 422 "Validation Failed" naming the resource, field and code; unknown
top-level keys are ignored, as GitHub ignores them.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from interlink.simulators._http import Reply
from interlink.simulators.github._objects import MILESTONES, Repository
from interlink.simulators.github._wire import validation_failed

__all__ = ["issue_changes"]

_STATE_REASONS = ("completed", "not_planned", "duplicate", "reopened")


def _refuse(field: str, code: str, value: Any = None, message: str | None = None) -> Reply:
    response: Response = validation_failed("Issue", field, code, value, message)
    return Reply(response)


def _logins(repo: Repository, field: str, value: Any) -> list[int]:
    logins = [value] if isinstance(value, str) else value
    if not isinstance(logins, list):
        raise _refuse(field, "invalid", message=f"{field} must be a list of user logins")
    by_login = {c.login.lower(): k for k, c in enumerate(repo.contributors)}
    out = []
    for login in logins:
        name = login.get("login") if isinstance(login, dict) else login
        k = by_login.get(str(name).lower()) if isinstance(name, str) else None
        if k is None:  # GitHub: only collaborators can be assigned
            raise _refuse(field if field == "assignees" else "assignee", "invalid", name)
        out.append(k)
    return sorted(set(out))


def _labels(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _refuse("labels", "invalid", message="labels must be a list of label names")
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise _refuse("labels", "invalid", str(item))
        names.append(name.strip())
    return list(dict.fromkeys(names))  # labels that do not exist yet are created, as GitHub does


def issue_changes(
    repo: Repository, body: dict[str, Any], *, creating: bool, current_state: str = "open"
) -> dict[str, Any]:
    """The stored-field changes a create or update asks for, or a 422 `Reply`."""
    changes: dict[str, Any] = {}
    if "title" in body or creating:
        title = body.get("title")
        if title is None or title == "":
            raise _refuse("title", "missing_field")
        if not isinstance(title, str | int) or isinstance(title, bool):
            raise _refuse("title", "invalid", str(title))
        changes["title"] = str(title)
    if "body" in body:
        if body["body"] is not None and not isinstance(body["body"], str):
            raise _refuse("body", "invalid", message="body must be a string")
        changes["body"] = body["body"]
    if body.get("assignees") is not None:
        changes["assignees"] = _logins(repo, "assignees", body["assignees"])
    elif "assignee" in body:
        changes["assignees"] = [] if body["assignee"] is None else _logins(
            repo, "assignee", body["assignee"])  # fmt: skip
    if "labels" in body:
        changes["labels"] = _labels(body["labels"])
    if "milestone" in body:
        milestone = body["milestone"]
        if milestone is not None:
            number = int(milestone) if str(milestone).isdigit() else 0
            if not 1 <= number <= len(MILESTONES):
                raise _refuse("milestone", "invalid", milestone)
            milestone = number - 1
        changes["milestone"] = milestone
    if "state" in body and not creating:
        state = body["state"]
        if state not in ("open", "closed"):
            raise _refuse("state", "invalid", state)
        reason = body.get("state_reason")
        if reason is not None and reason not in _STATE_REASONS:
            raise _refuse("state_reason", "invalid", reason)
        if state != current_state:  # state_reason is ignored unless the state changes
            changes["state"] = state
            changes["state_reason"] = (reason or "completed") if state == "closed" else "reopened"
    return changes
