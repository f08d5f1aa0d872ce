"""Salesforce writes, sessions, OAuth, the daily limit, its fault shapes and CDC webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import orjson
import pytest
from tests.simulators._receiver import Recorder

from interlink._clock import FakeClock
from interlink.simulators import SIMULATORS, FaultConfig, SchemaDrift, create_simulator
from interlink.simulators.salesforce import SIGNATURE_HEADER, SalesforceSimulator

V = "/services/data/v59.0"
INSTANCE = "https://acme.my.salesforce.com"
SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.fixture
async def salesforce(clock: FakeClock) -> AsyncIterator[SalesforceSimulator]:
    """A 300-record Salesforce org on a fake clock."""
    sim = create_simulator("salesforce", records=300, clock=clock)
    assert isinstance(sim, SalesforceSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def bare(salesforce: SalesforceSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A client with no session."""
    transport = httpx2.ASGITransport(app=salesforce.app)
    async with httpx2.AsyncClient(transport=transport, base_url=INSTANCE) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth(salesforce: SalesforceSimulator) -> dict[str, str]:
    return bearer(salesforce.default_token.value)


async def test_create_read_update_delete(
    bare: httpx2.AsyncClient,
    auth: dict[str, str],
    salesforce: SalesforceSimulator,
    clock: FakeClock,
) -> None:
    """POST 201 {id, success, errors}; GET; PATCH 204 moves LastModifiedDate; DELETE 204."""
    created = await bare.post(
        f"{V}/sobjects/Contact/", headers=auth, json={"FirstName": "Ada", "LastName": "Lovelace"}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True
    assert body["errors"] == []
    assert len(body["id"]) == 18
    url = f"{V}/sobjects/Contact/{body['id']}"
    read = (await bare.get(url, headers=auth)).json()
    assert read["Name"] == "Ada Lovelace"
    assert read["IsDeleted"] is False
    clock.advance(90)
    assert (
        await bare.patch(url, headers=auth, json={"Email": "ada@example.com"})
    ).status_code == 204
    again = (await bare.get(url, headers=auth, params={"fields": "Email,LastModifiedDate"})).json()
    assert again["Email"] == "ada@example.com"
    assert again["LastModifiedDate"] > read["LastModifiedDate"]
    assert list(again) == ["attributes", "Email", "LastModifiedDate"]
    assert (await bare.delete(url, headers=auth)).status_code == 204
    gone = await bare.get(url, headers=auth)
    assert gone.status_code == 404
    assert gone.json() == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED"}]
    assert salesforce.counters.created["Contact"] == 1


async def test_write_errors_are_salesforce_error_arrays(
    bare: httpx2.AsyncClient, auth: dict[str, str]
) -> None:
    """Missing, unknown or read-only fields, bad types and bad JSON: 400 error arrays."""
    missing = await bare.post(f"{V}/sobjects/Contact/", headers=auth, json={"FirstName": "A"})
    assert missing.status_code == 400
    assert missing.json() == [
        {
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName"],
        }
    ]
    unknown = await bare.post(
        f"{V}/sobjects/Account/",
        headers=auth,
        json={"Name": "X", "Colour": "red", "NumberOfEmployees": "many"},
    )
    codes = [e["errorCode"] for e in unknown.json()]
    assert codes == ["INVALID_FIELD", "INVALID_TYPE_ON_FIELD_IN_RECORD"]
    readonly = await bare.post(
        f"{V}/sobjects/Contact/", headers=auth, json={"LastName": "B", "Name": "x"}
    )
    assert readonly.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    broken = await bare.post(f"{V}/sobjects/Contact/", headers=auth, content=b"{nope")
    assert broken.status_code == 400
    assert broken.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    absent = await bare.get(f"{V}/sobjects/Contact/0038d000000ZZZZAAA", headers=auth)
    assert absent.status_code == 404
    assert absent.json()[0]["errorCode"] == "NOT_FOUND"
    malformed = await bare.patch(f"{V}/sobjects/Contact/xyz", headers=auth, json={"Title": "x"})
    assert malformed.json()[0]["errorCode"] == "MALFORMED_ID"


@pytest.mark.parametrize("case", ["missing", "unknown", "expired", "revoked"])
async def test_every_bad_session_is_401_invalid_session_id(
    bare: httpx2.AsyncClient, salesforce: SalesforceSimulator, clock: FakeClock, case: str
) -> None:
    """Missing, unknown, expired (2 idle hours) and revoked sessions: 401 INVALID_SESSION_ID."""
    token = salesforce.issue_token()
    headers = {
        "missing": {},
        "unknown": bearer("00D000000000001!nope"),
        "expired": bearer(token.value),
        "revoked": bearer(token.value),
    }[case]
    if case == "expired":
        clock.advance(2 * 3600 + 1)
    if case == "revoked":
        salesforce.tokens.revoke(token.value)
    response = await bare.get(f"{V}/query", params={"q": "SELECT Id FROM Contact"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == SESSION_EXPIRED
    assert response.headers["www-authenticate"] == "Token"


async def test_activity_keeps_a_session_alive(
    bare: httpx2.AsyncClient, salesforce: SalesforceSimulator, clock: FakeClock
) -> None:
    """Sessions expire by inactivity: a call every 100 minutes keeps one alive past 2 hours."""
    headers = bearer(salesforce.issue_token().value)
    for _ in range(4):
        clock.advance(100 * 60)
        assert (await bare.get(f"{V}/limits", headers=headers)).status_code == 200


async def test_oauth_grants_and_signature(
    bare: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """Code, refresh, client-credentials grants; signature = b64(HMAC(secret, id+issued_at))."""
    client = {"client_id": salesforce.client_id, "client_secret": salesforce.client_secret}
    code = salesforce.issue_auth_code()
    first = await bare.post(
        "/services/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://x/cb",
            **client,
        },
    )
    assert first.status_code == 200
    tokens = first.json()
    assert set(tokens) == {
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    }
    assert tokens["instance_url"] == INSTANCE
    assert tokens["token_type"] == "Bearer"
    expected = base64.b64encode(
        hmac.new(
            salesforce.client_secret.encode(),
            (tokens["id"] + tokens["issued_at"]).encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert tokens["signature"] == expected
    refreshed = (
        await bare.post(
            "/services/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                **client,
            },
        )
    ).json()
    assert "refresh_token" not in refreshed
    assert refreshed["access_token"] != tokens["access_token"]
    machine = (
        await bare.post(
            "/services/oauth2/token", data={"grant_type": "client_credentials", **client}
        )
    ).json()
    for token in (refreshed["access_token"], machine["access_token"]):
        assert (await bare.get(f"{V}/limits", headers=bearer(token))).status_code == 200
    assert salesforce.counters.token_requests == 3


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, ("unsupported_grant_type", "grant type not supported")),
        (
            {"grant_type": "client_credentials", "client_id": "x"},
            ("invalid_client_id", "client identifier invalid"),
        ),
        (
            {"grant_type": "client_credentials", "secret": "wrong"},
            ("invalid_client", "invalid client credentials"),
        ),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope"},
            ("invalid_grant", "expired access/refresh token"),
        ),
    ],
)
async def test_token_endpoint_errors(
    bare: httpx2.AsyncClient,
    salesforce: SalesforceSimulator,
    form: dict[str, str],
    error: tuple[str, str],
) -> None:
    """Token failures are 400 {error, error_description} as Salesforce words them."""
    data = {"client_id": salesforce.client_id, "client_secret": salesforce.client_secret, **form}
    if "secret" in form:
        data["client_secret"] = data.pop("secret")
    response = await bare.post("/services/oauth2/token", data=data)
    assert response.status_code == 400
    assert response.json() == {"error": error[0], "error_description": error[1]}


async def test_revoke_endpoint_ends_the_session(
    bare: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """POST /services/oauth2/revoke ends a session: its next call is 401."""
    token = salesforce.issue_token().value
    assert (await bare.post("/services/oauth2/revoke", data={"token": token})).status_code == 200
    assert (await bare.get(f"{V}/limits", headers=bearer(token))).status_code == 401


async def test_daily_limit_is_403_request_limit_exceeded_then_rolls(
    bare: httpx2.AsyncClient,
    auth: dict[str, str],
    salesforce: SalesforceSimulator,
    clock: FakeClock,
) -> None:
    """Sforce-Limit-Info counts calls; past the allocation: 403 REQUEST_LIMIT_EXCEEDED, for 24 h."""
    salesforce.faults.configure(FaultConfig(limit_scale=3 / 15_000))
    usage = [
        (await bare.get(f"{V}/limits", headers=auth)).headers["sforce-limit-info"] for _ in range(3)
    ]
    assert usage == ["api-usage=1/3", "api-usage=2/3", "api-usage=3/3"]
    refused = await bare.get(f"{V}/limits", headers=auth)
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["sforce-limit-info"] == "api-usage=3/3"
    assert salesforce.counters.rate_limited == 1
    clock.advance(86_400)  # the window rolls (and the idle session expired: log in again)
    fresh = bearer(salesforce.issue_token().value)
    assert (await bare.get(f"{V}/limits", headers=fresh)).status_code == 200


async def test_fault_shapes_are_salesforces(
    bare: httpx2.AsyncClient, auth: dict[str, str], salesforce: SalesforceSimulator
) -> None:
    """An injected 429 reads as 403 REQUEST_LIMIT_EXCEEDED; 200-with-error-body is an error array;
    drift renames a field inside query records."""
    q = {"q": "SELECT Id, Email FROM Contact LIMIT 5"}
    salesforce.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await bare.get(f"{V}/query", params=q, headers=auth)
    assert limited.status_code == 403
    assert limited.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    salesforce.faults.configure(FaultConfig(error_body_rate=1.0))
    disguised = await bare.get(f"{V}/query", params=q, headers=auth)
    assert disguised.status_code == 200
    assert disguised.json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    salesforce.faults.configure(FaultConfig(drift=SchemaDrift(rename={"Email": "EmailAddress"})))
    drifted = (await bare.get(f"{V}/query", params=q, headers=auth)).json()
    assert all("EmailAddress" in r for r in drifted["records"])
    assert not any("Email" in r for r in drifted["records"])


async def test_change_events_are_delivered_signed(
    auth: dict[str, str],
    salesforce: SalesforceSimulator,
    serving: Callable[[Any], Any],
    clock: FakeClock,
) -> None:
    """CDC events reach the URL; the signature header is hex(HMAC-SHA256(secret, body))."""
    receiver = Recorder()

    async with serving(receiver) as url:
        salesforce.webhooks.url = url + "/cdc"
        transport = httpx2.ASGITransport(app=salesforce.app)
        async with httpx2.AsyncClient(transport=transport, base_url=INSTANCE, headers=auth) as c:
            rid = (await c.post(f"{V}/sobjects/Contact/", json={"LastName": "Hopper"})).json()["id"]
            clock.advance(10)
            await c.patch(f"{V}/sobjects/Contact/{rid}", json={"Title": "Admiral"})
            await c.delete(f"{V}/sobjects/Contact/{rid}")
        await salesforce.webhooks.flush()
    bodies = [body for _, body in receiver.requests]
    for headers, body in receiver.requests:
        expected = hmac.new(salesforce.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers[SIGNATURE_HEADER.lower()] == expected
    events = [e for body in bodies for e in orjson.loads(body)]
    kinds = [e["data"]["payload"]["ChangeEventHeader"]["changeType"] for e in events]
    assert kinds == ["CREATE", "UPDATE", "DELETE"]
    assert {e["channel"] for e in events} == {"/data/ContactChangeEvent"}
    update = events[1]["data"]["payload"]
    assert update["Title"] == "Admiral"
    assert update["ChangeEventHeader"]["changedFields"] == ["Title", "LastModifiedDate"]
    assert update["ChangeEventHeader"]["recordIds"] == [rid]
    assert [e["data"]["event"]["replayId"] for e in events] == [1, 2, 3]


def test_registered_with_a_benchmark_page(salesforce: SalesforceSimulator) -> None:
    """`salesforce` is in the registry and describes a 100-record page for the benchmark."""
    assert SIMULATORS["salesforce"] is SalesforceSimulator
    page = salesforce.page_request(100)
    assert page.path.endswith("LIMIT+100")
    assert page.headers["Authorization"].startswith("Bearer ")
