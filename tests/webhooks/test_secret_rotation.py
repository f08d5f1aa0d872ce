"""Subscription secrets follow `interlink vault rotate-key`: re-sealed, never stranded."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import standardwebhooks
from sqlalchemy import update
from tests.simulators.conftest import serving
from tests.webhooks.test_outbound import Endpoint, change
from typer.testing import CliRunner

from interlink._clock import FakeClock
from interlink.cli import app
from interlink.store import Store, open_store
from interlink.vault import FileKeySource, Key, Vault, blob_key_id
from interlink.webhooks import OutboundDispatcher, Subscriptions, SubscriptionSecrets
from interlink.webhooks._outbound_tables import subscriptions


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The commands see only what each test gives them."""
    for name in ("INTERLINK_SECRET_KEY", "INTERLINK_SECRET_KEY_RETIRED", "INTERLINK_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    """A product's endpoint, served with uvicorn on loopback."""
    hook = Endpoint()
    async with serving(hook) as base:
        hook.url = f"{base}/hooks"
        yield hook


def _sealed_key_ids(store: Store) -> list[str]:
    with store._engine.connect() as conn:
        rows = conn.execute(subscriptions.select()).all()
    return [blob_key_id(bytes(row.secret), what="a secret") for row in rows]


async def test_a_subscription_still_signs_after_rotate_key_drop_retired(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    """After `rotate-key --drop-retired` the secret of a subscription made before it opens
    under the new key alone, equals the original, and signs deliveries that verify."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    clock = FakeClock(start=time.time())  # the SDK checks timestamps on the real clock
    with open_store(url, clock=clock) as store:
        vault = Vault(store, FileKeySource(key_file))
        old_key = vault.keyring.current.id
        tenant = store.create_tenant("Acme")
        store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                                connection_id="conn_out")  # fmt: skip
        sub, secret = Subscriptions.for_vault(store._engine, vault).add(tenant.id, endpoint.url)

    result = CliRunner().invoke(
        app, ["vault", "rotate-key", "--database", url, "--key-file", str(key_file),
              "--drop-retired", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    with open_store(url, clock=clock) as store:
        vault = Vault(store, FileKeySource(key_file))
        assert vault.keyring.ids == (vault.keyring.current.id,) != (old_key,)
        assert _sealed_key_ids(store) == [vault.keyring.current.id]
        subs = Subscriptions.for_vault(store._engine, vault, clock=clock)
        assert subs.secret(sub.id) == secret
        change(store, tenant, "1", "Ada")
        dispatcher = OutboundDispatcher(subs, clock=clock)
        try:
            stats = await dispatcher.run_once()
        finally:
            await dispatcher.aclose()
    assert stats.delivered == 1
    [(headers, body)] = endpoint.received
    assert (
        standardwebhooks.Webhook(secret).verify(body, headers)["data"]["record"]["first_name"]
        == "Ada"
    )


def test_drop_refused_while_a_secret_cannot_be_resealed(store: Store, vault: Vault) -> None:
    """A subscription secret no key opens keeps the retired keys in the ring; the readable one
    is re-sealed and still opens."""
    tenant = store.create_tenant("Acme")
    subs = Subscriptions.for_vault(store._engine, vault)
    good, secret = subs.add(tenant.id, "https://example.com/good")
    bad, _ = subs.add(tenant.id, "https://example.com/bad")
    with store._writer.begin() as conn:
        blob = bytes(
            conn.execute(subscriptions.select().where(subscriptions.c.id == bad.id)).one().secret
        )
        tampered = blob[:-1] + bytes((blob[-1] ^ 1,))  # same key id, tag no longer verifies
        conn.execute(
            update(subscriptions).where(subscriptions.c.id == bad.id).values(secret=tampered)
        )
    old_key = vault.keyring.current.id

    resealer = SubscriptionSecrets.for_vault(store._engine, vault)
    report = vault.rotate(Key.generate(), drop_retired=True, resealers=[resealer])

    [resealed] = report.resealed
    assert (resealed.resealed, resealed.unreadable) == (1, (bad.id,))
    assert report.drop_refused is not None
    assert bad.id in report.drop_refused
    assert report.dropped_key_ids == ()
    assert not report.complete
    assert old_key in vault.reload().retired_ids
    assert subs.secret(good.id) == secret
