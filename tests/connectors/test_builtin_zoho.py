"""The built-in Zoho CRM connector against the Zoho simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from tests.connectors._crmkit import (
    company_writes,
    contact_round_trip,
    fixture_rules,
    map_page,
    mapped_like_fixture,
    now,
    spec_rules,
)
from tests.connectors._simkit import builtin_spec, fetch_json, open_builtin, running

import interlink
from interlink import AuthError, ConfigError, FakeClock, FatalError, NotFoundError
from interlink.errors import BudgetExhaustedError
from interlink.models import Company, Contact
from interlink.ratelimit import Window
from interlink.simulators._faults import FaultConfig
from interlink.simulators.zoho import ZohoSimulator

RECORDS = 2_300  # past the 2,000 records `page` reaches: the walk must use page tokens
LIST = "GET /crm/v6/{module}"


@pytest.fixture
async def zoho(clock: FakeClock) -> AsyncIterator[ZohoSimulator]:
    """A Zoho CRM org with 2,300 contacts and 2,300 accounts on the fake clock."""
    async with running("zoho", clock, records=RECORDS) as sim:
        assert isinstance(sim, ZohoSimulator)
        yield sim


def _connect(sim: ZohoSimulator, clock: FakeClock) -> interlink.Connection:
    return open_builtin(sim, clock, credentials={"access_token": sim.default_token.value})


@pytest.fixture
async def connection(zoho: ZohoSimulator, clock: FakeClock) -> AsyncIterator[interlink.Connection]:
    async with _connect(zoho, clock) as conn:
        yield conn


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_contacts_and_accounts_and_declares_the_credit_allowance() -> None:
    """Contacts are crm.contact, Accounts crm.company, each with every operation; the token
    goes as `Zoho-oauthtoken`; 60,000 credits per rolling 24 h."""
    spec = builtin_spec("zoho")
    assert {n: r.model for n, r in spec.resources.items()} == {
        "contacts": "crm.contact",
        "accounts": "crm.company",
    }
    for resource in spec.resources.values():
        assert set(resource.operations) == {
            "list", "incremental", "deleted", "get", "create", "update", "delete",
        }  # fmt: skip
    assert spec.auth_methods[spec.default_auth].prefix == "Zoho-oauthtoken"
    assert spec.rate_limits == (Window(60_000, per=86_400),)


def test_contact_rules_are_the_mapping_fixture_plus_recycle_bin_deletions() -> None:
    """The Contacts read and write rules are tests/mapping/fixtures/zoho.yaml, with one rule
    added: a recycle-bin entry (it has a deleted_time) is remote_was_deleted."""
    fixture, spec = fixture_rules("zoho"), spec_rules("zoho", "contacts")
    read = dict(spec["read"])
    assert read.pop("remote_was_deleted") == {"expr": "deleted_time != `null`"}
    assert read == fixture["read"]
    assert spec["write"] == fixture["write"]


def test_the_fixture_contact_maps_as_the_fixture_mapping_maps_it() -> None:
    """Ada maps alike; custom fields keep her Tier and the fields the model lacks."""
    by_spec, by_fixture, custom = mapped_like_fixture("zoho", "contacts")
    assert by_spec == by_fixture
    assert custom == {"Department": "Engineering", "Lead_Source": "Web Download", "Tier": "gold"}


@pytest.mark.parametrize("resource", ["contacts", "accounts"])
async def test_a_raw_page_maps_every_record(zoho: ZohoSimulator, resource: str) -> None:
    """A page straight from the simulator, with the spec's fields, maps and validates."""
    module, fields = resource.title(), spec_rules("zoho", resource)["list"]["params"]["fields"]
    body = await fetch_json(
        zoho,
        f"/crm/v6/{module}?fields={fields}&per_page=200",
        {"Authorization": f"Zoho-oauthtoken {zoho.default_token.value}"},
    )
    assert len(map_page("zoho", resource, body["data"])) == 200


# -- through the connection runtime ---------------------------------------------------------


async def test_list_walks_every_contact_by_page_tokens(
    connection: interlink.Connection, zoho: ZohoSimulator
) -> None:
    """All 2,300 contacts arrive once, in 12 pages of 200, as crm.contact with custom fields."""
    contacts = [c async for c in connection.list("contacts")]
    assert len({c.remote_id for c in contacts}) == len(contacts) == RECORDS
    first = contacts[0]
    assert isinstance(first, Contact)
    assert first.name == first.remote_data["Full_Name"]
    assert first.account_id == first.remote_data["Account_Name"]["id"]
    assert first.company_name == first.remote_data["Account_Name"]["name"]
    assert [p.phone_number_type for p in first.phone_numbers] == ["WORK", "MOBILE"]
    assert set(first.custom_fields) == {"Department", "Lead_Source"}
    assert zoho.counters.count(route=LIST) == 12


async def test_accounts_are_companies(connection: interlink.Connection) -> None:
    """Accounts map to crm.company; Website and Account_Type land in custom fields."""
    accounts = [a async for a in connection.list("crm.company")]
    assert len(accounts) == RECORDS
    first = accounts[0]
    assert isinstance(first, Company)
    assert (first.name, first.number_of_employees) == (
        first.remote_data["Account_Name"],
        first.remote_data["Employees"],
    )
    assert set(first.custom_fields) == {"Website", "Account_Type"}


async def test_incremental_listing_sends_if_modified_since(
    connection: interlink.Connection, zoho: ZohoSimulator, clock: FakeClock
) -> None:
    """modified_after is If-Modified-Since: the two contacts updated since; none (Zoho's 304)
    is an empty listing, not an error."""
    ids = [c.remote_id async for c in connection.list("contacts")][:2]
    clock.advance(600)
    watermark = now(clock)
    assert [c async for c in connection.list("contacts", modified_after=watermark)] == []
    assert zoho.counters.count(route=LIST, status=304) == 1
    clock.advance(1)
    for remote_id in ids:
        await connection.update("contacts", remote_id, {"title": "Changed"})
    changed = [c async for c in connection.list("contacts", modified_after=watermark)]
    assert sorted(c.remote_id for c in changed) == sorted(ids)
    assert {c.title for c in changed} == {"Changed"}


async def test_deleted_listing_reads_the_recycle_bin(
    connection: interlink.Connection, zoho: ZohoSimulator
) -> None:
    """An empty bin (Zoho's 204) lists nothing; a deleted contact is then listed, flagged."""
    assert [c async for c in connection.list("contacts", deleted=True)] == []
    remote_id = [c.remote_id async for c in connection.list("contacts")][5]
    await connection.delete("contacts", remote_id)
    (gone,) = [c async for c in connection.list("contacts", deleted=True)]
    assert (gone.remote_id, gone.remote_was_deleted) == (remote_id, True)


async def test_create_get_update_delete_round_trip(connection: interlink.Connection) -> None:
    """Writes go in {data: [...]}; a created or updated record is read back by its id."""
    remote_id = await contact_round_trip(connection, "contacts")
    with pytest.raises(NotFoundError):
        await connection.get("contacts", remote_id)


async def test_accounts_are_written_too(connection: interlink.Connection) -> None:
    """An account is created from crm.company fields and updated; its Decimal revenue is sent
    as an exact JSON number and reads back equal."""
    values = {
        "name": "Analytical Engines",
        "number_of_employees": 12,
        "annual_revenue": Decimal("1250000.25"),
    }
    await company_writes(connection, "accounts", values, {"industry": "ERP"})


async def test_accounts_list_incrementally_deleted_and_delete(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """Accounts: none changed since a watermark is an empty listing; two renamed ones are
    then listed; a deleted one is gone from get and listed, flagged, by deleted=True."""
    ids = [a.remote_id async for a in connection.list("accounts")][:3]
    clock.advance(600)
    watermark = now(clock)
    assert [a async for a in connection.list("accounts", modified_after=watermark)] == []
    assert [a async for a in connection.list("accounts", deleted=True)] == []
    clock.advance(1)
    for remote_id in ids[:2]:
        await connection.update("accounts", remote_id, {"name": "Renamed"})
    changed = [a async for a in connection.list("accounts", modified_after=watermark)]
    assert sorted(a.remote_id for a in changed) == sorted(ids[:2])
    assert {a.name for a in changed} == {"Renamed"}
    await connection.delete("accounts", ids[2])
    with pytest.raises(NotFoundError):
        await connection.get("accounts", ids[2])
    (gone,) = [a async for a in connection.list("accounts", deleted=True)]
    assert (gone.remote_id, gone.remote_was_deleted) == (ids[2], True)
    assert isinstance(gone, Company)


async def test_vendor_errors_arrive_as_the_error_tree(connection: interlink.Connection) -> None:
    """An unknown id (Zoho: 204, no content) is NotFoundError; a contact without Last_Name is
    a 400 MANDATORY_NOT_FOUND, FatalError."""
    with pytest.raises(NotFoundError, match="204 with no data") as missing:
        await connection.get("contacts", "5725767000009999999")
    assert missing.value.provider == "zoho"
    with pytest.raises(FatalError, match="MANDATORY_NOT_FOUND") as refused:
        await connection.create("contacts", {"first_name": "Ada"})
    assert refused.value.upstream_status == 400


async def test_a_bad_token_is_an_auth_error_in_zohos_words(
    zoho: ZohoSimulator, clock: FakeClock
) -> None:
    """A top-level error body (no data[0]) still gives its code: 401 INVALID_TOKEN, AuthError."""
    async with open_builtin(zoho, clock, credentials={"access_token": "1000.x.y"}) as conn:
        with pytest.raises(AuthError, match="INVALID_TOKEN"):
            await conn.get("contacts", "5725767000001000001")


async def test_the_credit_allowance_is_never_overrun(clock: FakeClock) -> None:
    """With a thousandth of the credits (60), the limiter reads Zoho's X-RATELIMIT headers
    and refuses the 61st call itself (BudgetExhaustedError): Zoho never answers 429."""
    faults = FaultConfig(limit_scale=0.001)
    async with running("zoho", clock, records=5, faults=faults) as sim, _connect(sim, clock) as c:
        ids = [r.remote_id async for r in c.list("contacts")]
        for n in range(59):  # one list and 59 gets spend the 60 credits
            await c.get("contacts", ids[n % len(ids)])
        with pytest.raises(BudgetExhaustedError):
            await c.get("contacts", ids[0])
        assert sim.counters.rate_limited == 0
        assert c.pipeline.stats.requests == 60


async def test_passthrough_reaches_module_paths_only(
    connection: interlink.Connection, zoho: ZohoSimulator
) -> None:
    """A raw module listing is allowed; the OAuth token path is not."""
    response = await connection.request(
        "GET", "/Accounts", params={"fields": "Account_Name", "per_page": 3}
    )
    assert len(response.json()["data"]) == 3
    with pytest.raises(ConfigError, match=r"passthrough\.path"):
        await connection.request("POST", "/oauth/v2/token")
    assert zoho.counters.total_requests == 1
