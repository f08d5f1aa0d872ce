"""The unified API's list endpoint against a bare FastAPI endpoint serving the same JSON.

A SQLite store holds 100,000 HubSpot contacts (unified fields + raw payload) of
one tenant. Two servers run in their own processes on loopback, one uvicorn
worker each:

- baseline: a bare FastAPI app whose `GET /v1/crm/contacts` returns the same
  page of 100 records from memory, the ordinary FastAPI way (return the dict);
- interlink: `interlink.server.create_app` over the store: API-key
  authentication, tenant scoping, the keyset query for 100 records (half the
  requests from a cursor deep in the data), cursor encoding, request id and
  metrics middleware, problem handlers.

One aiohttp client process drives each with the same concurrency and count, in
alternating rounds (each side's best round counts: other load on the machine varies).
Prints requests/s and p50/p99 latency of each and `ratio` = interlink / baseline
requests/s; also requests per server CPU-second and their ratio (`cpu_ratio`), which
holds steady when other work shares the machine. Both servers run with the collector
tuning `interlink serve` applies (`interlink._collector`). Bar: ratio >= 0.5. The last
line is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RECORDS = int(os.environ.get("BENCH_RECORDS", 100_000))
REQUESTS = 3000
WARMUP = 200
CONCURRENCY = 16
PAGE = 100
ROUNDS = 2


def build_store(path: Path) -> tuple[str, list[str]]:
    """100,000 contacts in a fresh store; an API key; cursors spread through the data."""
    from interlink.models import Contact, record_id
    from interlink.server import ApiKeys
    from interlink.store import Checkpoint, RunStats, open_store
    from interlink.sync import prepare

    store = open_store(f"sqlite:///{path}")
    tenant = store.create_tenant("Bench")
    conn = store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={})
    run = store.start_run(conn.id, "contacts", "full")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for start in range(0, RECORDS, 1000):
        batch = []
        for i in range(start, start + 1000):
            rid = str(1001 + i)
            modified = base + timedelta(seconds=i)
            remote = {
                "id": rid,
                "properties": {
                    "firstname": "Ada",
                    "lastname": f"Lovelace {i}",
                    "email": f"ada.{i}@example.com",
                    "phone": f"+44 20 7946 {i % 10_000:04d}",
                    "company": f"Acme {i % 97}",
                    "lifecyclestage": "lead",
                    "lastmodifieddate": modified.isoformat(),
                },
                "archived": False,
            }
            contact = Contact(
                id=record_id(conn.id, "crm.contact", rid),
                remote_id=rid,
                provider="hubspot",
                connection_id=conn.id,
                first_name="Ada",
                last_name=f"Lovelace {i}",
                email_addresses=[
                    {"email_address": f"ada.{i}@example.com", "email_address_type": "WORK"}
                ],
                phone_numbers=[{"phone_number": f"+44 20 7946 {i % 10_000:04d}"}],
                created_at=modified,
                modified_at=modified,
                remote_data=remote,
            )
            batch.append(prepare(contact))
        store.apply_page(
            tenant_id=tenant.id,
            connection_id=conn.id,
            resource="contacts",
            model="crm.contact",
            records=batch,
            checkpoint=Checkpoint(conn.id, "contacts"),
            run_id=run.id,
            stats=RunStats(seen=start + 1000),
        )
    key = ApiKeys(store).create(tenant.id, "bench").secret
    store.close()
    return key, []


def serve(kind: str, db: str, port: int, key: str) -> None:
    """Run one of the two servers (in its own process)."""
    import uvicorn

    from interlink._logging import configure_logging

    configure_logging("warning")  # as `interlink serve` runs by default
    from interlink import _collector

    _collector.enable()  # both servers with `interlink serve`'s collector tuning
    if kind == "interlink":
        from interlink.server import create_app
        from interlink.store import AsyncStore, open_store
        from interlink.sync import StoreConnections
        from interlink.vault import FileKeySource, Vault

        store = AsyncStore(open_store(f"sqlite:///{db}", migrate=False))
        vault = Vault(store.store, FileKeySource(Path(db).with_suffix(".key")))
        app = create_app(store, StoreConnections(store, vault))
    else:
        from fastapi import FastAPI

        page = json.loads(Path(db).with_suffix(".page.json").read_text())
        app = FastAPI()

        @app.get("/v1/crm/contacts")
        async def contacts(page_size: int = 100) -> dict[str, object]:
            return page  # type: ignore[no-any-return]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _load(base: str, key: str, paths: list[str]) -> tuple[float, list[float]]:
    import aiohttp

    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    async with aiohttp.ClientSession(headers=headers) as session:

        async def one(path: str, keep: bool) -> None:
            started = time.perf_counter()
            async with session.get(base + path) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"{path}: {resp.status}")
            if keep:
                latencies.append(time.perf_counter() - started)

        async def worker(items: list[str], keep: bool) -> None:
            for path in items:
                await one(path, keep)

        async def run(count: int, keep: bool) -> float:
            chosen = [paths[i % len(paths)] for i in range(count)]
            shares = [chosen[i::CONCURRENCY] for i in range(CONCURRENCY)]
            started = time.perf_counter()
            await asyncio.gather(*(worker(share, keep) for share in shares))
            return time.perf_counter() - started

        await run(WARMUP, False)
        elapsed = await run(REQUESTS, True)
    return REQUESTS / elapsed, sorted(latencies)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def measure(kind: str, db: str, key: str, paths: list[str]) -> tuple[float, float, float, float]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", kind, db, str(port), key])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.1)
        cpu_before = _cpu(server.pid)
        rps, latencies = asyncio.run(_load(base, key, paths))
        cpu = _cpu(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rps, _pct(latencies, 0.50), _pct(latencies, 0.99), (REQUESTS + WARMUP) / cpu


def _cpu(pid: int) -> float:
    """The server process's CPU seconds so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _cursors(db: str, key: str) -> tuple[dict[str, object], list[str]]:
    """The first page (the baseline's JSON) and cursors at 10 points through the data."""
    import httpx2

    from interlink.server import create_app
    from interlink.store import AsyncStore, open_store
    from interlink.sync import StoreConnections
    from interlink.vault import FileKeySource, Vault

    store = AsyncStore(open_store(f"sqlite:///{db}", migrate=False))
    vault = Vault(store.store, FileKeySource(Path(db).with_suffix(".key")))
    app = create_app(store, StoreConnections(store, vault))
    transport = httpx2.ASGITransport(app=app)
    paths = [f"/v1/crm/contacts?page_size={PAGE}"]
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://bench", headers={"Authorization": f"Bearer {key}"}
    ) as client:
        first = (await client.get(paths[0])).json()
        cursor = None
        for page in range(RECORDS // 1000 - 1):  # walk in pages of 1000, keep every 10th cursor
            params: dict[str, object] = {"page_size": 1000}
            if cursor is not None:
                params["cursor"] = cursor
            cursor = (await client.get("/v1/crm/contacts", params=params)).json()["next_cursor"]
            if page % 10 == 9:
                paths.append(f"/v1/crm/contacts?page_size={PAGE}&cursor={cursor}")
    await store.aclose()
    # Half first pages, half deep pages.
    deep = paths[1:]
    mixed = [p for pair in zip([paths[0]] * len(deep), deep, strict=True) for p in pair]
    return first, mixed


def main() -> None:
    from interlink._logging import configure_logging

    configure_logging("warning")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        started = time.perf_counter()
        key, _ = build_store(Path(db))
        print(f"store of {RECORDS} contacts built in {time.perf_counter() - started:.1f} s")
        first, paths = asyncio.run(_cursors(db, key))
        Path(db).with_suffix(".page.json").write_text(json.dumps(first))
        # Alternate rounds and keep each side's best: the machine's other load varies.
        base, mine = [], []
        for _ in range(ROUNDS):
            base.append(measure("baseline", db, key, ["/v1/crm/contacts"]))
            mine.append(measure("interlink", db, key, paths))
        base_rps, base_p50, base_p99, _ = max(base)
        il_rps, il_p50, il_p99, _ = max(mine)
        base_cpu = max(b[3] for b in base)
        il_cpu = max(m[3] for m in mine)
    ratio = il_rps / base_rps
    cpu_ratio = il_cpu / base_cpu
    print(
        f"bare FastAPI (memory) : {base_rps:7.0f} req/s  p50 {base_p50:6.2f} ms  "
        f"p99 {base_p99:6.2f} ms  {base_cpu:6.0f} req/server-CPU-s"
    )
    print(
        f"interlink API (store) : {il_rps:7.0f} req/s  p50 {il_p50:6.2f} ms  "
        f"p99 {il_p99:6.2f} ms  {il_cpu:6.0f} req/server-CPU-s"
    )
    print(
        f"ratio                 : {ratio:.3f} wall, {cpu_ratio:.3f} per server CPU-s (bar >= 0.5)"
    )
    print(
        json.dumps(
            {
                "bench": "api",
                "records": RECORDS,
                "page_size": PAGE,
                "requests": REQUESTS,
                "concurrency": CONCURRENCY,
                "baseline_rps": round(base_rps, 1),
                "baseline_p50_ms": round(base_p50, 3),
                "baseline_p99_ms": round(base_p99, 3),
                "interlink_rps": round(il_rps, 1),
                "interlink_p50_ms": round(il_p50, 3),
                "interlink_p99_ms": round(il_p99, 3),
                "baseline_req_per_cpu_s": round(base_cpu, 1),
                "interlink_req_per_cpu_s": round(il_cpu, 1),
                "ratio": round(ratio, 3),
                "cpu_ratio": round(cpu_ratio, 3),
                "bar": 0.5,
                "passed": ratio >= 0.5,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        os.environ.setdefault("PYTHONHASHSEED", "0")
        main()
