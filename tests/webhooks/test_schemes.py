"""Each scheme accepts what its vendor's documented algorithm signs and refuses everything else."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

import pytest

from interlink._errors import ConfigError
from interlink.webhooks import (
    HmacSignature,
    SignatureScheme,
    WebhookVerificationError,
    scheme_named,
)

NOW = 1_700_000_000.0
BODY = b'{"id":"evt_1","type":"customer.updated"}'
URL = "https://hooks.example.com/webhooks/hubspot/c1?x=%3A"
SECRET, OLD_SECRET = "current-secret", "previous-secret"
WHSEC = "whsec_" + base64.b64encode(b"standard-key-0123456789").decode()
OLD_WHSEC = "whsec_" + base64.b64encode(b"standard-key-previous").decode()

Signer = Callable[[str, bytes, float], dict[str, str]]


def _hex(key: bytes, message: bytes, algo: str = "sha256") -> str:
    return hmac.new(key, message, algo).hexdigest()


def _b64(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def hubspot(secret: str, body: bytes, at: float) -> dict[str, str]:
    ts = str(int(at * 1000))
    uri = URL.replace("%3A", ":")  # HubSpot decodes a fixed set of escapes before signing
    sig = _b64(secret.encode(), b"POST" + uri.encode() + body + ts.encode())
    return {"X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": ts}


def stripe_(secret: str, body: bytes, at: float) -> dict[str, str]:
    ts = str(int(at))
    return {"Stripe-Signature": f"t={ts},v1={_hex(secret.encode(), ts.encode() + b'.' + body)}"}


def slack(secret: str, body: bytes, at: float) -> dict[str, str]:
    ts = str(int(at))
    sig = "v0=" + _hex(secret.encode(), b"v0:" + ts.encode() + b":" + body)
    return {"X-Slack-Signature": sig, "X-Slack-Request-Timestamp": ts}


def shopify(secret: str, body: bytes, at: float) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": _b64(secret.encode(), body)}


def github(secret: str, body: bytes, at: float) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + _hex(secret.encode(), body)}


def standard(secret: str, body: bytes, at: float) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    ts, msg_id = str(int(at)), "msg_2ZYV"
    sig = _b64(key, f"{msg_id}.{ts}.".encode() + body)
    return {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": f"v1,{sig}"}


def zendesk(secret: str, body: bytes, at: float) -> dict[str, str]:
    from datetime import UTC, datetime

    ts = datetime.fromtimestamp(int(at), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "X-Zendesk-Webhook-Signature": _b64(secret.encode(), ts.encode() + body),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
    }


def bamboohr(secret: str, body: bytes, at: float) -> dict[str, str]:
    ts = str(int(at))
    sig = _hex(secret.encode(), body + ts.encode())
    return {"X-BambooHR-Signature": sig, "X-BambooHR-Timestamp": ts}


# name, signer, whether a timestamp is signed (and so held to the tolerance)
CASES: list[tuple[str, Signer, bool]] = [
    ("hubspot_v3", hubspot, True),
    ("stripe", stripe_, True),
    ("slack_v0", slack, True),
    ("shopify", shopify, False),
    ("github", github, False),
    ("standard_webhooks", standard, True),
    ("zendesk", zendesk, True),
    ("bamboohr", bamboohr, True),
]
IDS = [c[0] for c in CASES]


def _secrets(name: str) -> tuple[str, str]:
    return (WHSEC, OLD_WHSEC) if name == "standard_webhooks" else (SECRET, OLD_SECRET)


def _verify(scheme: SignatureScheme, headers: dict[str, str], body: bytes, secrets: list[str],
            now: float = NOW) -> None:  # fmt: skip
    scheme.verify(headers, body, secrets, now, method="POST", url=URL)


def _reason(scheme: SignatureScheme, headers: dict[str, str], body: bytes, secrets: list[str],
            now: float = NOW) -> str:  # fmt: skip
    with pytest.raises(WebhookVerificationError) as caught:
        _verify(scheme, headers, body, secrets, now)
    return caught.value.reason


@pytest.mark.parametrize(("name", "sign", "timed"), CASES, ids=IDS)
def test_documented_signature_verifies(name: str, sign: Signer, timed: bool) -> None:
    """A delivery signed by the vendor's documented algorithm passes, whatever the header case."""
    secret, _ = _secrets(name)
    headers = sign(secret, BODY, NOW - 10)
    _verify(scheme_named(name), headers, BODY, [secret])
    _verify(scheme_named(name), {k.lower(): v for k, v in headers.items()}, BODY, [secret])


@pytest.mark.parametrize(("name", "sign", "timed"), CASES, ids=IDS)
def test_any_active_secret_verifies_during_rotation(name: str, sign: Signer, timed: bool) -> None:
    """Signed with the previous secret, still accepted while both secrets are active."""
    secret, old = _secrets(name)
    headers = sign(old, BODY, NOW)
    _verify(scheme_named(name), headers, BODY, [secret, old])
    assert _reason(scheme_named(name), headers, BODY, [secret]) == "bad_signature"


@pytest.mark.parametrize(("name", "sign", "timed"), CASES, ids=IDS)
def test_tampered_body_is_bad_signature(name: str, sign: Signer, timed: bool) -> None:
    """One changed byte of the body makes the signature wrong."""
    secret, _ = _secrets(name)
    headers = sign(secret, BODY, NOW)
    assert _reason(scheme_named(name), headers, BODY.replace(b"1", b"2"), [secret]) == (
        "bad_signature"
    )


@pytest.mark.parametrize(("name", "sign", "timed"), CASES, ids=IDS)
def test_missing_signature(name: str, sign: Signer, timed: bool) -> None:
    """Without the signature header the reason is missing_signature."""
    secret, _ = _secrets(name)
    headers = sign(secret, BODY, NOW)
    signature = next(k for k in headers if "sign" in k.lower() or "hmac" in k.lower())
    del headers[signature]
    assert _reason(scheme_named(name), headers, BODY, [secret]) == "missing_signature"


@pytest.mark.parametrize(("name", "sign", "timed"), [c for c in CASES if c[2]],
                         ids=[c[0] for c in CASES if c[2]])  # fmt: skip
def test_replay_outside_tolerance_is_stale(name: str, sign: Signer, timed: bool) -> None:
    """A correctly signed delivery six minutes old, or six minutes ahead, is stale_timestamp."""
    secret, _ = _secrets(name)
    assert _reason(scheme_named(name), sign(secret, BODY, NOW - 360), BODY, [secret]) == (
        "stale_timestamp"
    )
    assert _reason(scheme_named(name), sign(secret, BODY, NOW + 360), BODY, [secret]) == (
        "stale_timestamp"
    )
    _verify(scheme_named(name, {"tolerance": 600}), sign(secret, BODY, NOW - 360), BODY, [secret])


@pytest.mark.parametrize(("name", "sign", "timed"), CASES, ids=IDS)
def test_no_secret_configured(name: str, sign: Signer, timed: bool) -> None:
    """With no active secret nothing verifies, and the reason says so."""
    secret, _ = _secrets(name)
    assert _reason(scheme_named(name), sign(secret, BODY, NOW), BODY, []) == "no_secret"


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("stripe", {"Stripe-Signature": "garbage"}),
        ("stripe", {"Stripe-Signature": "v1=abcd"}),
        ("stripe", {"Stripe-Signature": "t=1700000000,v1=zz"}),
        ("stripe", {"Stripe-Signature": "t=soon,v1=abcd"}),
        ("slack_v0", {"X-Slack-Signature": "v1=ab", "X-Slack-Request-Timestamp": "1700000000"}),
        ("slack_v0", {"X-Slack-Signature": "v0=ab", "X-Slack-Request-Timestamp": "-5"}),
        ("hubspot_v3", {"X-HubSpot-Signature-v3": "%%%", "X-HubSpot-Request-Timestamp": "1"}),
        ("github", {"X-Hub-Signature-256": "sha1=abcd"}),
        ("shopify", {"X-Shopify-Hmac-Sha256": "not base64!"}),
        (
            "standard_webhooks",
            {
                "webhook-id": "m",
                "webhook-timestamp": "1700000000",
                "webhook-signature": "v1-no-comma",
            },
        ),
        (
            "zendesk",
            {
                "X-Zendesk-Webhook-Signature": "YQ==",
                "X-Zendesk-Webhook-Signature-Timestamp": "yesterday",
            },
        ),
    ],
)
def test_malformed_header(name: str, headers: dict[str, str]) -> None:
    """A header that cannot be parsed is malformed_header, never an exception of another kind."""
    assert _reason(scheme_named(name), headers, BODY, [SECRET]) == "malformed_header"


def test_stripe_accepts_any_of_several_v1_signatures() -> None:
    """During an endpoint-secret roll Stripe sends one v1 per secret; one match is enough."""
    ts = str(int(NOW))
    wrong = _hex(b"someone-else", ts.encode() + b"." + BODY)
    right = _hex(SECRET.encode(), ts.encode() + b"." + BODY)
    header = f"t={ts},v0=deadbeef,v1={wrong},v1={right}"
    _verify(scheme_named("stripe"), {"Stripe-Signature": header}, BODY, [SECRET])


def test_standard_webhooks_accepts_any_of_several_signatures() -> None:
    """Space-separated entries: an unknown version is skipped and any v1 may match."""
    headers = standard(WHSEC, BODY, NOW)
    headers["webhook-signature"] = "v1a,abcd v1,Zm9v " + headers["webhook-signature"]
    _verify(scheme_named("standard_webhooks"), headers, BODY, [WHSEC])


def test_plain_hmac_is_configurable() -> None:
    """Algorithm, encoding, header and prefix are settings of the hmac scheme."""
    scheme = scheme_named(
        "hmac", {"header": "X-Signature", "algorithm": "sha512", "encoding": "base64",
                 "prefix": "sig="},
    )  # fmt: skip
    digest = hmac.new(SECRET.encode(), BODY, hashlib.sha512).digest()
    headers = {"x-signature": "sig=" + base64.b64encode(digest).decode()}
    _verify(scheme, headers, BODY, [SECRET])
    assert _reason(scheme, {"X-Signature": "sig=" + digest.hex()}, BODY, [SECRET]) == (
        "bad_signature"
    )
    assert _reason(scheme, {"X-Signature": "sig=not base64!"}, BODY, [SECRET]) == (
        "malformed_header"
    )
    assert _reason(scheme, {"X-Signature": digest.hex()}, BODY, [SECRET]) == "malformed_header"


def test_bytes_secrets_are_used_as_keys() -> None:
    """A secret given as bytes is the HMAC key itself."""
    scheme = HmacSignature("X-Sig")
    key = bytes(range(32))
    _verify(scheme, {"X-Sig": _hex(key, BODY)}, BODY, [key])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("name", "options", "where"),
    [
        ("nope", {}, "webhooks.scheme"),
        ("hmac", {}, "webhooks.hmac"),
        ("hmac", {"header": "X", "algorithm": "md6"}, "webhooks.hmac.algorithm"),
        ("hmac", {"header": "X", "encoding": "base32"}, "webhooks.hmac.encoding"),
        ("stripe", {"colour": "red"}, "webhooks.stripe"),
    ],
)
def test_bad_scheme_configuration_names_the_setting(
    name: str, options: dict[str, object], where: str
) -> None:
    """An unknown scheme or a bad setting is a ConfigError naming where it is."""
    with pytest.raises(ConfigError) as caught:
        scheme_named(name, options)
    assert caught.value.where == where


def test_errors_never_echo_secrets_or_expected_signatures() -> None:
    """The rejection message names the header, not the secret or the signature we computed."""
    headers = github("attacker", BODY, NOW)
    with pytest.raises(WebhookVerificationError) as caught:
        _verify(scheme_named("github"), headers, BODY, [SECRET])
    expected = _hex(SECRET.encode(), BODY)
    assert SECRET not in str(caught.value)
    assert expected not in str(caught.value)
    assert "X-Hub-Signature-256" in str(caught.value)
