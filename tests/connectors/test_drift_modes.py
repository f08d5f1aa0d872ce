"""Strict and permissive connections against a HubSpot whose schema drifts mid-listing."""

from __future__ import annotations

import pytest
from hubkit import open_hubspot

import interlink
from interlink import ASGITransport, FakeClock, State
from interlink.errors import MappingError
from interlink.mapping import DriftFinding
from interlink.simulators import FaultConfig, SchemaDrift
from interlink.simulators.hubspot import HubSpotSimulator

RENAME = SchemaDrift(rename={"email": "email_address"}, add={"loyalty_tier": "gold"})


def _strict(sim: HubSpotSimulator, clock: FakeClock) -> interlink.Connection:
    return interlink.connect(
        "hubspot",
        credentials={"access_token": sim.default_token.value},
        connection_id="conn-strict",
        state=State.in_process(clock=clock),
        transport=ASGITransport(sim.app),
        clock=clock,
        strict=True,
    )


async def test_strict_connection_refuses_the_first_drifting_record(
    hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """Strict mode reads undrifted records, then fails loudly on the first record whose
    email property was renamed, naming the field, the record and the connection."""
    async with _strict(hubspot, clock) as conn:
        first = [c async for c in conn.list("contacts")]
        assert len(first) == 250
        hubspot.faults.configure(FaultConfig(drift=RENAME))
        with pytest.raises(MappingError) as raised:
            [c async for c in conn.list("contacts")]
    error = raised.value
    assert error.field in {"properties.email_address", "properties.email"}
    assert error.connection_id == "conn-strict"
    assert error.remote_id == first[0].remote_id


async def test_permissive_connection_keeps_going_and_the_detector_reports(
    hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """The default connection maps drifted records; a detector fed the raw pages reports the
    renamed and added properties once per record, with types only."""
    async with open_hubspot(hubspot, clock) as conn:
        detector = conn.resource("contacts").mapping.drift_detector()
        baseline = [c async for c in conn.list("contacts")]
        detector.observe([c.remote_data for c in baseline])
        hubspot.faults.configure(FaultConfig(drift=RENAME))
        drifted = [c async for c in conn.list("contacts")]
        detector.observe([c.remote_data for c in drifted])
    assert len(drifted) == 250
    assert all(c.email_addresses == [] for c in drifted)  # kept going: the email is gone
    assert detector.take() == [
        DriftFinding("missing_field", "properties.email", "expected string", 250),
        DriftFinding("new_field", "properties.email_address", "string", 250),
        DriftFinding("new_field", "properties.loyalty_tier", "string", 250),
    ]


async def test_strict_connection_judges_the_very_first_record(
    hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """With an unknown property from the start there is no good baseline: strict mode still
    refuses the first record, naming the property; permissive keeps it as a custom field."""
    hubspot.faults.configure(FaultConfig(drift=SchemaDrift(add={"loyalty_tier": "gold"})))
    async with open_hubspot(hubspot, clock) as conn:
        first = await anext(aiter(conn.list("contacts")))
    assert first.custom_fields["loyalty_tier"] == "gold"
    async with _strict(hubspot, clock) as conn:
        with pytest.raises(MappingError, match="strict mode refuses it") as raised:
            await anext(aiter(conn.list("contacts")))
    assert (raised.value.field, raised.value.remote_id) == (
        "properties.loyalty_tier",
        first.remote_id,
    )


async def test_every_builtin_hubspot_record_passes_strict_mode(
    hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """The spec declares all the simulator sends (custom properties, archivedAt): a strict
    connection lists live and archived contacts without a refusal."""
    async with _strict(hubspot, clock) as conn:
        live = [c async for c in conn.list("contacts")]
        await conn.delete("contacts", live[0].remote_id)
        archived = [c async for c in conn.list("contacts", deleted=True)]
    assert len(live) == 250
    assert [c.remote_id for c in archived] == [live[0].remote_id]
