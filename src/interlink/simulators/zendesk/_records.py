"""Zendesk Support tickets and users: generated values and their wire rendering.

A ticket or user reads as Zendesk's JSON format: integer ids, ISO 8601 times
to the second with `Z`, a canonical `url`, and for tickets a
`generated_timestamp` (Unix seconds of the last change, system changes
included) that the incremental export pages on. Tickets 1..N reference the
generated users (requesters, agents as assignees) so the dataset hangs together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import person
from interlink.simulators._render import PristineCache
from interlink.simulators._store import Collection, StoredRecord

__all__ = [
    "ACCOUNT_URL",
    "ADMIN_EMAIL",
    "PRIORITIES",
    "STATUSES",
    "TICKET_FIRST_ID",
    "TYPES",
    "USER_FIRST_ID",
    "Renderer",
    "iso",
    "ticket_collection",
    "user_collection",
]

ACCOUNT_URL = "https://d3v-interlink.zendesk.com"  # where the records say they live
ADMIN_EMAIL = "user@example.com"  # the account owner (user 0), who API tokens act as
TICKET_FIRST_ID = 1  # Zendesk numbers tickets 1, 2, 3... per account
USER_FIRST_ID = 361_000_000_001  # user ids are large account-wide numbers
ORGANIZATION_BASE = 360_000_100_000
GROUP_IDS = (360_000_200_001, 360_000_200_002, 360_000_200_003)  # Support, Billing, Tier 2
TIER_FIELD_ID = 360_000_300_001  # a custom ticket field (drop-down "customer tier")
BRAND_ID = 360_000_400_001
FORM_ID = 360_000_500_001

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
TYPES = ("question", "incident", "problem", "task")
CHANNELS = ("email", "web", "api", "mobile", "chat")
_STATUS_WEIGHTS = ("closed",) * 5 + ("solved",) * 3 + ("open",) * 2 + ("pending", "new", "hold")
_SUBJECTS = (
    "Can't log in to my account",
    "Invoice shows the wrong amount",
    "Refund request",
    "Feature request: export to CSV",
    "App crashes on startup",
    "Password reset email never came",
    "How do I add a teammate?",
    "Shipping address change",
    "Webhook deliveries failing",
    "Slow dashboard since the update",
    "Cancel my subscription",
    "Data missing after import",
)
_TAGS = ("billing", "bug", "vip", "onboarding", "mobile", "churn_risk", "api")
_TIERS = ("tier_bronze", "tier_silver", "tier_gold", "tier_platinum")
_LOCALES = ("en-US", "en-GB", "de", "fr", "es", "pt-BR", "ja")
_TIME_ZONES = ("America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "UTC")


def iso(t: float) -> str:
    """Epoch seconds as Zendesk writes times: 2023-11-14T22:13:20Z (no fractions)."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def agents(users: int) -> int:
    """How many of the first generated users are agents (user 0 is the admin)."""
    return max(1, users // 50)


def _ticket(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    users = max(d.size, 1)
    requester = USER_FIRST_ID + agents(users) + rng.below(max(1, users - agents(users)))
    assignee = USER_FIRST_ID + rng.below(agents(users))
    subject = rng.choice(_SUBJECTS)
    return {
        "subject": subject,
        "description": f"Hi, {subject.lower()}. Ticket reference #{i + 1}, please help.",
        "status": rng.choice(_STATUS_WEIGHTS),
        "priority": rng.choice((*PRIORITIES, None)),
        "type": rng.choice((*TYPES, None)),
        "requester_id": requester,
        "submitter_id": requester,
        "assignee_id": assignee if rng.chance(0.85) else None,
        "organization_id": ORGANIZATION_BASE + rng.below(40),
        "group_id": rng.choice(GROUP_IDS),
        "tags": [t for t in _TAGS if rng.chance(0.2)],
        "external_id": f"ext-{rng.digits(8)}" if rng.chance(0.3) else None,
        "channel": rng.choice(CHANNELS),
        "tier": rng.choice(_TIERS),
    }


def _user(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    role = "admin" if i == 0 else "agent" if i < agents(d.size) else "end-user"
    return {
        "name": f"{p.first_name} {p.last_name}",
        "email": ADMIN_EMAIL if i == 0 else p.email,
        "phone": p.phone if rng.chance(0.6) else None,
        "role": role,
        "locale": rng.choice(_LOCALES),
        "time_zone": rng.choice(_TIME_ZONES),
        "organization_id": ORGANIZATION_BASE + rng.below(40) if role == "end-user" else None,
        "tags": list(p.tags),
        "verified": rng.chance(0.9),
        "suspended": rng.chance(0.02),
        "notes": "",
        "details": p.job_title,
    }


def ticket_collection(records: int, seed: int) -> Collection:
    return Collection(Dataset("zendesk-tickets", records, seed), _ticket, first_id=TICKET_FIRST_ID)


def user_collection(records: int, seed: int) -> Collection:
    return Collection(Dataset("zendesk-users", records, seed), _user, first_id=USER_FIRST_ID)


def ticket_json(rec: StoredRecord, *, deleted: bool = False) -> dict[str, Any]:
    """One ticket in Zendesk's JSON format; `deleted` as the incremental export shows one."""
    f = rec.fields
    return {
        "url": f"{ACCOUNT_URL}/api/v2/tickets/{rec.id}.json",
        "id": rec.id,
        "external_id": f.get("external_id"),
        "via": {"channel": f.get("channel", "api"), "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso(rec.created_at),
        "updated_at": iso(rec.modified_at),
        "generated_timestamp": int(rec.modified_at),
        "type": f.get("type"),
        "subject": f.get("subject"),
        "raw_subject": f.get("subject"),
        "description": f.get("description", ""),
        "priority": f.get("priority"),
        "status": "deleted" if deleted else f.get("status", "new"),
        "recipient": None,
        "requester_id": f.get("requester_id"),
        "submitter_id": f.get("submitter_id"),
        "assignee_id": f.get("assignee_id"),
        "organization_id": f.get("organization_id"),
        "group_id": f.get("group_id"),
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": f.get("due_at"),
        "tags": list(f.get("tags", [])),
        "custom_fields": [{"id": TIER_FIELD_ID, "value": f.get("tier")}],
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "custom_status_id": None,
        "fields": [{"id": TIER_FIELD_ID, "value": f.get("tier")}],
        "followup_ids": [],
        "ticket_form_id": FORM_ID,
        "brand_id": BRAND_ID,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }


def user_json(rec: StoredRecord) -> dict[str, Any]:
    f = rec.fields
    return {
        "id": rec.id,
        "url": f"{ACCOUNT_URL}/api/v2/users/{rec.id}.json",
        "name": f["name"],
        "email": f["email"],
        "created_at": iso(rec.created_at),
        "updated_at": iso(rec.modified_at),
        "time_zone": f["time_zone"],
        "iana_time_zone": f["time_zone"],
        "phone": f["phone"],
        "shared_phone_number": None,
        "photo": None,
        "locale_id": 1 + _LOCALES.index(f["locale"]),
        "locale": f["locale"],
        "organization_id": f["organization_id"],
        "role": f["role"],
        "verified": f["verified"],
        "external_id": None,
        "tags": list(f["tags"]),
        "alias": "",
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": iso(rec.modified_at) if f["role"] != "end-user" else None,
        "two_factor_auth_enabled": None,
        "signature": None,
        "details": f["details"],
        "notes": f["notes"],
        "role_type": None,
        "custom_role_id": None,
        "moderator": f["role"] != "end-user",
        "ticket_restriction": None if f["role"] != "end-user" else "requested",
        "only_private_comments": False,
        "restricted_agent": False,
        "suspended": f["suspended"],
        "default_group_id": GROUP_IDS[0] if f["role"] != "end-user" else None,
        "report_csv": False,
        "user_fields": {},
    }


@dataclass(frozen=True, slots=True)
class Renderer:
    """Renders list pages, serving untouched generated records from cached bytes."""

    cache: PristineCache

    def records(self, name: str, collection: Collection, refs: list[int]) -> bytes:
        """The comma-joined JSON of `refs` of the `tickets` or `users` collection."""
        as_json = _AS_JSON[name]

        def render(rec: StoredRecord) -> bytes:
            return orjson.dumps(as_json(rec))

        return b",".join(self.cache.fragments(collection, refs, render, name))


# An archived (soft-deleted) ticket shows as status "deleted", as in the incremental export.
_AS_JSON: dict[str, Callable[[StoredRecord], dict[str, Any]]] = {
    "tickets": lambda rec: ticket_json(rec, deleted=rec.archived),
    "users": user_json,
}
