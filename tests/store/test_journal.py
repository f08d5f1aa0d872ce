"""Drift findings, change events and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.store.conftest import Seeded, record

from interlink.store import Checkpoint, RunStats, Store

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def test_drift_is_counted_from_first_to_last_sighting(store: Store, seeded: Seeded) -> None:
    """The same finding again increments its count and moves last_seen; first_seen stays."""
    cid = seeded.connection.id
    store.record_drift(cid, "contacts", [("new_field", "nickname", "str")], T0)
    store.record_drift(
        cid,
        "contacts",
        [("new_field", "nickname", "str"), ("type_changed", "age", "expected int, got str")],
        T0 + timedelta(hours=1),
    )
    store.record_drift(cid, "companies", [("missing_field", "domain", "expected str")], T0)
    store.record_drift(cid, "contacts", [], T0)  # nothing found: nothing written
    contacts = store.list_drift(cid, "contacts")
    assert [(d.kind, d.field, d.count) for d in contacts] == [
        ("new_field", "nickname", 2),
        ("type_changed", "age", 1),
    ]
    assert (contacts[0].first_seen, contacts[0].last_seen) == (T0, T0 + timedelta(hours=1))
    assert contacts[1].detail == "expected int, got str"
    assert len(store.list_drift(cid)) == 3


def test_change_events_page_by_seq_and_filter(store: Store, seeded: Seeded) -> None:
    """Events come oldest first after a seq, filtered by tenant or connection, up to `limit`."""
    other = store.create_tenant("Globex", tenant_id="ten_other")
    conn = store.create_connection(other.id, "zendesk", auth_method="x", variables={})
    run = store.start_run(conn.id, "contacts", "full")
    seeded.page(store, [record("1"), record("2"), record("3")])
    store.apply_page(
        tenant_id=other.id,
        connection_id=conn.id,
        resource="contacts",
        model="crm.contact",
        records=[record("x")],
        checkpoint=Checkpoint(conn.id, "contacts"),
        run_id=run.id,
        stats=RunStats(),
    )
    everything = store.change_events()
    assert [e.remote_id for e in everything] == ["1", "2", "3", "x"]
    first_two = store.change_events(limit=2)
    rest = store.change_events(after_seq=first_two[-1].seq)
    assert first_two + rest == everything
    assert [e.remote_id for e in store.change_events(tenant_id=other.id)] == ["x"]
    assert [e.remote_id for e in store.change_events(connection_id=seeded.connection.id)] == [
        "1",
        "2",
        "3",
    ]
    event = everything[0]
    assert (event.tenant_id, event.connection_id, event.resource, event.model) == (
        seeded.tenant.id,
        seeded.connection.id,
        "contacts",
        "crm.contact",
    )
    assert (event.record_id, event.kind) == ("rec_1", "created")
    assert event.occurred_at.tzinfo == UTC


def test_audit_log_newest_first_per_tenant(store: Store, seeded: Seeded) -> None:
    """Audit entries read back newest first, with their detail, optionally for one tenant."""
    store.audit("cli", "connection.add", seeded.connection.id, "ok", tenant_id=seeded.tenant.id)
    store.audit("operator", "vault.rotate", "vault", "ok", detail={"rotated": 3})
    store.audit("api:key_1", "record.update", "rec_1", "conflict", tenant_id=seeded.tenant.id)
    entries = store.list_audit()
    assert [e.action for e in entries] == ["record.update", "vault.rotate", "connection.add"]
    assert entries[1].detail == {"rotated": 3}
    assert entries[1].tenant_id is None
    assert [e.action for e in store.list_audit(tenant_id=seeded.tenant.id, limit=1)] == [
        "record.update"
    ]
    assert entries[0].seq > entries[1].seq > entries[2].seq


def test_audit_log_outlives_the_connection(store: Store, seeded: Seeded) -> None:
    """Deleting a connection keeps the audit entries that name it."""
    store.audit("cli", "connection.remove", seeded.connection.id, "ok")
    store.delete_connection(seeded.connection.id)
    assert [e.target for e in store.list_audit()] == [seeded.connection.id]
