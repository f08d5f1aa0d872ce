"""The CRM built-ins (Salesforce, Zoho, Pipedrive) beside the hand-written mapping fixtures.

Their contact mappings are `tests/mapping/fixtures/<vendor>.yaml`, reused: these
helpers let each vendor's tests pin that the spec's rules are the fixture's and
that both map the fixture's person alike, and that a raw simulator page maps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import yaml
from tests.connectors._simkit import builtin_spec
from tests.mapping.conftest import FIXTURES, vendor_mapping, vendor_payload

import interlink
from interlink import ASGITransport, FakeClock, State
from interlink.models import Contact, UnifiedRecord
from interlink.simulators._base import Simulator

__all__ = [
    "ADA",
    "changed_since_watermark",
    "company_writes",
    "contact_round_trip",
    "fixture_rules",
    "map_page",
    "mapped_like_fixture",
    "now",
    "open_with_method",
    "spec_rules",
]


def fixture_rules(vendor: str) -> dict[str, Any]:
    """tests/mapping/fixtures/<vendor>.yaml as written."""
    rules: dict[str, Any] = yaml.safe_load((FIXTURES / f"{vendor}.yaml").read_text())
    return rules


def spec_rules(provider: str, resource: str) -> Mapping[str, Any]:
    """A built-in resource's declaration as written in its connector.yaml."""
    resource_data: Mapping[str, Any] = builtin_spec(provider).raw["resources"][resource]
    return resource_data


def mapped_like_fixture(
    provider: str, resource: str, *, left_out: Iterable[str] = ()
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The fixture person mapped by the spec and by the fixture, both without custom fields
    and `left_out`; and the spec's custom fields (the fixture's are a subset of them)."""
    payload = vendor_payload(provider)
    by_spec = builtin_spec(provider).resources[resource].mapping.read(payload, "conn-1")
    by_fixture = vendor_mapping(provider).read(payload, "conn-1")
    custom = by_spec.pop("custom_fields")
    assert by_fixture.pop("custom_fields").items() <= custom.items()
    for name in left_out:
        by_spec.pop(name)
        by_fixture.pop(name)
    return by_spec, by_fixture, custom


def map_page(provider: str, resource: str, records: Sequence[Any]) -> list[UnifiedRecord]:
    """Every record of a raw page, mapped and validated by the spec; no record may fail."""
    batch = builtin_spec(provider).resources[resource].mapping.read_models(records, "conn-1")
    assert batch.errors == []
    assert len(batch.records) == len(records)
    return batch.records


def now(clock: FakeClock) -> datetime:
    """The fake clock's time as an aware datetime (a watermark)."""
    return datetime.fromtimestamp(clock.time(), UTC)


ADA: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email_addresses": [{"email_address": "ada@example.test", "email_address_type": "WORK"}],
}


async def contact_round_trip(conn: interlink.Connection, resource: str) -> str:
    """Create Ada, read her back, change her last name only, delete her; her remote id."""
    created = await conn.create(resource, ADA)
    assert isinstance(created, Contact)
    assert (created.name, created.email_addresses[0].email_address) == (
        "Ada Lovelace",
        "ada@example.test",
    )
    assert (await conn.get(resource, created.remote_id)).id == created.id
    updated = await conn.update(resource, created.remote_id, {"last_name": "King"})
    assert (updated.first_name, updated.last_name) == ("Ada", "King")
    await conn.delete(resource, created.remote_id)
    return created.remote_id


async def company_writes(
    conn: interlink.Connection, resource: str, values: dict[str, Any], change: dict[str, Any]
) -> None:
    """A company created from `values` has them; an update of `change` keeps the rest."""
    created = await conn.create(resource, values)
    assert {k: getattr(created, k) for k in values} == values
    updated = await conn.update(resource, created.remote_id, change)
    expected = {**values, **change}
    assert {k: getattr(updated, k) for k in expected} == expected


async def changed_since_watermark(
    conn: interlink.Connection, resource: str, clock: FakeClock, change: dict[str, Any]
) -> list[UnifiedRecord]:
    """After a watermark, two records change and a third is deleted; the incremental listing
    then has exactly those three, the third flagged deleted (in that order)."""
    ids = [r.remote_id async for r in conn.list(resource)][:3]
    clock.advance(600)
    watermark = now(clock)
    clock.advance(1)
    for remote_id in ids[:2]:
        await conn.update(resource, remote_id, change)
    await conn.delete(resource, ids[2])
    changed = {r.remote_id: r async for r in conn.list(resource, modified_after=watermark)}
    assert sorted(changed) == sorted(ids)
    assert [changed[i].remote_was_deleted for i in ids] == [False, False, True]
    return [changed[i] for i in ids]


def open_with_method(
    sim: Simulator,
    clock: FakeClock,
    auth_method: str,
    credentials: Mapping[str, str],
    variables: Mapping[str, str] | None = None,
) -> interlink.Connection:
    """A connection through the built-in spec using one of its other auth methods."""
    return interlink.connect(
        builtin_spec(sim.info.name),
        credentials=credentials,
        variables=variables,
        auth_method=auth_method,
        state=State.in_process(clock=clock),
        transport=ASGITransport(sim.app),
        clock=clock,
    )
