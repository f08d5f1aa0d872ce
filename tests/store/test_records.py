"""Records: pages upserted with their checkpoint, change detection by hash, reads and listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.store.conftest import Seeded, record

from interlink._clock import FakeClock
from interlink.errors import StoreError
from interlink.store import Checkpoint, PageResult, RunStats, Store


def kinds(store: Store, after: int = 0) -> list[tuple[str, str]]:
    """(kind, remote_id) of each change event after `after`, in commit order."""
    return [(e.kind, e.remote_id) for e in store.change_events(after_seq=after)]


def last_seq(store: Store) -> int:
    events = store.change_events(limit=100_000)
    return events[-1].seq if events else 0


def test_first_page_creates_records_and_events_in_page_order(store: Store, seeded: Seeded) -> None:
    """New records are stored whole and announced as `created`, in the page's order."""
    result = seeded.page(store, [record("3"), record("1"), record("2")])
    assert result == PageResult(created=3)
    assert kinds(store) == [("created", "3"), ("created", "1"), ("created", "2")]
    row = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    assert row is not None
    assert (row.id, row.tenant_id, row.model) == ("rec_1", seeded.tenant.id, "crm.contact")
    assert row.data == {"first_name": "Ada 1", "version": 1}
    assert row.remote_data == {"id": "1", "properties": {"v": 1}}
    assert row.content_hash == "hash-1-1"
    assert row.modified_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert row.remote_was_deleted is False
    assert row.first_seen_at == row.updated_at
    assert len(row.etag) == 16


def test_unchanged_record_is_not_rewritten_and_emits_nothing(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """The same content hash again changes no row and emits no event."""
    seeded.page(store, [record("1"), record("2")])
    before = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    seq = last_seq(store)
    clock.advance(60)
    result = seeded.page(store, [record("1"), record("2")])
    assert result == PageResult(unchanged=2)
    assert kinds(store, seq) == []
    assert store.get_record_by_remote(seeded.connection.id, "contacts", "1") == before


def test_changed_record_is_updated_with_a_new_etag(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """A new content hash rewrites the record, moving updated_at and the etag, not first_seen_at."""
    seeded.page(store, [record("1")])
    before = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    assert before is not None
    clock.advance(60)
    result = seeded.page(store, [record("1", version=2, record_id="rec_other")])
    after = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    assert after is not None
    assert result == PageResult(updated=1)
    assert kinds(store)[-1] == ("updated", "1")
    assert after.id == before.id  # the stored id is stable; the new page's id is ignored
    assert after.data["version"] == 2
    assert after.etag != before.etag
    assert after.first_seen_at == before.first_seen_at
    assert after.updated_at - before.updated_at == timedelta(seconds=60)


def test_deletions_mark_stored_records_and_ignore_unknown_ones(
    store: Store, seeded: Seeded
) -> None:
    """A deletion marks a stored record once (one `deleted` event); one never stored is ignored."""
    seeded.page(store, [record("1"), record("2")])
    seq = last_seq(store)
    result = seeded.page(store, [record("1", deleted=True), record("99", deleted=True)])
    assert result == PageResult(deleted=1)
    assert kinds(store, seq) == [("deleted", "1")]
    gone = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    assert gone is not None
    assert gone.remote_was_deleted is True
    assert store.get_record_by_remote(seeded.connection.id, "contacts", "99") is None
    seq = last_seq(store)
    assert seeded.page(store, [record("1", deleted=True)]) == PageResult(unchanged=1)
    assert kinds(store, seq) == []


def test_a_deleted_record_that_comes_back_is_updated(store: Store, seeded: Seeded) -> None:
    """A record seen again after its deletion is live again, announced as `updated`."""
    seeded.page(store, [record("1")])
    seeded.page(store, [record("1", deleted=True)])
    seq = last_seq(store)
    assert seeded.page(store, [record("1")]) == PageResult(updated=1)
    assert kinds(store, seq) == [("updated", "1")]
    row = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    assert row is not None
    assert row.remote_was_deleted is False


def test_mixed_page_events_follow_the_page(store: Store, seeded: Seeded) -> None:
    """Created, updated and deleted events of one page come in the page's order."""
    seeded.page(store, [record("a"), record("b")])
    seq = last_seq(store)
    seeded.page(store, [record("b", deleted=True), record("c"), record("a", version=2)])
    assert kinds(store, seq) == [("deleted", "b"), ("created", "c"), ("updated", "a")]
    events = store.change_events(after_seq=seq)
    assert [e.seq for e in events] == sorted(e.seq for e in events)


def test_checkpoint_and_run_stats_commit_with_the_page(store: Store, seeded: Seeded) -> None:
    """The page's checkpoint and the run's counters are stored by the same call."""
    watermark = datetime(2026, 5, 1, tzinfo=UTC)
    stats = RunStats(seen=2, created=2, requests=3, retries=1, absorbed_429s=1)
    seeded.page(
        store,
        [record("1"), record("2")],
        checkpoint=Checkpoint(
            seeded.connection.id, "contacts", watermark=watermark, resume={"after": "2"}
        ),
        stats=stats,
    )
    cp = store.get_checkpoint(seeded.connection.id, "contacts")
    assert (cp.watermark, cp.resume) == (watermark, {"after": "2"})
    run = store.get_run(seeded.run.id)
    assert run is not None
    assert run.stats == stats


def test_failure_after_the_upsert_rolls_back_records_and_checkpoint(
    store: Store, seeded: Seeded
) -> None:
    """When apply_page fails after writing records (unknown run), neither they nor the
    checkpoint nor any event is kept."""
    with pytest.raises(StoreError, match="no sync run 'run_ghost'"):
        store.apply_page(
            tenant_id=seeded.tenant.id,
            connection_id=seeded.connection.id,
            resource="contacts",
            model="crm.contact",
            records=[record("1"), record("2")],
            checkpoint=Checkpoint(
                seeded.connection.id, "contacts", watermark=datetime(2026, 5, 1, tzinfo=UTC)
            ),
            run_id="run_ghost",
            stats=RunStats(seen=2),
        )
    assert store.count_records(include_deleted=True) == 0
    assert store.get_checkpoint(seeded.connection.id, "contacts").watermark is None
    assert store.change_events() == []


def test_page_for_another_tenants_connection_is_refused(store: Store, seeded: Seeded) -> None:
    """A page naming a tenant that does not own the connection changes nothing."""
    store.create_tenant("Globex", tenant_id="ten_other")
    with pytest.raises(StoreError, match="does not belong to tenant 'ten_other'"):
        store.apply_page(
            tenant_id="ten_other",
            connection_id=seeded.connection.id,
            resource="contacts",
            model="crm.contact",
            records=[record("1")],
            checkpoint=Checkpoint(seeded.connection.id, "contacts"),
            run_id=seeded.run.id,
            stats=RunStats(),
        )
    assert store.count_records() == 0


def test_checkpoint_of_another_resource_is_refused(store: Store, seeded: Seeded) -> None:
    """A checkpoint for a different (connection, resource) than the page is a StoreError."""
    with pytest.raises(StoreError, match="was given the checkpoint of conn_hs/companies"):
        seeded.page(store, [record("1")], checkpoint=Checkpoint(seeded.connection.id, "companies"))
    assert store.count_records() == 0


def test_a_remote_id_twice_in_one_page_keeps_the_last(store: Store, seeded: Seeded) -> None:
    """A page repeating a remote id stores one record, with the last copy's content."""
    result = seeded.page(store, [record("1"), record("1", version=2)])
    assert result == PageResult(created=1)
    row = store.get_record_by_remote(seeded.connection.id, "contacts", "1")
    assert row is not None
    assert row.data["version"] == 2


def test_pages_larger_than_one_lookup_chunk(store: Store, seeded: Seeded) -> None:
    """A page of 1,201 records (three lookup chunks) is created, then recognised as unchanged."""
    page = [record(str(i)) for i in range(1201)]
    assert seeded.page(store, page) == PageResult(created=1201)
    assert seeded.page(store, page) == PageResult(unchanged=1201)
    changed = [record(str(i), version=2 if i % 2 else 1) for i in range(1201)]
    assert seeded.page(store, changed) == PageResult(updated=600, unchanged=601)


def test_full_reconciliation_marks_what_was_not_seen(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """Full mode touches unchanged records; those not seen since the run began are deleted."""
    seeded.page(store, [record("a"), record("b"), record("c")])
    clock.advance(3600)
    full = store.start_run(seeded.connection.id, "contacts", "full")
    began = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1)
    store.apply_page(
        tenant_id=seeded.tenant.id,
        connection_id=seeded.connection.id,
        resource="contacts",
        model="crm.contact",
        records=[record("a"), record("b")],
        checkpoint=Checkpoint(seeded.connection.id, "contacts"),
        run_id=full.id,
        stats=RunStats(seen=2, unchanged=2),
        touch_unchanged=True,
    )
    seq = last_seq(store)
    gone = store.mark_missing_deleted(
        connection_id=seeded.connection.id, resource="contacts", seen_since=began, run_id=full.id
    )
    assert gone == 1
    assert kinds(store, seq) == [("deleted", "c")]
    assert store.count_records() == 2
    run = store.get_run(full.id)
    assert run is not None
    assert run.stats.deleted == 1
    # Already deleted: not counted again.
    assert (
        store.mark_missing_deleted(
            connection_id=seeded.connection.id,
            resource="contacts",
            seen_since=began,
            run_id=full.id,
        )
        == 0
    )


def test_incremental_pages_do_not_touch_unchanged_records(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """Without touch_unchanged an unchanged record keeps its last_seen_at: reconciliation
    would count it missing, which is why full runs touch."""
    seeded.page(store, [record("a")])
    clock.advance(10)
    began = datetime.fromtimestamp(clock.time(), UTC)
    seeded.page(store, [record("a")])
    assert (
        store.mark_missing_deleted(
            connection_id=seeded.connection.id,
            resource="contacts",
            seen_since=began,
            run_id=seeded.run.id,
        )
        == 1
    )


def test_upsert_record_writes_through_one_record(store: Store, seeded: Seeded) -> None:
    """A single write returns the stored row and the change it made (None when unchanged)."""
    args = {
        "tenant_id": seeded.tenant.id,
        "connection_id": seeded.connection.id,
        "resource": "contacts",
        "model": "crm.contact",
    }
    row, kind = store.upsert_record(**args, record=record("7"))
    assert (row.remote_id, kind) == ("7", "created")
    assert store.upsert_record(**args, record=record("7")) == (row, None)
    updated, kind = store.upsert_record(**args, record=record("7", version=2))
    assert kind == "updated"
    assert updated.etag != row.etag
    deleted, kind = store.upsert_record(**args, record=record("7", deleted=True))
    assert (kind, deleted.remote_was_deleted) == ("deleted", True)
    assert kinds(store) == [("created", "7"), ("updated", "7"), ("deleted", "7")]
    with pytest.raises(StoreError, match=r"cannot delete record '8'.*never stored"):
        store.upsert_record(**args, record=record("8", deleted=True))


def test_get_record_is_tenant_scoped(store: Store, seeded: Seeded) -> None:
    """`get_record(id, tenant_id=other)` is None; by id alone or with the owner it is found."""
    seeded.page(store, [record("1")])
    store.create_tenant("Globex", tenant_id="ten_other")
    assert store.get_record("rec_1") is not None
    assert store.get_record("rec_1", tenant_id=seeded.tenant.id) is not None
    assert store.get_record("rec_1", tenant_id="ten_other") is None
    assert store.get_record("rec_nope") is None


def test_keyset_listing_walks_every_record_once(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """Pages after (updated_at, id) visit each record exactly once, ties broken by id, and a
    record changed during the walk shows up again at the end."""
    seeded.page(store, [record(f"{i:02d}") for i in range(10)])
    clock.advance(1)
    seeded.page(store, [record(f"{i:02d}") for i in range(10, 23)])
    seen: list[str] = []
    after: tuple[datetime, str] | None = None
    while True:
        page = store.list_records(
            tenant_id=seeded.tenant.id,
            connection_ids=[seeded.connection.id],
            model="crm.contact",
            after=after,
            limit=4,
        )
        if not page:
            break
        seen.extend(row.remote_id for row in page)
        after = (page[-1].updated_at, page[-1].id)
        if len(seen) == 8:
            clock.advance(1)
            seeded.page(store, [record("03", version=2)])
    assert seen == [f"{i:02d}" for i in range(23)] + ["03"]


def test_list_records_filters(store: Store, seeded: Seeded, clock: FakeClock) -> None:
    """Listing filters by tenant, connections, model, resource, modified_after and deletion."""
    seeded.page(store, [record("1"), record("2")])
    clock.advance(10)
    cut = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1)
    seeded.page(store, [record("3"), record("2", deleted=True)])
    seeded.page(store, [record("c1")], resource="companies")

    def ids(**kwargs: object) -> list[str]:
        query: dict[str, object] = {
            "tenant_id": seeded.tenant.id,
            "connection_ids": None,
            "model": "crm.contact",
        }
        query.update(kwargs)
        return sorted(row.remote_id for row in store.list_records(**query))

    assert ids() == ["1", "3", "c1"]
    assert ids(resource="contacts") == ["1", "3"]
    assert ids(include_deleted=True) == ["1", "2", "3", "c1"]
    assert ids(modified_after=cut, include_deleted=True) == ["2", "3", "c1"]
    assert ids(connection_ids=[]) == []
    assert ids(model="crm.company") == []
    assert ids(tenant_id="ten_other") == []
    with pytest.raises(StoreError, match="limit must be >= 1"):
        ids(limit=0)


def test_count_records(store: Store, seeded: Seeded) -> None:
    """Counts per connection and resource, deleted records only when asked."""
    seeded.page(store, [record("1"), record("2")])
    seeded.page(store, [record("2", deleted=True)])
    seeded.page(store, [record("c1")], resource="companies")
    assert store.count_records() == 2
    assert store.count_records(include_deleted=True) == 3
    assert store.count_records(connection_id=seeded.connection.id, resource="contacts") == 1
    assert store.count_records(connection_id="conn_other") == 0
