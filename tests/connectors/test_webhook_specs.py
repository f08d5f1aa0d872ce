"""Webhook declarations: their own secret kind, checked at load; every built-in reads the
deliveries its simulator signs and sends."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tests.connectors._simkit import builtin_spec, open_builtin
from tests.simulators._receiver import Recorder
from tests.simulators.conftest import serving

from interlink import ConfigError, FakeClock
from interlink.connectors import SpecError, load_spec_text
from interlink.connectors._schema_doc import WEBHOOK_SCHEMES
from interlink.mapping import parse_datetime
from interlink.pagination import compile_path
from interlink.simulators import create_simulator
from interlink.simulators._base import Simulator
from interlink.webhooks import scheme_named
from interlink.webhooks._schemes import SCHEMES

SPEC = """\
spec_version: 1
provider: acme
title: Acme
base_url: https://api.acme.test
auth: {type: bearer, token: "{credentials.token}"}
resources:
  contacts:
    model: crm.contact
    list: {path: /contacts, records: data}
    read: {remote_id: id}
webhooks:
  scheme: stripe
  secret: "{webhook_secrets.signing_secret}"
  event_id: id
"""


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        load_spec_text(text, file="acme.yaml")
    return [(p.path, p.message) for p in caught.value.problems]


def test_a_webhook_secret_is_its_own_credential_kind() -> None:
    """`{webhook_secrets.NAME}` needs no auth method to read NAME; the spec lists it."""
    spec = load_spec_text(SPEC, file="acme.yaml")
    assert spec.webhook_secrets == {"signing_secret"}
    assert spec.credentials == {"token"}
    assert spec.webhooks is not None
    assert spec.webhooks.secret_names == {"signing_secret"}


def test_active_secrets_include_the_previous_one_during_a_rotation() -> None:
    """secrets() gives the current secret, then NAME_previous while it is stored; a missing
    secret is a ConfigError naming it."""
    hooks = load_spec_text(SPEC, file="acme.yaml").webhooks
    assert hooks is not None
    assert hooks.secrets({"token": "t", "signing_secret": "whsec_new"}) == ("whsec_new",)
    both = {"signing_secret": "whsec_new", "signing_secret_previous": "whsec_old"}
    assert hooks.secrets(both) == ("whsec_new", "whsec_old")
    assert hooks.secrets({**both, "signing_secret_previous": "whsec_new"}) == ("whsec_new",)
    with pytest.raises(ConfigError, match=r"webhook_secrets\.signing_secret.*not given"):
        hooks.secrets({"token": "t"})


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        ('secret: "{webhook_secrets.signing_secret}"', "secret: whsec_abc", "webhooks.secret",
         "never hold the secret itself"),
        ('token: "{credentials.token}"', 'token: "{webhook_secrets.token}"', "auth.token",
         "webhook secrets may only be used in webhooks.secret"),
        ("scheme: stripe", "scheme: strype", "webhooks.scheme",
         "unknown webhook scheme 'strype' (did you mean 'stripe'?)"),
        ("scheme: stripe", "scheme: hmac", "webhooks.options.header",
         "is required by the hmac scheme"),
        ('"{webhook_secrets.signing_secret}"', '"{webhook_secrets.}"', "webhooks.secret",
         "bad webhook secret name"),
        ('"{webhook_secrets.signing_secret}"', '"{credentials.signing_secret}"', "webhooks.secret",
         "undeclared credential 'signing_secret' (the auth methods read: token)"),
        ("event_id: id", "event_id: id\n  events: items[", "webhooks.events", ""),
    ],
)  # fmt: skip
def test_bad_webhook_declarations_name_their_place(
    old: str, new: str, path: str, words: str
) -> None:
    """Each mistake is a SpecError problem at its path, saying what was expected."""
    problems = _problems(SPEC.replace(old, new))
    assert [p for p, _ in problems] == [path]
    assert words in problems[0][1]


def test_the_scheme_names_are_the_ones_the_webhooks_layer_verifies() -> None:
    """The loader's list of schemes and interlink.webhooks' verifiers never drift apart."""
    assert set(WEBHOOK_SCHEMES) == set(SCHEMES)


def _first(vendor: str) -> dict[str, Any]:
    """How to open each vendor's built-in and change one record (which makes it send an event)."""
    return {
        "stripe": {"secret": "webhook_secret", "resource": "customers", "values": {"name": "Ada"}},
        "shopify": {"secret": "client_secret", "resource": "customers",
                    "values": {"last_name": "Changed"}},
        "slack": {"secret": "signing_secret", "resource": "users", "values": {"title": "Boss"}},
        "github": {"secret": "webhook_secret", "resource": "issues",
                   "values": {"name": "Retitled"}},
        "zendesk": {"secret": "signing_secret", "resource": "tickets",
                    "values": {"priority": "URGENT"}},
        "bamboohr": {"secret": "webhook_private_key", "resource": "employees",
                     "values": {"job_title": "Engineer"}},
    }[vendor]  # fmt: skip


def _open(raw: Any) -> bool:
    """A record that may still be changed (not deleted, not a closed ticket)."""
    return not raw.get("deleted") and raw.get("status") not in ("closed", "solved")


def _credentials(sim: Any, vendor: str) -> tuple[dict[str, str], dict[str, str]]:
    """(credentials, variables) of a connection that may write."""
    if vendor == "stripe":
        return {"api_key": sim.default_key.value}, {}
    if vendor == "shopify":
        return {"access_token": sim.default_token.value}, {
            "shop": sim.shop_domain.removesuffix(".myshopify.com")
        }
    if vendor == "slack":
        return {"token": sim.issue_token("admin").value}, {}
    if vendor == "github":
        return {"token": sim.default_token.value}, {"owner": "acme-corp", "repo": "platform"}
    if vendor == "zendesk":
        email = "user@example.com"  # the simulator's API-token owner
        return {"email": email, "api_token": sim.default_token.value}, {"subdomain": "acme"}
    return {"api_key": sim.api_key.value}, {"company": sim.company}


VENDORS = ["stripe", "shopify", "slack", "github", "zendesk", "bamboohr"]


@pytest.mark.parametrize("vendor", VENDORS)
async def test_each_builtin_reads_its_simulators_signed_deliveries(
    vendor: str, clock: FakeClock
) -> None:
    """A record changed through the built-in connector makes the simulator send a signed
    delivery; the spec's secret (the simulator's, stored as the connection's webhook secret)
    verifies it with the declared scheme, and its paths find the changed record, the time and
    (where declared) the event id and type."""
    spec = builtin_spec(vendor)
    hooks = spec.webhooks
    assert hooks is not None
    plan = _first(vendor)
    recorder = Recorder()
    async with serving(recorder) as url:
        sim: Simulator = create_simulator(vendor, clock=clock, records=5, webhook_url=url)
        async with sim:
            credentials, variables = _credentials(sim, vendor)
            async with open_builtin(sim, clock, credentials=credentials, variables=variables) as c:
                changeable = [r async for r in c.list(plan["resource"]) if _open(r.remote_data)]
                target = changeable[0]
                await c.update(plan["resource"], target.remote_id, plan["values"])
            await sim.webhooks.flush()
            secret = getattr(sim, plan["secret"])
    stored = {**credentials, **dict.fromkeys(spec.webhook_secrets, secret)}
    headers, body = recorder.requests[-1]
    scheme = scheme_named(hooks.scheme, hooks.options)
    scheme.verify(headers, body, hooks.secrets(stored), clock.time(), url=url)
    document = orjson.loads(body)
    events = hooks.events.get(document) if hooks.events is not None else document
    event = events[-1] if isinstance(events, list) else events
    assert hooks.object_id is not None
    assert str(hooks.object_id.get(event)) == target.remote_id
    occurred = hooks.occurred_at
    where = occurred["path"] if isinstance(occurred, dict) else occurred
    occurred_path = compile_path(where, where="webhooks.occurred_at")
    assert parse_datetime(occurred_path.get(event)) is not None
    for declared in (hooks.event_id, hooks.event_type):
        assert declared is None or declared.get(event)
