"""Run outcomes: deferred when the vendor says later, failed with its reason, bad records kept."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from tests.sync._kit import PAGE, TOKEN, Ledger, World

from interlink.connectors import ConnectorRegistry, load_spec_text
from interlink.http import MockTransport, Request, Response, respond
from interlink.store import RunStats, SyncRun
from interlink.sync import ResumePoint, SyncEngine, SyncJob

SPEC_TEXT = (Path(__file__).parent / "ledger.yaml").read_text()


def small_budget_engine(world: World, ledger: Ledger) -> SyncEngine:
    spec = load_spec_text(
        SPEC_TEXT.replace(
            "{kind: budget, limit: 1000, per: 1d}", "{kind: budget, limit: 3, per: 1d}"
        ),
        file="ledger.yaml",
    )
    return world.engine(MockTransport(ledger), registry=ConnectorRegistry([spec]))


async def test_a_spent_budget_defers_the_run_until_the_reset_and_keeps_its_pages(
    world: World, ledger: Ledger
) -> None:
    """Budget spent after 3 pages: deferred to the reset, 9 records kept, then resumed."""
    conn = await world.connection("ledger", {"token": TOKEN})
    engine = small_budget_engine(world, ledger)
    run = await engine.run(SyncJob(conn.id, "contacts"))
    assert run.outcome == "deferred"
    assert run.next_attempt_at is not None
    assert run.next_attempt_at > run.started_at
    assert run.next_attempt_at.time() == time(0)  # a daily budget resets at midnight UTC
    assert run.stats.created == 3 * PAGE
    assert "budget" in (run.error or "")
    cp = await world.store.get_checkpoint(conn.id, "contacts")
    assert cp.next_run_at == run.next_attempt_at
    assert ResumePoint.from_json(cp.resume).next_request is not None

    world.clock.advance(86_400)
    ledger.requests.clear()
    again = await engine.run(SyncJob(conn.id, "contacts"))
    assert (again.outcome, again.stats.created, len(ledger.requests)) == ("succeeded", 1, 1)
    assert await world.store.count_records(connection_id=conn.id) == 10


async def test_a_429_asking_for_longer_than_the_retry_budget_defers_to_retry_after(
    world: World, ledger: Ledger
) -> None:
    """A 429 with Retry-After: 3600 on page 2 defers the run by an hour, page 1 kept."""
    conn = await world.connection("ledger", {"token": TOKEN})

    def throttle(request: Request, n: int) -> Response | None:
        if request.params.get("cursor") == str(PAGE):
            return respond(
                request, 429, json={"message": "slow down"}, headers={"Retry-After": "3600"}
            )
        return None

    ledger.fail = throttle
    run = await world.ledger_engine(ledger).run(SyncJob(conn.id, "contacts"))
    assert run.outcome == "deferred"
    assert run.next_attempt_at is not None
    assert abs((run.next_attempt_at - world_now(world)).total_seconds() - 3600) < 1
    assert run.stats.created == PAGE


def world_now(world: World) -> datetime:
    return datetime.fromtimestamp(world.clock.time(), UTC)


async def test_wrong_credentials_fail_the_run_with_the_vendors_reason_and_touch_nothing(
    world: World, ledger: Ledger
) -> None:
    """A refused token: the run fails with the vendor's words; no record, no checkpoint."""
    conn = await world.connection("ledger", {"token": "wrong"})
    run = await world.ledger_engine(ledger).run(SyncJob(conn.id, "contacts"))
    assert run.outcome == "failed"
    assert "The API token is invalid or revoked" in (run.error or "")
    assert run.stats.created == 0
    assert await world.store.count_records(connection_id=conn.id) == 0
    cp = await world.store.get_checkpoint(conn.id, "contacts")
    assert (cp.watermark, cp.resume) == (None, None)


async def test_records_the_mapping_refuses_are_counted_reported_and_the_rest_kept(
    world: World, ledger: Ledger
) -> None:
    """A record that does not map is counted and named in the run's error; the others stored."""
    ledger.records["r004"]["first"] = {"nested": True}
    conn = await world.connection("ledger", {"token": TOKEN})
    run = await world.ledger_engine(ledger).run(SyncJob(conn.id, "contacts"))
    assert run.outcome == "succeeded"
    assert (run.stats.seen, run.stats.created, run.stats.mapping_errors) == (10, 9, 1)
    assert run.error is not None
    assert "1 record(s) could not be mapped" in run.error
    assert "r004" in run.error
    assert "first_name" in run.error
    assert await world.store.get_record_by_remote(conn.id, "contacts", "r004") is None


class Recorder:
    """A SyncObserver that keeps what it was told."""

    def __init__(self) -> None:
        self.pages: list[RunStats] = []
        self.finished: list[SyncRun] = []

    def on_page(self, job: SyncJob, stats: RunStats) -> None:
        self.pages.append(stats)

    def on_finish(self, run: SyncRun) -> None:
        self.finished.append(run)


async def test_the_observer_hears_every_committed_page_and_the_finish(
    world: World, ledger: Ledger
) -> None:
    """on_page once per committed page with growing totals; on_finish with the stored run."""
    conn = await world.connection("ledger", {"token": TOKEN})
    recorder = Recorder()
    run = await world.ledger_engine(ledger, observer=recorder).run(SyncJob(conn.id, "contacts"))
    assert [s.created for s in recorder.pages] == [3, 6, 9, 10]
    assert recorder.finished == [run]


async def test_overlapped_and_sequential_commits_store_the_same(
    world: World, ledger: Ledger
) -> None:
    """Fetching page N+1 while page N commits changes nothing in what is stored or counted."""
    runs = []
    for overlap in (True, False):
        conn = await world.connection("ledger", {"token": TOKEN}, name=f"overlap={overlap}")
        runs.append(
            await world.ledger_engine(ledger, overlap=overlap).run(SyncJob(conn.id, "contacts"))
        )
    assert runs[0].stats == runs[1].stats
    assert runs[0].stats.created == 10


async def test_an_open_breaker_defers_until_its_probe_and_the_run_then_resumes(
    world: World, ledger: Ledger
) -> None:
    """A vendor down on page 2: the run fails after retries (page 1 kept, retries counted);
    the next finds the breaker open and is deferred to the probe; later it resumes."""
    conn = await world.connection("ledger", {"token": TOKEN})

    def down(request: Request, n: int) -> Response | None:
        if request.params.get("cursor") == str(PAGE):
            return respond(request, 503, json={"message": "down for maintenance"})
        return None

    ledger.fail = down
    engine = world.ledger_engine(ledger)
    failed = await engine.run(SyncJob(conn.id, "contacts"))
    assert failed.outcome == "failed"
    assert "down for maintenance" in (failed.error or "")
    assert failed.stats.created == PAGE
    assert failed.stats.retries > 0
    assert failed.stats.requests == 1 + failed.stats.retries + 1  # page 1, page 2 and retries

    deferred = await engine.run(SyncJob(conn.id, "contacts"))
    assert deferred.outcome == "deferred"
    assert "circuit open" in (deferred.error or "")
    assert deferred.next_attempt_at is not None
    assert deferred.next_attempt_at > world_now(world)
    cp = await world.store.get_checkpoint(conn.id, "contacts")
    assert cp.next_run_at == deferred.next_attempt_at
    assert ResumePoint.from_json(cp.resume).next_request is not None

    ledger.fail = None
    world.clock.advance((deferred.next_attempt_at - world_now(world)).total_seconds() + 1)
    resumed = await engine.run(SyncJob(conn.id, "contacts"))
    assert (resumed.outcome, resumed.stats.created) == ("succeeded", 10 - PAGE)
