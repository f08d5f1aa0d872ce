"""Zendesk Support: pagination, incremental exports, writes, auth, limits, faults, webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import orjson
import pytest
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app as cli_app
from interlink.simulators import FaultConfig, SchemaDrift, create_simulator
from interlink.simulators.zendesk import ADMIN_EMAIL, ZendeskSimulator

BASE = "https://d3v-interlink.zendesk.com"
TICKETS = "/api/v2/tickets.json"
EXPORT = "/api/v2/incremental/tickets.json"
CURSOR_EXPORT = "/api/v2/incremental/tickets/cursor.json"
FIRST_USER = 361_000_000_001
NOT_AUTHENTICATED = {"error": "Couldn't authenticate you"}
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed "
    "or invalid for other reasons.",
}


@pytest.fixture
async def zendesk(clock: FakeClock) -> AsyncIterator[ZendeskSimulator]:
    """A 1,000-ticket, 1,000-user Zendesk on a fake clock."""
    sim = create_simulator("zendesk", records=1_000, clock=clock)
    assert isinstance(sim, ZendeskSimulator)
    async with sim:
        yield sim


def _client(sim: ZendeskSimulator, headers: dict[str, str] | None = None) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=sim.app)
    return httpx2.AsyncClient(transport=transport, base_url=BASE, headers=headers)


@pytest.fixture
async def api(zendesk: ZendeskSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client with `user@example.com/token:API_TOKEN` basic auth."""
    async with _client(zendesk, zendesk.basic_auth()) as c:
        yield c


@pytest.fixture
async def bare(zendesk: ZendeskSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A client without credentials."""
    async with _client(zendesk) as c:
        yield c


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def walk_cursor(api: httpx2.AsyncClient, path: str, key: str) -> list[dict[str, Any]]:
    """Follow links.next while meta.has_more; every record."""
    found: list[dict[str, Any]] = []
    url: str | None = f"{path}?page[size]=100"
    while url:
        page = (await api.get(url)).json()
        found.extend(page[key])
        url = page["links"]["next"] if page["meta"]["has_more"] else None
    return found


def editable(sim: ZendeskSimulator, count: int = 1) -> list[int]:
    """Ids of generated tickets that are not closed (a closed ticket refuses updates)."""
    tickets = sim.collections["tickets"]
    found = [i for i in range(1, 200) if (t := tickets.get(i)) and t.fields["status"] != "closed"]
    return found[:count]


async def export_by_time(
    api: httpx2.AsyncClient, params: dict[str, Any], clock: FakeClock
) -> list[list[int]]:
    """The ticket ids of each page of a time-based export, following next_page (each request
    6 s after the last, to stay under the export's 10 requests a minute)."""
    pages: list[list[int]] = []
    url = str(httpx2.URL(EXPORT, params=params))
    while True:
        clock.advance(6)
        response = await api.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(body["tickets"])
        pages.append([t["id"] for t in body["tickets"]])
        if body["end_of_stream"]:
            return pages
        url = body["next_page"]


async def export_by_cursor(
    api: httpx2.AsyncClient, params: dict[str, Any], clock: FakeClock
) -> tuple[list[int], str]:
    """Every ticket id of a cursor-based export, and the after_cursor to poll with next."""
    ids: list[int] = []
    url = str(httpx2.URL(CURSOR_EXPORT, params=params))
    while True:
        clock.advance(6)
        body = (await api.get(url)).json()
        ids.extend(t["id"] for t in body["tickets"])
        if body["end_of_stream"]:
            return ids, body["after_cursor"]
        url = body["after_url"]


# -- lists ---------------------------------------------------------------------------------


async def test_cursor_walk_finds_every_ticket_and_user_once(api: httpx2.AsyncClient) -> None:
    """Following links.next with page[size]=100 visits each ticket and user once, in id order."""
    for path, key in ((TICKETS, "tickets"), ("/api/v2/users.json", "users")):
        ids = [r["id"] for r in await walk_cursor(api, path, key)]
        assert len(ids) == 1_000
        assert ids == sorted(set(ids))


async def test_cursor_page_shape_and_going_back(api: httpx2.AsyncClient) -> None:
    """A page carries meta {has_more, after_cursor, before_cursor} and links; prev goes back."""
    first = (await api.get(TICKETS, params={"page[size]": 3})).json()
    assert [t["id"] for t in first["tickets"]] == [1, 2, 3]
    assert set(first["meta"]) == {"has_more", "after_cursor", "before_cursor"}
    assert first["meta"]["has_more"] is True
    assert "page%5Bafter%5D=" in first["links"]["next"] or "page[after]=" in first["links"]["next"]
    second = (await api.get(first["links"]["next"])).json()
    assert [t["id"] for t in second["tickets"]] == [4, 5, 6]
    back = (await api.get(second["links"]["prev"])).json()
    assert [t["id"] for t in back["tickets"]] == [1, 2, 3]
    ticket = first["tickets"][0]
    assert ticket["url"] == f"{BASE}/api/v2/tickets/1.json"
    assert ticket["updated_at"].endswith("Z")
    assert len(ticket["updated_at"]) == 20
    assert isinstance(ticket["generated_timestamp"], int)
    assert ticket["status"] in {"new", "open", "pending", "hold", "solved", "closed"}


async def test_page_size_over_100_is_a_400_naming_it(api: httpx2.AsyncClient) -> None:
    """page[size]=101 is a 400 InvalidPaginationParameter naming page[size]."""
    response = await api.get(TICKETS, params={"page[size]": 101})
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidPaginationParameter"
    assert "page[size]" in response.json()["description"]
    garbage = await api.get(TICKETS, params={"page[size]": 10, "page[after]": "nope"})
    assert garbage.status_code == 400
    assert "page[after]" in garbage.json()["description"]


async def test_offset_pagination_and_its_10000_record_cap(api: httpx2.AsyncClient) -> None:
    """Without page[size]: 100 per page, next_page/previous_page/count; past 10,000 is a 400."""
    page = (await api.get(TICKETS, params={"page": 2})).json()
    assert [t["id"] for t in page["tickets"]][:2] == [101, 102]
    assert page["count"] == 1_000
    assert "page=3" in page["next_page"]
    assert "page=1" in page["previous_page"]
    assert (await api.get(TICKETS, params={"page": 10})).json()["next_page"] is None
    capped = await api.get(TICKETS, params={"page": 101})
    assert capped.status_code == 400
    assert "10,000" in capped.json()["description"]


async def test_show_ticket_and_user_and_not_found(api: httpx2.AsyncClient) -> None:
    """GET one is {"ticket": ...}; unknown ids are 404 RecordNotFound, bad paths InvalidEndpoint."""
    ticket = (await api.get("/api/v2/tickets/7.json")).json()["ticket"]
    assert ticket["id"] == 7
    assert (await api.get("/api/v2/tickets/7")).json()["ticket"] == ticket  # .json optional
    user = (await api.get(f"/api/v2/users/{FIRST_USER}.json")).json()["user"]
    assert user["email"] == ADMIN_EMAIL
    assert user["role"] == "admin"
    missing = await api.get("/api/v2/tickets/99999.json")
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}
    nowhere = await api.get("/api/v2/nothing.json")
    assert nowhere.json() == {"error": "InvalidEndpoint", "description": "Not found"}


async def test_a_million_tickets_are_lazy() -> None:
    """A million-ticket simulator reads the last ticket and pages near the end at once."""
    sim = create_simulator("zendesk", records=1_000_000)
    assert isinstance(sim, ZendeskSimulator)
    async with _client(sim, sim.basic_auth()) as c:
        assert (await c.get("/api/v2/tickets/1000000.json")).status_code == 200
        page = (await c.get(TICKETS, params={"page[size]": 100})).json()
        last = (await c.get(page["links"]["next"])).json()
        assert last["tickets"][0]["id"] == 101
        start = int(sim.collections["tickets"].dataset.modified_at(999_990))
        tail = (await c.get(EXPORT, params={"start_time": start})).json()
        assert [t["id"] for t in tail["tickets"]] == list(range(999_991, 1_000_001))
    await sim.aclose()


# -- incremental exports -------------------------------------------------------------------


def _modified_since(sim: ZendeskSimulator, start: int) -> set[int]:
    """Brute force: live ticket ids whose generated_timestamp is >= start."""
    tickets = sim.collections["tickets"]
    ids = set()
    for tid in range(1, tickets.first_id + tickets.dataset.size + 20):
        rec = tickets.get(tid)
        if rec is not None and int(rec.modified_at) >= start:
            ids.add(tid)
    return ids


async def test_time_export_is_exact_after_changes(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """start_time returns exactly the tickets whose generated_timestamp >= it, changes included."""
    start = int(zendesk.collections["tickets"].dataset.modified_at(900))
    [five] = editable(zendesk)
    await api.put(f"/api/v2/tickets/{five}.json", json={"ticket": {"priority": "urgent"}})
    created = (await api.post(TICKETS, json={"ticket": {"comment": {"body": "hi"}}})).json()
    clock.advance(61)  # the export hides the last minute
    pages = await export_by_time(api, {"start_time": start}, clock)
    ids = {i for page in pages for i in page}
    assert ids == _modified_since(zendesk, start)
    assert {five, created["ticket"]["id"]} <= ids
    assert five - 1 not in ids


async def test_time_export_pages_repeat_the_boundary_second(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """next_page starts at end_time, so tickets sharing that second come again, as documented."""
    clock.advance(100)
    early = (await api.post(TICKETS, json={"ticket": {"comment": "early"}})).json()["ticket"]
    clock.advance(10)
    same = [(await api.post(TICKETS, json={"ticket": {"comment": f"c{n}"}})).json()["ticket"]
            for n in range(3)]  # fmt: skip
    clock.advance(120)
    start = early["generated_timestamp"]
    pages = await export_by_time(api, {"start_time": start, "per_page": 2}, clock)
    flat = [i for page in pages for i in page]
    assert set(flat) == {early["id"], *(t["id"] for t in same)}
    assert flat.count(same[0]["id"]) == 2  # on page 1 and again on page 2
    response = (await api.get(EXPORT, params={"start_time": start, "per_page": 2})).json()
    assert response["end_time"] == same[0]["generated_timestamp"]
    assert f"start_time={response['end_time']}" in response["next_page"]


async def test_time_export_hides_the_last_minute(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """A change is invisible to the export for its first minute, then shows up."""
    start = int(clock.time()) - 3_600
    [nine] = editable(zendesk)
    await api.put(f"/api/v2/tickets/{nine}.json", json={"ticket": {"subject": "fresh"}})
    clock.advance(50)  # the export helper waits 6 s more: 56 s old
    assert nine not in [
        i for p in await export_by_time(api, {"start_time": start}, clock) for i in p
    ]
    clock.advance(5)
    assert nine in [i for p in await export_by_time(api, {"start_time": start}, clock) for i in p]


async def test_export_start_time_errors(api: httpx2.AsyncClient, clock: FakeClock) -> None:
    """No start_time is a 400; one within the last minute is a 422 "Too recent start_time"."""
    missing = await api.get(EXPORT)
    assert missing.status_code == 400
    assert "start_time" in missing.json()["description"]
    recent = await api.get(EXPORT, params={"start_time": int(clock.time()) - 10})
    assert recent.status_code == 422
    assert recent.json()["description"].startswith("Too recent start_time")


async def test_cursor_export_has_no_duplicates_and_resumes(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """after_cursor walks each ticket once; polling it later returns only what changed since."""
    start = int(zendesk.collections["tickets"].dataset.modified_at(700))
    for n in range(3):
        await api.post(TICKETS, json={"ticket": {"comment": f"same second {n}"}})
    clock.advance(61)
    ids, cursor = await export_by_cursor(api, {"start_time": start, "per_page": 7}, clock)
    assert len(ids) == len(set(ids)) == len(_modified_since(zendesk, start))
    assert (await api.get(CURSOR_EXPORT, params={"cursor": cursor})).json()["tickets"] == []
    [three] = editable(zendesk)
    await api.put(f"/api/v2/tickets/{three}.json", json={"ticket": {"status": "solved"}})
    clock.advance(61)
    later, _ = await export_by_cursor(api, {"cursor": cursor}, clock)
    assert later == [three]
    page = (await api.get(CURSOR_EXPORT, params={"start_time": start})).json()
    assert set(page) == {"tickets", "after_url", "after_cursor", "before_url", "before_cursor",
                         "end_of_stream"}  # fmt: skip


async def test_deleted_tickets_in_export_and_deleted_tickets_list(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """A soft-deleted ticket: 404, listed in deleted_tickets, exported with status "deleted"."""
    before = (await api.get("/api/v2/tickets/12.json")).json()["ticket"]
    clock.advance(5)
    assert (await api.delete("/api/v2/tickets/12.json")).status_code == 204
    assert (await api.get("/api/v2/tickets/12.json")).status_code == 404
    assert (await api.delete("/api/v2/tickets/12.json")).status_code == 404
    deleted = (await api.get("/api/v2/deleted_tickets.json")).json()
    assert deleted["count"] == 1
    row = deleted["deleted_tickets"][0]
    assert row["id"] == 12
    assert row["previous_state"] == before["status"]
    assert row["actor"]["id"] == FIRST_USER
    assert row["deleted_at"].endswith("Z")
    cursor_page = (await api.get("/api/v2/deleted_tickets.json", params={"page[size]": 5})).json()
    assert [r["id"] for r in cursor_page["deleted_tickets"]] == [12]
    clock.advance(61)
    start = int(clock.time()) - 600
    exported = (await api.get(EXPORT, params={"start_time": start})).json()["tickets"]
    assert [(t["id"], t["status"]) for t in exported] == [(12, "deleted")]
    hidden = await api.get(EXPORT, params={"start_time": start, "exclude_deleted": "true"})
    assert hidden.json()["tickets"] == []
    ids = [t["id"] for t in await walk_cursor(api, TICKETS, "tickets")]
    assert 12 not in ids
    assert len(ids) == 999


# -- writes --------------------------------------------------------------------------------


async def test_create_ticket(api: httpx2.AsyncClient, zendesk: ZendeskSimulator) -> None:
    """POST {"ticket": ...} is a 201 with the ticket, an audit and a Location; status is "new"."""
    response = await api.post(TICKETS, json={"ticket": {
        "subject": "Printer on fire", "comment": {"body": "It is very colourful."},
        "priority": "urgent", "tags": ["fire"],
    }})  # fmt: skip
    assert response.status_code == 201
    ticket = response.json()["ticket"]
    assert ticket["id"] == 1_001
    assert (ticket["subject"], ticket["description"]) == (
        "Printer on fire",
        "It is very colourful.",
    )
    assert (ticket["status"], ticket["priority"], ticket["tags"]) == ("new", "urgent", ["fire"])
    assert ticket["requester_id"] == FIRST_USER
    assert response.json()["audit"]["ticket_id"] == 1_001
    assert response.headers["location"].endswith("/api/v2/tickets/1001.json")
    assert zendesk.counters.created["tickets"] == 1


async def test_invalid_tickets_are_422_record_invalid(api: httpx2.AsyncClient) -> None:
    """No comment, or a wrong priority, is a 422 RecordInvalid naming the field in details."""
    blank = await api.post(TICKETS, json={"ticket": {"subject": "no body"}})
    assert blank.status_code == 422
    assert blank.json() == {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {
            "base": [{"description": "Description: cannot be blank", "error": "BlankValue"}]
        },
    }
    wrong = await api.post(TICKETS, json={"ticket": {"comment": "x", "priority": "asap"}})
    assert wrong.status_code == 422
    assert "asap" in wrong.json()["details"]["priority"][0]["description"]


async def test_bad_bodies_are_400s_in_zendesks_shape(api: httpx2.AsyncClient) -> None:
    """Malformed JSON or a body without "ticket" is a 400 {"error", "description"} saying why."""
    broken = await api.post(TICKETS, content=b"{nope", headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["description"].startswith("Invalid input JSON")
    rootless = await api.post(TICKETS, json={"subject": "x"})
    assert rootless.status_code == 400
    assert '"ticket"' in rootless.json()["description"]


async def test_update_advances_updated_at_and_closed_tickets_refuse(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """PUT moves updated_at/generated_timestamp to now; a closed ticket cannot be updated (422)."""
    [tid] = editable(zendesk)
    path = f"/api/v2/tickets/{tid}.json"
    before = (await api.get(path)).json()["ticket"]
    clock.advance(3_600)
    response = await api.put(path, json={"ticket": {"status": "closed"}})
    after = response.json()["ticket"]
    assert response.status_code == 200
    assert after["status"] == "closed"
    assert after["generated_timestamp"] == int(clock.time()) > before["generated_timestamp"]
    assert after["updated_at"] > before["updated_at"]
    again = await api.put(path, json={"ticket": {"status": "open"}})
    assert again.status_code == 422
    assert again.json()["details"]["status"][0]["description"] == (
        "Status: closed prevents ticket update"
    )


async def test_safe_update_refuses_a_stale_stamp(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """`safe_update` with the ticket's updated_at updates; with an older stamp it is a 409
    UpdateConflict in Zendesk's words and changes nothing; without a stamp it is not checked;
    a stamp that is not a time is a 400 naming it."""
    [tid] = editable(zendesk)
    path = f"/api/v2/tickets/{tid}.json"
    stamp = (await api.get(path)).json()["ticket"]["updated_at"]
    clock.advance(60)
    ok = await api.put(path, json={"ticket": {"subject": "A", "safe_update": True,
                                              "updated_stamp": stamp}})  # fmt: skip
    assert ok.status_code == 200, ok.text
    newer = ok.json()["ticket"]["updated_at"]
    assert newer > stamp
    clock.advance(60)
    stale = await api.put(path, json={"ticket": {"subject": "B", "safe_update": True,
                                                 "updated_stamp": stamp}})  # fmt: skip
    assert stale.status_code == 409
    assert stale.json() == {
        "error": "UpdateConflict",
        "description": "Safe Update prevented the update due to outdated ticket data. "
        "Please fetch the latest ticket data and try again.",
    }
    current = (await api.get(path)).json()["ticket"]
    assert (current["subject"], current["updated_at"]) == ("A", newer)
    unchecked = await api.put(path, json={"ticket": {"subject": "C", "safe_update": True}})
    assert unchecked.status_code == 200
    garbled = await api.put(path, json={"ticket": {"safe_update": True, "updated_stamp": "soon"}})
    assert garbled.status_code == 400
    assert "'soon'" in garbled.json()["description"]


async def test_idempotency_key_creates_once(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator
) -> None:
    """A retried create with the same Idempotency-Key returns the first ticket; counters agree."""
    body = {"ticket": {"comment": "once only"}}
    key = {"Idempotency-Key": "k-1"}
    first = await api.post(TICKETS, json=body, headers=key)
    retry = await api.post(TICKETS, json=body, headers=key)
    assert retry.json()["ticket"]["id"] == first.json()["ticket"]["id"]
    assert (first.headers["x-idempotency-lookup"], retry.headers["x-idempotency-lookup"]) == (
        "miss",
        "hit",
    )
    other = await api.post(TICKETS, json={"ticket": {"comment": "else"}}, headers=key)
    assert other.status_code == 400
    assert other.json()["error"] == "IdempotentRequestError"
    assert zendesk.counters.created_by_idempotency_key == {"k-1": 1}
    assert zendesk.counters.duplicate_creates() == {}


# -- auth ----------------------------------------------------------------------------------


async def test_basic_auth_failures_are_couldnt_authenticate_you(
    bare: httpx2.AsyncClient, zendesk: ZendeskSimulator
) -> None:
    """Missing, wrong-token, wrong-email, password and revoked credentials: 401, same body."""
    token = zendesk.issue_token()
    revoked = zendesk.issue_token()
    zendesk.tokens.revoke(revoked.value)
    cases = [
        {},
        basic(f"{ADMIN_EMAIL}/token", "not-a-token"),
        basic("someone@else.com/token", token.value),
        basic(ADMIN_EMAIL, token.value),  # password auth is off for the API
        basic(f"{ADMIN_EMAIL}/token", revoked.value),
    ]
    for headers in cases:
        response = await bare.get(TICKETS, headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == NOT_AUTHENTICATED
        assert response.headers["www-authenticate"].startswith("Basic")
    assert (await bare.get(TICKETS, headers=basic(f"{ADMIN_EMAIL}/token", token.value))).is_success


async def test_oauth_bearer_valid_expired_revoked_unknown(
    bare: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """OAuth works for 2 hours; expired, revoked, unknown or API-token bearers get invalid_token."""
    token = zendesk.issue_token("oauth")
    revoked = zendesk.issue_token("oauth")
    zendesk.tokens.revoke(revoked.value)
    assert (await bare.get(TICKETS, headers=bearer(token.value))).status_code == 200
    for value in (revoked.value, "unknown", zendesk.default_token.value):
        response = await bare.get(TICKETS, headers=bearer(value))
        assert (response.status_code, response.json()) == (401, INVALID_TOKEN)
    clock.advance(7_200)
    expired = await bare.get(TICKETS, headers=bearer(token.value))
    assert (expired.status_code, expired.json()) == (401, INVALID_TOKEN)
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]


async def test_oauth_token_endpoint_rotates_refresh_tokens(
    bare: httpx2.AsyncClient, zendesk: ZendeskSimulator
) -> None:
    """POST /oauth/tokens trades a code, then a refresh token once (it rotates); OAuth errors."""
    client = {"client_id": zendesk.oauth.client_id, "client_secret": zendesk.oauth.client_secret}
    code = zendesk.issue_auth_code()
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://x/cb"}
    first = (await bare.post("/oauth/tokens", json={**grant, **client})).json()
    assert (first["token_type"], first["expires_in"]) == ("bearer", 7_200)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **client}
    second = await bare.post("/oauth/tokens", data=refresh)  # form-encoded works too
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert (await bare.get(TICKETS, headers=bearer(second.json()["access_token"]))).is_success
    reused = await bare.post("/oauth/tokens", data=refresh)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    wrong = await bare.post("/oauth/tokens", json={**refresh, "client_secret": "x"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    odd = await bare.post("/oauth/tokens", json={"grant_type": "password", **client})
    assert (odd.status_code, odd.json()["error"]) == (400, "unsupported_grant_type")
    assert zendesk.counters.token_requests == 5


# -- limits --------------------------------------------------------------------------------


async def test_the_701st_request_in_a_minute_is_429(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, clock: FakeClock
) -> None:
    """700 per minute (Enterprise): headers count down; the 701st is Zendesk's plain-text 429."""
    clock.advance(60 - clock.time() % 60)  # the start of a minute window
    responses = [await api.get("/api/v2/tickets/1.json") for _ in range(701)]
    assert [r.headers["x-rate-limit-remaining"] for r in responses[:3]] == ["699", "698", "697"]
    assert responses[0].headers["ratelimit-limit"] == responses[0].headers["x-rate-limit"] == "700"
    assert responses[0].headers["ratelimit-reset"] == "60"
    limited = responses[700]
    assert limited.status_code == 429
    assert limited.text == "Number of allowed API requests per minute exceeded"
    assert limited.headers["content-type"].startswith("text/plain")
    assert limited.headers["retry-after"] == "60"
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert zendesk.counters.rate_limited == 1
    clock.advance(60)
    assert (await api.get("/api/v2/tickets/1.json")).status_code == 200


async def test_the_11th_export_in_a_minute_is_429(
    api: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """Incremental exports allow 10 requests a minute; the 11th is a 429 with Retry-After."""
    clock.advance(60 - clock.time() % 60 + 15)
    start = int(clock.time()) - 86_400
    statuses = [
        (await api.get(EXPORT, params={"start_time": start})).status_code for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    limited = await api.get(CURSOR_EXPORT, params={"start_time": start})
    assert limited.text == "Number of allowed incremental export API requests per minute exceeded"
    assert limited.headers["retry-after"] == "45"
    assert (await api.get(TICKETS)).status_code == 200  # the account limit is not spent


# -- faults --------------------------------------------------------------------------------


async def test_faults_take_zendesks_shapes(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator
) -> None:
    """Injected 429 is plain text with Retry-After; 200-with-error is {"error", "description"}."""
    zendesk.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await api.get(TICKETS)
    assert (limited.status_code, limited.text) == (
        429,
        "Number of allowed API requests per minute exceeded",
    )
    assert limited.headers["retry-after"] == "60"
    zendesk.faults.configure(FaultConfig(error_body_rate=1.0))
    odd = await api.get(TICKETS)
    assert odd.status_code == 200
    assert set(odd.json()) == {"error", "description"}
    zendesk.faults.configure(FaultConfig(error_rates={503: 1.0}))
    assert (await api.get(TICKETS)).json()["error"] == "ServiceUnavailable"


async def test_schema_drift_rewrites_tickets(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator
) -> None:
    """Drift renames and adds ticket attributes in lists and single reads."""
    drift = SchemaDrift(rename={"subject": "title"}, add={"new_attr": 1})
    zendesk.faults.configure(FaultConfig(drift=drift))
    listed = (await api.get(TICKETS, params={"page[size]": 2})).json()["tickets"]
    one = (await api.get("/api/v2/tickets/1.json")).json()["ticket"]
    for ticket in (*listed, one):
        assert "subject" not in ticket
        assert "title" in ticket
        assert ticket["new_attr"] == 1
    assert "meta" in (await api.get(TICKETS, params={"page[size]": 2})).json()


# -- webhooks ------------------------------------------------------------------------------


async def test_webhooks_are_signed_the_zendesk_way(
    api: httpx2.AsyncClient, zendesk: ZendeskSimulator, webhook_receiver: Any
) -> None:
    """One event a request, X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, ts+body))."""
    zendesk.webhooks.url, received = webhook_receiver
    created = (await api.post(TICKETS, json={"ticket": {"comment": "hook"}})).json()["ticket"]
    await api.put(f"/api/v2/tickets/{created['id']}.json", json={"ticket": {"status": "solved"}})
    await api.delete(f"/api/v2/tickets/{created['id']}.json")
    await zendesk.webhooks.flush()
    assert len(received) == 3
    for headers, body in received:
        timestamp = headers["x-zendesk-webhook-signature-timestamp"]
        digest = hmac.new(
            zendesk.signing_secret.encode(), timestamp.encode() + body, hashlib.sha256
        ).digest()
        assert headers["x-zendesk-webhook-signature"] == base64.b64encode(digest).decode()
        assert headers["x-zendesk-webhook-id"] == zendesk.webhook_id
        assert timestamp.endswith("Z")
        assert "T" in timestamp
    events = [orjson.loads(body) for _, body in received]
    assert [e["type"] for e in events] == [
        "zen:event-type:ticket.created",
        "zen:event-type:ticket.status_changed",
        "zen:event-type:ticket.soft_deleted",
    ]
    assert events[0]["subject"] == f"zen:ticket:{created['id']}"
    assert events[0]["detail"]["id"] == str(created["id"])
    assert events[1]["event"] == {"current": "solved", "previous": "new"}
    assert len({e["id"] for e in events}) == 3
    assert zendesk.counters.webhook_deliveries == 3


# -- counters, registry, benchmark hook ----------------------------------------------------


async def test_counters_see_routes_statuses_and_limits(
    api: httpx2.AsyncClient, bare: httpx2.AsyncClient, zendesk: ZendeskSimulator
) -> None:
    """Requests are counted by route template and status."""
    await api.get(TICKETS)
    await api.get("/api/v2/tickets/3.json")
    await bare.get(TICKETS)
    counters = zendesk.counters
    assert counters.count("GET /api/v2/tickets.json", 200) == 1
    assert counters.count("GET /api/v2/tickets/{ticket_id:int}.json", 200) == 1
    assert counters.count(status=401) == 1


async def test_page_request_and_cli_listing(zendesk: ZendeskSimulator) -> None:
    """page_request is a valid 100-ticket page (the benchmark's); `simulate --list` shows it."""
    page = zendesk.page_request(100)
    async with _client(zendesk, dict(page.headers)) as c:
        body = (await c.get(page.path)).json()
    assert len(body["tickets"]) == 100
    result = CliRunner().invoke(cli_app, ["simulate", "--list"])
    assert result.exit_code == 0
    assert "zendesk" in result.output
