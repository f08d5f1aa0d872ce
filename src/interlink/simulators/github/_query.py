"""`GET /repos/{owner}/{repo}/issues` parameters, parsed GitHub's way.

Supported: `state` (open, closed, all; default open), `sort` (created,
updated; default created), `direction` (asc, desc; default desc), `since`
(ISO 8601: issues updated at or after it), `per_page` (default 30, quietly
capped at 100) and `page`. Bad values are GitHub's 422 "Validation Failed"
naming the field. GitHub's other filters (labels, assignee, creator...) and
`sort=comments` cannot be answered lazily over a million issues, so they are
refused with a 422 naming them rather than answered wrongly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from interlink.simulators._http import Reply
from interlink.simulators.github._objects import parse_iso
from interlink.simulators.github._wire import validation_failed

__all__ = ["IssueQuery"]

UNSIMULATED_FILTERS = ("milestone", "assignee", "type", "creator", "mentioned", "labels",
                       "issue_field_values")  # fmt: skip
MAX_PER_PAGE = 100


def _refuse(field: str, value: str, message: str | None = None) -> Reply:
    return Reply(validation_failed("Issue", field, "invalid", value, message))


@dataclass(frozen=True, slots=True)
class IssueQuery:
    state: str
    by_update: bool
    descending: bool
    since: float | None
    per_page: int
    page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @classmethod
    def parse(cls, q: Mapping[str, str]) -> IssueQuery:
        for name in UNSIMULATED_FILTERS:
            if name in q:
                raise _refuse(name, q[name], f"the simulator does not filter issues on {name}")
        choices = {"state": ("open", "closed", "all"), "sort": ("created", "updated"),
                   "direction": ("asc", "desc")}  # fmt: skip
        values = {field: q.get(field, allowed[0] if field != "direction" else "desc")
                  for field, allowed in choices.items()}  # fmt: skip
        for field, value in values.items():
            if value not in choices[field]:
                message = "sorting by comments is not simulated" if value == "comments" else None
                raise _refuse(field, value, message)
        since = None
        if "since" in q:
            since = parse_iso(q["since"])
            if since is None:
                raise _refuse("since", q["since"])
        numbers = {}
        for field, default in (("per_page", "30"), ("page", "1")):
            raw = q.get(field, default)
            if not raw.lstrip("-").isdigit():
                raise _refuse(field, raw)
            numbers[field] = int(raw)
        return cls(
            state=values["state"],
            by_update=values["sort"] == "updated",
            descending=values["direction"] == "desc",
            since=since,
            per_page=min(MAX_PER_PAGE, max(1, numbers["per_page"])),
            page=max(1, numbers["page"]),
        )
