"""Slack Web API simulator: cursors, reads, writes, tokens, tiers, faults, signed events, spec."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from slack_sdk.signature import SignatureVerifier
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app
from interlink.simulators import FaultConfig, SchemaDrift, create_simulator
from interlink.simulators.slack import SlackSimulator

BASE = "https://slack.com"
Json = dict[str, Any]
Receiver = tuple[str, list[tuple[dict[str, str], bytes]]]


@pytest.fixture
async def slack(clock: FakeClock) -> AsyncIterator[SlackSimulator]:
    """A 1,000-member Slack workspace on a fake clock."""
    sim = create_simulator("slack", records=1_000, clock=clock)
    assert isinstance(sim, SlackSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def client(slack: SlackSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client with no credentials (each test says which token it uses)."""
    transport = httpx2.ASGITransport(app=slack.app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def call(client: httpx2.AsyncClient, method: str, token: str | None, **args: Any) -> Json:
    """GET a Web API method, asserting Slack's HTTP 200; returns the JSON body."""
    headers = bearer(token) if token else {}
    response = await client.get(f"/api/{method}", params=args, headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def walk(
    client: httpx2.AsyncClient, method: str, token: str, key: str, clock: FakeClock, **args: Any
) -> list[Json]:
    """Follow response_metadata.next_cursor until it is empty, waiting out 429s as Slack asks
    (Retry-After, on the fake clock); every item of `key`."""
    items: list[Json] = []
    cursor = ""
    for _ in range(10_000):
        response = await client.get(
            f"/api/{method}", params={**args, "cursor": cursor}, headers=bearer(token)
        )
        if response.status_code == 429:
            clock.advance(int(response.headers["retry-after"]))
            continue
        page = response.json()
        assert page["ok"] is True, page
        items.extend(page[key])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("the cursor never ended")


# -- reads ----------------------------------------------------------------------------------


async def test_users_list_walk_finds_every_member_once(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock
) -> None:
    """Following next_cursor with limit=100 visits all 1,000 members once; the last cursor is ""."""
    members = await walk(
        client, "users.list", slack.default_token.value, "members", clock, limit=100
    )
    ids = [m["id"] for m in members]
    assert len(ids) == 1_000 == len(set(ids))
    assert any(m["deleted"] for m in members)  # deactivated members stay listed
    assert all(m["team_id"] == slack.workspace.team_id for m in members)


async def test_cursor_is_slacks_base64_of_the_next_id(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """next_cursor decodes to "user:<next member id>", the shape Slack's cursors have."""
    page = await call(client, "users.list", slack.default_token.value, limit=2)
    cursor = page["response_metadata"]["next_cursor"]
    assert base64.b64decode(cursor).decode().startswith("user:U")
    nxt = await call(client, "users.list", slack.default_token.value, limit=1, cursor=cursor)
    assert f"user:{nxt['members'][0]['id']}" == base64.b64decode(cursor).decode()


async def test_no_limit_sends_everything_up_to_a_point(clock: FakeClock) -> None:
    """users.list without limit returns every member; on a team over 1,000 it is limit_required."""
    for records, expected in ((40, None), (1_001, "limit_required")):
        sim = create_simulator("slack", records=records, clock=clock)
        transport = httpx2.ASGITransport(app=sim.app)
        async with sim, httpx2.AsyncClient(transport=transport, base_url=BASE) as c:
            body = await call(c, "users.list", sim.default_token.value)  # type: ignore[attr-defined]
        if expected is None:
            assert len(body["members"]) == 40
            assert body["response_metadata"]["next_cursor"] == ""
        else:
            assert body == {"ok": False, "error": expected}


async def test_invalid_cursor_and_limit(client: httpx2.AsyncClient, slack: SlackSimulator) -> None:
    """A cursor Slack never issued is invalid_cursor; a non-numeric limit is invalid_limit."""
    token = slack.default_token.value
    assert await call(client, "users.list", token, cursor="bm9wZQ==") == {
        "ok": False, "error": "invalid_cursor"}  # fmt: skip
    assert (await call(client, "users.list", token, limit="lots"))["error"] == "invalid_limit"


async def test_conversations_walk_filters_after_paging(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock
) -> None:
    """conversations.list pages first, filters after: short pages, yet each visible channel once."""
    token = slack.default_token.value
    both = await walk(client, "conversations.list", token, "channels", clock, limit=50,
                      types="public_channel,private_channel")  # fmt: skip
    ids = [c["id"] for c in both]
    assert len(ids) == len(set(ids))
    store = slack.collections["conversations"]
    invisible = sum(
        1
        for i in range(1_000)
        if (r := store.get(store.first_id + i))
        and r.fields["is_private"]
        and not r.fields["is_member"]
    )
    assert len(ids) == 1_000 - invisible
    public = await walk(client, "conversations.list", token, "channels", clock, limit=50)
    assert public
    assert not any(c["is_private"] for c in public)
    live = await walk(client, "conversations.list", token, "channels", clock, limit=50,
                      exclude_archived="true")  # fmt: skip
    assert not any(c["is_archived"] for c in live)
    assert len(live) < len(public)
    assert public[0]["name"] == "general"
    assert public[0]["is_general"] is True


async def test_info_methods_and_not_found(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """*.info reads one; unknown ids are user_not_found / channel_not_found."""
    token = slack.default_token.value
    first = (await call(client, "users.list", token, limit=1))["members"][0]
    one = await call(client, "users.info", token, user=first["id"])
    assert one["user"] == first
    assert await call(client, "users.info", token, user="UZZZZZZZZZ") == {
        "ok": False, "error": "user_not_found"}  # fmt: skip
    channel = (await call(client, "conversations.list", token, limit=1))["channels"][0]
    info = await call(client, "conversations.info", token, channel=channel["id"])
    assert info["channel"]["name"] == "general"
    assert (await call(client, "conversations.info", token, channel="C0"))["error"] == (
        "channel_not_found"
    )


async def test_a_million_members_are_lazy() -> None:
    """A million-member workspace reads its last member and pages from a cursor near the end."""
    sim = create_simulator("slack", records=1_000_000)
    assert isinstance(sim, SlackSimulator)
    transport = httpx2.ASGITransport(app=sim.app)
    async with sim, httpx2.AsyncClient(transport=transport, base_url=BASE) as c:
        last = "U" + format_b36(sim.collections["users"].first_id + 999_999)
        token = sim.default_token.value
        assert (await call(c, "users.info", token, user=last))["user"]["id"] == last
        cursor = base64.b64encode(f"user:{last}".encode()).decode()
        page = await call(c, "users.list", token, limit=100, cursor=cursor)
        assert [m["id"] for m in page["members"]] == [last]
        assert page["response_metadata"]["next_cursor"] == ""


def format_b36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


# -- writes ---------------------------------------------------------------------------------


async def post(client: httpx2.AsyncClient, method: str, token: str, **body: Any) -> httpx2.Response:
    """POST a Web API method with a JSON body, the way Slack's SDKs send writes."""
    return await client.post(f"/api/{method}", json=body, headers=bearer(token))


def channel_where(slack: SlackSimulator, **wanted: Any) -> str:
    """The id of the first generated channel whose fields match."""
    store = slack.collections["conversations"]
    for i in range(store.dataset.size):
        record = store.get(store.first_id + i)
        if record and all(record.fields[k] == v for k, v in wanted.items()):
            return "C" + format_b36(record.id)
    raise AssertionError(f"no channel with {wanted}")


async def test_post_message_creates_a_message(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """chat.postMessage answers channel, a unique ts and the message; counted as a create."""
    channel = channel_where(slack, is_private=False, is_archived=False)
    first = (await post(client, "chat.postMessage", slack.default_token.value,
                        channel=channel, text="Deploy finished")).json()  # fmt: skip
    second = (await post(client, "chat.postMessage", slack.default_token.value,
                         channel=channel, text="Again")).json()  # fmt: skip
    assert first["ok"] is True
    assert first["channel"] == channel
    assert first["message"]["text"] == "Deploy finished"
    assert first["message"]["bot_id"] == slack.workspace.bot_id
    assert first["ts"] != second["ts"]
    assert len(first["ts"].split(".")[1]) == 6
    assert slack.counters.created["messages"] == 2


async def test_post_message_refusals(client: httpx2.AsyncClient, slack: SlackSimulator) -> None:
    """no_text, channel_not_found (unknown, or private without the app), is_archived."""
    token = slack.default_token.value
    public = channel_where(slack, is_private=False, is_archived=False)
    hidden = channel_where(slack, is_private=True, is_member=False)
    archived = channel_where(slack, is_archived=True, is_private=False)
    cases = [
        ({"channel": public}, "no_text"),
        ({"channel": "C404", "text": "x"}, "channel_not_found"),
        ({"channel": hidden, "text": "x"}, "channel_not_found"),
        ({"channel": archived, "text": "x"}, "is_archived"),
    ]
    for body, error in cases:
        response = await post(client, "chat.postMessage", token, **body)
        assert response.status_code == 200
        assert response.json() == {"ok": False, "error": error}
    form = await client.post("/api/chat.postMessage", data={"token": token, "channel": public,
                                                             "text": "via form"})  # fmt: skip
    assert form.json()["ok"] is True
    json_headers = {**bearer(token), "Content-Type": "application/json"}
    broken = await client.post("/api/chat.postMessage", content=b"{nope", headers=json_headers)
    assert broken.json() == {"ok": False, "error": "invalid_json"}


async def test_profile_set_updates_and_advances_updated(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock
) -> None:
    """users.profile.set (user token) changes the profile and moves the member's `updated` to now.

    Slack has no "modified since" filter: a sync re-reads users.list and compares `updated`.
    """
    owner = slack.issue_token("user")
    me = (await call(client, "auth.test", owner.value))["user_id"]
    before = (await call(client, "users.info", owner.value, user=me))["user"]
    clock.advance(3_600)
    changes = {"title": "Chief Simulator", "status_text": "Testing"}
    response = await post(client, "users.profile.set", owner.value, profile=changes)
    assert response.json()["ok"] is True
    assert response.json()["profile"]["title"] == "Chief Simulator"
    after = (await call(client, "users.info", owner.value, user=me))["user"]
    assert after["profile"]["status_text"] == "Testing"
    assert after["updated"] == int(clock.time()) > before["updated"]
    members = await walk(client, "users.list", owner.value, "members", clock, limit=200)
    assert [m for m in members if m["updated"] >= int(clock.time())] == [after]


async def test_profile_set_refusals(client: httpx2.AsyncClient, slack: SlackSimulator) -> None:
    """Bots: not_allowed_token_type; unknown fields: invalid_profile; others': not_admin."""
    bot = await post(client, "users.profile.set", slack.default_token.value, profile={"title": "x"})
    assert bot.json() == {"ok": False, "error": "not_allowed_token_type"}
    owner = slack.issue_token("user").value
    bad = await post(client, "users.profile.set", owner, profile={"favourite_colour": "teal"})
    assert bad.json() == {"ok": False, "error": "invalid_profile"}
    members = slack.collections["users"]
    plain = next(
        r.id for i in range(1, 100)
        if (r := members.get(members.first_id + i))
        and not (r.fields["is_admin"] or r.fields["deleted"] or r.fields["is_bot"])
    )  # fmt: skip
    member = slack.auth.issue("user", user_id=plain).value
    other = await post(client, "users.profile.set", member, user="U" + format_b36(members.first_id),
                       profile={"title": "x"})  # fmt: skip
    assert other.json() == {"ok": False, "error": "not_admin"}


async def test_scim_deactivation_is_slacks_delete(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """SCIM DELETE deactivates: 204, listed with deleted: true, their token account_inactive."""
    members = slack.collections["users"]
    target = next(
        r for i in range(1, 100)
        if (r := members.get(members.first_id + i)) and not r.fields["deleted"]
    )  # fmt: skip
    slack_id = "U" + format_b36(target.id)
    their_token = slack.auth.issue("user", user_id=target.id).value
    admin = slack.issue_token("admin").value
    not_admin = await client.delete(f"/scim/v1/Users/{slack_id}", headers=bearer(their_token))
    assert not_admin.status_code == 403
    assert not_admin.json()["Errors"]["code"] == 403
    response = await client.delete(f"/scim/v1/Users/{slack_id}", headers=bearer(admin))
    assert response.status_code == 204
    info = await call(client, "users.info", slack.default_token.value, user=slack_id)
    assert info["user"]["deleted"] is True
    assert await call(client, "users.list", their_token, limit=1) == {
        "ok": False, "error": "account_inactive"}  # fmt: skip
    missing = await client.delete("/scim/v1/Users/UNOSUCH00", headers=bearer(admin))
    assert missing.status_code == 404


# -- tokens ---------------------------------------------------------------------------------


async def test_auth_failures_are_http_200_with_slack_codes(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """No token: not_authed; an unknown one: invalid_auth; a revoked one: token_revoked."""
    assert await call(client, "users.list", None) == {"ok": False, "error": "not_authed"}
    assert await call(client, "users.list", "xoxb-1-2-nope") == {
        "ok": False, "error": "invalid_auth"}  # fmt: skip
    token = slack.issue_token().value
    assert (await call(client, "auth.revoke", token))["revoked"] is True
    assert await call(client, "users.list", token) == {"ok": False, "error": "token_revoked"}


async def test_token_as_a_form_field(client: httpx2.AsyncClient, slack: SlackSimulator) -> None:
    """The token may come as a `token` argument (query or form) instead of a header."""
    token = slack.default_token.value
    form = await client.post("/api/auth.test", data={"token": token})
    assert form.json()["bot_id"] == slack.workspace.bot_id
    query = await client.get("/api/users.list", params={"token": token, "limit": 1})
    assert query.json()["ok"] is True


async def test_missing_scope_names_needed_and_provided(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """A token without users:read gets missing_scope with `needed` and `provided`."""
    token = slack.auth.issue("bot", scopes=["chat:write"]).value
    body = await call(client, "users.list", token)
    assert body == {"ok": False, "error": "missing_scope", "needed": "users:read",
                    "provided": "chat:write"}  # fmt: skip
    ok = await client.get("/api/users.list", params={"limit": 1},
                          headers=bearer(slack.default_token.value))  # fmt: skip
    assert "users:read" in ok.headers["x-oauth-scopes"]
    assert ok.headers["x-accepted-oauth-scopes"] == "users:read"


async def test_users_read_email_decides_emails(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """Without users:read.email, profiles come without email, as Slack does."""
    token = slack.auth.issue("bot", scopes=["users:read"]).value
    members = (await call(client, "users.list", token, limit=50))["members"]
    assert not any("email" in m["profile"] for m in members)
    full = (await call(client, "users.list", slack.default_token.value, limit=50))["members"]
    assert any("email" in m["profile"] for m in full)


async def test_rotating_token_expires_after_twelve_hours(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock
) -> None:
    """A rotating xoxe.xoxb- token works for 43,200 s, then answers token_expired."""
    token = slack.issue_token("rotating").value
    assert token.startswith("xoxe.xoxb-1-")
    clock.advance(43_199)
    assert (await call(client, "auth.test", token))["ok"] is True
    clock.advance(1)
    assert await call(client, "auth.test", token) == {"ok": False, "error": "token_expired"}


async def test_oauth_code_exchange_and_rotation(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """oauth.v2.access trades a code, then each single-use refresh token, for a new 12-hour pair."""
    creds = {"client_id": slack.client_id, "client_secret": slack.client_secret}
    code = slack.issue_auth_code()
    first = (await client.post("/api/oauth.v2.access", data={"code": code, **creds})).json()
    assert first["ok"] is True
    assert first["token_type"] == "bot"
    assert first["expires_in"] == 43_200
    assert first["refresh_token"].startswith("xoxe-1-")
    assert first["team"]["id"] == slack.workspace.team_id
    assert (await call(client, "auth.test", first["access_token"]))["ok"] is True
    grant = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    basic = httpx2.BasicAuth(slack.client_id, slack.client_secret)
    second = (await client.post("/api/oauth.v2.access", data=grant, auth=basic)).json()
    assert second["ok"] is True
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    again = (await client.post("/api/oauth.v2.access", data={**grant, **creds})).json()
    assert again == {"ok": False, "error": "invalid_refresh_token"}
    wrong = await client.post("/api/oauth.v2.access", data={**grant, "client_id": slack.client_id,
                                                            "client_secret": "nope"})  # fmt: skip
    assert wrong.json() == {"ok": False, "error": "bad_client_secret"}
    assert slack.counters.token_requests == 4


# -- limits and faults ----------------------------------------------------------------------


async def test_tier_two_allows_twenty_a_minute_then_429(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock
) -> None:
    """The 21st users.list in a minute: 429, Retry-After, {"ok": false, "error": "ratelimited"}."""
    token = slack.default_token.value
    for _ in range(20):
        assert (await call(client, "users.list", token, limit=1))["ok"] is True
        clock.advance(1)
    limited = await client.get("/api/users.list", params={"limit": 1}, headers=bearer(token))
    assert limited.status_code == 429
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert int(limited.headers["retry-after"]) == 40  # the first call leaves the window then
    assert (await call(client, "users.info", token, user="U0"))["error"] == "user_not_found"
    assert slack.counters.rate_limited == 1
    clock.advance(40)
    assert (await call(client, "users.list", token, limit=1))["ok"] is True


async def test_post_message_is_limited_per_channel(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock
) -> None:
    """About one message per second per channel: a burst beyond it is 429; other channels not."""
    token = slack.default_token.value
    channel = channel_where(slack, is_private=False, is_archived=False, name="general")
    other = channel_where(slack, name="random")
    statuses = [
        (await post(client, "chat.postMessage", token, channel=channel, text="x")).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert (
        await post(client, "chat.postMessage", token, channel=other, text="x")
    ).status_code == 200
    clock.advance(1)
    assert (
        await post(client, "chat.postMessage", token, channel=channel, text="x")
    ).status_code == 200


async def test_fault_shapes_are_slacks(client: httpx2.AsyncClient, slack: SlackSimulator) -> None:
    """200-with-error is {"ok": false}; an injected 429 carries Retry-After; unknown methods 404."""
    token = slack.default_token.value
    slack.faults.configure(FaultConfig(error_body_rate=1.0))
    body = await call(client, "users.list", token, limit=1)
    assert body == {"ok": False, "error": "internal_error"}
    slack.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await client.get("/api/users.list", headers=bearer(token))
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "30"
    assert limited.json()["error"] == "ratelimited"
    slack.faults.configure("none")
    unknown = await client.get("/api/users.nope", headers=bearer(token))
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "unknown_method"


async def test_schema_drift_rewrites_members(
    client: httpx2.AsyncClient, slack: SlackSimulator
) -> None:
    """Drift renames and adds fields on every member of a users.list page."""
    drift = SchemaDrift(rename={"real_name": "full_name"}, add={"x_new": 1})
    slack.faults.configure(FaultConfig(drift=drift))
    members = (await call(client, "users.list", slack.default_token.value, limit=3))["members"]
    assert all("full_name" in m and "real_name" not in m and m["x_new"] == 1 for m in members)


# -- Events API -----------------------------------------------------------------------------


class _SimClock:
    """slack_sdk's verifier rejects stale timestamps; let it read the simulator's fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.time()


async def test_user_change_event_is_signed_v0(
    client: httpx2.AsyncClient, slack: SlackSimulator, clock: FakeClock,
    webhook_receiver: Receiver,
) -> None:  # fmt: skip
    """X-Slack-Signature = v0= + HMAC-SHA256(signing secret, "v0:{ts}:{body}"); slack_sdk agrees."""
    url, received = webhook_receiver
    slack.webhooks.url = url
    owner = slack.issue_token("user").value
    await post(client, "users.profile.set", owner, profile={"title": "Hooked"})
    await slack.webhooks.flush()
    headers, body = received[0]
    timestamp = headers["x-slack-request-timestamp"]
    assert timestamp == str(int(clock.time()))
    base = f"v0:{timestamp}:".encode() + body
    expected = "v0=" + hmac.new(slack.signing_secret.encode(), base, hashlib.sha256).hexdigest()
    assert headers["x-slack-signature"] == expected
    verifier = SignatureVerifier(slack.signing_secret, clock=_SimClock(clock))  # type: ignore[arg-type]
    assert verifier.is_valid(body, timestamp, headers["x-slack-signature"])
    assert not verifier.is_valid(body + b" ", timestamp, headers["x-slack-signature"])
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback"
    assert envelope["team_id"] == slack.workspace.team_id
    assert envelope["event"]["type"] == "user_change"
    assert envelope["event"]["user"]["profile"]["title"] == "Hooked"
    assert envelope["event_id"].startswith("Ev")


async def test_posted_messages_and_retries(
    client: httpx2.AsyncClient, slack: SlackSimulator,
    webhook_receiver: Receiver,
) -> None:  # fmt: skip
    """A post emits a message event; a duplicate is a retry: X-Slack-Retry-Num, same event_id."""
    url, received = webhook_receiver
    slack.webhooks.url = url
    slack.faults.configure(FaultConfig(webhook_duplicate_rate=1.0))
    channel = channel_where(slack, name="general")
    await post(client, "chat.postMessage", slack.default_token.value, channel=channel, text="hi")
    await slack.webhooks.flush()
    (first_headers, first), (retry_headers, retry) = received
    assert first == retry
    assert "x-slack-retry-num" not in first_headers
    assert retry_headers["x-slack-retry-num"] == "1"
    event = json.loads(first)["event"]
    assert event["type"] == "message"
    assert event["channel"] == channel
    assert event["text"] == "hi"
    assert event["event_ts"] == event["ts"]


# -- the vendor's own OpenAPI description ---------------------------------------------------


def _as_json_schema(node: Any) -> Any:
    """Slack's swagger writes alternatives as `items: [A, B]` on non-arrays; that means anyOf."""
    if isinstance(node, list):
        return [_as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_json_schema(v) for k, v in node.items()}
    if isinstance(node.get("items"), list) and node.get("type") != "array":
        out["anyOf"] = out.pop("items")
    return out


@pytest.fixture(scope="session")
def slack_spec(specs_dir: Path) -> Callable[[str, str, Json], None]:
    """`check(method, "200" | "default", body)`: validate against slack_web_openapi_v2.json."""
    web = json.loads((specs_dir / "slack" / "slack_web_openapi_v2.json").read_text())
    definitions = _as_json_schema(web["definitions"])
    cache: dict[tuple[str, str], jsonschema.Draft4Validator] = {}

    def check(method: str, status: str, body: Json) -> None:
        if (method, status) not in cache:
            operation = next(iter(web["paths"][f"/{method}"].values()))
            schema = _as_json_schema(operation["responses"][status]["schema"])
            cache[method, status] = jsonschema.Draft4Validator(
                {**schema, "definitions": definitions}
            )
        cache[method, status].validate(body)

    return check


async def test_responses_match_slacks_openapi(
    client: httpx2.AsyncClient, slack: SlackSimulator, slack_spec: Callable[[str, str, Json], None]
) -> None:
    """users.*, conversations.*, chat.postMessage, users.profile.set and errors fit Slack's spec."""
    bot, owner = slack.default_token.value, slack.issue_token("user").value
    users = await call(client, "users.list", bot, limit=200)
    slack_spec("users.list", "200", users)
    slack_spec(
        "users.info", "200", await call(client, "users.info", bot, user=users["members"][3]["id"])
    )
    channels = await call(client, "conversations.list", bot, limit=200,
                          types="public_channel,private_channel")  # fmt: skip
    slack_spec("conversations.list", "200", channels)
    channel = channels["channels"][0]["id"]
    slack_spec(
        "conversations.info", "200", await call(client, "conversations.info", bot, channel=channel)
    )
    posted = await post(client, "chat.postMessage", bot, channel=channel, text="spec check")
    slack_spec("chat.postMessage", "200", posted.json())
    profile = await post(client, "users.profile.set", owner, profile={"status_text": "Valid"})
    slack_spec("users.profile.set", "200", profile.json())
    errors = [
        ("users.info", await call(client, "users.info", bot, user="U000NOPE")),
        ("users.list", await call(client, "users.list", bot, cursor="bm9wZQ==")),
        ("conversations.list", await call(client, "conversations.list", "xoxb-bad")),
        ("conversations.info", await call(client, "conversations.info", bot, channel="C0")),
        (
            "chat.postMessage",
            (await post(client, "chat.postMessage", bot, channel="C0", text="x")).json(),
        ),
    ]
    for method, body in errors:
        assert body["ok"] is False
        slack_spec(method, "default", body)


async def test_event_envelope_matches_the_events_spec(
    client: httpx2.AsyncClient, slack: SlackSimulator, specs_dir: Path,
    webhook_receiver: Receiver,
) -> None:  # fmt: skip
    """The event_callback envelope fits GenericEventWrapper of slack_events_api_async_v1.json."""
    spec = json.loads((specs_dir / "slack" / "slack_events_api_async_v1.json").read_text())
    wrapper = spec["components"]["schemas"]["GenericEventWrapper"]
    url, received = webhook_receiver
    slack.webhooks.url = url
    await post(client, "users.profile.set", slack.issue_token("user").value, profile={"title": "E"})
    await slack.webhooks.flush()
    jsonschema.Draft7Validator(wrapper).validate(json.loads(received[0][1]))


def test_listed_by_the_cli() -> None:
    """`interlink simulate --list` names slack and its resources."""
    result = CliRunner().invoke(app, ["simulate", "--list"])
    assert result.exit_code == 0
    assert "slack" in result.output
