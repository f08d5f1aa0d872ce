"""The compiled mapping against a hand-written function, on the same HubSpot contacts.

100,000 HubSpot-style contact payloads (`{"id", "properties": {...16...},
"createdAt", "updatedAt", "archived"}`) are mapped to `crm.contact` dicts
(a) by a hand-written Python function, the fastest honest code a person
would write for this one vendor, and (b) by `compile_mapping` from a
declaration. Both produce the same dicts (asserted on a sample). Prints
records/s for both and `ratio` = compiled / hand-written. Bar: ratio >= 0.5.
Also prints what pydantic validation of the output costs, separately (it is
an optional step, not part of the mapping), and what schema-drift detection
(`DriftDetector.observe`, a page of 100 at a time) costs per record. The
last line is one JSON object.
"""

from __future__ import annotations

import gc
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from interlink.mapping import compile_mapping
from interlink.models import RECORD_NAMESPACE, Contact

RECORDS = 100_000
ROUNDS = 3
VALIDATE_SAMPLE = 20_000
CONNECTION = "conn-bench"

FIRST = ("Ada", "Alan", "Grace", "Hana", "Omar", "Priya", "Søren", "Zoe")
LAST = ("Lovelace", "Turing", "Hopper", "Ito", "Okafor", "Patel", "Müller", "Chen")
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
          "opportunity", "customer", "evangelist", "other")  # fmt: skip
LIFECYCLE = {
    "subscriber": "SUBSCRIBER",
    "lead": "LEAD",
    "marketingqualifiedlead": "MARKETING_QUALIFIED",
    "salesqualifiedlead": "SALES_QUALIFIED",
    "opportunity": "OPPORTUNITY",
    "customer": "CUSTOMER",
    "evangelist": "EVANGELIST",
}

DECLARATION: dict[str, Any] = {
    "read": {
        "remote_id": "id",
        "created_at": {"path": "createdAt", "transform": "datetime"},
        "modified_at": {"path": "updatedAt", "transform": "datetime"},
        "remote_was_deleted": "archived",
        "name": {"path": ["properties.firstname", "properties.lastname"], "transform": "join"},
        "first_name": "properties.firstname",
        "last_name": "properties.lastname",
        "title": "properties.jobtitle",
        "company_name": "properties.company",
        "email_addresses": {"path": "properties.email", "transform": {"single_email": "WORK"}},
        "phone_numbers": {"path": "properties.phone", "transform": {"single_phone": "WORK"}},
        "addresses": {
            "list": [
                {
                    "object": {
                        "city": "properties.city",
                        "country": "properties.country",
                        "address_type": {"const": "MAILING"},
                    }
                }
            ]
        },
        "lifecycle_stage": {
            "path": "properties.lifecyclestage",
            "transform": {"enum": LIFECYCLE, "default": "OTHER"},
        },
    },
    "custom_fields": {"from": "properties", "exclude": ["hs_object_id"]},
}


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def payloads(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        first, last = FIRST[i % 8], LAST[(i // 8) % 8]
        created, modified = 1_600_000_000 + i * 37, 1_700_000_000 + i * 11
        out.append({
            "id": str(1001 + i),
            "properties": {
                "firstname": first,
                "lastname": last,
                "email": f"{first.lower()}.{i}@example.com",
                "phone": f"+44 20 7946 {i % 10_000:04d}",
                "company": f"Acme {i % 97}",
                "jobtitle": "Engineer",
                "website": f"https://acme{i % 97}.example",
                "city": "London" if i % 5 else None,
                "country": "United Kingdom" if i % 5 else None,
                "lifecyclestage": STAGES[i % 8],
                "hs_lead_status": "OPEN",
                "interlink_score": str(i % 100),
                "interlink_tier": "gold",
                "createdate": iso(created),
                "lastmodifieddate": iso(modified),
                "hs_object_id": str(1001 + i),
            },
            "createdAt": iso(created),
            "updatedAt": iso(modified),
            "archived": False,
        })  # fmt: skip
    return out


_MAPPED = {"firstname", "lastname", "jobtitle", "company", "email", "phone", "city", "country",
           "lifecyclestage", "hs_object_id"}  # fmt: skip
_SUFFIX = "/crm.contact/"


def _time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def _email(email: str) -> dict[str, Any]:
    return {"email_address": email, "email_address_type": "WORK", "is_primary": True}


def _phone(phone: str) -> dict[str, Any]:
    return {"phone_number": phone, "phone_number_type": "WORK", "is_primary": True}


def _address(city: str | None, country: str | None) -> dict[str, Any]:
    return {"city": city, "country": country, "address_type": "MAILING",
            "street_1": None, "street_2": None, "state": None, "postal_code": None}  # fmt: skip


def hand_written(rec: dict[str, Any], connection_id: str) -> dict[str, Any]:
    """What a person would write for HubSpot contacts alone, with the same output."""
    p = rec["properties"]
    rid = rec["id"]
    first, last = p.get("firstname"), p.get("lastname")
    email, phone = p.get("email"), p.get("phone")
    city, country = p.get("city"), p.get("country")
    stage = p.get("lifecyclestage")
    created, updated = rec.get("createdAt"), rec.get("updatedAt")
    return {
        "id": str(uuid.uuid5(RECORD_NAMESPACE, connection_id + _SUFFIX + rid)),
        "remote_id": rid,
        "provider": "hubspot",
        "connection_id": connection_id,
        "created_at": _time(created) if created else None,
        "modified_at": _time(updated) if updated else None,
        "remote_was_deleted": bool(rec.get("archived")),
        "remote_data": rec,
        "custom_fields": {k: v for k, v in p.items() if k not in _MAPPED},
        "name": " ".join(x for x in (first, last) if x) or None,
        "first_name": first,
        "last_name": last,
        "title": p.get("jobtitle"),
        "email_addresses": [_email(email)] if email else [],
        "phone_numbers": [_phone(phone)] if phone else [],
        "addresses": [_address(city, country)] if city is not None or country is not None else [],
        "company_name": p.get("company"),
        "account_id": None,
        "owner_id": None,
        "lifecycle_stage": (LIFECYCLE.get(stage, "OTHER") if stage is not None else None),
        "last_activity_at": None,
    }


def rate(fn: Callable[[dict[str, Any], str], Any], records: list[dict[str, Any]]) -> float:
    gc.collect()
    start = time.perf_counter()
    for rec in records:
        fn(rec, CONNECTION)
    return len(records) / (time.perf_counter() - start)


def main() -> None:
    records = payloads(RECORDS)
    mapping = compile_mapping(
        "crm.contact",
        provider="hubspot",
        resource="contacts",
        read=DECLARATION["read"],
        custom_fields=DECLARATION["custom_fields"],
    )
    for rec in records[:1000]:
        assert mapping.read(rec, CONNECTION) == hand_written(rec, CONNECTION), rec["id"]

    hand, compiled = 0.0, 0.0
    for _ in range(ROUNDS):  # interleaved, best of each
        hand = max(hand, rate(hand_written, records))
        compiled = max(compiled, rate(mapping.read, records))
    ratio = compiled / hand

    drift_rate = 0.0
    for _ in range(ROUNDS):  # drift detection as the sync engine runs it: a page at a time
        detector = mapping.drift_detector()
        gc.collect()
        start = time.perf_counter()
        for page in range(0, RECORDS, 100):
            detector.observe(records[page : page + 100])
        drift_rate = max(drift_rate, RECORDS / (time.perf_counter() - start))
        assert detector.take() == []

    mapped = [mapping.read(rec, CONNECTION) for rec in records[:VALIDATE_SAMPLE]]
    gc.collect()
    start = time.perf_counter()
    for item in mapped:
        Contact.model_validate(item)
    validate_rate = VALIDATE_SAMPLE / (time.perf_counter() - start)
    with_validation = 1 / (1 / compiled + 1 / validate_rate)

    print(f"records:                 {RECORDS:,} HubSpot contacts, best of {ROUNDS} rounds")
    print(f"hand-written:            {hand:>10,.0f} records/s")
    print(f"compiled mapping:        {compiled:>10,.0f} records/s")
    print(f"ratio:                   {ratio:>10.2f}   (bar: >= 0.5)")
    print(f"pydantic validation:     {validate_rate:>10,.0f} records/s "
          f"({1e6 / validate_rate:.1f} us/record, separate and optional)")  # fmt: skip
    print(f"mapping + validation:    {with_validation:>10,.0f} records/s")
    print(f"drift detection:         {drift_rate:>10,.0f} records/s "
          f"({1e6 / drift_rate:.2f} us/record)")  # fmt: skip
    print(json.dumps({
        "benchmark": "mapping",
        "records": RECORDS,
        "hand_written_per_s": round(hand),
        "compiled_per_s": round(compiled),
        "ratio": round(ratio, 3),
        "validate_per_s": round(validate_rate),
        "validate_us_per_record": round(1e6 / validate_rate, 2),
        "compiled_with_validation_per_s": round(with_validation),
        "drift_per_s": round(drift_rate),
        "drift_us_per_record": round(1e6 / drift_rate, 3),
        "bar": 0.5,
        "passed": ratio >= 0.5,
    }))  # fmt: skip
    if ratio < 0.5:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
