"""Reading events with the built-in specs: batches, event types from headers, inferred routes."""

from __future__ import annotations

import re

import pytest
from tests.connectors.test_webhook_specs import SPEC

from interlink.connectors import ConnectorRegistry
from interlink.webhooks import MalformedDeliveryError, ProviderWebhooks


def _webhooks(provider: str) -> ProviderWebhooks:
    return ProviderWebhooks.from_spec(ConnectorRegistry.builtin().get(provider))


@pytest.mark.parametrize(
    ("provider", "event", "headers", "expected"),
    [
        ("hubspot", {"subscriptionType": "contact.propertyChange", "objectId": 7,
                     "occurredAt": 1_700_000_000_000}, {}, ("contacts", "fetch", "7")),
        ("hubspot", {"subscriptionType": "contact.deletion", "objectId": 7}, {},
         ("contacts", "delete", "7")),
        ("stripe", {"type": "customer.deleted", "data": {"object": {"id": "cus_1"}}}, {},
         ("customers", "delete", "cus_1")),
        ("shopify", {"id": 42, "updated_at": "2026-01-01T00:00:00Z"},
         {"X-Shopify-Topic": "customers/update"}, ("customers", "fetch", "42")),
        ("shopify", {"id": 42}, {"x-shopify-topic": "customers/delete"},
         ("customers", "delete", "42")),
        ("github", {"action": "edited", "issue": {"number": 5}}, {"X-GitHub-Event": "issues"},
         ("issues", "fetch", "5")),
        ("bamboohr", {"id": "12", "action": "Deleted"}, {}, ("employees", "delete", "12")),
        ("bamboohr", {"id": "12", "action": "Updated"}, {}, ("employees", "fetch", "12")),
    ],
)  # fmt: skip
def test_events_route_to_their_resource_and_action(
    provider: str, event: dict[str, object], headers: dict[str, str],
    expected: tuple[str, str, str],
) -> None:  # fmt: skip
    """Each vendor's event type (in the body, or in Shopify's and GitHub's headers) finds its
    resource and action by the naming convention, with the object's id."""
    info = _webhooks(provider).describe(event, headers)
    assert info.route is not None, info
    assert (info.route.resource, info.route.action, info.remote_id) == expected


def test_a_type_naming_another_object_is_not_routed() -> None:
    """HubSpot's deal events are not taken for contacts (no catch-all across resources)."""
    info = _webhooks("hubspot").describe({"subscriptionType": "deal.creation", "objectId": 1})
    assert info.route is None
    assert info.event_type == "deal.creation"


def test_a_batch_at_the_spec_events_path_is_split() -> None:
    """BambooHR posts {"employees": [...]}: each entry is one event."""
    webhooks = _webhooks("bamboohr")
    assert webhooks.events({"employees": [{"id": "1"}, {"id": "2"}]}) == [{"id": "1"}, {"id": "2"}]
    assert _webhooks("hubspot").events([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("provider", "body", "message"),
    [
        ("bamboohr", {"unexpected": True}, "'employees' array; in this body it is missing"),
        ("bamboohr", {"employees": {"id": "1"}}, "in this body it is an object"),
        ("bamboohr", {"employees": [{"id": "1"}, 7]},
         "event 1 of the body's 'employees' array is a number"),
        ("hubspot", [{"a": 1}, "b"], "event 1 of the body's array is a string"),
        ("hubspot", [None], "event 0 of the body's array is null"),
    ],
)  # fmt: skip
def test_events_missing_or_not_objects_are_malformed(
    provider: str, body: object, message: str
) -> None:
    """A body without its declared events array, or with an event that is not an object, is a
    MalformedDeliveryError saying which event and where (never an empty or partial batch)."""
    with pytest.raises(MalformedDeliveryError, match=re.escape(message)):
        _webhooks(provider).events(body)


def test_event_versions_read_the_vendor_time_and_integer_ids() -> None:
    """HubSpot's millisecond time and integer eventId make the version; Stripe's seconds too."""
    hubspot = _webhooks("hubspot").describe(
        {
            "subscriptionType": "contact.creation",
            "objectId": 1,
            "eventId": 77,
            "occurredAt": 1_700_000_000_123,
        }
    )
    assert hubspot.sequence == 77
    assert hubspot.occurred_at is not None
    assert hubspot.occurred_at.timestamp() == pytest.approx(1_700_000_000.123)
    stripe = _webhooks("stripe").describe(
        {
            "id": "evt_1",
            "type": "customer.updated",
            "created": 1_700_000_000,
            "data": {"object": {"id": "cus_1"}},
        }
    )
    assert (stripe.sequence, stripe.occurred_at is not None) == (None, True)


def test_a_declared_sequence_is_read_and_an_undeclared_id_never_orders_alone() -> None:
    """`webhooks.sequence` is read as an integer (a digit string too; anything else is no
    sequence); without it, an integer event id is a sequence only beside the vendor's time."""
    import dataclasses

    from interlink.pagination._paths import compile_path

    spec = ConnectorRegistry.builtin().get("hubspot")
    assert spec.webhooks is not None
    declared = dataclasses.replace(
        spec.webhooks, sequence=compile_path("version", where="webhooks.sequence")
    )
    hubspot = ProviderWebhooks.from_spec(dataclasses.replace(spec, webhooks=declared))
    event = {"subscriptionType": "contact.creation", "objectId": 1, "eventId": 77}
    assert hubspot.describe({**event, "version": 12}).sequence == 12
    assert hubspot.describe({**event, "version": "0042"}).sequence == 42
    for bad in ("v3", 1.5, True, None, 2**63):
        assert hubspot.describe({**event, "version": bad}).sequence is None
    undeclared = _webhooks("hubspot")
    assert undeclared.describe(event).sequence is None  # no time: the id does not order
    assert undeclared.describe({**event, "occurredAt": 1_700_000_000_000}).sequence == 77


def test_a_spec_declares_its_sequence_path() -> None:
    """`webhooks.sequence` in a connector spec compiles to the path the events are read at; a
    bad path is refused naming `webhooks.sequence`."""
    from interlink.connectors import SpecError, load_spec_text

    text = SPEC + "  object_id: data.id\n  sequence: data.version\n"
    spec = load_spec_text(text, file="acme.yaml")
    webhooks = ProviderWebhooks.from_spec(spec)
    info = webhooks.describe({"id": "e1", "type": "contact.updated",
                              "data": {"id": "c1", "version": 9}})  # fmt: skip
    assert (info.remote_id, info.occurred_at, info.sequence) == ("c1", None, 9)
    with pytest.raises(SpecError) as caught:
        load_spec_text(text.replace("sequence: data.version", "sequence: 'data..v'"),
                       file="acme.yaml")  # fmt: skip
    assert any(p.path == "webhooks.sequence" for p in caught.value.problems), caught.value
