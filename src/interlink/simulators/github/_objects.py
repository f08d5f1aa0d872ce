"""GitHub issues: one private repository's issues, its contributors, and their wire shape.

Issue numbers count up in creation order (record id = number, so created_at
increases with the number); times are ISO 8601 to the second with `Z`; users,
labels and milestones are the nested objects GitHub embeds in every issue.
About 40% of generated issues are closed, on a fixed pattern of issue numbers
(see `CLOSED_RESIDUES`), which is what lets `state=open` / `state=closed`
page over a million issues without reading them (see `_views.py`).
"""

from __future__ import annotations

import base64
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import Person, company, person
from interlink.simulators._store import Collection, StoredRecord

__all__ = [
    "CLOSED_RESIDUES",
    "PERIOD",
    "Repository",
    "generated_closed",
    "iso",
    "issues_collection",
    "parse_iso",
]

API = "https://api.github.com"
WEB = "https://github.com"
PERIOD = 20
CLOSED_RESIDUES = (1, 4, 6, 9, 11, 14, 17, 18)  # issue i is closed iff i % 20 is one of these
CONTRIBUTORS = 40
LABELS = (("bug", "d73a4a", "Something isn't working"),
          ("enhancement", "a2eeef", "New feature or request"),
          ("documentation", "0075ca", "Improvements or additions to documentation"),
          ("good first issue", "7057ff", "Good for newcomers"),
          ("help wanted", "008672", "Extra attention is needed"),
          ("question", "d876e3", "Further information is requested"),
          ("performance", "fbca04", None), ("security", "b60205", None))  # fmt: skip
VERBS = ("Fix", "Support", "Crash when", "Improve", "Document", "Flaky test:", "Add", "Refactor")
THINGS = ("webhook retries", "pagination of large exports", "the OAuth refresh flow",
          "rate-limit headers", "CSV import", "dark mode", "the billing page",
          "timezone handling", "search indexing", "the mobile layout")  # fmt: skip
MILESTONES = ("v1.0", "v1.1", "v2.0")


def iso(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float | None:
    """An ISO 8601 timestamp (`YYYY-MM-DDTHH:MM:SSZ`, offsets too) as epoch seconds."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _login(p: Person, k: int) -> str:
    text = f"{p.first_name}-{p.last_name}-{k}".lower().replace("'", "")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def generated_closed(i: int) -> bool:
    return i % PERIOD in CLOSED_RESIDUES


def _node_id(kind: str, number: int) -> str:
    return f"{kind}_kwDO" + base64.b64encode(number.to_bytes(6, "big")).decode().rstrip("=")


def _issue(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    closed = generated_closed(i)
    assignees = sorted({rng.below(CONTRIBUTORS) for _ in range(rng.below(3))})
    labels = sorted({rng.below(len(LABELS)) for _ in range(rng.below(4))})
    thing = rng.choice(THINGS)
    return {
        "title": f"{rng.choice(VERBS)} {thing}",
        "body": None if rng.chance(0.1) else (
            f"Seen with {company(rng, i).name}: {thing} misbehaves.\n\n"
            f"Steps to reproduce:\n1. Open the app\n2. Try {thing}\n3. See the error"),
        "author": rng.below(CONTRIBUTORS),
        "assignees": assignees,
        "labels": [LABELS[k][0] for k in labels],
        "milestone": None if rng.chance(0.6) else rng.below(len(MILESTONES)),
        "comments": rng.below(25),
        "locked": False,
        "state": "closed" if closed else "open",
        "state_reason": (rng.choice(("completed", "completed", "not_planned"))
                         if closed else None),
        # Closed at its last modification: closing is an update.
        "closed_at": d.modified_at(i) if closed else None,
        "closed_by": rng.below(CONTRIBUTORS) if closed else None,
        "author_association": rng.choice(("MEMBER", "CONTRIBUTOR", "NONE", "COLLABORATOR")),
        "reactions": rng.below(12),
    }  # fmt: skip


def issues_collection(records: int, seed: int) -> Collection:
    return Collection(Dataset("github-issues", records, seed), _issue, first_id=1,
                      creation_ordered=True)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Contributor:
    login: str
    id: int


class Repository:
    """The simulated repository (`acme-corp/platform`, private) and how it renders issues."""

    __slots__ = ("contributors", "full_name", "id", "name", "owner", "viewer")

    def __init__(self, seed: int) -> None:
        self.owner, self.name = "acme-corp", "platform"
        self.full_name = f"{self.owner}/{self.name}"
        self.id = 700_000_000 + seed
        people = Dataset("github-contributors", CONTRIBUTORS, seed)
        self.contributors = tuple(
            Contributor(_login(person(people.rng(k), k), k), 10_000_000 + seed * 100 + k)
            for k in range(CONTRIBUTORS)
        )
        # Whom a token authenticates as: the repository's first contributor.
        self.viewer = self.contributors[0]

    @property
    def url(self) -> str:
        return f"{API}/repos/{self.full_name}"

    def matches(self, owner: str, name: str) -> bool:
        """GitHub owner and repository names are not case sensitive."""
        return owner.lower() == self.owner and name.lower() == self.name

    def user(self, who: Contributor) -> dict[str, Any]:
        u = f"{API}/users/{who.login}"
        return {
            "login": who.login, "id": who.id, "node_id": _node_id("U", who.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{who.id}?v=4",
            "gravatar_id": "", "url": u, "html_url": f"{WEB}/{who.login}",
            "followers_url": f"{u}/followers", "following_url": f"{u}/following{{/other_user}}",
            "gists_url": f"{u}/gists{{/gist_id}}", "starred_url": f"{u}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{u}/subscriptions", "organizations_url": f"{u}/orgs",
            "repos_url": f"{u}/repos", "events_url": f"{u}/events{{/privacy}}",
            "received_events_url": f"{u}/received_events", "type": "User",
            "user_view_type": "public", "site_admin": False,
        }  # fmt: skip

    def label(self, name: str) -> dict[str, Any]:
        k = next((n for n, (label, _, _) in enumerate(LABELS) if label == name), None)
        color, description = (LABELS[k][1], LABELS[k][2]) if k is not None else ("ededed", None)
        number = 5_000_000_000 + self.id % 1000 * 100 + (k if k is not None else 99)
        return {"id": number, "node_id": _node_id("LA", number),
                "url": f"{self.url}/labels/{name.replace(' ', '%20')}", "name": name,
                "color": color, "default": k is not None and k < 6,
                "description": description}  # fmt: skip

    def milestone(self, k: int) -> dict[str, Any]:
        number = k + 1
        url = f"{self.url}/milestones/{number}"
        return {
            "url": url,
            "html_url": f"{WEB}/{self.full_name}/milestone/{number}",
            "labels_url": f"{url}/labels",
            "id": 9_000_000 + number,
            "node_id": _node_id("MI", 9_000_000 + number),
            "number": number,
            "title": MILESTONES[k],
            "description": f"Everything planned for {MILESTONES[k]}",
            "creator": self.user(self.viewer),
            "open_issues": 12 * number,
            "closed_issues": 30 * number,
            "state": "open",
            "created_at": "2021-11-14T22:13:20Z",
            "updated_at": "2023-11-01T09:00:00Z",
            "due_on": None,
            "closed_at": None,
        }

    def issue(self, rec: StoredRecord, *, single: bool = False) -> dict[str, Any]:
        """The issue as the list endpoint shows it; `single` adds what only GET one shows."""
        f, n = rec.fields, rec.id
        url = f"{self.url}/issues/{n}"
        users = self.contributors
        assignees = [self.user(users[k]) for k in f["assignees"]]
        out: dict[str, Any] = {
            "url": url, "repository_url": self.url, "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments", "events_url": f"{url}/events",
            "html_url": f"{WEB}/{self.full_name}/issues/{n}", "id": 1_500_000_000 + n,
            "node_id": _node_id("I", 1_500_000_000 + n), "number": n, "title": f["title"],
            "user": self.user(users[f["author"]]), "labels": [self.label(x) for x in f["labels"]],
            "state": f["state"], "locked": f["locked"],
            "assignee": assignees[0] if assignees else None, "assignees": assignees,
            "milestone": None if f["milestone"] is None else self.milestone(f["milestone"]),
            "comments": f["comments"], "created_at": iso(rec.created_at),
            "updated_at": iso(rec.modified_at),
            "closed_at": None if f["closed_at"] is None else iso(f["closed_at"]),
            "author_association": f["author_association"], "type": None,
            "active_lock_reason": None, "sub_issues_summary": {
                "total": 0, "completed": 0, "percent_completed": 0},
            "body": f["body"],
            "reactions": {"url": f"{url}/reactions", "total_count": f["reactions"],
                          "+1": f["reactions"], "-1": 0, "laugh": 0, "hooray": 0, "confused": 0,
                          "heart": 0, "rocket": 0, "eyes": 0},
            "timeline_url": f"{url}/timeline", "performed_via_github_app": None,
            "state_reason": f["state_reason"],
        }  # fmt: skip
        if single:  # GitHub names who closed an issue only when you read that one issue
            who = f["closed_by"]
            out["closed_by"] = None if who is None else self.user(users[who])
        return out

    def summary(self) -> dict[str, Any]:
        """The repository object webhook payloads carry."""
        owner = self.user(self.contributors[0])
        return {"id": self.id, "node_id": _node_id("R", self.id), "name": self.name,
                "full_name": self.full_name, "private": True,
                "owner": {**owner, "login": self.owner, "type": "Organization"},
                "html_url": f"{WEB}/{self.full_name}", "url": self.url,
                "default_branch": "main", "visibility": "private"}  # fmt: skip
