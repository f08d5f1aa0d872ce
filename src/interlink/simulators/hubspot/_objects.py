"""HubSpot CRM object types: their properties, generated values and wire rendering.

HubSpot properties are all strings (numbers and dates too), dates are ISO 8601
with milliseconds and `Z`, and a record reads `{"id", "properties",
"createdAt", "updatedAt", "archived"}` plus `archivedAt` once archived.
Contacts call their modified-time property `lastmodifieddate`; companies and
deals call it `hs_lastmodifieddate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from interlink.simulators._dataset import Dataset
from interlink.simulators._fake import company, deal, person
from interlink.simulators._store import Collection, StoredRecord

__all__ = ["OBJECT_TYPES", "ObjectType", "Renderer", "iso", "parse_time"]

LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
             "opportunity", "customer", "evangelist")  # fmt: skip
LEAD_STATUS = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "CONNECTED")
TIERS = ("bronze", "silver", "gold", "platinum")  # a custom enumeration property
DEAL_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
               "decisionmakerboughtin", "contractsent", "closedwon", "closedlost")  # fmt: skip


def iso(t: float) -> str:
    """Epoch seconds as HubSpot writes times: 2023-11-14T22:13:20.123Z."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_time(value: Any) -> float:
    """A filter value (epoch milliseconds, as a number or string, or ISO 8601) as epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1000.0
    if isinstance(value, str):
        if value.isdigit():
            return int(value) / 1000.0
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (epoch milliseconds or ISO 8601)")


def _contact(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    p = person(rng, i)
    return {
        "firstname": p.first_name,
        "lastname": p.last_name,
        "email": p.email,
        "phone": p.phone,
        "company": p.company_name,
        "jobtitle": p.job_title,
        "website": p.website,
        "city": p.city,
        "country": p.country,
        "lifecyclestage": rng.choice(LIFECYCLE),
        "hs_lead_status": rng.choice(LEAD_STATUS),
        "interlink_score": str(p.score),
        "interlink_tags": ";".join(p.tags),
        "interlink_tier": rng.choice(TIERS),
    }


def _company(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    c = company(rng, i)
    return {
        "name": c.name,
        "domain": c.domain,
        "industry": c.industry,
        "numberofemployees": str(c.employees),
        "annualrevenue": str(c.annual_revenue),
        "city": c.city,
        "country": c.country,
        "phone": c.phone,
        "interlink_tier": rng.choice(TIERS),
    }


def _deal(d: Dataset, i: int) -> dict[str, Any]:
    rng = d.rng(i)
    x = deal(rng, i)
    close = d.modified_at(i) + rng.below(120) * 86_400.0
    return {
        "dealname": x.name,
        "amount": f"{x.amount:.2f}",
        "deal_currency_code": x.currency,
        "dealstage": rng.choice(DEAL_STAGES),
        "pipeline": "default",
        "closedate": iso(close),
        "hs_deal_stage_probability": str(x.probability),
        "interlink_tier": rng.choice(TIERS),
    }


@dataclass(frozen=True, slots=True)
class ObjectType:
    name: str  # the URL segment: contacts
    singular: str  # the webhook subscription prefix: contact
    modified_property: str
    default_properties: tuple[str, ...]
    writable: frozenset[str]
    generate: Callable[[Dataset, int], dict[str, Any]]
    first_id: int
    unique_property: str | None = None  # creating a second record with it gives 409

    def collection(self, records: int, seed: int) -> Collection:
        return Collection(Dataset(self.name, records, seed), self.generate, first_id=self.first_id)


def _writable(sample: Callable[[Dataset, int], dict[str, Any]], *extra: str) -> frozenset[str]:
    return frozenset(sample(Dataset("schema", 1), 0)) | frozenset(extra)


OBJECT_TYPES: dict[str, ObjectType] = {
    t.name: t
    for t in (
        ObjectType(
            "contacts", "contact", "lastmodifieddate",
            ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
            _writable(_contact, "mobilephone", "address", "zip", "state"),
            _contact, 1_001, unique_property="email",
        ),
        ObjectType(
            "companies", "company", "hs_lastmodifieddate",
            ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
            _writable(_company, "description", "website"),
            _company, 5_000_001,
        ),
        ObjectType(
            "deals", "deal", "hs_lastmodifieddate",
            ("amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
             "hs_object_id", "pipeline"),
            _writable(_deal, "description"),
            _deal, 9_000_001,
        ),
    )
}  # fmt: skip

_CACHE_LIMIT = 100_000


class Renderer:
    """Renders records to HubSpot JSON, caching the bytes of untouched generated records.

    The cache is what makes a 100-record page cheap: a generated record that
    nobody changed renders the same forever (for the same property list).
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, tuple[str, ...] | None], bytes] = {}

    def record(
        self, otype: ObjectType, rec: StoredRecord, properties: Iterable[str] | None
    ) -> dict[str, Any]:
        values = {
            **rec.fields,
            "createdate": iso(rec.created_at),
            otype.modified_property: iso(rec.modified_at),
            "hs_object_id": str(rec.id),
        }
        # Requested properties that do not exist are left out, as HubSpot does; these
        # three always come back.
        wanted = set(otype.default_properties if properties is None else properties)
        wanted.update(("createdate", otype.modified_property, "hs_object_id"))
        out: dict[str, Any] = {
            "id": str(rec.id),
            "properties": {k: values.get(k) for k in sorted(wanted) if k in values},
            "createdAt": iso(rec.created_at),
            "updatedAt": iso(rec.modified_at),
            "archived": rec.archived,
        }
        if rec.archived_at is not None:
            out["archivedAt"] = iso(rec.archived_at)
        return out

    def fragments(
        self,
        otype: ObjectType,
        collection: Collection,
        refs: Iterable[int],
        properties: tuple[str, ...] | None,
    ) -> list[bytes]:
        out: list[bytes] = []
        cache = self._cache
        for ref in refs:
            index = collection.pristine_index(ref)
            if index is None:
                out.append(orjson.dumps(self.record(otype, collection.resolve(ref), properties)))
                continue
            key = (otype.name, index, properties)
            fragment = cache.get(key)
            if fragment is None:
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()  # crude but O(1) amortised; a page rarely spans a clear
                fragment = orjson.dumps(self.record(otype, collection.resolve(ref), properties))
                cache[key] = fragment
            out.append(fragment)
        return out

    def clear(self) -> None:
        self._cache.clear()
