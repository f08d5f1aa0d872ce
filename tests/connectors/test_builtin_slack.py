"""The built-in Slack connector against the Slack simulator, in process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tests.connectors._simkit import builtin_spec, fetch_json, open_builtin, running

import interlink
from interlink import (
    AuthError,
    FakeClock,
    NotFoundError,
    PermissionDeniedError,
    ReauthorizationRequired,
    Request,
)
from interlink.auth import TokenSet
from interlink.connectors import HookCall
from interlink.connectors._answers import RecordsCall
from interlink.connectors._envelope import envelope_error
from interlink.connectors.builtin.slack.hooks import changed_since, scim_host
from interlink.models import ChatUser
from interlink.simulators.slack import SlackSimulator

RECORDS = 250
LIST = "GET /api/users.list"
SCIM = "DELETE /scim/v1/Users/{user_id}"


@pytest.fixture
async def slack(clock: FakeClock) -> AsyncIterator[SlackSimulator]:
    """A Slack simulator with 250 members on the fake clock."""
    async with running("slack", clock, records=RECORDS) as sim:
        assert isinstance(sim, SlackSimulator)
        yield sim


def _open(sim: SlackSimulator, clock: FakeClock, token: str) -> interlink.Connection:
    return open_builtin(sim, clock, credentials={"token": token})


@pytest.fixture
async def bot(slack: SlackSimulator, clock: FakeClock) -> AsyncIterator[interlink.Connection]:
    """A connection with the app's bot token: it reads, but cannot edit profiles."""
    async with _open(slack, clock, slack.default_token.value) as conn:
        yield conn


@pytest.fixture
async def admin(slack: SlackSimulator, clock: FakeClock) -> AsyncIterator[interlink.Connection]:
    """A connection with the primary owner's admin user token: it edits and deactivates."""
    async with _open(slack, clock, slack.issue_token("admin").value) as conn:
        yield conn


def _now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


# -- loader level ---------------------------------------------------------------------------


def test_spec_maps_members_to_chat_users_without_a_create() -> None:
    """The spec loads; users map to chat.user; no create, as Slack's Web API has none."""
    users = builtin_spec("slack").resources["users"]
    assert users.model == "chat.user"
    assert set(users.operations) == {"list", "incremental", "get", "update", "delete"}
    assert users.operations["update"].read_back  # users.profile.set answers the profile only


async def test_a_real_page_maps_every_member(slack: SlackSimulator) -> None:
    """A users.list page (bots and deactivated members too) maps with no MappingError."""
    auth = {"Authorization": f"Bearer {slack.default_token.value}"}
    page = await fetch_json(slack, "/api/users.list?limit=200", auth)
    batch = builtin_spec("slack").resources["users"].mapping.read_batch(page["members"], "c")
    assert batch.errors == []
    assert len(batch.records) == 200


def test_changed_since_keeps_members_updated_at_or_after_the_watermark() -> None:
    """The records hook compares `updated` with the watermark; without one it keeps all."""
    members = [{"id": "U1", "updated": 99}, {"id": "U2", "updated": 100}, {"id": "U3"}]
    response = interlink.Response(200, {}, b"", Request.build("GET", "https://slack.com/api/x"))
    since = datetime.fromtimestamp(100, UTC)
    kept = changed_since(RecordsCall("slack", "users", "incremental", members, response, {}, since))
    assert kept == [{"id": "U2", "updated": 100}]
    assert changed_since(RecordsCall("slack", "users", "list", members, response)) == members


def test_scim_host_moves_the_deactivation_to_api_slack_com() -> None:
    """SCIM lives on api.slack.com: the hook changes the host and keeps path and auth."""
    request = Request.build(
        "DELETE", "https://slack.com/scim/v1/Users/U1", headers={"Authorization": "Bearer x"}
    )
    moved = scim_host(HookCall("slack", "users", "delete", request, remote_id="U1"))
    assert moved.url == "https://api.slack.com/scim/v1/Users/U1"
    assert moved.headers == request.headers


# -- through the connection -----------------------------------------------------------------


async def test_list_reads_every_member_once_over_cursors(
    bot: interlink.Connection, slack: SlackSimulator
) -> None:
    """All 250 members arrive once over next_cursor pages; deactivated ones flagged deleted."""
    users = [u async for u in bot.list("users")]
    assert len({u.remote_id for u in users}) == RECORDS
    assert slack.counters.count(route=LIST) == 2  # pages of 200
    assert all(isinstance(u, ChatUser) for u in users)
    deactivated = [u for u in users if u.remote_data and u.remote_data["deleted"]]
    assert deactivated
    assert all(u.remote_was_deleted and u.is_active is False for u in deactivated)
    assert any(u.is_bot for u in users)
    owner = users[0]
    raw = owner.remote_data
    assert raw is not None
    assert (owner.username, owner.timezone) == (raw["name"], raw["tz"])
    assert owner.email_address == raw["profile"]["email"]
    assert owner.custom_fields["first_name"] == raw["profile"]["first_name"]
    assert owner.custom_fields["is_primary_owner"] is True
    assert not any(key.startswith("image_") for key in owner.custom_fields)


async def test_incremental_keeps_only_members_updated_after_the_watermark(
    admin: interlink.Connection, clock: FakeClock
) -> None:
    """Slack has no changed-since: the walk is compared with `updated`; two edits, two members."""
    ids = [u.remote_id async for u in admin.list("users") if not u.remote_was_deleted][1:3]
    clock.advance(3600)
    watermark = _now(clock)
    for remote_id in ids:
        await admin.update("users", remote_id, {"title": "Head of Things"})
    changed = [u async for u in admin.list("users", modified_after=watermark)]
    assert sorted(u.remote_id for u in changed) == sorted(ids)
    assert {u.title for u in changed} == {"Head of Things"}


async def test_get_update_and_deactivate_round_trip(
    admin: interlink.Connection, slack: SlackSimulator, clock: FakeClock
) -> None:
    """A member is read, edited (read back after users.profile.set) and deactivated by SCIM."""
    member = [u async for u in admin.list("users") if not u.remote_was_deleted and not u.is_bot][5]
    fetched = await admin.get("users", member.remote_id)
    assert fetched.id == member.id
    clock.advance(60)
    updated = await admin.update(
        "users", member.remote_id, {"title": "Staff Engineer", "display_name": "ada"}
    )
    assert (updated.title, updated.display_name) == ("Staff Engineer", "ada")
    assert updated.username == member.username  # the whole member, not just the profile
    assert updated.modified_at is not None
    assert member.modified_at is not None
    assert updated.modified_at > member.modified_at
    await admin.delete("users", member.remote_id)
    assert slack.counters.count(route=SCIM, status=204) == 1
    gone = await admin.get("users", member.remote_id)
    assert (gone.remote_was_deleted, gone.is_active) == (True, False)


async def test_ok_false_errors_arrive_as_the_error_tree(bot: interlink.Connection) -> None:
    """HTTP 200 {"ok": false, "error": "user_not_found"} is NotFoundError."""
    with pytest.raises(NotFoundError) as missing:
        await bot.get("users", "UNOSUCHUSER")
    assert (missing.value.provider, missing.value.upstream_status) == ("slack", 200)
    assert "user_not_found" in str(missing.value)


async def test_a_refused_profile_edit_is_an_error_not_a_read_back(
    bot: interlink.Connection, slack: SlackSimulator
) -> None:
    """users.profile.set's ok:false (bots may not edit) raises before any read-back."""
    member = [u async for u in bot.list("users")][1]
    with pytest.raises(PermissionDeniedError, match="not_allowed_token_type"):
        await bot.update("users", member.remote_id, {"title": "Bots cannot"})
    assert slack.counters.count(route="GET /api/users.info") == 0


def test_envelope_error_reads_only_vendors_with_an_envelope() -> None:
    """A 2xx body is checked against success_flag; empty, non-JSON or plain vendors pass."""
    request = Request.build("POST", "https://slack.com/api/users.profile.set")
    contract = builtin_spec("slack").errors

    def answer(content: bytes) -> interlink.Response:
        return interlink.Response(200, {}, content, request)

    refused = envelope_error(contract, answer(b'{"ok":false,"error":"not_admin"}'), provider="s")
    assert isinstance(refused, PermissionDeniedError)
    assert envelope_error(contract, answer(b'{"ok":true}'), provider="s") is None
    assert envelope_error(contract, answer(b""), provider="s") is None
    assert envelope_error(contract, answer(b"<html>"), provider="s") is None
    plain = builtin_spec("github").errors
    assert envelope_error(plain, answer(b'{"ok":false}'), provider="g") is None


async def test_bad_and_revoked_tokens_are_auth_errors(
    slack: SlackSimulator, clock: FakeClock
) -> None:
    """invalid_auth is AuthError; token_revoked needs the user to connect again."""
    async with _open(slack, clock, "xoxb-not-a-token") as conn:
        with pytest.raises(AuthError, match="invalid_auth"):
            await conn.get("users", "U1")
    token = slack.issue_token("bot").value
    slack.tokens.revoke(token)
    async with _open(slack, clock, token) as conn:
        with pytest.raises(ReauthorizationRequired, match="token_revoked"):
            await conn.get("users", "U1")


async def test_tier_limits_pace_more_listings_than_a_minute_allows(
    bot: interlink.Connection, slack: SlackSimulator, clock: FakeClock
) -> None:
    """30 users.list calls, two a second of clock, against Tier 2 (20/min): no 429."""
    started = clock.monotonic()
    for _ in range(15):
        assert len([u async for u in bot.list("users")]) == RECORDS
        clock.advance(2)  # a wait past the limiter's max_wait (60 s) would be an error instead
    assert slack.counters.count(route=LIST) == 30
    assert slack.counters.rate_limited == 0
    assert bot.pipeline.stats.rate_limited == 0
    assert clock.monotonic() - started >= 60.0  # the 21st call waited for the rolling minute


async def test_passthrough_reaches_other_web_api_methods(bot: interlink.Connection) -> None:
    """An allowed method is called with the connection's token; its ok:true answer returned."""
    response = await bot.request("POST", "/api/auth.test")
    assert response.json()["ok"] is True


async def test_passthrough_answer_with_ok_false_is_an_error(bot: interlink.Connection) -> None:
    """A passthrough answered 200 with `ok: false` raises Slack's error, not a success."""
    with pytest.raises(NotFoundError, match="user_not_found"):
        await bot.request("GET", "/api/users.info", params={"user": "U_NOBODY"})


# -- token rotation ---------------------------------------------------------------------------


async def test_rotating_tokens_are_refreshed_and_each_new_refresh_token_persisted(
    slack: SlackSimulator, clock: FakeClock
) -> None:
    """The `rotating` method trades the single-use refresh token at oauth.v2.access for a
    12-hour token, persists each new refresh token before use, refreshes again before the
    token ends, and keeps the answer's team in the token set's extras."""
    _, refresh = slack.auth.install()
    saved: list[TokenSet] = []

    async def persist(tokens: TokenSet) -> None:
        saved.append(tokens)

    credentials = {
        "client_id": slack.client_id,
        "client_secret": slack.client_secret,
        "refresh_token": refresh,
    }
    async with open_builtin(
        slack, clock, credentials=credentials, auth_method="rotating", on_tokens_rotated=persist
    ) as conn:
        first = [u.remote_id async for u in conn.list("users")]
        clock.advance(0.9 * 43_200)  # past 80% of the 12 hours
        await conn.get("users", first[0])
    assert len(first) == RECORDS
    assert slack.counters.token_requests == 2
    assert [t.refresh_token != refresh for t in saved] == [True, True]
    assert saved[0].refresh_token != saved[1].refresh_token
    assert saved[1].extras["team"]["id"] == slack.workspace.team_id


async def test_a_spent_refresh_token_requires_reauthorization(
    slack: SlackSimulator, clock: FakeClock
) -> None:
    """Slack's invalid_refresh_token (a refresh token already spent) means connect again."""
    _, refresh = slack.auth.install()
    slack.auth.rotate(refresh)  # spent elsewhere
    credentials = {
        "client_id": slack.client_id,
        "client_secret": slack.client_secret,
        "refresh_token": refresh,
    }
    async with open_builtin(slack, clock, credentials=credentials, auth_method="rotating") as conn:
        with pytest.raises(ReauthorizationRequired, match="invalid_refresh_token"):
            await conn.get("users", "U0000001")
