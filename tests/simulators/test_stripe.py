"""Stripe simulator: cursor walks, created filters, the Events API, form-encoded writes,
secret-key auth, limits, idempotency, faults, signed webhooks, and the real OpenAPI spec."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
import stripe
import yaml
from jsonschema import Draft4Validator

from interlink._clock import FakeClock
from interlink.simulators import SIMULATORS, FaultConfig, SchemaDrift, create_simulator
from interlink.simulators.stripe import StripeSimulator

BASE_URL = "https://api.stripe.com"
CUSTOMERS = "/v1/customers"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[StripeSimulator]:
    """A 300-record Stripe on a fake clock."""
    made = create_simulator("stripe", records=300, clock=clock)
    assert isinstance(made, StripeSimulator)
    async with made:
        yield made


def client_for(sim: StripeSimulator, headers: dict[str, str] | None = None) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=sim.app)
    return httpx2.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)


@pytest.fixture
async def client(sim: StripeSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client with the simulator's test-mode secret key."""
    async with client_for(sim, bearer(sim.default_key.value)) as c:
        yield c


async def walk(
    client: httpx2.AsyncClient, path: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every object of a Stripe list, following starting_after while has_more."""
    params, out = {"limit": 100, **(params or {})}, []
    while True:
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        out.extend(page["data"])
        if not page["has_more"]:
            return out
        params["starting_after"] = page["data"][-1]["id"]


# -- reads ---------------------------------------------------------------------------------


async def test_walk_finds_every_customer_once_newest_first(client: httpx2.AsyncClient) -> None:
    """starting_after walks all 300 customers exactly once, in descending `created` order."""
    customers = await walk(client, CUSTOMERS)
    assert len({c["id"] for c in customers}) == len(customers) == 300
    created = [c["created"] for c in customers]
    assert created == sorted(created, reverse=True)


async def test_list_object_shape_and_ending_before(client: httpx2.AsyncClient) -> None:
    """A page is {"object": "list", "url", "has_more", "data"}; ending_before goes back a page."""
    first = (await client.get(CUSTOMERS, params={"limit": 3})).json()
    assert set(first) == {"object", "data", "has_more", "url"}
    assert (first["object"], first["url"], first["has_more"]) == ("list", CUSTOMERS, True)
    assert all(c["id"].startswith("cus_") for c in first["data"])
    assert all(len(c["id"]) == 18 for c in first["data"])
    after = {"limit": 3, "starting_after": first["data"][-1]["id"]}
    second = (await client.get(CUSTOMERS, params=after)).json()
    before = {"limit": 3, "ending_before": second["data"][0]["id"]}
    back = (await client.get(CUSTOMERS, params=before)).json()
    assert [c["id"] for c in back["data"]] == [c["id"] for c in first["data"]]
    assert back["has_more"] is False  # nothing newer than the first page


async def test_limit_bounds_and_unknown_parameters(client: httpx2.AsyncClient) -> None:
    """limit defaults to 10 and must be 1..100; unknown parameters are 400s naming them."""
    assert len((await client.get(CUSTOMERS)).json()["data"]) == 10
    too_many = await client.get(CUSTOMERS, params={"limit": 101})
    assert too_many.status_code == 400
    assert too_many.json()["error"]["param"] == "limit"
    unknown = await client.get(CUSTOMERS, params={"colour": "red"})
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", "colour")
    assert error["message"] == "Received unknown parameter: colour"
    bad_cursor = await client.get(CUSTOMERS, params={"starting_after": "cus_nope"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["error"]["code"] == "resource_missing"


async def test_created_filters_are_exact(client: httpx2.AsyncClient, clock: FakeClock) -> None:
    """created[gte]/[gt]/[lt]/[lte] select exactly the customers a brute-force filter does."""
    clock.advance(5)
    await client.post(CUSTOMERS, data={"email": "new@example.com"})
    everyone = await walk(client, CUSTOMERS)
    pivot = sorted(c["created"] for c in everyone)[150]
    for op, keep in (
        ("gte", lambda t: t >= pivot), ("gt", lambda t: t > pivot),
        ("lt", lambda t: t < pivot), ("lte", lambda t: t <= pivot),
    ):  # fmt: skip
        got = await walk(client, CUSTOMERS, {f"created[{op}]": pivot})
        assert {c["id"] for c in got} == {c["id"] for c in everyone if keep(c["created"])}, op
    exact = await walk(client, CUSTOMERS, {"created": pivot})
    assert {c["id"] for c in exact} == {c["id"] for c in everyone if c["created"] == pivot}


async def test_email_filter_is_case_sensitive(client: httpx2.AsyncClient) -> None:
    """?email= finds the generated and the created customer with exactly that email."""
    some = (await client.get(CUSTOMERS, params={"limit": 1})).json()["data"][0]
    found = (await client.get(CUSTOMERS, params={"email": some["email"]})).json()["data"]
    assert [c["id"] for c in found] == [some["id"]]
    upper = (await client.get(CUSTOMERS, params={"email": some["email"].upper()})).json()
    assert upper["data"] == []


async def test_invoices_list_and_get(client: httpx2.AsyncClient) -> None:
    """Invoices walk once each, newest first, reference real customers, and read by id."""
    invoices = await walk(client, "/v1/invoices")
    assert len({i["id"] for i in invoices}) == 300
    one = invoices[7]
    got = (await client.get(f"/v1/invoices/{one['id']}")).json()
    assert got == one
    owner = await client.get(f"{CUSTOMERS}/{one['customer']}")
    assert owner.json()["email"] == one["customer_email"]
    refused = await client.get("/v1/invoices", params={"status": "paid"})
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "status"
    missing = await client.get("/v1/invoices/in_doesnotexist")
    assert missing.status_code == 404


async def test_a_million_customers_are_lazy(clock: FakeClock) -> None:
    """A million-customer Stripe pages from the newest and filters the oldest without building."""
    sim = create_simulator("stripe", records=1_000_000, clock=clock)
    assert isinstance(sim, StripeSimulator)
    async with client_for(sim, bearer(sim.default_key.value)) as c:
        newest = (await c.get(CUSTOMERS, params={"limit": 100})).json()
        assert newest["has_more"]
        assert len(newest["data"]) == 100
        # Generated customers were created over the four years before the newest one.
        oldest = newest["data"][0]["created"] - 4 * 365 * 86_400
        early = (await c.get(CUSTOMERS, params={"created[lt]": oldest + 86_400})).json()
        assert len(early["data"]) == 10
        assert early["has_more"]
        assert all(x["created"] < oldest + 86_400 for x in early["data"])
    await sim.aclose()


# -- writes --------------------------------------------------------------------------------


async def test_create_update_delete_customer(client: httpx2.AsyncClient) -> None:
    """Form-encoded create with metadata[...]; update merges metadata and unsets with "";
    delete answers deleted:true, hides it from lists, and GET still shows it deleted."""
    created = await client.post(CUSTOMERS, data={
        "email": "ada@example.com", "name": "Ada", "metadata[plan]": "pro",
        "metadata[seats]": "5", "preferred_locales[]": "en", "address[city]": "Paris",
    })  # fmt: skip
    assert created.status_code == 200
    customer = created.json()
    assert customer["metadata"] == {"plan": "pro", "seats": "5"}
    assert customer["address"]["city"] == "Paris"
    assert customer["preferred_locales"] == ["en"]
    path = f"{CUSTOMERS}/{customer['id']}"
    updated = (await client.post(path, data={"metadata[seats]": "", "metadata[tier]": "gold",
                                             "name": ""})).json()  # fmt: skip
    assert updated["metadata"] == {"plan": "pro", "tier": "gold"}
    assert updated["name"] is None
    deleted = await client.delete(path)
    assert deleted.json() == {"id": customer["id"], "object": "customer", "deleted": True}
    assert (await client.get(path)).json() == deleted.json()
    ids = {c["id"] for c in await walk(client, CUSTOMERS)}
    assert customer["id"] not in ids
    again = await client.post(path, data={"name": "x"})
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "resource_missing"
    assert (await client.delete(path)).status_code == 404


async def test_bad_bodies_name_what_was_wrong(client: httpx2.AsyncClient) -> None:
    """A JSON body, an unknown field and a bad integer are 400 invalid_request_errors."""
    as_json = await client.post(CUSTOMERS, json={"email": "a@example.com"})
    assert as_json.status_code == 400
    assert "x-www-form-urlencoded" in as_json.json()["error"]["message"]
    unknown = await client.post(CUSTOMERS, data={"favourite_colour": "red"})
    assert unknown.json()["error"]["param"] == "favourite_colour"
    bad = await client.post(CUSTOMERS, data={"balance": "lots"})
    assert bad.json()["error"] == {
        "message": "Invalid integer: lots", "param": "balance", "type": "invalid_request_error",
        "request_log_url": bad.json()["error"]["request_log_url"],
    }  # fmt: skip
    missing = await client.get(f"{CUSTOMERS}/cus_unknown")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "No such customer: 'cus_unknown'"


async def test_events_are_the_incremental_feed(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """Changes append customer.created/updated/deleted events, newest first, filterable by
    type (with wildcards) and created[gt]; updated carries previous_attributes."""
    made = (await client.post(CUSTOMERS, data={"name": "Grace"})).json()
    clock.advance(10)
    checkpoint = int(clock.time())
    clock.advance(1)
    await client.post(f"{CUSTOMERS}/{made['id']}", data={"name": "Grace H."})
    await client.delete(f"{CUSTOMERS}/{made['id']}")
    events = (await client.get("/v1/events")).json()["data"]
    assert [e["type"] for e in events] == ["customer.deleted", "customer.updated",
                                           "customer.created"]  # fmt: skip
    assert events[1]["data"]["previous_attributes"] == {"name": "Grace"}
    since = (await client.get("/v1/events", params={"created[gt]": checkpoint})).json()["data"]
    assert [e["type"] for e in since] == ["customer.deleted", "customer.updated"]
    only = (await client.get("/v1/events", params={"type": "customer.created"})).json()["data"]
    assert [e["id"] for e in only] == [events[2]["id"]]
    wild = (await client.get("/v1/events", params={"type": "customer.*"})).json()["data"]
    assert len(wild) == 3
    older = {"limit": 1, "starting_after": events[0]["id"]}
    page = (await client.get("/v1/events", params=older)).json()
    assert [e["id"] for e in page["data"]] == [events[1]["id"]]
    assert page["has_more"]


async def test_voiding_an_open_invoice_appends_invoice_events(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """POST /v1/invoices/{id}/void voids an open invoice and appends invoice.voided and
    invoice.updated (the invoice.* feed); a paid invoice is a 400 invoice_not_open."""
    invoices = await walk(client, "/v1/invoices")
    open_one = next(i for i in invoices if i["status"] == "open")
    paid = next(i for i in invoices if i["status"] == "paid")
    clock.advance(5)
    voided = (await client.post(f"/v1/invoices/{open_one['id']}/void")).json()
    assert (voided["status"], voided["status_transitions"]["voided_at"]) == (
        "void",
        int(clock.time()),
    )
    assert (await client.get(f"/v1/invoices/{open_one['id']}")).json()["status"] == "void"
    events = (await client.get("/v1/events", params={"type": "invoice.*"})).json()["data"]
    assert [e["type"] for e in events] == ["invoice.updated", "invoice.voided"]
    assert events[0]["data"]["previous_attributes"] == {"status": "open"}
    refused = await client.post(f"/v1/invoices/{paid['id']}/void")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invoice_not_open"


async def test_events_are_kept_thirty_days(client: httpx2.AsyncClient, clock: FakeClock) -> None:
    """An event is listed and retrievable for 30 days, then gone (404 resource_missing)."""
    await client.post(CUSTOMERS, data={"name": "Old"})
    event = (await client.get("/v1/events")).json()["data"][0]
    clock.advance(30 * 86_400 - 1)
    assert (await client.get(f"/v1/events/{event['id']}")).status_code == 200
    clock.advance(2)
    assert (await client.get("/v1/events")).json()["data"] == []
    gone = await client.get(f"/v1/events/{event['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "resource_missing"


# -- idempotency ---------------------------------------------------------------------------


async def test_idempotent_replay_returns_the_first_response(
    client: httpx2.AsyncClient, sim: StripeSimulator
) -> None:
    """A retried create with the same Idempotency-Key replays the first body, marked
    Idempotent-Replayed: true, and creates one customer."""
    headers = {"Idempotency-Key": "order-42"}
    first = await client.post(CUSTOMERS, data={"email": "x@example.com"}, headers=headers)
    second = await client.post(CUSTOMERS, data={"email": "x@example.com"}, headers=headers)
    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert second.headers["request-id"] != first.headers["request-id"]
    assert sim.counters.created["customers"] == 1
    assert sim.counters.duplicate_creates() == {}


async def test_idempotency_key_misuse_and_expiry(
    client: httpx2.AsyncClient, sim: StripeSimulator, clock: FakeClock
) -> None:
    """Other parameters or another endpoint under a used key are 400 idempotency_error; a
    failed validation saves nothing; after 24 hours the key is new again."""
    headers = {"Idempotency-Key": "k-1"}
    invalid = await client.post(CUSTOMERS, data={"balance": "x"}, headers=headers)
    assert invalid.status_code == 400
    ok = await client.post(CUSTOMERS, data={"name": "A"}, headers=headers)
    assert ok.status_code == 200  # the invalid attempt did not claim the key
    other = await client.post(CUSTOMERS, data={"name": "B"}, headers=headers)
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    assert "same parameters" in other.json()["error"]["message"]
    path = f"{CUSTOMERS}/{ok.json()['id']}"
    elsewhere = await client.post(path, data={"name": "A"}, headers=headers)
    assert "same endpoint" in elsewhere.json()["error"]["message"]
    clock.advance(24 * 3600)
    fresh = await client.post(CUSTOMERS, data={"name": "B"}, headers=headers)
    assert fresh.status_code == 200
    assert fresh.json()["id"] != ok.json()["id"]
    assert sim.counters.created_by_idempotency_key["k-1"] == 2  # one per 24-hour life


# -- auth and limits -----------------------------------------------------------------------


async def test_auth_failures(sim: StripeSimulator, clock: FakeClock) -> None:
    """Missing key, unknown key (redacted), revoked key, expired rolled key: each 401 body."""
    revoked = sim.issue_token()
    sim.tokens.revoke(revoked.value)
    async with client_for(sim) as bare:
        missing = await bare.get(CUSTOMERS)
        assert missing.status_code == 401
        assert missing.json()["error"]["message"].startswith("You did not provide an API key.")
        assert missing.json()["error"]["type"] == "invalid_request_error"
        unknown = await bare.get(CUSTOMERS, headers=bearer("sk_test_abcdefghijkl1234"))
        assert unknown.status_code == 401
        assert unknown.json()["error"]["message"] == (
            "Invalid API Key provided: sk_test_************1234"
        )
        gone = await bare.get(CUSTOMERS, headers=bearer(revoked.value))
        assert gone.status_code == 401
        assert gone.json()["error"]["message"].startswith("Invalid API Key provided: sk_test_*")
        old = sim.issue_token()
        new = sim.roll_key(old.value, expires_in=3600)
        clock.advance(3599)
        assert (await bare.get(CUSTOMERS, headers=bearer(old.value))).status_code == 200
        clock.advance(1)
        expired = await bare.get(CUSTOMERS, headers=bearer(old.value))
        assert expired.status_code == 401
        error = expired.json()["error"]
        assert error["code"] == "api_key_expired"
        assert error["message"] == f"Expired API Key provided: sk_test_{'*' * 28}{old.value[-4:]}"
        assert error["doc_url"] == "https://stripe.com/docs/error-codes/api-key-expired"
        assert (await bare.get(CUSTOMERS, headers=bearer(new.value))).status_code == 200


async def test_basic_auth_with_the_key_as_user_name(sim: StripeSimulator) -> None:
    """curl -u sk_test_...: works: Basic auth with the key as user name and no password."""
    basic = base64.b64encode(f"{sim.default_key.value}:".encode()).decode()
    async with client_for(sim, {"Authorization": f"Basic {basic}"}) as c:
        assert (await c.get(CUSTOMERS)).status_code == 200


async def test_test_mode_allows_25_reads_per_second(
    client: httpx2.AsyncClient, sim: StripeSimulator, clock: FakeClock
) -> None:
    """The 26th read in a second is a 429 rate_limit; writes have their own 25; then it rolls."""
    statuses = [(await client.get(CUSTOMERS, params={"limit": 1})).status_code for _ in range(26)]
    assert statuses == [200] * 25 + [429]
    limited = await client.get(CUSTOMERS)
    error = limited.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "rate_limit")
    assert error["message"].startswith("Request rate limit exceeded.")
    assert limited.headers["request-id"].startswith("req_")
    assert (await client.post(CUSTOMERS, data={"name": "W"})).status_code == 200
    assert sim.counters.rate_limited == 2
    clock.advance(1)
    assert (await client.get(CUSTOMERS)).status_code == 200


async def test_live_mode_allows_100_per_second(sim: StripeSimulator) -> None:
    """A live key gets 100 reads a second; its objects say livemode: true."""
    live = sim.issue_token("live")
    async with client_for(sim, bearer(live.value)) as c:
        statuses = [(await c.get(CUSTOMERS, params={"limit": 1})).status_code for _ in range(101)]
        assert statuses.count(200) == 100
        assert statuses[-1] == 429
    assert live.value.startswith("sk_live_")


async def test_locked_customer_is_429_lock_timeout(
    client: httpx2.AsyncClient, sim: StripeSimulator, clock: FakeClock
) -> None:
    """A write to an object another Stripe process holds is a 429 with code lock_timeout."""
    customer = (await client.get(CUSTOMERS, params={"limit": 1})).json()["data"][0]
    sim.lock(customer["id"], 2.0)
    locked = await client.post(f"{CUSTOMERS}/{customer['id']}", data={"name": "Z"})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "lock_timeout"
    clock.advance(2)
    assert (await client.post(f"{CUSTOMERS}/{customer['id']}", data={"name": "Z"})).is_success


# -- faults, counters ----------------------------------------------------------------------


async def test_faults_use_stripes_shapes(client: httpx2.AsyncClient, sim: StripeSimulator) -> None:
    """200-with-error-body, an injected 429 and schema drift all speak Stripe; every
    response, even an unknown URL, carries a Request-Id."""
    sim.faults.configure(FaultConfig(error_body_rate=1.0))
    body = await client.get(CUSTOMERS)
    assert body.status_code == 200
    assert body.json()["error"]["type"] == "api_error"
    sim.faults.configure(FaultConfig(error_rates={429: 1.0}))
    limited = await client.get(CUSTOMERS)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limit"
    sim.faults.configure(FaultConfig(drift=SchemaDrift(rename={"email": "email_address"})))
    drifted = (await client.get(CUSTOMERS, params={"limit": 2})).json()
    assert all("email_address" in c for c in drifted["data"])
    assert all("email" not in c for c in drifted["data"])
    sim.faults.configure("none")
    nowhere = await client.get("/v1/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json()["error"]["message"].startswith("Unrecognized request URL")
    assert nowhere.headers["request-id"].startswith("req_")


async def test_counters_by_endpoint_and_status(
    client: httpx2.AsyncClient, sim: StripeSimulator
) -> None:
    """Counters tally requests by route template and status, and creates by resource."""
    await client.get(CUSTOMERS)
    customer = (await client.post(CUSTOMERS, data={"name": "C"})).json()
    await client.get(f"{CUSTOMERS}/{customer['id']}")
    await client.get(f"{CUSTOMERS}/cus_missing")
    assert sim.counters.count(route="GET /v1/customers", status=200) == 1
    assert sim.counters.count(route="GET /v1/customers/{id}", status=200) == 1
    assert sim.counters.count(route="GET /v1/customers/{id}", status=404) == 1
    assert sim.counters.created["customers"] == 1


async def test_registry_and_page_request() -> None:
    """`stripe` is registered (interlink simulate --list) and describes a page for the bench."""
    assert "stripe" in SIMULATORS
    sim = create_simulator("stripe", records=10)
    page = sim.page_request(5)
    async with client_for(sim, dict(page.headers)) as c:  # type: ignore[arg-type]
        assert len((await c.get(page.path)).json()["data"]) == 5
    await sim.aclose()


# -- webhooks ------------------------------------------------------------------------------


async def test_webhook_signature_verifies_by_hand_and_with_the_stripe_sdk(
    webhook_receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    """Stripe-Signature t=<ts>,v1=<hex HMAC-SHA256 of "t.body">, accepted by the official
    SDK's Webhook.construct_event with its default 5-minute tolerance."""
    # The SDK checks the timestamp against the wall clock: start the fake clock there.
    sim = create_simulator("stripe", records=5, clock=FakeClock(start=time.time()))
    assert isinstance(sim, StripeSimulator)
    url, received = webhook_receiver
    sim.webhooks.url = url
    async with client_for(sim, bearer(sim.default_key.value)) as c:
        await c.post(CUSTOMERS, data={"email": "hook@example.com"})
    await sim.webhooks.flush()
    await sim.aclose()
    headers, body = received[0]
    header = headers["stripe-signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(sim.webhook_secret.encode(), f"{fields['t']}.".encode() + body,
                        hashlib.sha256).hexdigest()  # fmt: skip
    assert fields["v1"] == expected
    event = stripe.Webhook.construct_event(body, header, sim.webhook_secret)
    assert event.type == "customer.created"
    assert event.data.object.email == "hook@example.com"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_wrong")


# -- the real OpenAPI description ------------------------------------------------------------


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema draft 4: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: json_schema(v) for k, v in node.items()}
    if out.get("nullable") is True:
        del out["nullable"]
        return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def stripe_spec(specs_dir: Path) -> dict[str, Any]:
    """Stripe's OpenAPI 3 description, parsed and converted to JSON Schema once (~3 s)."""
    path = specs_dir / "stripe" / "stripe-spec3-2023-09-12.yaml"
    with path.open() as f:
        spec: dict[str, Any] = yaml.load(f, Loader=yaml.CSafeLoader)
    converted: dict[str, Any] = json_schema({"paths": spec["paths"],
                                             "components": spec["components"]})  # fmt: skip
    return converted


def response_validator(spec: dict[str, Any], path: str, method: str) -> Callable[[int, Any], None]:
    """Validates (status, body) against the operation's documented responses ($refs resolved
    against the spec's components)."""
    responses = spec["paths"][path][method]["responses"]

    def check(status: int, body: Any) -> None:
        documented = responses.get(str(status)) or responses["default"]
        schema = documented["content"]["application/json"]["schema"]
        root = {"components": spec["components"], "allOf": [schema]}
        Draft4Validator(root).validate(body)
        if 200 <= status < 300:
            assert str(status) in responses, f"{method} {path}: {status} is not documented"

    return check


async def test_responses_match_stripes_openapi_spec(
    client: httpx2.AsyncClient, stripe_spec: dict[str, Any]
) -> None:
    """List, get, create, update, delete of customers, invoice list/get, events and errors
    validate against stripe-spec3-2023-09-12.yaml; objects carry no undocumented field."""

    def check(path: str, method: str, response: httpx2.Response) -> None:
        response_validator(stripe_spec, path, method)(response.status_code, response.json())

    listed = await client.get(CUSTOMERS, params={"limit": 5})
    check("/v1/customers", "get", listed)
    made = await client.post(CUSTOMERS, data={"email": "s@example.com", "metadata[a]": "b",
                                              "address[city]": "Lagos"})  # fmt: skip
    check("/v1/customers", "post", made)
    one = f"{CUSTOMERS}/{made.json()['id']}"
    check("/v1/customers/{customer}", "get", await client.get(one))
    check("/v1/customers/{customer}", "post", await client.post(one, data={"name": "S"}))
    check("/v1/customers/{customer}", "delete", await client.delete(one))
    check("/v1/customers/{customer}", "get", await client.get(one))  # the deleted stub
    check("/v1/customers/{customer}", "get", await client.get(f"{CUSTOMERS}/cus_missing"))
    check("/v1/customers", "get", await client.get(CUSTOMERS, params={"limit": 0}))
    invoices = await client.get("/v1/invoices", params={"limit": 20})
    check("/v1/invoices", "get", invoices)
    invoice = invoices.json()["data"][0]["id"]
    check("/v1/invoices/{invoice}", "get", await client.get(f"/v1/invoices/{invoice}"))
    check("/v1/events", "get", await client.get("/v1/events"))
    schemas = stripe_spec["components"]["schemas"]
    for obj, name in ((listed.json()["data"][0], "customer"),
                      (invoices.json()["data"][0], "invoice")):  # fmt: skip
        assert set(obj) <= set(schemas[name]["properties"]), set(obj) - set(
            schemas[name]["properties"]
        )
