"""Zoho CRM v6: page and page_token walks, If-Modified-Since, writes, recycle bin, OAuth,
credits, fault shapes and token-carrying notifications."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import orjson
import pytest
from tests.simulators._receiver import Recorder

from interlink._clock import FakeClock
from interlink.simulators import SIMULATORS, FaultConfig, create_simulator
from interlink.simulators.zoho import ZohoSimulator

CONTACTS = "/crm/v6/Contacts"
FIELDS = {"fields": "First_Name,Last_Name,Email,Modified_Time"}
INVALID_TOKEN = {
    "code": "INVALID_TOKEN",
    "details": {},
    "message": "invalid oauth token",
    "status": "error",
}


@pytest.fixture
async def zoho(clock: FakeClock) -> AsyncIterator[ZohoSimulator]:
    """A 2,500-record Zoho CRM on a fake clock."""
    sim = create_simulator("zoho", records=2_500, clock=clock)
    assert isinstance(sim, ZohoSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def bare(zoho: ZohoSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A client with no token."""
    transport = httpx2.ASGITransport(app=zoho.app)
    async with httpx2.AsyncClient(transport=transport, base_url="https://www.zohoapis.com") as c:
        yield c


@pytest.fixture
def auth(zoho: ZohoSimulator) -> dict[str, str]:
    return {"Authorization": f"Zoho-oauthtoken {zoho.default_token.value}"}


async def walk(
    client: httpx2.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Follow page numbers to 2,000 records, then info.next_page_token, to the end."""
    records: list[dict[str, Any]] = []
    query: dict[str, Any] = {**FIELDS, **params, "page": 1}
    while True:
        response = await client.get(CONTACTS, params=query, headers=headers)
        if response.status_code in (204, 304):
            assert response.content == b""
            return records
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["data"]
        info = body["info"]
        if not info["more_records"]:
            return records
        if info["page"] * info["per_page"] < 2_000 and "page" in query:
            query["page"] += 1
        else:
            query.pop("page", None)
            query["page_token"] = info["next_page_token"]


async def test_walk_finds_every_record_once_past_2000(
    bare: httpx2.AsyncClient, auth: dict[str, str]
) -> None:
    """Pages of 200 reach record 2,000; page_token carries the walk to all 2,500, each once."""
    records = await walk(bare, auth)
    assert len(records) == 2_500
    assert len({r["id"] for r in records}) == 2_500
    ids = [int(r["id"]) for r in records]
    assert ids == sorted(ids, reverse=True)  # Zoho's default: id, descending
    assert set(records[0]) == {"First_Name", "Last_Name", "Email", "Modified_Time", "id"}


async def test_page_past_2000_without_token_is_refused(
    bare: httpx2.AsyncClient, auth: dict[str, str]
) -> None:
    """page 11 of 200 is past 2,000 records: 400 naming page, pointing at page_token."""
    response = await bare.get(CONTACTS, params={**FIELDS, "page": 11}, headers=auth)
    assert response.status_code == 400
    body = response.json()
    assert body["details"] == {"param": "page"}
    assert body["status"] == "error"
    assert "page_token" in body["message"]


async def test_info_block_and_missing_fields(
    bare: httpx2.AsyncClient, auth: dict[str, str]
) -> None:
    """info carries per_page, count, page, more_records, sort_by/order; no fields= is a 400."""
    info = (await bare.get(CONTACTS, params={**FIELDS, "per_page": 5}, headers=auth)).json()["info"]
    assert info["per_page"] == 5
    assert info["count"] == 5
    assert info["page"] == 1
    assert info["more_records"] is True
    assert (info["sort_by"], info["sort_order"]) == ("id", "desc")
    assert info["next_page_token"]
    missing = await bare.get(CONTACTS, headers=auth)
    assert missing.status_code == 400
    assert missing.json() == {
        "code": "REQUIRED_PARAM_MISSING",
        "details": {"param": "fields"},
        "message": "One of the expected parameter is missing",
        "status": "error",
    }


async def test_if_modified_since_is_exact_and_304_when_nothing_changed(
    bare: httpx2.AsyncClient, auth: dict[str, str], zoho: ZohoSimulator, clock: FakeClock
) -> None:
    """If-Modified-Since returns exactly the records changed after it; none: 304, empty body."""
    since = {"If-Modified-Since": "2023-11-14T22:13:20+00:00", **auth}
    nothing = await bare.get(CONTACTS, params=FIELDS, headers=since)
    assert nothing.status_code == 304
    assert nothing.content == b""
    clock.advance(30)
    records = await walk(bare, auth, per_page=3)
    touched = [records[0]["id"], records[2_222]["id"]]
    update = await bare.put(
        CONTACTS, headers=auth, json={"data": [{"id": i, "Title": "CTO"} for i in touched]}
    )
    assert update.status_code == 200
    assert [r["message"] for r in update.json()["data"]] == ["record updated"] * 2
    changed = await walk(bare, since)
    assert sorted(r["id"] for r in changed) == sorted(touched)
    later = {**auth, "If-Modified-Since": "2023-11-14T22:13:50+00:00"}
    assert (await bare.get(CONTACTS, params=FIELDS, headers=later)).status_code == 304


async def test_create_update_delete_and_recycle_bin(
    bare: httpx2.AsyncClient, auth: dict[str, str], zoho: ZohoSimulator, clock: FakeClock
) -> None:
    """POST 201 per-record SUCCESS; PUT moves Modified_Time; DELETE ?ids= lands in /deleted."""
    created = await bare.post(
        CONTACTS, headers=auth, json={"data": [{"Last_Name": "Curie", "Email": "m@c.fr"}]}
    )
    assert created.status_code == 201
    [result] = created.json()["data"]
    assert (result["code"], result["status"], result["message"]) == (
        "SUCCESS",
        "success",
        "record added",
    )
    rid = result["details"]["id"]
    clock.advance(60)
    updated = await bare.put(f"{CONTACTS}/{rid}", headers=auth, json={"data": [{"Title": "Dr"}]})
    details = updated.json()["data"][0]["details"]
    assert details["Modified_Time"] > details["Created_Time"]
    read = (await bare.get(f"{CONTACTS}/{rid}", headers=auth)).json()["data"][0]
    assert read["Title"] == "Dr"
    assert read["Full_Name"] == "Curie"
    deleted = await bare.delete(CONTACTS, params={"ids": rid}, headers=auth)
    assert deleted.json() == {
        "data": [
            {
                "code": "SUCCESS",
                "details": {"id": rid},
                "message": "record deleted",
                "status": "success",
            }
        ]
    }
    assert (await bare.get(f"{CONTACTS}/{rid}", headers=auth)).status_code == 204
    bin_ = (await bare.get(f"{CONTACTS}/deleted", params={"type": "recycle"}, headers=auth)).json()
    assert [(e["id"], e["display_name"], e["type"]) for e in bin_["data"]] == [
        (rid, "Curie", "recycle")
    ]
    assert zoho.counters.created["Contacts"] == 1


async def test_write_errors_name_the_field(bare: httpx2.AsyncClient, auth: dict[str, str]) -> None:
    """No Last_Name: MANDATORY_NOT_FOUND; bad type or unknown field: INVALID_DATA; mixed: 207."""
    response = await bare.post(
        CONTACTS,
        headers=auth,
        json={
            "data": [
                {"Last_Name": "Ok"},
                {"First_Name": "No last"},
                {"Last_Name": 7},
                {"Last_Name": "X", "Foo": 1},
            ]
        },
    )
    assert response.status_code == 207
    results = response.json()["data"]
    assert [r["code"] for r in results] == [
        "SUCCESS",
        "MANDATORY_NOT_FOUND",
        "INVALID_DATA",
        "INVALID_DATA",
    ]
    assert results[1]["details"] == {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"}
    assert results[2]["details"]["expected_data_type"] == "text"
    assert results[3]["details"]["api_name"] == "Foo"
    all_bad = await bare.post(CONTACTS, headers=auth, json={"data": [{"First_Name": "x"}]})
    assert all_bad.status_code == 400
    broken = await bare.post(CONTACTS, headers=auth, content=b"{not json")
    assert broken.status_code == 400
    assert broken.json()["code"] == "INVALID_DATA"
    no_data = await bare.post(CONTACTS, headers=auth, json={"records": []})
    assert no_data.json()["details"] == {"expected_data_type": "jsonarray", "api_name": "data"}


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked"])
async def test_bad_tokens_are_401_invalid_token(
    bare: httpx2.AsyncClient, zoho: ZohoSimulator, clock: FakeClock, case: str
) -> None:
    """Unknown, expired (after 3,600 s) and revoked tokens: 401 INVALID_TOKEN."""
    token = zoho.issue_token().value
    if case == "expired":
        clock.advance(3_600)
    if case == "revoked":
        zoho.tokens.revoke(token)
    value = "1000.nope.nope" if case == "unknown" else token
    response = await bare.get(
        CONTACTS, params=FIELDS, headers={"Authorization": f"Zoho-oauthtoken {value}"}
    )
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN


async def test_missing_token_and_scope_mismatch(
    bare: httpx2.AsyncClient, zoho: ZohoSimulator
) -> None:
    """No Zoho-oauthtoken: AUTHENTICATION_FAILURE; a READ token writing: OAUTH_SCOPE_MISMATCH."""
    missing = await bare.get(CONTACTS, params=FIELDS, headers={"Authorization": "Bearer x"})
    assert missing.status_code == 401
    assert missing.json()["code"] == "AUTHENTICATION_FAILURE"
    reader = {"Authorization": f"Zoho-oauthtoken {zoho.issue_token('read').value}"}
    assert (await bare.get(CONTACTS, params=FIELDS, headers=reader)).status_code == 200
    write = await bare.post(CONTACTS, headers=reader, json={"data": [{"Last_Name": "x"}]})
    assert write.status_code == 401
    assert write.json() == {
        "code": "OAUTH_SCOPE_MISMATCH",
        "details": {},
        "message": "invalid oauth scope to access this URL",
        "status": "error",
    }


async def test_token_refresh_and_its_errors(bare: httpx2.AsyncClient, zoho: ZohoSimulator) -> None:
    """POST /oauth/v2/token refreshes (3,600 s, api_domain); errors are 200 {"error": ...};
    an 11th refresh within 10 minutes is 400 Access Denied."""
    client = {"client_id": zoho.client_id, "client_secret": zoho.client_secret}
    grant = {"grant_type": "refresh_token", "refresh_token": zoho.default_refresh_token, **client}
    first = (await bare.post("/oauth/v2/token", params=grant)).json()
    assert first["expires_in"] == 3_600
    assert first["token_type"] == "Bearer"
    assert first["api_domain"] == "https://www.zohoapis.com"
    headers = {"Authorization": f"Zoho-oauthtoken {first['access_token']}"}
    assert (await bare.get(CONTACTS, params=FIELDS, headers=headers)).status_code == 200
    bad = await bare.post("/oauth/v2/token", params={**grant, "refresh_token": "1000.x.y"})
    assert (bad.status_code, bad.json()) == (200, {"error": "invalid_code"})
    wrong = await bare.post("/oauth/v2/token", params={**grant, "client_secret": "x"})
    assert wrong.json() == {"error": "invalid_client_secret"}
    for _ in range(9):  # 10 tokens from this refresh token in 10 minutes: the most allowed
        assert "access_token" in (await bare.post("/oauth/v2/token", data=grant)).json()
    refused = await bare.post("/oauth/v2/token", data=grant)
    assert refused.status_code == 400
    assert refused.json()["error"] == "Access Denied"
    code = zoho.issue_auth_code()
    exchanged = await bare.post(
        "/oauth/v2/token", data={"grant_type": "authorization_code", "code": code, **client}
    )
    assert exchanged.json()["refresh_token"]


async def test_credits_run_out_with_429_too_many_requests(
    bare: httpx2.AsyncClient, auth: dict[str, str], zoho: ZohoSimulator, clock: FakeClock
) -> None:
    """Credits are spent per call (writes 1 per 10 records); past them: 429 TOO_MANY_REQUESTS."""
    zoho.faults.configure(FaultConfig(limit_scale=4 / 60_000))
    first = await bare.get(CONTACTS, params=FIELDS, headers=auth)
    assert first.headers["x-ratelimit-limit"] == "4"
    assert first.headers["x-ratelimit-remaining"] == "3"
    many = [{"Last_Name": f"n{i}"} for i in range(15)]  # 2 credits
    assert (await bare.post(CONTACTS, headers=auth, json={"data": many})).status_code == 201
    assert (await bare.get(CONTACTS, params=FIELDS, headers=auth)).status_code == 200
    refused = await bare.get(CONTACTS, params=FIELDS, headers=auth)
    assert refused.status_code == 429
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert zoho.counters.rate_limited == 1
    clock.advance(86_400)
    fresh = {"Authorization": f"Zoho-oauthtoken {zoho.issue_token().value}"}
    assert (await bare.get(CONTACTS, params=FIELDS, headers=fresh)).status_code == 200


async def test_fault_shapes_are_zohos(
    bare: httpx2.AsyncClient, auth: dict[str, str], zoho: ZohoSimulator
) -> None:
    """Injected 429 and 200-with-error-body use Zoho's {code, details, message, status} shape."""
    zoho.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await bare.get(CONTACTS, params=FIELDS, headers=auth)
    assert limited.status_code == 429
    assert limited.json()["code"] == "TOO_MANY_REQUESTS"
    zoho.faults.configure(FaultConfig(error_body_rate=1.0))
    disguised = await bare.get(CONTACTS, params=FIELDS, headers=auth)
    assert disguised.status_code == 200
    assert disguised.json()["status"] == "error"


async def test_notifications_carry_the_channel_token(
    bare: httpx2.AsyncClient,
    auth: dict[str, str],
    zoho: ZohoSimulator,
    serving: Callable[[Any], Any],
) -> None:
    """actions/watch subscribes a channel; each write POSTs {module, ids, operation, channel_id,
    token} with the subscriber's token in the body (Zoho signs nothing)."""
    receiver = Recorder()

    async with serving(receiver) as url:
        watch = {
            "watch": [
                {
                    "channel_id": "1000000068001",
                    "events": ["Contacts.all"],
                    "notify_url": url + "/zoho",
                    "token": "my-verification-token",
                }
            ]
        }
        subscribed = await bare.post("/crm/v6/actions/watch", headers=auth, json=watch)
        assert subscribed.json()["watch"][0]["code"] == "SUCCESS"
        rid = (await bare.post(CONTACTS, headers=auth, json={"data": [{"Last_Name": "L"}]})).json()[
            "data"
        ][0]["details"]["id"]
        await bare.put(CONTACTS, headers=auth, json={"data": [{"id": rid, "Title": "T"}]})
        await bare.delete(f"{CONTACTS}/{rid}", headers=auth)
        await zoho.webhooks.flush()
    notes = [orjson.loads(body) for _, body in receiver.requests]
    assert [n["operation"] for n in notes] == ["insert", "update", "delete"]
    assert {n["token"] for n in notes} == {"my-verification-token"}
    assert {n["channel_id"] for n in notes} == {"1000000068001"}
    assert all(n["ids"] == [rid] and n["module"] == "Contacts" for n in notes)
    assert notes[1]["affected_fields"] == [{rid: ["Title"]}]


def test_registered_with_a_benchmark_page(zoho: ZohoSimulator) -> None:
    """`zoho` is in the registry and describes a 100-record page for the benchmark."""
    assert SIMULATORS["zoho"] is ZohoSimulator
    assert zoho.page_request(100).path.endswith("per_page=100")
