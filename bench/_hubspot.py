"""The HubSpot simulator on loopback and an Interlink sync of it, shared by bench/sync.py
and bench/memory.py."""

from __future__ import annotations

import dataclasses
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
PROPERTIES = (
    "firstname,lastname,email,phone,company,jobtitle,city,country,lifecyclestage,"
    "hubspot_owner_id,notes_last_updated,website,hs_lead_status,createdate,lastmodifieddate"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def serve_hubspot(records: int) -> tuple[subprocess.Popen[bytes], str, str]:
    """The simulator under uvicorn in its own process, rate limits off: (process, base URL,
    token). The token is the seeded default, the same in every process."""
    from interlink.simulators import create_simulator

    token = create_simulator("hubspot", records=0).default_token.value  # type: ignore[attr-defined]
    port = free_port()
    cli = "from interlink.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", cli, "simulate", "hubspot", "--port", str(port),
         "--records", str(records), "--no-rate-limits"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the simulator exited early")
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return proc, f"http://{HOST}:{port}", token
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("the simulator did not start")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


async def interlink_sync(
    base: str,
    token: str,
    database: Path,
    *,
    overlap: bool | None = None,
    observer: Any = None,
) -> dict[str, float]:
    """One full sync of the simulator's contacts into a fresh SQLite file, through the
    built-in HubSpot connector whose client-side limits are made not to bind."""
    import structlog

    from interlink.connectors import BUILTIN_DIR, ConnectorRegistry, load_spec
    from interlink.http import AiohttpTransport, RoutedTransport
    from interlink.ratelimit import Window
    from interlink.store import AsyncStore, open_store
    from interlink.sync import StoreConnections, SyncEngine, SyncJob
    from interlink.vault import FileKeySource, Vault

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings up
    spec = load_spec(BUILTIN_DIR / "hubspot" / "connector.yaml")
    # The simulator's limits are off; the client's limiter still runs, with a limit that
    # does not bind (as bench/pipeline.py does), so the loaders go as fast as they can.
    spec = dataclasses.replace(spec, rate_limits=(Window(limit=1_000_000, per=1.0),))
    store = AsyncStore(open_store(f"sqlite:///{database}"))
    async with store:
        vault = Vault(store.store, FileKeySource(database.with_suffix(".key")))
        tenant = await store.create_tenant("bench")
        conn = await store.create_connection(
            tenant.id, "hubspot", auth_method="private_app", variables={}
        )
        await store.call(vault.put, conn.id, {"access_token": token})
        source = StoreConnections(
            store,
            vault,
            registry=ConnectorRegistry([spec]),
            transport=RoutedTransport({"api.hubapi.com": base}, AiohttpTransport()),
        )
        engine = SyncEngine(store, source, overlap=overlap, observer=observer)
        started, cpu = time.perf_counter(), time.process_time()
        run = await engine.run(SyncJob(conn.id, "contacts"))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        await source.close()
        stored = await store.count_records(connection_id=conn.id)
    if run.outcome != "succeeded" or stored != run.stats.seen:
        raise RuntimeError(f"interlink run {run.outcome}: {run.error} ({stored} stored)")
    return {"seconds": seconds, "cpu": cpu, "records": stored, "requests": run.stats.requests}
