"""The built-in Zendesk connector against the Zendesk simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tests.connectors._simkit import builtin_spec, fetch_json, open_builtin, running

import interlink
from interlink import AuthError, FakeClock, FatalError, NotFoundError
from interlink.auth import TokenSet
from interlink.models import Ticket, TicketingUser, TicketPriority, TicketStatus
from interlink.simulators.zendesk import ZendeskSimulator

RECORDS = 250
ADMIN = "user@example.com"
EXPORT = "GET /api/v2/incremental/tickets.json"


@pytest.fixture
async def zendesk(clock: FakeClock) -> AsyncIterator[ZendeskSimulator]:
    """A Zendesk simulator with 250 tickets and 250 users on the fake clock."""
    async with running("zendesk", clock, records=RECORDS) as sim:
        assert isinstance(sim, ZendeskSimulator)
        yield sim


def _open(
    sim: ZendeskSimulator, clock: FakeClock, token: str | None = None
) -> interlink.Connection:
    credentials = {"email": ADMIN, "api_token": token or sim.default_token.value}
    return open_builtin(sim, clock, credentials=credentials, variables={"subdomain": "acme"})


@pytest.fixture
async def connection(
    zendesk: ZendeskSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with _open(zendesk, clock) as conn:
        yield conn


def _now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_tickets_and_users_to_the_ticketing_models() -> None:
    """The spec loads; tickets map to ticketing.ticket and users to ticketing.user."""
    spec = builtin_spec("zendesk")
    assert {name: r.model for name, r in spec.resources.items()} == {
        "tickets": "ticketing.ticket",
        "users": "ticketing.user",
    }
    tickets = spec.resources["tickets"]
    assert set(tickets.operations) == {
        "list", "incremental", "deleted", "get", "create", "update", "delete",
    }  # fmt: skip
    assert set(spec.resources["users"].operations) == {"list", "get"}
    assert tickets.operations["incremental"].endpoint == "export"


@pytest.mark.parametrize(("resource", "path"), [("tickets", "tickets"), ("users", "users")])
async def test_a_real_page_maps_every_record(
    zendesk: ZendeskSimulator, resource: str, path: str
) -> None:
    """A page of the simulator's answer maps record by record with no MappingError."""
    page = await fetch_json(zendesk, f"/api/v2/{path}.json?page[size]=100", zendesk.basic_auth())
    mapping = builtin_spec("zendesk").resources[resource].mapping
    batch = mapping.read_batch(page[path], "conn-1")
    assert batch.errors == []
    assert len(batch.records) == 100
    assert all(r.remote_data is not None for r in mapping.read_models(page[path], "conn-1").records)


# -- through the connection -----------------------------------------------------------------


async def test_list_reads_every_ticket_once_through_cursor_pages(
    connection: interlink.Connection, zendesk: ZendeskSimulator
) -> None:
    """All 250 tickets arrive once each over page[after] cursors, custom fields kept."""
    tickets = [t async for t in connection.list("tickets")]
    assert [t.remote_id for t in tickets] == [str(i) for i in range(1, RECORDS + 1)]
    assert zendesk.counters.count(route="GET /api/v2/tickets.json", status=200) == 3
    first = tickets[0]
    assert isinstance(first, Ticket)
    raw = first.remote_data
    assert raw is not None
    assert first.name == raw["subject"]
    assert first.contact_id == str(raw["requester_id"])
    assert first.custom_fields["custom_fields"] == raw["custom_fields"]  # Zendesk's own list
    assert "group_id" in first.custom_fields
    assert "subject" not in first.custom_fields
    assert {t.status for t in tickets} <= set(TicketStatus)


async def test_users_map_agents_and_end_users(connection: interlink.Connection) -> None:
    """Users become ticketing.user: the admin and agents are agents, the rest end users."""
    users = [u async for u in connection.list("ticketing.user")]
    assert len(users) == RECORDS
    assert all(isinstance(u, TicketingUser) for u in users)
    admin = users[0]
    assert (admin.email_address, admin.is_agent) == (ADMIN, True)
    assert any(not u.is_agent for u in users)
    assert "role" not in users[0].custom_fields
    assert "locale" in users[0].custom_fields


async def test_incremental_export_returns_only_tickets_changed_after_the_watermark(
    connection: interlink.Connection, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """modified_after reads the time-based export from start_time: only the changed tickets."""
    open_ids = [t.remote_id async for t in connection.list("tickets") if t.status != "CLOSED"][:3]
    clock.advance(3600)
    watermark = _now(clock)
    clock.advance(1)
    for remote_id in open_ids:
        await connection.update("tickets", remote_id, {"priority": "URGENT"})
    clock.advance(61)  # the export leaves out the last minute
    changed = [t async for t in connection.list("tickets", modified_after=watermark)]
    assert sorted(t.remote_id for t in changed) == sorted(open_ids)
    assert all(t.priority is TicketPriority.URGENT for t in changed)
    assert zendesk.counters.count(route=EXPORT, status=200) == 1


async def test_a_watermark_younger_than_a_minute_is_moved_back_not_refused(
    connection: interlink.Connection, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """Zendesk answers 422 to a start_time younger than a minute: a sync that ran seconds
    ago starts its export a minute back instead, and the change it made arrives once it is
    a minute old."""
    open_ids = [t.remote_id async for t in connection.list("tickets") if t.status != "CLOSED"]
    open_id = open_ids[0]
    clock.advance(3600)
    watermark = _now(clock)
    await connection.update("tickets", open_id, {"priority": "LOW"})
    clock.advance(20)
    assert [t async for t in connection.list("tickets", modified_after=watermark)] == []
    clock.advance(60)
    changed = [t.remote_id async for t in connection.list("tickets", modified_after=watermark)]
    assert changed == [open_id]
    assert zendesk.counters.count(route=EXPORT, status=422) == 0
    assert zendesk.counters.count(route=EXPORT, status=200) == 2


async def test_incremental_export_walks_every_window_once(
    connection: interlink.Connection, zendesk: ZendeskSimulator
) -> None:
    """A watermark before everything pages through export windows; repeats are dropped."""
    since = datetime(2000, 1, 1, tzinfo=UTC)
    found = [t.remote_id async for t in connection.list("tickets", modified_after=since)]
    assert sorted(found, key=int) == [str(i) for i in range(1, RECORDS + 1)]


async def test_create_read_update_soft_delete_round_trip(
    connection: interlink.Connection, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """A created ticket is read, changed, soft-deleted (404 after) and listed as deleted."""
    created = await connection.create(
        "tickets", {"name": "Printer on fire", "description": "Smoke everywhere",
                    "priority": "HIGH", "tags": ["vip"]},
    )  # fmt: skip
    assert isinstance(created, Ticket)
    assert (created.name, created.description, created.priority) == (
        "Printer on fire", "Smoke everywhere", TicketPriority.HIGH,
    )  # fmt: skip
    assert created.status is TicketStatus.OPEN  # Zendesk files an unassigned ticket as new
    fetched = await connection.get("tickets", created.remote_id)
    assert fetched.id == created.id
    updated = await connection.update("tickets", created.remote_id, {"status": "ON_HOLD"})
    assert updated.status is TicketStatus.ON_HOLD
    assert updated.remote_data is not None
    assert updated.remote_data["status"] == "pending"
    watermark = _now(clock)
    clock.advance(1)
    await connection.delete("tickets", created.remote_id)
    with pytest.raises(NotFoundError):
        await connection.get("tickets", created.remote_id)
    deleted = [t async for t in connection.list("tickets", deleted=True)]
    assert [(t.remote_id, t.remote_was_deleted, t.name) for t in deleted] == [
        (created.remote_id, True, "Printer on fire")
    ]
    assert deleted[0].custom_fields["previous_state"] == "pending"
    clock.advance(61)
    exported = [t async for t in connection.list("tickets", modified_after=watermark)]
    assert [(t.remote_id, t.remote_was_deleted) for t in exported] == [(created.remote_id, True)]


async def test_a_retried_create_with_one_idempotency_key_makes_one_ticket(
    connection: interlink.Connection, zendesk: ZendeskSimulator
) -> None:
    """The key goes in Idempotency-Key: the same create twice returns the first ticket."""
    values = {"name": "Once", "description": "only once"}
    first = await connection.create("tickets", values, idempotency_key="k-1")
    again = await connection.create("tickets", values, idempotency_key="k-1")
    assert again.remote_id == first.remote_id
    assert zendesk.counters.duplicate_creates() == {}


async def test_vendor_errors_arrive_as_the_error_tree(
    connection: interlink.Connection, zendesk: ZendeskSimulator
) -> None:
    """404 RecordNotFound is NotFoundError; a 422 RecordInvalid (no description) is FatalError."""
    with pytest.raises(NotFoundError) as missing:
        await connection.get("tickets", "999999")
    assert missing.value.provider == "zendesk"
    with pytest.raises(FatalError) as invalid:
        await connection.create("tickets", {"name": "No description"})
    assert invalid.value.upstream_status == 422
    assert "RecordInvalid" in str(invalid.value)


async def test_a_closed_ticket_refuses_updates_as_a_fatal_error(
    connection: interlink.Connection,
) -> None:
    """Zendesk's 'Status: closed prevents ticket update' (422) is FatalError, not retried."""
    tickets = [t async for t in connection.list("tickets")]
    closed = [t for t in tickets if t.remote_data and t.remote_data["status"] == "closed"]
    with pytest.raises(FatalError) as refused:
        await connection.update("tickets", closed[0].remote_id, {"name": "Reopen me"})
    assert refused.value.upstream_status == 422
    assert connection.pipeline.stats.requests == 4  # three list pages and one refused PUT


async def test_a_wrong_api_token_is_an_auth_error(
    zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """Zendesk's 401 'Couldn't authenticate you' arrives as AuthError."""
    async with _open(zendesk, clock, token="not-a-token") as conn:
        with pytest.raises(AuthError):
            await conn.get("tickets", "1")


async def test_an_oauth_connection_refreshes_and_hands_over_the_rotated_token(
    zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """The oauth method refreshes at /oauth/tokens; each new single-use token is handed over."""
    grant = zendesk.issue_token("oauth")
    assert grant.refresh_token is not None
    rotated: list[TokenSet] = []

    async def keep(tokens: TokenSet) -> None:
        rotated.append(tokens)

    credentials = {"client_id": zendesk.oauth.client_id,
                   "client_secret": zendesk.oauth.client_secret,
                   "refresh_token": grant.refresh_token}  # fmt: skip
    async with open_builtin(
        zendesk, clock, credentials=credentials, variables={"subdomain": "acme"},
        auth_method="oauth", on_tokens_rotated=keep,
    ) as conn:  # fmt: skip
        assert (await conn.get("tickets", "1")).remote_id == "1"
        clock.advance(3 * 3600)  # past the 2-hour access token
        assert (await conn.get("tickets", "2")).remote_id == "2"
    assert zendesk.counters.token_requests == 2
    assert len({t.refresh_token for t in rotated}) == 2
    assert grant.refresh_token not in {t.refresh_token for t in rotated}


async def test_the_export_limit_paces_more_exports_than_a_minute_allows(
    connection: interlink.Connection, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """Fifteen exports, one a second, against 10 per minute: the limiter waits, no 429."""
    since = datetime.fromtimestamp(clock.time() - 86_400 * 30, UTC)
    started = clock.monotonic()
    for _ in range(15):
        [t async for t in connection.list("tickets", modified_after=since)]
        clock.advance(1)  # a wait past the limiter's max_wait (60 s) would be an error instead
    assert zendesk.counters.rate_limited == 0
    assert connection.pipeline.stats.rate_limited == 0
    assert clock.monotonic() - started >= 60.0  # the 11th export waited for the window


async def test_passthrough_reaches_the_api_with_the_connection_auth(
    connection: interlink.Connection,
) -> None:
    """An allowed raw path is sent with basic auth and answered by Zendesk."""
    response = await connection.request("GET", "/api/v2/users.json", params={"page[size]": 2})
    assert response.status == 200
    assert len(response.json()["users"]) == 2
