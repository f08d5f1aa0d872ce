"""Tenants, connections and sealed credentials, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.store.conftest import Seeded, record

from interlink._clock import FakeClock
from interlink.errors import StoreError
from interlink.store import Checkpoint, EncryptedCredential, Store


def test_tenants_are_created_read_and_listed(store: Store, clock: FakeClock) -> None:
    """A tenant reads back as created; unknown ids are None; the list is oldest first."""
    first = store.create_tenant("Acme", tenant_id="ten_z", settings={"plan": "pro"})
    clock.advance(1)
    second = store.create_tenant("Globex")
    assert second.id.startswith("ten_")
    assert store.get_tenant("ten_z") == first
    assert first.settings == {"plan": "pro"}
    assert store.get_tenant("ten_nope") is None
    assert [t.id for t in store.list_tenants()] == ["ten_z", second.id]


def test_duplicate_tenant_id_is_named(store: Store) -> None:
    """Creating a tenant under an id already taken is a StoreError naming it."""
    store.create_tenant("Acme", tenant_id="ten_a")
    with pytest.raises(StoreError, match="tenant 'ten_a' already exists"):
        store.create_tenant("Other", tenant_id="ten_a")


def test_tenant_settings_are_merged_by_update(store: Store) -> None:
    """update_tenant merges the given settings, keeps the others, and persists them; an
    unknown tenant is a StoreError naming it and changes nothing."""
    store.create_tenant("Acme", tenant_id="ten_a", settings={"plan": "pro"})
    updated = store.update_tenant("ten_a", settings={"require_if_match": True})
    assert updated.settings == {"plan": "pro", "require_if_match": True}
    assert store.get_tenant("ten_a") == updated
    with pytest.raises(StoreError, match="no tenant 'ten_nope'"):
        store.update_tenant("ten_nope", settings={"require_if_match": True})
    assert [t.id for t in store.list_tenants()] == ["ten_a"]


def test_connection_round_trip_and_listing(store: Store, clock: FakeClock) -> None:
    """A connection reads back whole; listings filter by tenant and provider, oldest first."""
    store.create_tenant("Acme", tenant_id="ten_a")
    store.create_tenant("Globex", tenant_id="ten_b")
    hubspot = store.create_connection(
        "ten_a",
        "hubspot",
        auth_method="oauth2",
        variables={"portal": "42"},
        settings={"lookback": 300},
        name="Main CRM",
    )
    clock.advance(1)
    zendesk = store.create_connection(
        "ten_a", "zendesk", auth_method="api_token", variables={"subdomain": "acme"}
    )
    clock.advance(1)
    other = store.create_connection("ten_b", "hubspot", auth_method="oauth2", variables={})
    assert store.get_connection(hubspot.id) == hubspot
    assert hubspot.status == "active"
    assert hubspot.variables == {"portal": "42"}
    assert hubspot.name == "Main CRM"
    assert store.list_connections() == [hubspot, zendesk, other]
    assert store.list_connections(tenant_id="ten_a") == [hubspot, zendesk]
    assert store.list_connections(provider="hubspot") == [hubspot, other]
    assert store.list_connections(tenant_id="ten_b", provider="zendesk") == []


def test_connection_of_another_tenant_is_invisible(store: Store, seeded: Seeded) -> None:
    """`get_connection(id, tenant_id=other)` is None; with the owner it is the connection."""
    store.create_tenant("Globex", tenant_id="ten_other")
    assert store.get_connection(seeded.connection.id, tenant_id="ten_other") is None
    assert store.get_connection(seeded.connection.id, tenant_id=seeded.tenant.id) is not None


def test_connection_for_unknown_tenant_is_named(store: Store) -> None:
    """A connection for a tenant that does not exist is a StoreError naming the tenant id."""
    with pytest.raises(StoreError, match="no tenant 'ten_ghost'"):
        store.create_connection("ten_ghost", "hubspot", auth_method="oauth2", variables={})
    assert store.list_connections() == []


def test_duplicate_connection_id_is_named(store: Store, seeded: Seeded) -> None:
    """Reusing a connection id is a StoreError naming it."""
    with pytest.raises(StoreError, match="connection 'conn_hs' already exists"):
        store.create_connection(
            seeded.tenant.id, "hubspot", auth_method="x", variables={}, connection_id="conn_hs"
        )


def test_update_connection_replaces_what_is_given(store: Store, seeded: Seeded) -> None:
    """Status, settings and variables are each replaced when given and kept when not."""
    updated = store.update_connection(seeded.connection.id, status="disabled")
    assert updated.status == "disabled"
    assert updated.variables == seeded.connection.variables
    updated = store.update_connection(
        seeded.connection.id, settings={"interval": 60}, variables={"portal": "7"}
    )
    assert (updated.status, updated.settings, updated.variables) == (
        "disabled",
        {"interval": 60},
        {"portal": "7"},
    )
    assert store.get_connection(seeded.connection.id) == updated


def test_update_connection_refuses_bad_status_and_unknown_id(store: Store, seeded: Seeded) -> None:
    """An unknown status or connection id is a StoreError naming it; nothing changes."""
    with pytest.raises(StoreError, match="status 'paused'"):
        store.update_connection(seeded.connection.id, status="paused")
    with pytest.raises(StoreError, match="no connection 'conn_ghost'"):
        store.update_connection("conn_ghost", status="active")
    assert store.get_connection(seeded.connection.id) == seeded.connection


def test_delete_connection_cascades_to_everything_it_owns(store: Store, seeded: Seeded) -> None:
    """Deleting a connection removes its credentials, records, checkpoints, runs, drift and
    change events, and leaves another connection's rows alone."""
    other = store.create_connection(seeded.tenant.id, "zendesk", auth_method="x", variables={})
    for conn_id in (seeded.connection.id, other.id):
        store.put_credential(conn_id, "k1", b"sealed")
        store.record_drift(conn_id, "contacts", [("new_field", "x", "str")], datetime.now(UTC))
    seeded.page(
        store,
        [record("1"), record("2")],
        checkpoint=Checkpoint(seeded.connection.id, "contacts", watermark=datetime.now(UTC)),
    )
    other_run = store.start_run(other.id, "tickets", "full")
    store.apply_page(
        tenant_id=seeded.tenant.id,
        connection_id=other.id,
        resource="tickets",
        model="ticketing.ticket",
        records=[record("9")],
        checkpoint=Checkpoint(other.id, "tickets"),
        run_id=other_run.id,
        stats=other_run.stats,
    )

    assert store.delete_connection(seeded.connection.id) is True

    assert store.get_connection(seeded.connection.id) is None
    assert store.get_credential(seeded.connection.id) is None
    assert store.count_records(connection_id=seeded.connection.id, include_deleted=True) == 0
    assert store.get_checkpoint(seeded.connection.id, "contacts").watermark is None
    assert store.get_run(seeded.run.id) is None
    assert store.list_drift(seeded.connection.id) == []
    assert store.change_events(connection_id=seeded.connection.id) == []
    # The other connection is untouched.
    assert store.get_credential(other.id) is not None
    assert store.count_records(connection_id=other.id) == 1
    assert len(store.list_drift(other.id)) == 1
    assert len(store.change_events(connection_id=other.id)) == 1
    assert store.delete_connection(seeded.connection.id) is False


def test_put_credential_inserts_then_replaces(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """The first put stores the sealed blob; the next replaces key_id, blob and updated_at."""
    assert store.get_credential(seeded.connection.id) is None
    store.put_credential(seeded.connection.id, "key-1", b"\x00nonce+cipher")
    first = store.get_credential(seeded.connection.id)
    assert first is not None
    assert (first.key_id, first.blob) == ("key-1", b"\x00nonce+cipher")
    clock.advance(5)
    store.put_credential(seeded.connection.id, "key-2", b"other")
    second = store.get_credential(seeded.connection.id)
    assert second is not None
    assert (second.key_id, second.blob) == ("key-2", b"other")
    assert (second.updated_at - first.updated_at).total_seconds() == 5
    assert store.list_credentials() == [second]


def test_put_credential_for_unknown_connection_is_named(store: Store) -> None:
    """Credentials for a connection that does not exist are a StoreError naming it."""
    with pytest.raises(StoreError, match="no connection 'conn_ghost'"):
        store.put_credential("conn_ghost", "k", b"x")


def test_replace_credentials_is_compare_and_swap(store: Store, seeded: Seeded) -> None:
    """A rotation replaces only rows still under the key it read; a concurrent put survives."""
    other = store.create_connection(seeded.tenant.id, "zendesk", auth_method="x", variables={})
    store.put_credential(seeded.connection.id, "old", b"a-old")
    store.put_credential(other.id, "old", b"b-old")
    read = {cred.connection_id: cred.key_id for cred in store.list_credentials()}
    # While the rotation re-encrypts, a token refresh seals `other` under the new key.
    store.put_credential(other.id, "new", b"b-refreshed")
    now = datetime.now(UTC)
    replaced = store.replace_credentials(
        [
            EncryptedCredential(seeded.connection.id, "new", b"a-rotated", now),
            EncryptedCredential(other.id, "new", b"b-rotated-from-stale-read", now),
        ],
        expected_key_ids=read,
    )
    assert replaced == 1
    mine = store.get_credential(seeded.connection.id)
    theirs = store.get_credential(other.id)
    assert mine is not None
    assert (mine.key_id, mine.blob) == ("new", b"a-rotated")
    assert theirs is not None
    assert theirs.blob == b"b-refreshed"


def test_replace_credentials_compares_the_blob_too(store: Store, seeded: Seeded) -> None:
    """A credential re-sealed under the SAME old key after the rotation read it (a host still
    on the old keyring refreshing a token) is not overwritten: the blob is compared too."""
    store.put_credential(seeded.connection.id, "old", b"a-old")
    [read] = store.list_credentials()
    store.put_credential(seeded.connection.id, "old", b"a-refreshed-by-another-host")
    rotated = EncryptedCredential(seeded.connection.id, "new", b"a-rotated", datetime.now(UTC))
    replaced = store.replace_credentials(
        [rotated],
        expected_key_ids={read.connection_id: read.key_id},
        expected_blobs={read.connection_id: read.blob},
    )
    assert replaced == 0
    stored = store.get_credential(seeded.connection.id)
    assert stored is not None
    assert (stored.key_id, stored.blob) == ("old", b"a-refreshed-by-another-host")
    replaced = store.replace_credentials(
        [rotated],
        expected_key_ids={read.connection_id: "old"},
        expected_blobs={read.connection_id: stored.blob},
    )
    assert replaced == 1


def test_replace_credentials_needs_an_expected_key_per_row(store: Store, seeded: Seeded) -> None:
    """A row without an expected key_id is refused before anything is written."""
    store.put_credential(seeded.connection.id, "old", b"x")
    row = EncryptedCredential(seeded.connection.id, "new", b"y", datetime.now(UTC))
    with pytest.raises(StoreError, match="no expected key_id"):
        store.replace_credentials([row], expected_key_ids={})
    stored = store.get_credential(seeded.connection.id)
    assert stored is not None
    assert stored.key_id == "old"
