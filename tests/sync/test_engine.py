"""The engine's core guarantees on a small vendor: full then incremental, checkpoints, resume."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.sync._kit import PAGE, TOKEN, Ledger, World

from interlink.connectors import ConnectorRegistry, load_spec_text
from interlink.connectors._templates import format_watermark
from interlink.http import MockTransport, Request, Response, respond
from interlink.store import RunStats
from interlink.sync import ResumePoint, SyncJob

LEDGER_TEXT = (Path(__file__).parent / "ledger.yaml").read_text()


async def test_first_run_is_a_full_listing_that_stores_every_record_once(
    world: World, ledger: Ledger
) -> None:
    """The first run lists everything, stores each record once and sets the watermark."""
    conn = await world.connection("ledger", {"token": TOKEN})
    run = await world.ledger_engine(ledger).run(SyncJob(conn.id, "contacts"))
    assert (run.outcome, run.mode, run.error) == ("succeeded", "full", None)
    assert run.stats == RunStats(seen=10, created=10, requests=4)
    assert await world.store.count_records(connection_id=conn.id) == 10
    events = await world.store.change_events(connection_id=conn.id)
    assert [e.kind for e in events] == ["created"] * 10
    cp = await world.store.get_checkpoint(conn.id, "contacts")
    assert cp.resume is None
    assert cp.watermark is not None
    assert cp.watermark.strftime("%Y-%m-%dT%H:%M:%SZ") == ledger.records["r009"]["updated"]
    assert cp.last_full_at == run.started_at


async def test_incremental_run_reads_since_watermark_minus_lookback_and_skips_unchanged(
    world: World, ledger: Ledger
) -> None:
    """The next run asks for records since watermark - lookback; unchanged ones write nothing."""
    conn = await world.connection("ledger", {"token": TOKEN})
    engine = world.ledger_engine(ledger, lookback=timedelta(minutes=5))
    await engine.run(SyncJob(conn.id, "contacts"))
    ledger.requests.clear()
    run = await engine.run(SyncJob(conn.id, "contacts"))
    assert (run.outcome, run.mode) == ("succeeded", "incremental")
    # Records are a minute apart: the watermark is r009's time, 5 minutes back is r004's.
    assert ledger.requests[0].params["since"] == ledger.records["r004"]["updated"]
    assert run.stats == RunStats(seen=6, unchanged=6, requests=2)
    assert len(await world.store.change_events(connection_id=conn.id)) == 10


async def test_changed_records_are_updated_with_one_event_each(
    world: World, ledger: Ledger
) -> None:
    """Records changed at the vendor come back as updates, one `updated` event each."""
    conn = await world.connection("ledger", {"token": TOKEN})
    engine = world.ledger_engine(ledger)
    await engine.run(SyncJob(conn.id, "contacts"))
    world.clock.advance(3600)
    ledger.touch("r002", first="Renamed")
    ledger.touch("r005")  # a new modified time is a change too
    run = await engine.run(SyncJob(conn.id, "contacts"))
    # r004..r009 come back inside the lookback, with r002: two changed, five unchanged.
    assert (run.stats.seen, run.stats.updated, run.stats.unchanged) == (7, 2, 5)
    events = await world.store.change_events(connection_id=conn.id, after_seq=10)
    assert sorted((e.kind, e.remote_id) for e in events) == [
        ("updated", "r002"),
        ("updated", "r005"),
    ]
    stored = await world.store.get_record_by_remote(conn.id, "contacts", "r002")
    assert stored is not None
    assert stored.data["first_name"] == "Renamed"
    assert stored.remote_data == ledger.records["r002"]


async def test_a_failed_page_leaves_a_checkpoint_and_the_next_run_resumes_there(
    world: World, ledger: Ledger
) -> None:
    """A run that fails on page 3 keeps pages 1-2; the next resumes at page 3, no duplicates."""
    conn = await world.connection("ledger", {"token": TOKEN})

    def fail_page_3(request: Request, n: int) -> Response | None:
        if request.params.get("cursor") == str(2 * PAGE):
            return respond(request, 400, json={"message": "bad cursor today"})
        return None

    ledger.fail = fail_page_3
    engine = world.ledger_engine(ledger)
    failed = await engine.run(SyncJob(conn.id, "contacts"))
    assert failed.outcome == "failed"
    assert "bad cursor today" in (failed.error or "")
    assert failed.stats.created == 2 * PAGE
    cp = await world.store.get_checkpoint(conn.id, "contacts")
    assert cp.watermark is None  # only a completed run moves the watermark
    point = ResumePoint.from_json(cp.resume)
    assert (point.phase, point.mode, point.run_id) == ("main", "full", failed.id)
    assert point.next_request is not None
    assert point.next_request.params["cursor"] == str(2 * PAGE)

    ledger.fail = None
    ledger.requests.clear()
    resumed = await engine.run(SyncJob(conn.id, "contacts"))
    assert (resumed.outcome, resumed.mode) == ("succeeded", "full")
    assert [r.params.get("cursor") for r in ledger.requests] == ["6", "9"]
    assert resumed.stats.created == 10 - 2 * PAGE
    assert await world.store.count_records(connection_id=conn.id) == 10
    cp = await world.store.get_checkpoint(conn.id, "contacts")
    assert cp.resume is None
    assert cp.watermark is not None


async def test_a_listing_that_cannot_resume_restarts_from_the_same_watermark(
    world: World, ledger: Ledger
) -> None:
    """A records hook with listing state: after a failure the next run repeats the listing."""
    text = LEDGER_TEXT.replace(
        'params: {since: "{modified_after:iso}"}}',
        'params: {since: "{modified_after:iso}"}, records_hook: once}',
    ).replace("resources:", 'hooks: {once: "tests.sync._hooks:newest_once"}\nresources:')
    spec = load_spec_text(text, file="ledger.yaml")
    engine = world.engine(MockTransport(ledger), registry=ConnectorRegistry([spec]))
    conn = await world.connection("ledger", {"token": TOKEN})
    await engine.run(SyncJob(conn.id, "contacts"))
    world.clock.advance(3600)
    for remote_id in list(ledger.records):
        ledger.touch(remote_id, first=f"New {remote_id}")

    def fail_page_3(request: Request, n: int) -> Response | None:
        if request.params.get("cursor") == str(2 * PAGE):
            return respond(request, 400, json={"message": "try again"})
        return None

    ledger.fail = fail_page_3
    failed = await engine.run(SyncJob(conn.id, "contacts"))
    assert (failed.outcome, failed.mode, failed.stats.updated) == ("failed", "incremental", 6)
    point = ResumePoint.from_json((await world.store.get_checkpoint(conn.id, "contacts")).resume)
    assert (point.phase, point.next_request) == ("main", None)

    ledger.fail = None
    ledger.requests.clear()
    again = await engine.run(SyncJob(conn.id, "contacts"))
    assert again.outcome == "succeeded"
    assert "cursor" not in ledger.requests[0].params  # from the start of the listing...
    assert ledger.requests[0].params["since"] == format_watermark(
        point.since, "iso"
    )  # ...same since
    assert (again.stats.updated, again.stats.unchanged) == (4, 6)
