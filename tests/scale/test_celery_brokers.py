"""The Celery runner end to end on each broker: real worker processes, real services."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from tests.scale._cluster import WORKER, delete_queue, workers
from tests.scale._world import world

from interlink.sync import CeleryRunner, SyncJob, create_celery_app


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
async def test_jobs_submitted_run_on_the_workers_into_the_store(
    broker: str,
    postgres_url: str,
    postgres_schema: str,
    redis_url: str,
    redis_prefix: str,
    rabbitmq_url: str,
    tmp_path: Path,
) -> None:
    """Jobs submitted through CeleryRunner run on two worker processes: every run
    succeeds, the store holds each vendor's records, and a second submit of a pair
    still queued coalesces."""
    broker_url = redis_url if broker == "redis" else rabbitmq_url
    async with world(
        postgres_url=postgres_url, schema=postgres_schema, redis_url=redis_url,
        redis_prefix=redis_prefix, broker_url=broker_url, tmp_path=tmp_path,
        vendors={"stripe": 2, "github": 1}, records=120,
    ) as w:  # fmt: skip
        config = w.deployment.config()
        runner = CeleryRunner(create_celery_app(config), w.store)
        try:
            with workers(w.deployment, 2, concurrency=2, logs=tmp_path) as started:
                pairs = w.pairs()
                for row, resource in pairs:
                    runner.submit(SyncJob(row.id, resource))
                runner.submit(SyncJob(pairs[0][0].id, pairs[0][1]))
                runs = await runner.join()
                logs = "\n".join(worker.tail() for worker in started)
            assert runner.coalesced == 1
            assert runner.failures == [], logs
            assert sorted(r.outcome for r in runs) == ["succeeded"] * len(pairs), logs
            for row, resource in pairs:
                stored = await w.store.count_records(connection_id=row.id, resource=resource)
                assert stored == w.expected(row, resource) > 0
        finally:
            await runner.aclose()
            delete_queue(config)


async def test_scheduler_enqueues_due_pairs_for_the_workers(
    postgres_url: str,
    postgres_schema: str,
    redis_url: str,
    redis_prefix: str,
    rabbitmq_url: str,
    tmp_path: Path,
) -> None:
    """`interlink scheduler` (one look at the schedule) enqueues every never-run pair and
    claims its next run one interval ahead; a worker syncs them into the store."""
    async with world(
        postgres_url=postgres_url, schema=postgres_schema, redis_url=redis_url,
        redis_prefix=redis_prefix, broker_url=rabbitmq_url, tmp_path=tmp_path,
        vendors={"github": 1, "pipedrive": 1}, records=50,
    ) as w:  # fmt: skip
        config = w.deployment.config()
        try:
            with workers(w.deployment, 1, concurrency=2, logs=tmp_path) as started:
                scheduler = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", WORKER, "scheduler", "--ticks", "1", "--poll", "0.1",
                    env=w.deployment.env(), cwd=tmp_path,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                )  # fmt: skip
                output, _ = await scheduler.communicate()
                assert scheduler.returncode == 0, output.decode()
                for row, resource in w.pairs():
                    checkpoint = await w.store.get_checkpoint(row.id, resource)
                    assert checkpoint.next_run_at is not None  # claimed one interval ahead
                for _ in range(600):
                    runs = await w.store.list_runs(limit=50)
                    if len([r for r in runs if r.outcome == "succeeded"]) == len(w.pairs()):
                        break
                    await asyncio.sleep(0.1)
                logs = started[0].tail()
            for row, resource in w.pairs():
                stored = await w.store.count_records(connection_id=row.id, resource=resource)
                assert stored == w.expected(row, resource) > 0, logs
        finally:
            delete_queue(config)
