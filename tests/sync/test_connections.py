"""StoreConnections: connections from stored rows and vault credentials, rotated tokens kept."""

from __future__ import annotations

import pytest
from tests.connectors._simkit import running
from tests.sync._kit import World

from interlink import ASGITransport, FakeClock, State
from interlink.errors import ConfigError
from interlink.sync import StoreConnections, SyncEngine, SyncJob


async def test_a_rotated_refresh_token_is_sealed_into_the_vault_and_survives_a_restart(
    world: World, clock: FakeClock
) -> None:
    """Zendesk's single-use refresh token rotates during a run; a new process uses the new one."""
    async with running("zendesk", clock, records=30) as sim:
        grant = sim.issue_token("oauth")  # type: ignore[attr-defined]
        oauth = sim.oauth  # type: ignore[attr-defined]
        credentials = {"client_id": oauth.client_id, "client_secret": oauth.client_secret,
                       "refresh_token": grant.refresh_token}  # fmt: skip
        conn = await world.connection(
            "zendesk", credentials, auth_method="oauth", variables={"subdomain": "acme"}
        )
        first = await world.engine(ASGITransport(sim.app)).run(SyncJob(conn.id, "tickets"))
        assert first.outcome == "succeeded", first.error
        stored = await world.store.call(world.vault.get, conn.id)
        assert stored["refresh_token"] != grant.refresh_token
        assert stored["client_id"] == oauth.client_id

        clock.advance(3 * 3600)  # the access token has expired: a restart must refresh again
        restarted = StoreConnections(
            world.store, world.vault, state=State.in_process(clock=clock),
            transport=ASGITransport(sim.app), clock=clock,
        )  # fmt: skip
        second = await SyncEngine(world.store, restarted, clock=clock).run(
            SyncJob(conn.id, "tickets")
        )
    assert second.outcome == "succeeded", second.error


async def test_a_disabled_or_unknown_connection_is_refused_clearly(world: World) -> None:
    """Opening a disabled connection names its status; an unknown id names the id."""
    conn = await world.connection("ledger", {"token": "t"})
    await world.store.update_connection(conn.id, status="disabled")
    source = StoreConnections(world.store, world.vault)
    with pytest.raises(ConfigError, match="is disabled"):
        await source.open(conn.id)
    with pytest.raises(ConfigError, match="no connection 'nope'"):
        await source.open("nope")
    await source.close()


async def test_syncing_a_disabled_connection_records_a_failed_run(world: World) -> None:
    """The engine records why it could not even open the connection, touching nothing."""
    conn = await world.connection("ledger", {"token": "t"})
    await world.store.update_connection(conn.id, status="disabled")
    engine = SyncEngine(world.store, StoreConnections(world.store, world.vault))
    run = await engine.run(SyncJob(conn.id, "contacts"))
    assert run.outcome == "failed"
    assert "is disabled" in (run.error or "")
    with pytest.raises(ConfigError, match="no connection 'nope'"):
        await engine.run(SyncJob("nope", "contacts"))
