"""The verifiers agree with the vendors' official SDKs and with every simulator's deliveries."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
import standardwebhooks
import stripe
from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier

from interlink._clock import FakeClock
from interlink.simulators import create_simulator
from interlink.webhooks import WebhookVerificationError, scheme_named

BODY = '{"id":"evt_1","object":"event","type":"customer.updated","data":{"object":{}}}'
URL = "http://127.0.0.1:8123/webhooks/x/conn-1"


class _FrozenSlackClock(SlackClock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_stripe_sdk_signature_verifies(clock: FakeClock) -> None:
    """A header made by stripe.WebhookSignature verifies; the SDK accepts what we accept."""
    secret = "whsec_" + "a" * 32
    now = int(clock.time())
    header = stripe.WebhookSignature.generate_signature_header(BODY, secret, timestamp=now)
    scheme_named("stripe").verify({"Stripe-Signature": header}, BODY.encode(), [secret], now)
    with pytest.raises(WebhookVerificationError) as caught:
        scheme_named("stripe").verify(
            {"Stripe-Signature": header}, BODY.encode(), ["whsec_other"], now
        )
    assert caught.value.reason == "bad_signature"


def test_slack_sdk_signature_verifies(clock: FakeClock) -> None:
    """slack_sdk's SignatureVerifier signs what we verify and verifies what the simulator sends."""
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    timestamp = str(int(clock.time()))
    verifier = SignatureVerifier(secret, clock=_FrozenSlackClock(clock.time()))
    signature = verifier.generate_signature(timestamp=timestamp, body=BODY)
    assert signature is not None
    headers = {"X-Slack-Signature": signature, "X-Slack-Request-Timestamp": timestamp}
    scheme_named("slack_v0").verify(headers, BODY.encode(), [secret], clock.time())
    assert verifier.is_valid_request(BODY, headers)


def test_standardwebhooks_sdk_signature_verifies(clock: FakeClock) -> None:
    """standardwebhooks.Webhook.sign output verifies, with the secret as whsec_ or bare base64."""
    raw = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    webhook = standardwebhooks.Webhook(raw)
    at = datetime.fromtimestamp(int(clock.time()), UTC)
    signature = webhook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", at, BODY)
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": str(int(clock.time())),
        "webhook-signature": signature,
    }
    scheme = scheme_named("standard_webhooks")
    scheme.verify(headers, BODY.encode(), [raw], clock.time())
    scheme.verify(headers, BODY.encode(), [raw.removeprefix("whsec_").rstrip("=")], clock.time())


def _event(vendor: str) -> dict[str, Any]:
    if vendor == "shopify":
        return {"topic": "customers/update", "triggered_at": "2026-01-01T00:00:00Z",
                "event_id": "e-1", "payload": {"id": 7, "email": "a@example.com"}}  # fmt: skip
    return {"id": 7, "eventId": 1, "type": "customer.updated"}


@pytest.mark.parametrize(
    ("vendor", "scheme", "secret_attribute"),
    [
        ("hubspot", "hubspot_v3", "client_secret"),
        ("stripe", "stripe", "webhook_secret"),
        ("slack", "slack_v0", "signing_secret"),
        ("shopify", "shopify", "client_secret"),
        ("github", "github", "webhook_secret"),
        ("zendesk", "zendesk", "signing_secret"),
        ("bamboohr", "bamboohr", "webhook_private_key"),
    ],
)
async def test_simulator_deliveries_verify(
    clock: FakeClock, vendor: str, scheme: str, secret_attribute: str
) -> None:
    """Each simulator's signed delivery verifies with its secret and fails with another."""
    sim = create_simulator(vendor, records=1, clock=clock)
    async with sim:
        fmt = sim.webhooks.format
        body = fmt.encode([_event(vendor)])
        headers = fmt.sign("POST", URL, body, clock.time())
        secret = getattr(sim, secret_attribute)
    verifier = scheme_named(scheme)
    verifier.verify(headers, body, ["rotated-out", secret], clock.time(), url=URL)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(headers, body, ["rotated-out"], clock.time(), url=URL)
