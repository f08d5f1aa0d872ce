"""The Python client refuses bad input before any I/O, naming provider, resource and field."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from tests.connectors._simkit import open_builtin, running

import interlink
from interlink import ConfigError, FakeClock
from interlink.mapping import InvalidWriteError
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.simulators.slack import SlackSimulator
from interlink.simulators.stripe import StripeSimulator


def _sent(sim: HubSpotSimulator) -> int:
    return sum(sim.counters.requests.values())


@pytest.mark.parametrize(
    ("values", "field", "problem"),
    [
        ({"fist_name": "Ada"}, "fist_name", "did you mean 'first_name'"),
        ({"first_name": "A", "fist_name": "B"}, "fist_name", "has no field 'fist_name'"),
        ({"id": "x", "first_name": "A"}, "id", "set by Interlink or the vendor"),
        ({"remote_data": {}}, "remote_data", "set by Interlink or the vendor"),
        ({"first_name": 42}, "first_name", "valid string (got int)"),
        ({"addresses": [{"city": "Paris"}]}, "addresses", "hubspot cannot write it"),
    ],
)
async def test_a_bad_create_is_refused_before_any_request(
    hubspot: HubSpotSimulator,
    connection: interlink.Connection,
    values: dict[str, object],
    field: str,
    problem: str,
) -> None:
    """Unknown, read-only, unwritable or mistyped fields raise InvalidWriteError naming
    hubspot.contacts.<field>; nothing reaches the vendor and nothing is created."""
    before = _sent(hubspot)
    with pytest.raises(InvalidWriteError, match=re.escape(problem)) as caught:
        await connection.create("contacts", values)
    assert caught.value.where == f"hubspot.contacts.{field}"
    assert _sent(hubspot) == before
    assert hubspot.counters.created["contacts"] == 0


async def test_a_bad_update_is_refused_before_any_request(
    hubspot: HubSpotSimulator, connection: interlink.Connection
) -> None:
    """update checks the same way: a mistyped value never leaves the process."""
    remote_id = await anext(aiter(r.remote_id async for r in connection.list("contacts")))
    before = _sent(hubspot)
    with pytest.raises(InvalidWriteError, match=r"hubspot\.contacts\.last_name"):
        await connection.update("contacts", remote_id, {"last_name": ["Lovelace"]})
    assert _sent(hubspot) == before


async def test_a_good_write_still_reaches_the_vendor(connection: interlink.Connection) -> None:
    """The check lets a valid write through unchanged: the record comes back mapped."""
    created = await connection.create("contacts", {"first_name": "Ada", "last_name": "Lovelace"})
    assert (created.first_name, created.last_name) == ("Ada", "Lovelace")


@pytest.mark.parametrize("operation", ["get", "update", "delete"])
@pytest.mark.parametrize("remote_id", ["", "  "])
async def test_an_empty_remote_id_is_refused_naming_it(
    hubspot: HubSpotSimulator, connection: interlink.Connection, operation: str, remote_id: str
) -> None:
    """An empty id would address the collection (a 307 at HubSpot): a ConfigError at remote_id."""
    before = _sent(hubspot)
    call = {
        "get": lambda: connection.get("contacts", remote_id),
        "update": lambda: connection.update("contacts", remote_id, {"first_name": "A"}),
        "delete": lambda: connection.delete("contacts", remote_id),
    }[operation]
    with pytest.raises(ConfigError, match="remote_id: hubspot contacts: must be the record's"):
        await call()
    assert _sent(hubspot) == before


async def test_a_naive_modified_after_is_refused(
    hubspot: HubSpotSimulator, connection: interlink.Connection
) -> None:
    """A time without a zone is ambiguous: a ConfigError at modified_after, no request sent."""
    before = _sent(hubspot)
    with pytest.raises(ConfigError, match="modified_after: hubspot contacts: give a time zone"):
        async for _ in connection.list("contacts", modified_after=datetime(2025, 1, 1)):
            pass
    assert _sent(hubspot) == before


async def test_creating_on_a_read_only_resource_is_the_same_error_everywhere(
    clock: FakeClock,
) -> None:
    """Stripe invoices and Slack users both declare no create: the same ConfigError kind,
    naming the resource and the operation, not a MappingError about a record."""
    errors: list[ConfigError] = []
    async with running("stripe", clock, records=3) as stripe:
        assert isinstance(stripe, StripeSimulator)
        key = stripe.default_key.value
        async with open_builtin(stripe, clock, credentials={"api_key": key}) as conn:
            with pytest.raises(ConfigError) as caught:
                await conn.create("invoices", {"number": "INV-1"})
            errors.append(caught.value)
    async with running("slack", clock, records=3) as slack:
        assert isinstance(slack, SlackSimulator)
        token = slack.default_token.value
        async with open_builtin(slack, clock, credentials={"token": token}) as conn:
            with pytest.raises(ConfigError) as caught:
                await conn.create("users", {"name": "ada"})
            errors.append(caught.value)
    assert [type(e) for e in errors] == [ConfigError, ConfigError]
    assert [e.where for e in errors] == ["resources.invoices.create", "resources.users.create"]
