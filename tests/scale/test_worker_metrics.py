"""What a scaled-out deployment exports to Prometheus: each worker its processes' vendor
calls, and serve the sync runs of the store, whoever ran them."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from tests.scale._cluster import delete_queue, workers
from tests.scale._world import world

from interlink.server._runtime import app_from_settings
from interlink.settings import load_settings
from interlink.sync import CeleryRunner, SyncJob, create_celery_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


async def test_worker_vendor_calls_and_store_runs_are_scraped(
    postgres_url: str,
    postgres_schema: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker started with --metrics-port serves the vendor calls of both its pool
    processes: per provider, exactly the requests each simulator answered. serve's
    /metrics counts the runs the worker recorded in the store (runs, records created, each
    connection's last success), though serve ran none of them."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    (shared / "counter_1.db").write_bytes(b"stale")  # a previous run's file: removed at start
    port = _free_port()
    async with world(
        postgres_url=postgres_url, schema=postgres_schema, redis_url=redis_url,
        redis_prefix=redis_prefix, broker_url=redis_url, tmp_path=tmp_path,
        vendors={"github": 2, "stripe": 2}, records=60,
        env={"PROMETHEUS_MULTIPROC_DIR": str(shared)},
    ) as w:  # fmt: skip
        config = w.deployment.config()
        runner = CeleryRunner(create_celery_app(config), w.store)
        try:
            with workers(w.deployment, 1, concurrency=2, logs=tmp_path, ready=True,
                         args=["--metrics-port", str(port)]) as started:  # fmt: skip
                for row, resource in w.pairs():
                    runner.submit(SyncJob(row.id, resource))
                runs = await asyncio.wait_for(runner.join(), 120)
                scraped = await asyncio.to_thread(_scrape, f"http://127.0.0.1:{port}/metrics")
                logs = started[0].tail()
        finally:
            await runner.aclose()
            delete_queue(config)
        assert sorted(r.outcome for r in runs) == ["succeeded"] * len(w.pairs()), logs
        calls = [s for s in _samples(scraped) if s.name == "interlink_vendor_calls_total"]
        for provider, sim in w.fleet.simulators.items():
            counted = sum(s.value for s in calls if s.labels["provider"] == provider)
            assert counted == sim.counters.total_requests > 0, (provider, scraped)
        assert "interlink_vendor_call_seconds_bucket" in scraped

        for name, value in w.deployment.env().items():
            if name.startswith("INTERLINK_"):
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("INTERLINK_RUNNER", "celery")
        app = app_from_settings(load_settings(), webhooks=False)
        async with (
            app.router.lifespan_context(app),
            httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as api,
        ):
            served = _samples((await api.get("/metrics")).text)

    def value(name: str, **labels: str) -> float:
        found = [s.value for s in served if s.name == name and s.labels == labels]
        return found[0] if found else 0.0

    for row, resource in w.pairs():
        pairs = [r for r, name in w.pairs() if r.provider == row.provider and name == resource]
        where = {"provider": row.provider, "resource": resource}
        assert value("interlink_sync_runs_total", outcome="succeeded", **where) == len(pairs)
        created = sum(w.expected(r, resource) for r in pairs)
        assert value("interlink_sync_records_total", kind="created", **where) == created
        [run] = [r for r in runs if (r.connection_id, r.resource) == (row.id, resource)]
        last = value("interlink_sync_last_success_timestamp", connection_id=row.id, **where)
        assert last == run.started_at.timestamp()
