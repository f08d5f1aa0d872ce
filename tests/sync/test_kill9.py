"""kill -9 in the middle of a sync: the store stays consistent and the next run resumes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
from tests.sync._loopback import serving

from interlink.simulators import FaultConfig, create_simulator
from interlink.store import open_store
from interlink.sync import ResumePoint
from interlink.vault import FileKeySource, Vault

CHILD = Path(__file__).with_name("_sync_child.py")
RECORDS = 2_000  # 20 pages of 100
KILL_AFTER = 300  # records committed (3 pages) before the kill


def _child(log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, str(CHILD), *args], stdout=out, stderr=out)


async def test_sigkill_mid_run_then_resume_stores_every_record_exactly_once(
    tmp_path: Path,
) -> None:
    """SIGKILL after some pages commit; the next run resumes there: all records, each once."""
    db, key = tmp_path / "interlink.db", tmp_path / "secret.key"
    store = open_store(f"sqlite:///{db}")
    vault = Vault(store, FileKeySource(key))
    # A real-time vendor answering each page after 50 ms, so the kill lands mid-run.
    sim = create_simulator("hubspot", records=RECORDS, faults=FaultConfig(latency=0.05))
    tenant = store.create_tenant("Acme")
    conn = store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={})
    vault.put(conn.id, {"access_token": sim.default_token.value})  # type: ignore[attr-defined]
    try:
        async with sim, serving(sim.app) as base:
            args = (
                str(db),
                str(key),
                conn.id,
                "contacts",
                orjson.dumps({"api.hubapi.com": base}).decode(),
            )
            first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
            child = _child(first_log, *args)
            while store.count_records(connection_id=conn.id) < KILL_AFTER:
                assert child.poll() is None, first_log.read_text()
                await asyncio.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
            await asyncio.to_thread(child.wait)
            assert child.returncode == -signal.SIGKILL

            # What the killed run left: whole pages, each with the checkpoint of the next.
            kept = store.count_records(connection_id=conn.id)
            assert kept % 100 == 0
            assert KILL_AFTER <= kept < RECORDS
            cp = store.get_checkpoint(conn.id, "contacts")
            assert cp.watermark is None
            point = ResumePoint.from_json(cp.resume)
            assert point.next_request is not None
            assert "Authorization" not in orjson.dumps(cp.resume).decode()
            [interrupted] = store.list_runs(connection_id=conn.id)
            assert interrupted.outcome == "running"

            before = sim.counters.total_requests
            child = _child(second_log, *args)
            await asyncio.to_thread(child.wait)
            output = second_log.read_bytes()
            assert child.returncode == 0, output.decode()[-2000:]
            result = orjson.loads(output.splitlines()[-1])
            resumed_requests = sim.counters.total_requests - before
            first = sim.collections["contacts"].first_id
            vendor_ids = {str(first + i) for i in range(RECORDS)}
    finally:
        store.close()

    store = open_store(f"sqlite:///{db}")
    try:
        assert result["outcome"] == "succeeded", result
        assert result["created"] == RECORDS - kept
        # Resumed, not restarted: only the pages after the last committed one were asked for.
        # (The vendor may also count a request the killed process had in flight.)
        assert result["requests"] == (RECORDS - kept) // 100
        assert result["requests"] <= resumed_requests <= result["requests"] + 1 < RECORDS // 100
        stored = {
            r.remote_id
            for r in store.list_records(
                tenant_id=tenant.id, connection_ids=[conn.id], model=None, limit=RECORDS + 10
            )
        }
        assert store.count_records(connection_id=conn.id) == RECORDS
        assert stored == vendor_ids
        events = store.change_events(connection_id=conn.id, limit=10 * RECORDS)
        created = [e for e in events if e.kind == "created"]
        assert len(events) == RECORDS
        assert len(created) == RECORDS  # nothing created twice
        assert {e.remote_id for e in created} == stored
        runs = store.list_runs(connection_id=conn.id)
        assert [(r.outcome, r.error) for r in runs] == [
            ("succeeded", None),
            ("failed", "interrupted"),
        ]
        assert store.get_checkpoint(conn.id, "contacts").resume is None
    finally:
        store.close()
