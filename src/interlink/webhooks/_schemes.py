"""Signature schemes by the name a connector spec gives in `webhooks.scheme`.

Shopify, GitHub, Zendesk and BambooHR sign the body with a plain HMAC, so they
are presets of `HmacSignature`; `hmac` itself takes its settings from the
spec (`header`, `algorithm`, `encoding`, `prefix`, `timestamp_header`, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from interlink._errors import ConfigError
from interlink.webhooks._hmac import HmacSignature
from interlink.webhooks._hubspot import HubSpotV3
from interlink.webhooks._slack import SlackV0
from interlink.webhooks._standard import StandardWebhooks
from interlink.webhooks._stripe import StripeSignature
from interlink.webhooks._verify import SignatureScheme

__all__ = ["SCHEMES", "scheme_named"]


def _hmac(**options: Any) -> SignatureScheme:
    return HmacSignature(**options)


SCHEMES: Mapping[str, Callable[..., SignatureScheme]] = {
    "hubspot_v3": HubSpotV3,
    "stripe": StripeSignature,
    "slack_v0": SlackV0,
    "standard_webhooks": StandardWebhooks,
    "svix": StandardWebhooks,
    "shopify": lambda **kw: HmacSignature(
        "X-Shopify-Hmac-Sha256", encoding="base64", name="shopify", **kw
    ),
    "github_sha256": lambda **kw: HmacSignature(
        "X-Hub-Signature-256", prefix="sha256=", name="github_sha256", **kw
    ),
    "github": lambda **kw: HmacSignature(
        "X-Hub-Signature-256", prefix="sha256=", name="github", **kw
    ),
    "zendesk": lambda **kw: HmacSignature(
        "X-Zendesk-Webhook-Signature",
        encoding="base64",
        name="zendesk",
        timestamp_header="X-Zendesk-Webhook-Signature-Timestamp",
        timestamp_unit="iso",
        **kw,
    ),
    "bamboohr": lambda **kw: HmacSignature(
        "X-BambooHR-Signature",
        name="bamboohr",
        timestamp_header="X-BambooHR-Timestamp",
        timestamp_position="after",
        **kw,
    ),
    "hmac": _hmac,
}


def scheme_named(name: str, options: Mapping[str, Any] | None = None) -> SignatureScheme:
    """The scheme `name` with its settings; an unknown name or setting is a `ConfigError`."""
    factory = SCHEMES.get(name)
    if factory is None:
        known = ", ".join(sorted(SCHEMES))
        raise ConfigError("webhooks.scheme", f"unknown scheme {name!r}; known: {known}")
    try:
        return factory(**dict(options or {}))
    except TypeError as exc:
        raise ConfigError(f"webhooks.{name}", f"bad settings: {exc}") from None
