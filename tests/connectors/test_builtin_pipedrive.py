"""The built-in Pipedrive (API v1) connector against the Pipedrive simulator, through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.connectors._crmkit import (
    changed_since_watermark,
    company_writes,
    contact_round_trip,
    fixture_rules,
    map_page,
    mapped_like_fixture,
    open_with_method,
    spec_rules,
)
from tests.connectors._simkit import builtin_spec, fetch_json, open_builtin, running

import interlink
from interlink import ConfigError, FakeClock, FatalError, NotFoundError
from interlink.models import Company, Contact
from interlink.ratelimit import Window
from interlink.simulators._faults import FaultConfig
from interlink.simulators.pipedrive import PipedriveSimulator

RECORDS = 1_100  # three v1 pages of at most 500
# The fixture account keeps title, city, country and stage in its own custom-field hashes.
ACCOUNT_SPECIFIC = ("title", "addresses", "lifecycle_stage")
RECENTS = "GET /api/v1/recents"


@pytest.fixture
async def pipedrive(clock: FakeClock) -> AsyncIterator[PipedriveSimulator]:
    """A Pipedrive company with 1,100 persons and 1,100 organizations on the fake clock."""
    async with running("pipedrive", clock, records=RECORDS) as sim:
        assert isinstance(sim, PipedriveSimulator)
        yield sim


@pytest.fixture
async def connection(
    pipedrive: PipedriveSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    credentials = {"api_token": pipedrive.api_token.value}
    async with open_builtin(pipedrive, clock, credentials=credentials) as conn:
        yield conn


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_persons_and_organizations_and_declares_the_burst_limit() -> None:
    """Persons are crm.contact, organizations crm.company, each with every operation but a
    deleted listing (the recents feed reports deletions); 40 calls per 2 s per token."""
    spec = builtin_spec("pipedrive")
    assert {n: r.model for n, r in spec.resources.items()} == {
        "persons": "crm.contact",
        "organizations": "crm.company",
    }
    for resource in spec.resources.values():
        assert set(resource.operations) == {
            "list", "incremental", "get", "create", "update", "delete",
        }  # fmt: skip
    assert spec.rate_limits == (Window(40, per=2),)
    assert spec.errors is not None
    assert spec.errors.success_flag == "success"
    api_token = spec.auth_methods[spec.default_auth]
    assert (api_token.placement, api_token.header_name) == ("query", "api_token")


def test_person_rules_are_the_mapping_fixture_less_one_accounts_hash_keys() -> None:
    """The persons rules are tests/mapping/fixtures/pipedrive.yaml without the rules that read
    that account's own custom-field hashes; every hash-key field is a custom field."""
    fixture, spec = fixture_rules("pipedrive"), spec_rules("pipedrive", "persons")
    read = {k: v for k, v in fixture["read"].items() if k not in ACCOUNT_SPECIFIC}
    assert spec["read"] == read
    write = {
        k: v for k, v in fixture["write"].items() if k != "3f7a9c1e5b2d4f6a8c0e1b3d5f7a9c1e5b2d4f6a"
    }
    assert spec["write"] == write
    assert spec["custom_fields"] == fixture["custom_fields"]


def test_the_fixture_person_maps_as_the_fixture_mapping_maps_it() -> None:
    """Ada maps alike but for the account-specific fields, which stay in custom_fields."""
    by_spec, by_fixture, custom = mapped_like_fixture(
        "pipedrive", "persons", left_out=ACCOUNT_SPECIFIC
    )
    assert by_spec == by_fixture
    assert custom["3f7a9c1e5b2d4f6a8c0e1b3d5f7a9c1e5b2d4f6a"] == "CTO"
    assert len(custom) == 5


@pytest.mark.parametrize("resource", ["persons", "organizations"])
async def test_a_raw_v1_page_maps_every_record(
    pipedrive: PipedriveSimulator, resource: str
) -> None:
    """A v1 page straight from the simulator maps and validates, record by record."""
    token = pipedrive.api_token.value
    body = await fetch_json(pipedrive, f"/api/v1/{resource}?limit=500&api_token={token}", {})
    records = map_page("pipedrive", resource, body["data"])
    assert len(records) == 500
    assert all(len(r.custom_fields) == 2 for r in records)


# -- through the connection runtime ---------------------------------------------------------


async def test_list_reads_every_person_once_as_unified_models(
    connection: interlink.Connection,
) -> None:
    """All 1,100 persons arrive once, as crm.contact with remote_data and custom fields."""
    persons = [p async for p in connection.list("persons")]
    assert len({p.remote_id for p in persons}) == len(persons) == RECORDS
    first = persons[0]
    assert isinstance(first, Contact)
    assert first.first_name == first.remote_data["first_name"]
    assert first.email_addresses[0].email_address == first.remote_data["email"][0]["value"]
    assert first.owner_id == str(first.remote_data["owner_id"]["value"])
    assert len(first.custom_fields) == 2
    assert not any(p.remote_was_deleted for p in persons)


async def test_organizations_are_companies(connection: interlink.Connection) -> None:
    """Organizations map to crm.company with their address; industry and size, kept in
    custom-field hashes, land in custom fields."""
    organizations = [o async for o in connection.list("crm.company")]
    assert len(organizations) == RECORDS
    first = organizations[0]
    assert isinstance(first, Company)
    assert first.name == first.remote_data["name"]
    assert first.addresses[0].city == first.remote_data["address_locality"]
    assert len(first.custom_fields) == 2


async def test_incremental_listing_reads_the_recents_feed(
    connection: interlink.Connection, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """modified_after reads /recents since that second: the two updated persons and the
    deleted one (active_flag false, so remote_was_deleted), unwrapped from their items."""
    changed = await changed_since_watermark(connection, "persons", clock, {"first_name": "New"})
    assert [p.first_name for p in changed[:2]] == ["New", "New"]
    assert pipedrive.counters.count(route=RECENTS) == 1


async def test_create_get_update_delete_round_trip(connection: interlink.Connection) -> None:
    """A created person is read, changed and deleted; Pipedrive keeps a deleted person
    readable (flagged deleted) and refuses a second delete with 404."""
    remote_id = await contact_round_trip(connection, "persons")
    assert (await connection.get("persons", remote_id)).remote_was_deleted
    with pytest.raises(NotFoundError):
        await connection.delete("persons", remote_id)


async def test_organizations_are_written_too(connection: interlink.Connection) -> None:
    """An organization is created from crm.company fields and renamed."""
    await company_writes(connection, "organizations", {"name": "Analytical Engines"},
                         {"name": "AE Ltd"})  # fmt: skip


async def test_organizations_list_incrementally_and_delete(
    connection: interlink.Connection, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """modified_after on organizations reads /recents too: the two renamed organizations and
    the deleted one (flagged remote_was_deleted); a deleted one still reads, flagged."""
    changed = await changed_since_watermark(connection, "organizations", clock, {"name": "New"})
    assert [o.name for o in changed[:2]] == ["New", "New"]
    assert all(isinstance(o, Company) for o in changed)
    assert pipedrive.counters.count(route=RECENTS) == 1
    assert (await connection.get("organizations", changed[2].remote_id)).remote_was_deleted


async def test_vendor_errors_arrive_as_the_error_tree(
    connection: interlink.Connection, pipedrive: PipedriveSimulator
) -> None:
    """404 is NotFoundError; a person without a name is a 400, FatalError; an HTTP 200
    envelope with success false is a failure too, never records."""
    with pytest.raises(NotFoundError, match="Person not found") as missing:
        await connection.get("persons", "999999")
    assert missing.value.provider == "pipedrive"
    with pytest.raises(FatalError) as refused:
        await connection.create("persons", {"email_addresses": [{"email_address": "a@x.test"}]})
    assert refused.value.upstream_status == 400
    pipedrive.faults.configure(FaultConfig(error_body_rate=1.0))
    with pytest.raises(FatalError) as enveloped:
        await connection.get("persons", "1")
    assert enveloped.value.upstream_status == 200


async def test_declared_burst_limit_means_no_429_across_120_reads(
    connection: interlink.Connection, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """120 reads against 40 per 2 s: the limiter waits on the clock, Pipedrive never says 429.

    (One after another: the fake clock jumps at every sleep, so concurrent requests
    already admitted would reach the simulator "late", which no limiter can help.)"""
    for i in range(1, 121):
        await connection.get("persons", str(i))
    assert pipedrive.counters.rate_limited == 0
    assert connection.pipeline.stats.rate_limited == 0
    assert connection.pipeline.stats.requests == 120
    assert clock.sleeps  # the 41st read had to wait for the window


async def test_the_token_also_goes_in_the_x_api_token_header(
    pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """The `header` auth method sends the same token as x-api-token; Pipedrive accepts it."""
    token = {"api_token": pipedrive.api_token.value}
    async with open_with_method(pipedrive, clock, "header", token) as conn:
        person = await conn.get("persons", "1")
    assert person.remote_id == "1"


async def test_passthrough_reaches_the_api_paths_only(
    connection: interlink.Connection, pipedrive: PipedriveSimulator
) -> None:
    """A raw v2 listing is allowed; the OAuth token path is not."""
    response = await connection.request("GET", "/api/v2/organizations", params={"limit": 5})
    assert len(response.json()["data"]) == 5
    with pytest.raises(ConfigError, match=r"passthrough\.path"):
        await connection.request("POST", "/oauth/token")
    assert pipedrive.counters.total_requests == 1
