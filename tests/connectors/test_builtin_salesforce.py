"""The built-in Salesforce connector against the Salesforce simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

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
from interlink import ASGITransport, ConfigError, FakeClock, FatalError, NotFoundError, State
from interlink.errors import BudgetExhaustedError
from interlink.http import Request, Response
from interlink.models import Company, Contact
from interlink.ratelimit import Window
from interlink.simulators.salesforce import SalesforceSimulator

RECORDS = 2_100  # more than one query batch (2,000): the walk follows nextRecordsUrl
INSTANCE = {"instance": "acme.my.salesforce.com"}
QUERY_MORE = "GET /services/data/{version}/query/{cursor}"
QUERY_ALL = "GET /services/data/{version}/queryAll"


@pytest.fixture
async def salesforce(clock: FakeClock) -> AsyncIterator[SalesforceSimulator]:
    """A Salesforce org with 2,100 contacts and 2,100 accounts on the fake clock."""
    async with running("salesforce", clock, records=RECORDS) as sim:
        assert isinstance(sim, SalesforceSimulator)
        yield sim


def _connect(sim: SalesforceSimulator, clock: FakeClock) -> interlink.Connection:
    token = sim.default_token.value
    return open_builtin(sim, clock, credentials={"access_token": token}, variables=INSTANCE)


@pytest.fixture
async def connection(
    salesforce: SalesforceSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with _connect(salesforce, clock) as conn:
        yield conn


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_contacts_and_accounts_and_declares_the_daily_allocation() -> None:
    """Contact is crm.contact, Account crm.company, each with every operation but a deleted
    listing (queryAll reports deletions); the org's 15,000 calls per rolling 24 h."""
    spec = builtin_spec("salesforce")
    assert {n: r.model for n, r in spec.resources.items()} == {
        "contacts": "crm.contact",
        "accounts": "crm.company",
    }
    for resource in spec.resources.values():
        assert set(resource.operations) == {
            "list", "incremental", "get", "create", "update", "delete",
        }  # fmt: skip
    assert spec.rate_limits == (Window(15_000, per=86_400),)
    assert spec.variables["instance"].source == "auth"
    assert spec.variables["instance"].field == "instance_url"


def test_contact_rules_are_the_mapping_fixture() -> None:
    """The Contact read and write rules are tests/mapping/fixtures/salesforce.yaml verbatim."""
    fixture, spec = fixture_rules("salesforce"), spec_rules("salesforce", "contacts")
    assert spec["model"] == fixture["model"]
    assert spec["read"] == fixture["read"]
    assert spec["write"] == fixture["write"]


def test_the_fixture_contact_maps_as_the_fixture_mapping_maps_it() -> None:
    """Ada maps alike; custom fields keep her __c fields and the fields the model lacks."""
    by_spec, by_fixture, custom = mapped_like_fixture("salesforce", "contacts")
    assert by_spec == by_fixture
    assert custom == {"Department": "Engineering", "LeadSource": "Web", "Tier__c": "gold"}


@pytest.mark.parametrize("resource", ["contacts", "accounts"])
async def test_a_raw_query_batch_maps_every_record(
    salesforce: SalesforceSimulator, resource: str
) -> None:
    """A query batch straight from the simulator maps and validates, record by record."""
    soql = spec_rules("salesforce", resource)["list"]["params"]["q"]
    body = await fetch_json(
        salesforce,
        f"/services/data/v59.0/query?q={quote(soql)}",
        {"Authorization": f"Bearer {salesforce.default_token.value}"},
    )
    records = map_page("salesforce", resource, body["records"])
    assert len(records) == 2_000
    assert all(r.remote_data["attributes"]["type"] in ("Contact", "Account") for r in records)


# -- through the connection runtime ---------------------------------------------------------


async def test_list_reads_every_contact_across_query_locators(
    connection: interlink.Connection, salesforce: SalesforceSimulator
) -> None:
    """All 2,100 contacts arrive once, as crm.contact with remote_data and custom fields."""
    contacts = [c async for c in connection.list("contacts")]
    assert len({c.remote_id for c in contacts}) == len(contacts) == RECORDS
    first = contacts[0]
    assert isinstance(first, Contact)
    assert first.first_name == first.remote_data["FirstName"]
    assert first.email_addresses[0].email_address == first.remote_data["Email"]
    assert first.account_id == first.remote_data["AccountId"]
    assert first.addresses[0].city == first.remote_data["MailingCity"]
    assert set(first.custom_fields) == {"Department", "LeadSource"}
    assert salesforce.counters.count(route=QUERY_MORE) == 1


async def test_accounts_are_companies(connection: interlink.Connection) -> None:
    """Accounts map to crm.company: industry, size, revenue, billing address; Website and
    Type, which the model lacks, in custom fields."""
    accounts = [a async for a in connection.list("crm.company")]
    assert len(accounts) == RECORDS
    first = accounts[0]
    assert isinstance(first, Company)
    assert first.name == first.remote_data["Name"]
    assert first.number_of_employees == first.remote_data["NumberOfEmployees"]
    assert first.annual_revenue is not None
    assert first.addresses[0].address_type == "BILLING"
    assert set(first.custom_fields) == {"Website", "Type"}


async def test_incremental_listing_queries_all_rows_changed_since_the_watermark(
    connection: interlink.Connection, salesforce: SalesforceSimulator, clock: FakeClock
) -> None:
    """modified_after is a queryAll on SystemModstamp: the two updated contacts and the
    deleted one (IsDeleted, so remote_was_deleted), nothing else."""
    changed = await changed_since_watermark(connection, "contacts", clock, {"title": "Changed"})
    assert [c.title for c in changed[:2]] == ["Changed", "Changed"]
    assert salesforce.counters.count(route=QUERY_ALL) == 1


async def test_create_get_update_delete_round_trip(connection: interlink.Connection) -> None:
    """A created contact (201 {id}) and an update (204) are read back; a deleted one is gone."""
    remote_id = await contact_round_trip(connection, "contacts")
    with pytest.raises(NotFoundError, match="ENTITY_IS_DELETED"):
        await connection.get("contacts", remote_id)


async def test_accounts_are_written_too(connection: interlink.Connection) -> None:
    """An account is created from crm.company fields and updated; its Decimal revenue is sent
    as an exact JSON number and reads back equal."""
    values = {
        "name": "Analytical Engines",
        "number_of_employees": 12,
        "annual_revenue": Decimal("1250000.25"),
    }
    await company_writes(connection, "accounts", values, {"industry": "Computing"})


async def test_accounts_list_incrementally_and_delete(
    connection: interlink.Connection, salesforce: SalesforceSimulator, clock: FakeClock
) -> None:
    """modified_after on accounts is a queryAll too: the two renamed accounts and the deleted
    one (IsDeleted); the deleted account no longer reads."""
    changed = await changed_since_watermark(connection, "accounts", clock, {"name": "Changed"})
    assert [a.name for a in changed[:2]] == ["Changed", "Changed"]
    assert all(isinstance(a, Company) for a in changed)
    assert salesforce.counters.count(route=QUERY_ALL) == 1
    with pytest.raises(NotFoundError, match="ENTITY_IS_DELETED"):
        await connection.get("accounts", changed[2].remote_id)


async def test_vendor_errors_arrive_as_the_error_tree(connection: interlink.Connection) -> None:
    """An unknown id is NotFoundError; a contact without LastName is Salesforce's
    REQUIRED_FIELD_MISSING, a FatalError naming the field."""
    with pytest.raises(NotFoundError) as missing:
        await connection.get("contacts", "003000000000000AAA")
    assert missing.value.provider == "salesforce"
    with pytest.raises(FatalError, match=r"REQUIRED_FIELD_MISSING.*LastName") as refused:
        await connection.create("contacts", {"first_name": "Ada"})
    assert refused.value.upstream_status == 400


async def test_the_daily_allocation_is_never_overrun(
    clock: FakeClock,
) -> None:
    """15,000 calls go through; the 15,001st is refused by the limiter (BudgetExhaustedError)
    before Salesforce would answer 403 REQUEST_LIMIT_EXCEEDED: the org sees none."""
    async with running("salesforce", clock, records=5) as sim, _connect(sim, clock) as conn:
        assert isinstance(sim, SalesforceSimulator)
        for _ in range(15_000):
            await conn.request("GET", "/limits")
        with pytest.raises(BudgetExhaustedError):
            await conn.request("GET", "/limits")
        assert sim.counters.rate_limited == 0
        assert sim.counters.count(status=403) == 0
        assert conn.pipeline.stats.requests == 15_000


async def test_the_oauth_method_gets_a_session_from_the_refresh_token(
    salesforce: SalesforceSimulator, clock: FakeClock
) -> None:
    """The `oauth` method trades the refresh token (client_secret_post) for a session once,
    then reads with it."""
    credentials = {
        "client_id": salesforce.client_id,
        "client_secret": salesforce.client_secret,
        "refresh_token": str(salesforce.default_token.refresh_token),
    }
    async with open_with_method(salesforce, clock, "oauth", credentials, INSTANCE) as conn:
        accounts = [a async for a in conn.list("accounts")]
    assert len(accounts) == RECORDS
    assert salesforce.counters.token_requests == 1


async def test_passthrough_reaches_paths_under_the_api_version_only(
    connection: interlink.Connection, salesforce: SalesforceSimulator
) -> None:
    """/limits is allowed (under /services/data/v59.0); the token endpoint path is not."""
    response = await connection.request("GET", "/limits")
    assert response.json()["DailyApiRequests"]["Max"] == 15_000
    with pytest.raises(ConfigError, match=r"passthrough\.path"):
        await connection.request("POST", "/services/oauth2/token")
    assert salesforce.counters.total_requests == 1


async def test_passthrough_writes_a_decimal_exactly(connection: interlink.Connection) -> None:
    """A raw PATCH whose JSON body holds a Decimal reaches Salesforce as an exact number."""
    account = await connection.create("accounts", {"name": "Difference Engines"})
    await connection.request(
        "PATCH",
        f"/sobjects/Account/{account.remote_id}",
        json={"AnnualRevenue": Decimal("98765.43")},
    )
    read = await connection.get("accounts", account.remote_id)
    assert read.annual_revenue == Decimal("98765.43")  # type: ignore[attr-defined]


# -- the instance from the token answer ------------------------------------------------------


class _Hosts:
    """The simulator's ASGI transport, noting the host of every request it carries."""

    def __init__(self, sim: SalesforceSimulator) -> None:
        self.inner = ASGITransport(sim.app)
        self.seen: list[str] = []

    async def send(self, request: Request) -> Response:
        self.seen.append(urlsplit(request.url).netloc)
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _oauth_credentials(sim: SalesforceSimulator) -> dict[str, str]:
    return {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "refresh_token": str(sim.default_token.refresh_token),
    }


def _oauth(
    sim: SalesforceSimulator, clock: FakeClock, hosts: _Hosts, **options: Any
) -> interlink.Connection:
    return interlink.connect(
        builtin_spec("salesforce"),
        credentials=_oauth_credentials(sim),
        auth_method="oauth",
        state=State.in_process(clock=clock),
        transport=hosts,
        clock=clock,
        **options,
    )


async def test_oauth_credentials_alone_reach_the_instance_the_token_answer_names(
    clock: FakeClock,
) -> None:
    """With no `instance` variable, the token request goes to login.salesforce.com and every
    API call (the listing, query locators, a write, the passthrough) to the host of the
    answer's instance_url; the token is kept in the token set's extras."""
    async with running("salesforce", clock, records=RECORDS, my_domain="globex") as sim:
        assert isinstance(sim, SalesforceSimulator)
        hosts = _Hosts(sim)
        async with _oauth(sim, clock, hosts) as conn:
            contacts = [c async for c in conn.list("contacts")]
            created = await conn.create("accounts", {"name": "Globex"})
            limits = await conn.request("GET", "/limits")
        assert len(contacts) == RECORDS
        assert created.name == "Globex"
        assert limits.request.url.startswith("https://globex.my.salesforce.com/services/data/")
        assert hosts.seen[0] == "login.salesforce.com"
        assert set(hosts.seen[1:]) == {"globex.my.salesforce.com"}
        assert sim.counters.token_requests == 1


async def test_the_explicit_instance_variable_still_wins(
    salesforce: SalesforceSimulator, clock: FakeClock
) -> None:
    """A connection that gives `instance` uses it, with a session token (no token answer at
    all) as with OAuth (the answer's instance_url is then not used)."""
    hosts = _Hosts(salesforce)
    async with _oauth(salesforce, clock, hosts, variables={"instance": "na1.salesforce.com"}) as c:
        await c.request("GET", "/limits")
    assert hosts.seen == ["login.salesforce.com", "na1.salesforce.com"]


def test_a_session_token_without_the_instance_is_refused_at_connect() -> None:
    """The session method has no token answer: `instance` is then required, and the error
    names the variable and the method."""
    with pytest.raises(ConfigError, match=r"variables\.instance.*'session'"):
        interlink.connect("salesforce", credentials={"access_token": "00D!x"})


async def test_the_login_servers_hold_no_org_data(salesforce: SalesforceSimulator) -> None:
    """The simulator, like Salesforce, refuses API calls on login.salesforce.com (401
    INVALID_SESSION_ID) even with a valid session: only the instance serves them."""
    request = Request.build(
        "GET",
        "https://login.salesforce.com/services/data/v59.0/limits",
        headers={"Authorization": f"Bearer {salesforce.default_token.value}"},
    )
    response = await ASGITransport(salesforce.app).send(request)
    assert response.status == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
