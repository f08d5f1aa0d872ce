"""The intake: persist then acknowledge, once per event, and every bad delivery refused cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from tests.webhooks.conftest import Wired, outcome

from interlink._clock import FakeClock
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import ConnectionRow, Store


def _event(n: int, object_id: int = 1001, kind: str = "contact.propertyChange",
           at_ms: int = 1_700_000_000_000) -> dict[str, Any]:  # fmt: skip
    return {"eventId": n, "subscriptionId": 1, "portalId": 62515, "appId": 1,
            "occurredAt": at_ms, "subscriptionType": kind, "attemptNumber": 0,
            "objectId": object_id, "changeSource": "API"}  # fmt: skip


def _signed(sim: HubSpotSimulator, url: str, body: bytes) -> dict[str, str]:
    """Headers as the HubSpot simulator signs a delivery to `url` now."""
    return sim.webhooks.format.sign("POST", url, body, sim.clock.time())


async def _post(
    wired: Wired,
    sim: HubSpotSimulator,
    connection_id: str,
    events: Any,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    url = wired.url("hubspot", connection_id)
    raw = orjson.dumps(events) if body is None else body
    sent = _signed(sim, url, raw) if headers is None else headers
    return await wired.client.post(url, content=raw, headers=sent)


def _problem(response: Any, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["reason"] == reason
    assert body["detail"]
    assert "Traceback" not in response.text


async def test_signed_batch_is_stored_before_the_answer(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """A signed HubSpot batch of three events answers 200 with all three already in the inbox."""
    response = await _post(wired, hubspot, connection.id, [_event(1), _event(2), _event(3)])
    assert response.status_code == 200
    assert outcome(response) == {"stored": 3, "duplicates": 0}
    assert response.content == b""
    stored = wired.inbox.events(connection_id=connection.id)
    assert [e.payload["eventId"] for e in stored] == [1, 2, 3]
    assert {e.status for e in stored} == {"pending"}
    assert all(e.tenant_id == connection.tenant_id for e in stored)
    assert stored[0].headers["x-hubspot-request-timestamp"]
    assert not any("signature" in h.lower() for h in stored[0].headers)
    assert wired.intake.metrics.value("interlink_webhook_events", provider="hubspot",
                                      outcome="stored") == 3  # fmt: skip


async def test_redelivery_is_acknowledged_and_stored_once(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """The same batch delivered again answers 200, counts duplicates and stores nothing new."""
    await _post(wired, hubspot, connection.id, [_event(1), _event(2)])
    again = await _post(wired, hubspot, connection.id, [_event(2), _event(1), _event(3)])
    assert again.status_code == 200
    assert outcome(again) == {"stored": 1, "duplicates": 2}
    assert len(wired.inbox.events()) == 3
    assert wired.intake.metrics.value("interlink_webhook_events", provider="hubspot",
                                      outcome="duplicate") == 2  # fmt: skip


async def test_same_event_id_on_two_connections_is_two_events(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store, vault: Any
) -> None:
    """De-duplication is per connection: two portals may both send eventId 1."""
    other = store.create_connection(connection.tenant_id, "hubspot", auth_method="private_app",
                                    variables={})  # fmt: skip
    vault.put(other.id, {"access_token": "t", "client_secret": hubspot.client_secret})
    for target in (connection.id, other.id):
        assert outcome(await _post(wired, hubspot, target, [_event(1)]))["stored"] == 1


@pytest.mark.parametrize(
    ("provider", "reason"),
    [("nosuchvendor", "unknown_provider"), ("hubspot", "unknown_connection")],
)
async def test_unknown_target_is_404(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, provider: str, reason: str
) -> None:
    """An unknown provider or connection is a 404 problem, counted, and stores nothing."""
    url = wired.url(provider, "conn_missing")
    body = orjson.dumps([_event(1)])
    response = await wired.client.post(url, content=body, headers=_signed(hubspot, url, body))
    _problem(response, 404, reason)
    assert wired.inbox.events() == []


async def test_connection_of_another_provider_is_404(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """A HubSpot connection id addressed as another webhook provider is not found."""
    url = wired.url("hubspot", connection.id).replace("/hubspot/", "/github/")
    response = await wired.client.post(url, content=b"{}", headers={})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda h: {k: v for k, v in h.items() if k != "X-HubSpot-Signature-v3"},
         "missing_signature"),
        (lambda h: {**h, "X-HubSpot-Signature-v3": "AAAA" + h["X-HubSpot-Signature-v3"][4:]},
         "bad_signature"),
        (lambda h: {**h, "X-HubSpot-Request-Timestamp": "yesterday"}, "malformed_header"),
    ],
)  # fmt: skip
async def test_unverified_delivery_is_401_and_changes_nothing(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, mangle: Any, reason: str
) -> None:
    """A missing, wrong or unreadable signature is a 401 naming why; nothing is stored."""
    url = wired.url("hubspot", connection.id)
    body = orjson.dumps([_event(1)])
    response = await _post(wired, hubspot, connection.id, None, body=body,
                           headers=mangle(_signed(hubspot, url, body)))  # fmt: skip
    _problem(response, 401, reason)
    assert wired.inbox.events() == []
    assert wired.intake.metrics.value("interlink_webhook_rejections", provider="hubspot",
                                      reason=reason) == 1  # fmt: skip


async def test_replayed_delivery_is_stale_401(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, clock: FakeClock
) -> None:
    """A genuine delivery replayed six minutes later is refused as stale_timestamp."""
    url = wired.url("hubspot", connection.id)
    body = orjson.dumps([_event(1)])
    headers = _signed(hubspot, url, body)
    clock.advance(360)
    response = await wired.client.post(url, content=body, headers=headers)
    _problem(response, 401, "stale_timestamp")
    assert wired.inbox.events() == []


async def test_delivery_signed_with_the_previous_secret_during_rotation(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, vault: Any
) -> None:
    """With client_secret_previous stored, deliveries signed with either secret are accepted."""
    old = hubspot.client_secret
    vault.put(connection.id, {"access_token": "t", "client_secret": "rotated-new-secret",
                              "client_secret_previous": old})  # fmt: skip
    wired.intake.targets._cache.clear()  # type: ignore[attr-defined]
    response = await _post(wired, hubspot, connection.id, [_event(1)])
    assert response.status_code == 200


async def test_malformed_json_is_400(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """A correctly signed body that is not JSON is a 400 naming the parse error."""
    response = await _post(wired, hubspot, connection.id, None, body=b'[{"eventId": 1,')
    _problem(response, 400, "malformed_json")
    assert wired.inbox.events() == []


async def test_oversized_body_is_413_from_its_length(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """A declared Content-Length over the limit is refused before the body is read."""
    body = orjson.dumps([_event(n) for n in range(1, 1000)])
    assert len(body) > 64 * 1024
    _problem(await _post(wired, hubspot, connection.id, None, body=body), 413, "too_large")
    assert wired.inbox.events() == []


async def test_oversized_streamed_body_is_413_while_streaming(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """A chunked body with no length is cut off once it passes the limit; later chunks unread."""
    pulled: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for n in range(100):
            pulled.append(n)
            yield b"x" * 8192

    url = wired.url("hubspot", connection.id)
    response = await wired.client.post(
        url, content=chunks(), headers={"X-HubSpot-Signature-v3": "x"}
    )
    _problem(response, 413, "too_large")
    assert len(pulled) < 100


async def test_other_methods_and_paths_answer_problem_json(wired: Wired) -> None:
    """A GET or an unknown path is a problem+json 405/404, never an HTML page or a trace."""
    _problem(await wired.client.get(wired.url("hubspot", "c1")), 405, "method_not_allowed")
    _problem(await wired.client.post(f"{wired.url('hubspot', 'c1')}/extra"), 404, "not_found")


async def test_store_down_is_503_and_retryable(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store
) -> None:
    """If the inbox cannot be written the delivery is refused 503, so the vendor retries it."""
    await _post(wired, hubspot, connection.id, [_event(1)])  # caches the target
    with store._engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE webhook_inbox")
    response = await _post(wired, hubspot, connection.id, [_event(2)])
    _problem(response, 503, "store_unavailable")


async def test_concurrent_deliveries_share_commits_and_stay_exact(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """Fifty concurrent requests (25 events, each sent twice at once): 25 stored, 25 duplicates,
    and each request told exactly what became of its own event."""
    import asyncio

    answers = await asyncio.gather(
        *(_post(wired, hubspot, connection.id, [_event(n % 25 + 1)]) for n in range(50))
    )
    bodies = [outcome(a) for a in answers]
    assert all(a.status_code == 200 for a in answers)
    assert sum(b["stored"] for b in bodies) == 25
    assert sum(b["duplicates"] for b in bodies) == 25
    assert all(b["stored"] + b["duplicates"] == 1 for b in bodies)
    assert len(wired.inbox.events(limit=1000)) == 25


async def test_behind_a_proxy_the_public_url_is_what_hubspot_signed(
    store: Store, vault: Any, hubspot: HubSpotSimulator, connection: ConnectionRow,
    clock: FakeClock,
) -> None:  # fmt: skip
    """HubSpot signs the URL it posted to; behind a proxy the intake verifies against
    public_url + the path, not the internal address the request arrived on."""
    import httpx2

    from interlink.webhooks import Inbox, StoreTargets, WebhookIntake, WebhookProviders

    targets = StoreTargets(store._engine, WebhookProviders(), vault.get, clock=clock)
    intake = WebhookIntake(Inbox.for_store(store), targets, clock=clock,
                           public_url="https://hooks.example.com/")  # fmt: skip
    path = f"/webhooks/hubspot/{connection.id}"
    body = orjson.dumps([_event(1)])
    signed_public = _signed(hubspot, f"https://hooks.example.com{path}", body)
    signed_internal = _signed(hubspot, f"http://internal:8080{path}", body)
    transport = httpx2.ASGITransport(app=intake)
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://internal:8080") as c:
            _problem(await c.post(path, content=body, headers=signed_internal), 401,
                     "bad_signature")  # fmt: skip
            assert (await c.post(path, content=body, headers=signed_public)).status_code == 200
    finally:
        intake.close()


async def test_slack_url_verification_challenge_is_echoed_not_stored(
    wired: Wired, store: Store, vault: Any, clock: FakeClock
) -> None:
    """Slack's signed url_verification is answered with its challenge and stores nothing;
    an unsigned one is refused like any delivery."""
    import hashlib
    import hmac

    tenant = store.create_tenant("Chat")
    slack = store.create_connection(tenant.id, "slack", auth_method="token", variables={})
    vault.put(slack.id, {"bot_token": "xoxb-1", "signing_secret": "slack-signing-secret"})
    url = wired.url("slack", slack.id)
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = orjson.dumps({"token": "t", "challenge": challenge, "type": "url_verification"})
    stamp = str(int(clock.time()))
    digest = hmac.new(b"slack-signing-secret", f"v0:{stamp}:".encode() + body, hashlib.sha256)
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}
    response = await wired.client.post(url, content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"challenge": orjson.loads(body)["challenge"]}
    assert wired.inbox.events() == []
    _problem(await wired.client.post(url, content=body), 401, "missing_signature")


@pytest.mark.parametrize(
    ("events", "detail"),
    [
        ([1, 2, 3], "event 0 of the body's array is a number, not a JSON object"),
        ([_event(1), "contact.creation"], "event 1 of the body's array is a string"),
    ],
)
async def test_verified_array_of_non_objects_is_400(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, events: Any, detail: str
) -> None:
    """A signed HubSpot array holding something other than event objects is a 400 naming the
    event and its type; nothing of it is stored (not even its valid events), and it is counted."""
    response = await _post(wired, hubspot, connection.id, events)
    _problem(response, 400, "malformed_event")
    assert detail in response.json()["detail"]
    assert wired.inbox.events() == []
    assert wired.intake.metrics.value("interlink_webhook_rejections", provider="hubspot",
                                      reason="malformed_event") == 1  # fmt: skip


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"id": "12", "action": "Updated"}, "'employees' array; in this body it is missing"),
        ({"employees": "12"}, "'employees' array; in this body it is a string"),
        ({"employees": [{"id": "12", "action": "Updated"}, 12]},
         "event 1 of the body's 'employees' array is a number"),
    ],
)  # fmt: skip
async def test_verified_bamboohr_body_without_employee_events_is_400(
    wired: Wired, store: Store, vault: Any, clock: FakeClock, body: Any, detail: str
) -> None:
    """BambooHR sends its events in an `employees` array: a signed body without it, or with a
    non-object in it, is a 400 saying so, and nothing is stored (it was a 200 storing 0)."""
    import hashlib
    import hmac

    tenant = store.create_tenant("People")
    bamboo = store.create_connection(tenant.id, "bamboohr", auth_method="default",
                                     variables={"company": "acme"})  # fmt: skip
    vault.put(bamboo.id, {"api_key": "k", "private_key": "bamboo-private-key"})
    raw, stamp = orjson.dumps(body), str(int(clock.time()))
    signature = hmac.new(b"bamboo-private-key", raw + stamp.encode(), hashlib.sha256).hexdigest()
    headers = {"X-BambooHR-Signature": signature, "X-BambooHR-Timestamp": stamp}
    response = await wired.client.post(wired.url("bamboohr", bamboo.id), content=raw,
                                       headers=headers)  # fmt: skip
    _problem(response, 400, "malformed_event")
    assert detail in response.json()["detail"]
    assert wired.inbox.events() == []
    good = orjson.dumps({"employees": [{"id": "12", "action": "Updated"}]})
    signature = hmac.new(b"bamboo-private-key", good + stamp.encode(), hashlib.sha256).hexdigest()
    headers = {"X-BambooHR-Signature": signature, "X-BambooHR-Timestamp": stamp}
    accepted = await wired.client.post(wired.url("bamboohr", bamboo.id), content=good,
                                       headers=headers)  # fmt: skip
    assert outcome(accepted) == {"stored": 1, "duplicates": 0}
