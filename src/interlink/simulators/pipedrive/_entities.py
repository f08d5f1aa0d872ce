"""Pipedrive persons and organizations: generated fields and their two wire shapes.

API v1 nests related objects (`owner_id` and `org_id` are objects with a
`value`), writes times as `YYYY-MM-DD HH:MM:SS` (UTC), flags deletion with
`active_flag` and puts custom fields at the top level under 40-character hash
keys. API v2 flattens related ids to integers, writes RFC 3339 times, flags
deletion with `is_deleted`, and groups custom fields under `custom_fields`.
Persons carry `email`/`phone` (v2: `emails`/`phones`) as arrays of
`{label, value, primary}`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import company, person
from interlink.simulators._store import Collection, StoredRecord

__all__ = [
    "COMPANY_ID",
    "ENTITIES",
    "OWNERS",
    "Entity",
    "custom_key",
    "iso_ms",
    "parse_since",
    "rfc3339",
    "v1_time",
]

COMPANY_ID = 7_345_210
COMPANY_DOMAIN = "interlink-sim"
# (user id, name, email): the account's users, who own records; the first owns the API token.
OWNERS = (
    (13_012_001, "Alex Morgan", "alex.morgan@interlink-sim.example"),
    (13_012_002, "Bea Nakamura", "bea.nakamura@interlink-sim.example"),
    (13_012_003, "Chidi Okafor", "chidi.okafor@interlink-sim.example"),
    (13_012_004, "Dana Silva", "dana.silva@interlink-sim.example"),
)
_OWNERS_BY_ID = {o[0]: o for o in OWNERS}
PERSON_LABELS = (5, 6, 7)  # Pipedrive's default labels: hot, warm, cold
TIERS = ("bronze", "silver", "gold", "platinum")


def custom_key(entity: str, name: str) -> str:
    """A custom field's key: Pipedrive names custom fields by a 40-character hex hash."""
    return hashlib.sha1(
        f"interlink-sim:{entity}:{name}".encode(), usedforsecurity=False
    ).hexdigest()


PERSON_SCORE, PERSON_TIER = custom_key("person", "lead_score"), custom_key("person", "tier")
ORG_INDUSTRY, ORG_EMPLOYEES = custom_key("org", "industry"), custom_key("org", "employees")


def v1_time(t: float) -> str:
    """API v1 times: `2023-11-14 22:13:20`, UTC, to the second."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def rfc3339(t: float) -> str:
    """API v2 times: `2023-11-14T22:13:20Z`."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(t: float) -> str:
    """Webhook meta timestamps: `2023-11-14T22:13:20.000Z`."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_since(value: str, *, v2: bool) -> float:
    """`YYYY-MM-DD HH:MM:SS` (v1 recents) or RFC 3339 (v2 `updated_since`) as epoch seconds."""
    try:
        if v2:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise ValueError(value)
        else:
            parsed = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(value) from None
    return parsed.timestamp()


def _contacts(value: str, label: str) -> list[dict[str, Any]]:
    return [{"label": label, "value": value, "primary": True}]


def _person(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    phones = _contacts(p.phone, "work")
    if rng.chance(0.3):
        phones.append({"label": "mobile", "value": p.phone[:-4] + rng.digits(4), "primary": False})
    return {
        "name": f"{p.first_name} {p.last_name}",
        "first_name": p.first_name,
        "last_name": p.last_name,
        "email": _contacts(p.email, "work"),
        "phone": phones,
        # Most persons belong to an organization of the same-sized generated set.
        "org_id": 1 + rng.below(d.size) if d.size and rng.chance(0.8) else None,
        "owner_id": rng.choice(OWNERS)[0],
        "label": rng.choice(PERSON_LABELS) if rng.chance(0.6) else None,
        "visible_to": "3",
        PERSON_SCORE: p.score,
        PERSON_TIER: rng.choice(TIERS),
    }


def _organization(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    c = company(rng, i)
    return {
        "name": c.name,
        "owner_id": rng.choice(OWNERS)[0],
        "address": f"{c.city}, {c.country}",
        "address_locality": c.city,
        "address_country": c.country,
        "label": None,
        "visible_to": "3",
        ORG_INDUSTRY: c.industry,
        ORG_EMPLOYEES: c.employees,
    }


OrgLookup = Callable[[int], StoredRecord | None]


@dataclass(frozen=True, slots=True)
class Entity:
    """One Pipedrive item type and how it renders."""

    name: str  # the URL segment: persons
    item: str  # the recents item type and webhook entity: person
    title: str  # for messages: Person
    generate: Callable[[Dataset, int], dict[str, Any]]
    custom_keys: tuple[str, ...]
    writable: frozenset[str]

    def collection(self, records: int, seed: int) -> Collection:
        return Collection(Dataset(self.name, records, seed), self.generate, first_id=1)

    def v1(self, rec: StoredRecord, org: OrgLookup) -> dict[str, Any]:
        f = rec.fields
        owner = _OWNERS_BY_ID.get(f["owner_id"], OWNERS[0])
        out: dict[str, Any] = {
            "id": rec.id,
            "company_id": COMPANY_ID,
            "owner_id": {
                "id": owner[0], "name": owner[1], "email": owner[2], "has_pic": 0,
                "pic_hash": None, "active_flag": True, "value": owner[0],
            },
            "name": f["name"],
            "open_deals_count": 0,
            "closed_deals_count": 0,
            "won_deals_count": 0,
            "lost_deals_count": 0,
            "activities_count": 0,
            "followers_count": 1,
            "active_flag": not rec.archived,
            "add_time": v1_time(rec.created_at),
            "update_time": v1_time(rec.modified_at),
            "visible_to": f["visible_to"],
            "label": f["label"],
            "owner_name": owner[1],
            "cc_email": f"{COMPANY_DOMAIN}@pipedrivemail.com",
        }  # fmt: skip
        if self.item == "person":
            emails, phones = f["email"], f["phone"]
            primary = next((e["value"] for e in emails if e.get("primary")), None)
            org_rec = org(f["org_id"]) if f["org_id"] is not None else None
            org_name = None if org_rec is None else org_rec.fields["name"]
            out.update(
                first_name=f["first_name"],
                last_name=f["last_name"],
                email=emails or [{"value": "", "primary": True}],
                phone=phones or [{"value": "", "primary": True}],
                primary_email=primary,
                first_char=(f["name"][:1] or "").lower(),
                org_name=org_name,
                org_id=None if org_rec is None else {
                    "name": org_name, "people_count": 1, "owner_id": org_rec.fields["owner_id"],
                    "address": org_rec.fields["address"], "active_flag": not org_rec.archived,
                    "cc_email": f"{COMPANY_DOMAIN}@pipedrivemail.com", "value": org_rec.id,
                },
            )  # fmt: skip
        else:
            out.update(
                people_count=0,
                address=f["address"],
                address_locality=f["address_locality"],
                address_country=f["address_country"],
            )
        for key in self.custom_keys:
            out[key] = f.get(key)
        return out

    def v2(self, rec: StoredRecord) -> dict[str, Any]:
        f = rec.fields
        out: dict[str, Any] = {
            "id": rec.id,
            "name": f["name"],
            "owner_id": f["owner_id"],
            "add_time": rfc3339(rec.created_at),
            "update_time": rfc3339(rec.modified_at),
            "is_deleted": rec.archived,
            "visible_to": int(f["visible_to"]),
            "label_ids": [] if f["label"] is None else [f["label"]],
            "custom_fields": {key: f.get(key) for key in self.custom_keys},
        }
        if self.item == "person":
            out.update(
                first_name=f["first_name"],
                last_name=f["last_name"],
                org_id=f["org_id"],
                picture_id=None,
                emails=f["email"],
                phones=f["phone"],
            )
        else:
            out["address"] = {
                "value": f["address"],
                "locality": f["address_locality"],
                "country": f["address_country"],
            }
        return out


def _writable(generate: Callable[[Dataset, int], dict[str, Any]]) -> frozenset[str]:
    return frozenset(generate(Dataset("schema", 1), 0))


ENTITIES: Mapping[str, Entity] = {
    e.name: e
    for e in (
        Entity("persons", "person", "Person", _person, (PERSON_SCORE, PERSON_TIER),
               _writable(_person)),
        Entity("organizations", "organization", "Organization", _organization,
               (ORG_INDUSTRY, ORG_EMPLOYEES), _writable(_organization)),
    )
}  # fmt: skip
