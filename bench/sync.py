"""A full sync of 100,000 HubSpot contacts into SQLite: Interlink against dlt's rest_api source.

The HubSpot simulator serves its contacts on loopback under uvicorn, in its
own process (rate limits off: both clients should go as fast as the vendor
lets them). In this process, one after the other:

(a) Interlink: `SyncEngine` over the built-in HubSpot connector, sent to the
    simulator by `RoutedTransport`: the whole path, i.e. pipeline (bearer auth,
    rate limiter with a limit that does not bind, breaker, retry, error
    contract), cursor pages of 100, mapping to `crm.contact`, pydantic
    validation, content hashes, drift profiling, and upserts committed with a
    checkpoint per page into a fresh SQLite file. Measured as configured by
    default (commits on the store's thread, one page at a time), and with
    `overlap=True` (page N+1 fetched and mapped while page N commits).
(b) dlt: its `rest_api` source on the same endpoint (bearer auth, the same
    cursor, the same properties, `merge` on the primary key `id`, i.e.
    upserts), into SQLite through dlt's sqlalchemy destination.

Both loaders run with the collector tuning the `interlink` console script
applies (`interlink._collector`: a larger young generation, start-up objects
frozen); dlt gains from it too (about 10% of its CPU), so the ratio compares
the work, not the process settings. The simulator is walked once first, so
both read from a warm vendor. Prints
records/s (wall) and CPU microseconds per record (this process, all threads)
of each, `ratio` = Interlink / dlt records/s (bar: >= 5), `cpu_ratio` = dlt's
CPU per record / Interlink's, and peak RSS after (a) and after (b). The last
line is one JSON object.

    .venv/bin/python bench/sync.py [--records 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from _hubspot import PROPERTIES, interlink_sync, peak_rss_mb, serve_hubspot
from interlink import _collector as collector


async def warm_up(base: str, token: str) -> int:
    """Walk every page once (the simulator renders each record on first read)."""
    import aiohttp

    pages, after = 0, None
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        while True:
            params = {"limit": "100", "properties": PROPERTIES}
            if after is not None:
                params["after"] = after
            url = f"{base}/crm/v3/objects/contacts"
            async with session.get(url, params=params, headers=headers) as response:
                body = await response.json()
            pages += 1
            after = body.get("paging", {}).get("next", {}).get("after")
            if after is None:
                return pages


def dlt_sync(base: str, token: str, workdir: Path) -> dict[str, float]:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # no traffic beyond loopback
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": base,
                "auth": {"type": "bearer", "token": token},
                "paginator": {
                    "type": "cursor",
                    "cursor_path": "paging.next.after",
                    "cursor_param": "after",
                },
            },
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                {
                    "name": "contacts",
                    "endpoint": {
                        "path": "crm/v3/objects/contacts",
                        "params": {"limit": 100, "properties": PROPERTIES},
                        "data_selector": "results",
                    },
                }
            ],
        }
    )
    database = workdir / "dlt.db"
    pipeline = dlt.pipeline(
        pipeline_name="bench_sync",
        destination=dlt.destinations.sqlalchemy(credentials=f"sqlite:///{database}"),
        dataset_name="hubspot",
        pipelines_dir=str(workdir / "dlt-pipelines"),
    )
    started, cpu = time.perf_counter(), time.process_time()
    info = pipeline.run(source)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    info.raise_on_failed_jobs()
    with pipeline.sql_client() as client:
        [(stored,)] = client.execute_sql("SELECT count(*) FROM contacts")
    return {"seconds": seconds, "cpu": cpu, "records": int(stored)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()

    server, base, token = serve_hubspot(args.records)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
            workdir = Path(tmp)
            asyncio.run(warm_up(base, token))
            collector.enable()  # as the `interlink` command runs, for both (see above)
            default = asyncio.run(interlink_sync(base, token, workdir / "default.db"))
            overlapped = asyncio.run(
                interlink_sync(base, token, workdir / "overlap.db", overlap=True)
            )
            interlink_rss = peak_rss_mb()
            dlt = dlt_sync(base, token, workdir)
            overall_rss = peak_rss_mb()
    finally:
        server.terminate()
        server.wait()
    results = {"interlink": default, "interlink overlap": overlapped, "dlt": dlt}
    for name, result in results.items():
        if result["records"] != args.records:
            raise SystemExit(f"{name} stored {result['records']} records, not {args.records}")
    n = args.records
    il_rps, ov_rps, dlt_rps = (n / r["seconds"] for r in results.values())
    il_cpu, ov_cpu, dlt_cpu = (r["cpu"] / n * 1e6 for r in results.values())
    ratio, cpu_ratio = il_rps / dlt_rps, dlt_cpu / il_cpu
    print(f"interlink (default)            : {il_rps:9,.0f} records/s  {il_cpu:6.0f} us CPU/record")
    print(f"interlink (overlap=True)       : {ov_rps:9,.0f} records/s  {ov_cpu:6.0f} us CPU/record")
    print(
        f"dlt rest_api -> sqlalchemy     : {dlt_rps:9,.0f} records/s  {dlt_cpu:6.0f} us CPU/record"
    )
    print(f"ratio interlink / dlt          : {ratio:.2f} wall, {cpu_ratio:.2f} CPU (bar >= 5)")
    print(
        f"peak RSS after interlink       : {interlink_rss:.0f} MB; after dlt: {overall_rss:.0f} MB"
    )
    print(
        json.dumps(
            {
                "records": n,
                "interlink_records_per_s": round(il_rps, 1),
                "interlink_overlap_records_per_s": round(ov_rps, 1),
                "dlt_records_per_s": round(dlt_rps, 1),
                "interlink_cpu_us_per_record": round(il_cpu, 1),
                "dlt_cpu_us_per_record": round(dlt_cpu, 1),
                "ratio": round(ratio, 2),
                "cpu_ratio": round(cpu_ratio, 2),
                "interlink_peak_rss_mb": round(interlink_rss, 1),
                "peak_rss_mb": round(overall_rss, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
