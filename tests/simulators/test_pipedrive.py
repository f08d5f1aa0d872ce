"""Pipedrive: v1/v2 pagination, recents, writes and deletes, auth, limits, faults, webhooks."""

from __future__ import annotations

import base64
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import orjson
import pytest
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app as cli_app
from interlink.simulators import FaultConfig, create_simulator
from interlink.simulators.pipedrive import PipedriveSimulator, custom_key

BASE = "https://interlink-sim.pipedrive.com"
PERSONS, ORGS = "/api/v1/persons", "/api/v1/organizations"
UNAUTHORIZED = {
    "success": False,
    "error": "unauthorized access",
    "errorCode": 401,
    "error_info": "Please check developers.pipedrive.com",
    "data": None,
    "additional_data": None,
}


@pytest.fixture
async def pipedrive(clock: FakeClock) -> AsyncIterator[PipedriveSimulator]:
    """A 1,200-record Pipedrive on a fake clock."""
    sim = create_simulator("pipedrive", records=1_200, clock=clock)
    assert isinstance(sim, PipedriveSimulator)
    async with sim:
        yield sim


def _client(sim: PipedriveSimulator, **options: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sim.app), base_url=BASE, **options)


@pytest.fixture
async def api(pipedrive: PipedriveSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain client passing the company's API token as the api_token query parameter."""
    async with _client(pipedrive, params={"api_token": pipedrive.api_token.value}) as c:
        yield c


@pytest.fixture
async def bare(pipedrive: PipedriveSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A client without credentials."""
    async with _client(pipedrive) as c:
        yield c


def next_start(page: dict[str, Any]) -> dict[str, Any] | None:
    """v1: the next page's params from additional_data.pagination (None on the last page)."""
    pagination = page["additional_data"]["pagination"]
    if not pagination["more_items_in_collection"]:
        assert "next_start" not in pagination
        return None
    return {"start": pagination["next_start"]}


def next_cursor(page: dict[str, Any]) -> dict[str, Any] | None:
    """v2: the next page's params from additional_data.next_cursor (null on the last page)."""
    cursor = page["additional_data"]["next_cursor"]
    return None if cursor is None else {"cursor": cursor}


async def walk(
    api: httpx2.AsyncClient, path: str, params: dict[str, Any], follow: Any
) -> list[Any]:
    """Every item of a listing, following `follow(page)` to the end."""
    items: list[Any] = []
    more: dict[str, Any] | None = {}
    while more is not None:
        page = (await api.get(path, params={**params, **more})).json()
        items += page["data"]
        more = follow(page)
    return items


# -- reading ----------------------------------------------------------------------------------


async def test_v1_walk_finds_every_person_exactly_once(api: httpx2.AsyncClient) -> None:
    """start/limit paging via additional_data.pagination.next_start visits all 1,200 once."""
    persons = await walk(api, PERSONS, {"limit": 500}, next_start)
    ids = [p["id"] for p in persons]
    assert ids == list(range(1, 1_201))


async def test_v1_page_shape(api: httpx2.AsyncClient) -> None:
    """A v1 page: success, data, pagination {start, limit, more_items, next_start}; v1 person."""
    page = (await api.get(PERSONS, params={"start": 10, "limit": 3})).json()
    assert page["success"] is True
    assert page["additional_data"]["pagination"] == {
        "start": 10, "limit": 3, "more_items_in_collection": True, "next_start": 13,
    }  # fmt: skip
    person = page["data"][0]
    assert person["id"] == 11
    assert person["active_flag"] is True
    assert person["owner_id"]["value"] == person["owner_id"]["id"]
    assert person["email"][0].keys() == {"label", "value", "primary"}
    assert person["email"][0]["primary"] is True
    assert len(person["update_time"]) == 19
    assert person["update_time"][10] == " "
    hashes = [k for k in person if len(k) == 40 and all(c in "0123456789abcdef" for c in k)]
    assert sorted(hashes) == sorted([custom_key("person", "lead_score"),
                                     custom_key("person", "tier")])  # fmt: skip


async def test_v1_limit_over_500_is_served_as_500_and_bad_start_is_400(
    api: httpx2.AsyncClient,
) -> None:
    """limit=1000 gets 500 items (pagination says 500); start=-1 is a 400 naming start."""
    page = (await api.get(PERSONS, params={"limit": 1_000})).json()
    assert len(page["data"]) == 500
    assert page["additional_data"]["pagination"]["limit"] == 500
    bad = await api.get(PERSONS, params={"start": "-1"})
    assert bad.status_code == 400
    assert bad.json()["success"] is False
    assert "start" in bad.json()["error"]


async def test_v2_cursor_walk_finds_every_organization_once(api: httpx2.AsyncClient) -> None:
    """v2 next_cursor paging visits every organization once; v2 shape flattens ids."""
    orgs = await walk(api, "/api/v2/organizations", {"limit": 500}, next_cursor)
    assert [o["id"] for o in orgs] == list(range(1, 1_201))
    assert isinstance(orgs[0]["owner_id"], int)
    assert orgs[0]["is_deleted"] is False
    assert orgs[0]["update_time"].endswith("Z")
    assert set(orgs[0]["custom_fields"]) == {
        custom_key("org", "industry"), custom_key("org", "employees"),
    }  # fmt: skip


async def test_v2_updated_since_is_exact(
    api: httpx2.AsyncClient, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """updated_since returns exactly the persons changed at or after it, oldest first."""
    clock.advance(3_600)
    mark = clock.time()
    changed = [7, 500, 1_199, 3]
    for pid in changed:
        clock.advance(5)
        assert (await api.put(f"{PERSONS}/{pid}", json={"label": 6})).status_code == 200
    created = (await api.post(PERSONS, json={"name": "New Person"})).json()["data"]["id"]
    since = "2023-11-14T23:13:20Z"  # == mark
    assert mark == 1_700_003_600
    found = await walk(api, "/api/v2/persons", {"updated_since": since, "limit": 2}, next_cursor)
    assert [p["id"] for p in found] == [*changed, created]
    bad = await api.get("/api/v2/persons", params={"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert "updated_since" in bad.json()["error"]


async def test_recents_reports_changes_and_deletions_since_a_timestamp(
    api: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """/recents?items=person lists updates, creations and deletions (active_flag false)."""
    clock.advance(60)
    await api.put(f"{PERSONS}/42", json={"name": "Renamed Person"})
    clock.advance(1)
    await api.delete(f"{PERSONS}/43")
    clock.advance(1)
    new_id = (await api.post(PERSONS, json={"name": "Fresh Lead"})).json()["data"]["id"]
    params = {"since_timestamp": "2023-11-14 22:14:20", "items": "person", "limit": 2}
    first = (await api.get("/api/v1/recents", params=params)).json()
    assert [(r["item"], r["id"]) for r in first["data"]] == [("person", 42), ("person", 43)]
    assert first["data"][1]["data"]["active_flag"] is False
    assert first["additional_data"]["since_timestamp"] == "2023-11-14 22:14:20"
    assert first["additional_data"]["last_timestamp_on_page"] == "2023-11-14 22:14:21"
    assert first["additional_data"]["pagination"]["next_start"] == 2
    rest = (await api.get("/api/v1/recents", params={**params, "start": 2})).json()
    assert [r["id"] for r in rest["data"]] == [new_id]
    assert rest["additional_data"]["pagination"]["more_items_in_collection"] is False
    missing = await api.get("/api/v1/recents", params={"items": "person"})
    assert missing.status_code == 400
    assert "since_timestamp" in missing.json()["error"]


# -- writing ----------------------------------------------------------------------------------


async def test_create_update_delete_a_person(
    api: httpx2.AsyncClient, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """POST is 201, PUT moves update_time, DELETE answers {id} and flags the person deleted."""
    created = await api.post(
        PERSONS,
        json={"name": "Ada Lovelace", "email": ["ada@example.com"], "phone": "+44 20 1234",
              custom_key("person", "tier"): "gold"},
        headers={"Idempotency-Key": "k-1"},
    )  # fmt: skip
    assert created.status_code == 201
    person = created.json()["data"]
    assert person["first_name"] == "Ada"
    assert person["last_name"] == "Lovelace"
    assert person["email"] == [{"label": "work", "value": "ada@example.com", "primary": True}]
    assert person[custom_key("person", "tier")] == "gold"
    pid = person["id"]
    clock.advance(90)
    updated = (await api.put(f"{PERSONS}/{pid}", json={"phone": [{"value": "+1 555"}]})).json()
    assert updated["data"]["phone"][0]["value"] == "+1 555"
    assert updated["data"]["update_time"] > person["update_time"]
    deleted = await api.delete(f"{PERSONS}/{pid}")
    assert deleted.json() == {"success": True, "data": {"id": pid}}
    read = (await api.get(f"{PERSONS}/{pid}")).json()["data"]
    assert read["active_flag"] is False
    assert (await api.get(f"/api/v2/persons/{pid}")).json()["data"]["is_deleted"] is True
    assert (await api.delete(f"{PERSONS}/{pid}")).status_code == 404
    listed = (await api.get(PERSONS, params={"start": 1_200, "limit": 10})).json()["data"]
    assert pid not in [p["id"] for p in listed]
    assert pipedrive.counters.created_by_idempotency_key["k-1"] == 1
    assert pipedrive.counters.duplicate_creates() == {}


async def test_bad_writes_name_what_was_wrong(api: httpx2.AsyncClient) -> None:
    """Missing name, malformed JSON, a bad field type, an unknown id: Pipedrive's envelope."""
    no_name = await api.post(PERSONS, json={"email": "x@example.com"})
    assert no_name.status_code == 400
    assert no_name.json()["success"] is False
    assert "name" in no_name.json()["error"]
    malformed = await api.post(
        PERSONS, content=b"{nope", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert "JSON" in malformed.json()["error"]
    bad_type = await api.put(f"{ORGS}/5", json={"owner_id": "someone"})
    assert bad_type.status_code == 400
    assert "owner_id" in bad_type.json()["error"]
    missing = await api.get(f"{PERSONS}/99999")
    assert missing.status_code == 404
    assert missing.json()["error"] == "Person not found"


async def test_renaming_an_organization_shows_in_its_persons(api: httpx2.AsyncClient) -> None:
    """A person's v1 org_id object carries the organization's current name."""
    person = (await api.get(f"{PERSONS}/1")).json()["data"]
    org_id = person["org_id"]["value"]
    await api.put(f"{ORGS}/{org_id}", json={"name": "Renamed Org"})
    again = (await api.get(PERSONS, params={"limit": 1})).json()["data"][0]
    assert again["org_id"]["name"] == again["org_name"] == "Renamed Org"


# -- auth -------------------------------------------------------------------------------------


async def test_missing_and_invalid_credentials_are_401(bare: httpx2.AsyncClient) -> None:
    """No token or an unknown one: 401 with the envelope the live API answers."""
    missing = await bare.get(PERSONS)
    assert (missing.status_code, missing.json()) == (401, UNAUTHORIZED)
    invalid = await bare.get(PERSONS, params={"api_token": "0" * 40})
    assert (invalid.status_code, invalid.json()) == (401, UNAUTHORIZED)


async def test_token_in_header_and_oauth_bearer_work(
    bare: httpx2.AsyncClient, pipedrive: PipedriveSimulator
) -> None:
    """x-api-token carries an API token; Authorization: Bearer an OAuth access token."""
    by_header = await bare.get(PERSONS, headers={"x-api-token": pipedrive.api_token.value})
    assert by_header.status_code == 200
    oauth = pipedrive.issue_token("oauth")
    by_bearer = await bare.get(PERSONS, headers={"Authorization": f"Bearer {oauth.value}"})
    assert by_bearer.status_code == 200
    assert by_bearer.headers["x-ratelimit-limit"] == "160"


async def test_expired_and_revoked_credentials(
    bare: httpx2.AsyncClient, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """An OAuth token dies after 3600 s; revoked tokens are 401 too, each in the envelope."""
    oauth = pipedrive.issue_token("oauth")
    auth = {"Authorization": f"Bearer {oauth.value}"}
    clock.advance(3_599)
    assert (await bare.get(PERSONS, headers=auth)).status_code == 200
    clock.advance(1)
    expired = await bare.get(PERSONS, headers=auth)
    assert expired.status_code == 401
    assert expired.json()["error"] == "Invalid token: access token has expired"
    assert expired.json()["errorCode"] == 401
    other = pipedrive.issue_token("oauth")
    pipedrive.tokens.revoke(other.value)
    revoked = await bare.get(PERSONS, headers={"Authorization": f"Bearer {other.value}"})
    assert revoked.json()["error"] == "Invalid token: access token is invalid"
    api_token = pipedrive.issue_token()
    pipedrive.tokens.revoke(api_token.value)
    gone = await bare.get(PERSONS, params={"api_token": api_token.value})
    assert (gone.status_code, gone.json()) == (401, UNAUTHORIZED)


async def test_oauth_token_endpoint(
    bare: httpx2.AsyncClient, pipedrive: PipedriveSimulator
) -> None:
    """POST /oauth/token with Basic client credentials exchanges a code, then a refresh token."""
    client = (pipedrive.client_id, pipedrive.client_secret)
    grant = {"grant_type": "authorization_code", "code": pipedrive.issue_auth_code()}
    first = await bare.post("/oauth/token", data=grant, auth=client)
    assert first.status_code == 200
    tokens = first.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    second = await bare.post("/oauth/token", data=refresh, auth=client)
    new = second.json()["access_token"]
    assert new != tokens["access_token"]
    assert (await bare.get(PERSONS, headers={"Authorization": f"Bearer {new}"})).status_code == 200
    wrong_client = await bare.post("/oauth/token", data=refresh, auth=("x", "y"))
    assert wrong_client.status_code == 401
    assert wrong_client.json()["message"] == "Invalid client: client is invalid"
    bad_refresh = await bare.post("/oauth/token", data={**refresh, "refresh_token": "nope"},
                                  auth=client)  # fmt: skip
    assert bad_refresh.json()["message"] == "Invalid grant: refresh_token is invalid"
    assert pipedrive.counters.token_requests == 4


# -- limits -----------------------------------------------------------------------------------


async def test_the_41st_request_in_two_seconds_is_429(
    api: httpx2.AsyncClient, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """40 requests per rolling 2 s per API token: the 41st gets 429 with x-ratelimit-*."""
    responses = []
    for _ in range(41):
        responses.append(await api.get(f"{PERSONS}/1"))
        clock.advance(0.01)
    assert [int(r.headers["x-ratelimit-remaining"]) for r in responses[:40]] == list(
        range(39, -1, -1)
    )
    limited = responses[40]
    assert limited.status_code == 429
    assert limited.json() == {
        "success": False,
        "error": "Request over limit",
        "errorCode": 429,
        "error_info": "Please check developers.pipedrive.com for more information about "
        "Pipedrive API.",
        "data": None,
        "additional_data": None,
    }
    assert limited.headers["x-ratelimit-limit"] == "40"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["x-ratelimit-reset"] == "2"
    assert pipedrive.counters.rate_limited == 1
    clock.advance(2)
    assert (await api.get(f"{PERSONS}/1")).status_code == 200


async def test_daily_token_budget_runs_out_and_resets_at_midnight(
    api: httpx2.AsyncClient, pipedrive: PipedriveSimulator, clock: FakeClock
) -> None:
    """Each request spends its token cost (list 20, get 2); an empty budget is 429 till midnight."""
    pipedrive.budget.budget = 45
    assert (await api.get(PERSONS)).status_code == 200  # 20
    assert (await api.get(PERSONS)).status_code == 200  # 40
    assert (await api.get(PERSONS)).status_code == 429  # 60 > 45: refused, nothing spent
    assert (await api.get(f"{PERSONS}/1")).status_code == 200  # 42
    clock.advance(86_400 - clock.time() % 86_400)
    assert (await api.get(PERSONS)).status_code == 200


# -- faults -----------------------------------------------------------------------------------


async def test_fault_shapes_are_pipedrives(
    api: httpx2.AsyncClient, pipedrive: PipedriveSimulator
) -> None:
    """200-with-error-body is success:false; an injected 429 is Pipedrive's; drift hits data."""
    pipedrive.faults.configure(FaultConfig(error_body_rate=1.0))
    body = await api.get(PERSONS)
    assert body.status_code == 200
    assert body.json()["success"] is False
    assert body.json()["errorCode"] == 500
    pipedrive.faults.configure(FaultConfig(error_rates={429: 1.0}))
    injected = await api.get(PERSONS)
    assert (injected.status_code, injected.json()["error"]) == (429, "Request over limit")
    pipedrive.faults.configure("drift")
    drifted = (await api.get(PERSONS, params={"limit": 2})).json()["data"]
    assert all("email_address" in p and "email" not in p for p in drifted)
    recents = (await api.get("/api/v1/recents", params={
        "since_timestamp": "2020-01-01 00:00:00", "items": "organization", "limit": 1,
    })).json()["data"]  # fmt: skip
    assert recents[0]["data"]["x_new_field"] == "surprise"


# -- webhooks ---------------------------------------------------------------------------------


async def test_webhooks_v2_carry_basic_auth_and_meta_data_previous(
    api: httpx2.AsyncClient, pipedrive: PipedriveSimulator, webhook_receiver: Any
) -> None:
    """Each change is one POST {meta, data, previous} with the subscription's Basic credentials."""
    pipedrive.webhooks.url, hooks = webhook_receiver
    pid = (await api.post(PERSONS, json={"name": "Hook Person"})).json()["data"]["id"]
    await api.put(f"{PERSONS}/{pid}", json={"name": "Hooked Person"})
    await api.delete(f"{PERSONS}/{pid}")
    await pipedrive.webhooks.flush()
    assert len(hooks) == 3
    # Pipedrive signs nothing: the receiver checks the http_auth_user/password it set.
    token = base64.b64encode(
        f"{pipedrive.webhook_user}:{pipedrive.webhook_password}".encode()
    ).decode()
    events = [orjson.loads(body) for _, body in hooks]
    assert all(h["authorization"] == f"Basic {token}" for h, _ in hooks)
    assert [e["meta"]["action"] for e in events] == ["create", "change", "delete"]
    create, change, delete = events
    assert create["meta"]["entity"] == "person"
    assert create["meta"]["entity_id"] == str(pid)
    assert create["meta"]["version"] == "2.0"
    assert create["previous"] is None
    assert create["data"]["name"] == "Hook Person"
    assert change["data"]["name"] == "Hooked Person"
    assert change["previous"] == {"name": "Hook Person", "first_name": "Hook"}  # changed only
    assert delete["data"] is None
    assert delete["previous"]["id"] == pid
    assert pipedrive.counters.webhook_deliveries == 3


# -- plumbing ---------------------------------------------------------------------------------


async def test_counters_record_routes_and_statuses(
    api: httpx2.AsyncClient, bare: httpx2.AsyncClient, pipedrive: PipedriveSimulator
) -> None:
    """Requests are counted by route template and status."""
    await api.get(PERSONS)
    await api.get(f"{PERSONS}/1")
    await bare.get(PERSONS)
    counters = pipedrive.counters
    assert counters.count(route="GET /api/v1/{entity}", status=200) == 1
    assert counters.count(route="GET /api/v1/{entity}/{id}", status=200) == 1
    assert counters.count(status=401) == 1


def test_simulate_list_shows_pipedrive() -> None:
    """`interlink simulate --list` names pipedrive with its resources."""
    result = CliRunner().invoke(cli_app, ["simulate", "--list"])
    assert result.exit_code == 0
    assert "pipedrive" in result.output
    assert "organizations" in result.output


def test_change_feed_view_matches_a_brute_force_model(clock: FakeClock) -> None:
    """by_modified(include_archived=True) equals sorting every live and deleted record by time."""
    sim = create_simulator("pipedrive", records=300, clock=clock)
    persons = sim.collections["persons"]
    rng = random.Random(7)
    for step in range(120):
        clock.advance(rng.random() * 10)
        rid = rng.randint(1, 310)
        action = rng.choice(("update", "archive", "create"))
        if action == "create":
            persons.create({"name": f"p{step}"}, clock.time())
        elif action == "update":
            persons.update(rid, {"label": step}, clock.time())
        else:
            persons.archive(rid, clock.time())
    since = clock.time() - 400
    everything = [
        r for i in range(1, 1_000)
        for r in (persons.get(i), persons.get(i, archived=True)) if r is not None
    ]  # fmt: skip
    expected = sorted((r.modified_at, r.id) for r in everything if r.modified_at >= since)
    view = persons.by_modified(since, include_archived=True)
    assert len(view) == len(expected)
    assert [(r.modified_at, r.id) for r in view.slice(0, 10_000)] == expected


async def test_a_million_persons_stay_lazy_and_deterministic(clock: FakeClock) -> None:
    """A million-person account pages at its end at once, and the same seed gives the same data."""
    sims = [create_simulator("pipedrive", records=1_000_000, clock=clock, seed=3) for _ in "ab"]
    pages = []
    for sim in sims:
        assert isinstance(sim, PipedriveSimulator)
        async with sim, _client(sim, params={"api_token": sim.api_token.value}) as c:
            response = await c.get(PERSONS, params={"start": 999_900, "limit": 500})
            pages.append(response.json())
    assert [p["id"] for p in pages[0]["data"]] == list(range(999_901, 1_000_001))
    assert pages[0]["additional_data"]["pagination"]["more_items_in_collection"] is False
    assert pages[0]["data"] == pages[1]["data"]
