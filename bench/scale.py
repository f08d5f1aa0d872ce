"""Scale-out: aggregate sync throughput with 1, 2 and 4 Celery worker processes, and four
workers sharing one vendor's 50 requests/s.

    python bench/scale.py [--records 1000] [--connections 16] [--page-size 20]

Everything is real: `interlink worker` processes (prefork, concurrency 1 each) on
RabbitMQ, the store on PostgreSQL (a fresh schema per run), shared state and
leases on Redis, and the Stripe simulator served by `interlink simulate` in its
own process on loopback.

Scenario 1: every request takes 50 ms at the vendor and no limit binds (the
simulator enforces none; the connector copy declares a huge one), so the work
is I/O-bound and the speed-up comes from running jobs in more processes.
Bars: >= 1.8x with 2 workers, >= 3x with 4.

Scenario 2: four workers (two processes each) against one Stripe key allowed
50 requests/s (the simulator enforces 50 in any rolling second; the connector
copy declares 50 per 1.01 s, a 1% margin for the admission-to-arrival skew of a
loaded host).
The vendor's request rate is measured at the vendor over the steady middle of
the run (1,920 requests, about 40 s: in a 20 s run the hand-over between the
first eight runs and the next falls inside the measured window and the rate
swung between 93% and 97% from run to run). Bar: 95-100% of the limit, zero
429s.

The same deployment with no limit is measured first: on a busy host the
workers may not be able to send 50 requests/s at all (`shared_limit_capacity`).

Prints a table, then one JSON line with `speedup_2`, `speedup_4`,
`shared_limit_utilization` and `shared_limit_429s`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the deployment harness the scale tests use

import psycopg  # noqa: E402
from tests.scale._cluster import (  # noqa: E402
    RABBITMQ_URL,
    Deployment,
    delete_queue,
    schema_url,
    tuned_connector,
    workers,
)

POSTGRES_URL = os.environ.get(
    "INTERLINK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("INTERLINK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
LIMIT = 50
LATENCY = 0.05


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Vendor:
    """`interlink simulate stripe` in its own process, driven through its /_sim admin API."""

    def __init__(self, records: int, *, rate_limits: bool, logs: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-c", "from interlink.cli import main; main()", "simulate",
                "stripe", "--port", str(self.port), "--records", str(records)]  # fmt: skip
        if not rate_limits:
            argv.append("--no-rate-limits")
        self.log = (logs / f"vendor-{self.port}.log").open("wb")
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                self.admin("GET", "/_sim")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def counters(self) -> dict[str, Any]:
        return dict(self.admin("GET", "/_sim/counters"))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def _fresh_store(schema: str, provider: str, key: str, connections: int) -> list[str]:
    from interlink.connectors import ConnectorRegistry
    from interlink.store import open_store
    from interlink.vault import Vault, default_key_source

    method = ConnectorRegistry.default().get(provider).default_auth
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    store = open_store(POSTGRES_URL, schema=schema)
    try:
        vault = Vault(store, default_key_source(Path(os.environ["INTERLINK_KEY_FILE"])))
        tenant = store.create_tenant("bench")
        ids = []
        for i in range(connections):
            row = store.create_connection(tenant.id, provider, auth_method=method,
                                          variables={}, name=f"{provider}-{i}",
                                          settings={"resources": ["customers"]})  # fmt: skip
            vault.put(row.id, {"api_key": key})
            ids.append(row.id)
        return ids
    finally:
        store.close()


def _drop(schema: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def _run(
    deployment: Deployment,
    ids: list[str],
    n: int,
    logs: Path,
    vendor: Vendor | None = None,
    concurrency: int = 1,
) -> dict[str, Any]:
    """Sync every connection's customers on `n` fresh workers (`concurrency` processes
    each); the figures."""
    from interlink.store import AsyncStore, open_store
    from interlink.sync import CeleryRunner, SyncJob, create_celery_app

    config = deployment.config()
    store = AsyncStore(open_store(deployment.database_url, migrate=False))
    runner = CeleryRunner(create_celery_app(config), store, poll=0.05)
    samples: list[tuple[float, int]] = []
    try:
        with workers(deployment, n, concurrency=concurrency, logs=logs, ready=True):
            started = time.perf_counter()
            for connection_id in ids:
                runner.submit(SyncJob(connection_id, "customers"))
            join = asyncio.ensure_future(runner.join())
            while not join.done():  # the vendor's request count, sampled through the run
                if vendor is not None:
                    count = (await asyncio.to_thread(vendor.counters))["total_requests"]
                    samples.append((time.perf_counter(), count))
                await asyncio.wait({join}, timeout=0.25)
            runs = join.result()
            elapsed = time.perf_counter() - started
    finally:
        await runner.aclose()
        delete_queue(config)
        await store.aclose()
    outcomes = sorted({r.outcome for r in runs})
    records = sum(r.stats.created for r in runs)
    return {"workers": n, "seconds": elapsed, "records": records,
            "records_per_s": records / elapsed, "outcomes": outcomes,
            "failures": len(runner.failures), "samples": samples}  # fmt: skip


def _steady_rate(samples: list[tuple[float, int]]) -> float:
    """Requests/s at the vendor over the middle 60% of the run (ramp-up and tail left out)."""
    first, last = samples[0][0], samples[-1][0]
    lo, hi = first + 0.2 * (last - first), first + 0.8 * (last - first)
    inside = [s for s in samples if lo <= s[0] <= hi]
    (t0, c0), (t1, c1) = inside[0], inside[-1]
    return (c1 - c0) / (t1 - t0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000, help="records per connection")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--shared-records", type=int, default=1_200)
    parser.add_argument("--only", type=int, choices=(1, 2), help="run one scenario only")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="interlink-bench-scale-"))
    folder = work / "connectors"
    tuned_connector(folder, "stripe", "stripe_unbound", limit=1_000_000, per="1s",
                    page_size=args.page_size)  # fmt: skip
    # The limit declared with a 1% margin: the skew between a request's admission (Redis
    # time) and its arrival at the vendor on a loaded 2-core host exceeds the pipeline's
    # own 20 ms allowance; 50 per 1.01 s still allows 97% of the vendor's 50/s.
    tuned_connector(folder, "stripe", "stripe_50rps", limit=LIMIT, per="1010ms", page_size=10)
    tuned_connector(folder, "stripe", "stripe_unbound_10", limit=1_000_000, per="1s",
                    page_size=10)  # fmt: skip
    os.environ["INTERLINK_CONNECTORS_PATH"] = str(folder)
    os.environ["INTERLINK_KEY_FILE"] = str(work / "secret.key")
    prefix = f"interlink-bench:{uuid.uuid4().hex[:8]}:"

    def deployment(schema: str, vendor: Vendor) -> Deployment:
        return Deployment(
            database_url=schema_url(POSTGRES_URL, schema), key_file=work / "secret.key",
            redis_url=REDIS_URL, redis_prefix=prefix, broker_url=RABBITMQ_URL,
            routes={"api.stripe.com": vendor.base}, lease_ttl=30.0,
            extra={"INTERLINK_CONNECTORS_PATH": str(folder),
                   "INTERLINK_VISIBILITY_TIMEOUT": "3600"},
        )  # fmt: skip

    figures: dict[str, Any] = {"cpu_count": os.cpu_count()}
    if args.only != 2:
        figures |= await _scenario_1(args, work, deployment)
    if args.only != 1:
        figures |= await _scenario_2(args, work, deployment)
    print(json.dumps(figures))


async def _scenario_1(
    args: argparse.Namespace, work: Path, deployment: Callable[[str, Vendor], Deployment]
) -> dict[str, Any]:
    """50 ms per request, no binding limit; 1, 2, 4 worker processes."""
    vendor = Vendor(args.records, rate_limits=False, logs=work)
    results = []
    try:
        vendor.admin("PUT", "/_sim/faults", {"latency": LATENCY})
        key = vendor.admin("POST", "/_sim/tokens", {})["value"]
        for n in (1, 2, 4):
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            ids = _fresh_store(schema, "stripe_unbound", key, args.connections)
            try:
                results.append(await _run(deployment(schema, vendor), ids, n, work))
            finally:
                _drop(schema)
    finally:
        vendor.close()
    base = results[0]["records_per_s"]
    print(f"scenario 1: {args.connections} connections x {args.records} records, pages of "
          f"{args.page_size}, {LATENCY * 1000:.0f} ms per request, no binding limit")  # fmt: skip
    print(f"{'workers':>8} {'seconds':>8} {'records':>8} {'records/s':>10} {'speed-up':>9}")
    for r in results:
        speedup = r["records_per_s"] / base
        print(f"{r['workers']:>8} {r['seconds']:>8.2f} {r['records']:>8} "
              f"{r['records_per_s']:>10.0f} {speedup:>8.2f}x  {r['outcomes']}")  # fmt: skip
    return {
        "records_per_s_1": round(results[0]["records_per_s"], 1),
        "records_per_s_2": round(results[1]["records_per_s"], 1),
        "records_per_s_4": round(results[2]["records_per_s"], 1),
        "speedup_2": round(results[1]["records_per_s"] / base, 2),
        "speedup_4": round(results[2]["records_per_s"] / base, 2),
    }


async def _shared(
    args: argparse.Namespace,
    work: Path,
    deployment: Callable[[str, Vendor], Deployment],
    provider: str,
    limit_scale: float,
) -> tuple[float, dict[str, Any], float]:
    """Four workers (two processes each) syncing every connection on one Stripe key:
    the vendor's steady request rate, its counters, the run's seconds."""
    vendor = Vendor(args.shared_records, rate_limits=True, logs=work)
    try:
        # 20 ms per request: eight processes could send far more than 50/s if CPU allowed.
        vendor.admin("PUT", "/_sim/faults", {"limit_scale": limit_scale, "latency": 0.02})
        key = vendor.admin("POST", "/_sim/tokens", {})["value"]
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        ids = _fresh_store(schema, provider, key, args.connections)
        try:
            run = await _run(deployment(schema, vendor), ids, 4, work, vendor, concurrency=2)
        finally:
            _drop(schema)
        counters = vendor.counters()
    finally:
        vendor.close()
    return _steady_rate(run["samples"]), counters, run["seconds"]


async def _scenario_2(
    args: argparse.Namespace, work: Path, deployment: Callable[[str, Vendor], Deployment]
) -> dict[str, Any]:
    """Four workers, one key allowed 50 requests/s in any rolling second; and the same
    deployment with no limit at all, to know what this host can send (its capacity)."""
    capacity, _, _ = await _shared(args, work, deployment, "stripe_unbound_10", 1000.0)
    rate, counters, seconds = await _shared(args, work, deployment, "stripe_50rps", LIMIT / 25)
    utilization = rate / LIMIT
    print(f"scenario 2: 4 workers x 2 processes, {args.connections} connections on one key "
          f"limited to {LIMIT} requests/s, 20 ms per request, pages of 10")  # fmt: skip
    print(f"  without any limit this host sends {capacity:.1f} requests/s")
    print(f"  with the limit: {counters['total_requests']} requests in {seconds:.2f} s; steady "
          f"rate {rate:.1f}/s = {utilization:.1%} of the limit "
          f"({rate / min(LIMIT, capacity):.1%} of min(limit, capacity)); "
          f"429s: {counters['rate_limited']}")  # fmt: skip
    return {
        "shared_limit_rate": round(rate, 2),
        "shared_limit_capacity": round(capacity, 2),
        "shared_limit_utilization": round(utilization, 3),
        "shared_limit_429s": counters["rate_limited"],
    }


if __name__ == "__main__":
    from interlink._logging import configure_logging

    configure_logging("warning")  # the store's per-connection info lines would bury the figures
    asyncio.run(main())
