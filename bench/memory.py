"""Peak RSS of a sync of 1,000,000 records: memory must stay flat as the dataset grows.

The HubSpot simulator serves a million contacts on loopback (its own process;
its dataset is generated lazily, record i computed from (seed, i) on demand).
This process syncs them all through the engine into a fresh SQLite file, in
pages of 100, and samples its RSS as it goes, with the collector tuning the
`interlink` command applies (`interlink._collector`). Bar: peak RSS under 200 MB.
The last line is one JSON object.

    .venv/bin/python bench/memory.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from _hubspot import current_rss_mb, interlink_sync, peak_rss_mb, serve_hubspot
from interlink import _collector as collector

BAR_MB = 200.0


class RssSampler:
    """A SyncObserver sampling RSS every `every` records (and printing progress)."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.next = every
        self.samples: list[tuple[int, float]] = []

    def on_page(self, job: object, stats: object) -> None:
        seen = stats.seen  # type: ignore[attr-defined]
        if seen >= self.next:
            self.next += self.every
            self.samples.append((seen, current_rss_mb()))
            print(f"  {seen:>9,} records  RSS {self.samples[-1][1]:6.1f} MB", flush=True)

    def on_finish(self, run: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    sampler = RssSampler(max(args.records // 10, 100))
    server, base, token = serve_hubspot(args.records)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            collector.enable()  # as the `interlink` command runs
            before = current_rss_mb()
            result = asyncio.run(
                interlink_sync(base, token, Path(tmp) / "interlink.db", observer=sampler)
            )
            peak = peak_rss_mb()
    finally:
        server.terminate()
        server.wait()
    if result["records"] != args.records:
        raise SystemExit(f"stored {result['records']} records, not {args.records}")
    rates = args.records / result["seconds"]
    first = sampler.samples[0][1] if sampler.samples else before
    last = sampler.samples[-1][1] if sampler.samples else before
    print(f"synced {args.records:,} records in {result['seconds']:.0f} s ({rates:,.0f} records/s)")
    print(f"RSS before the run {before:.0f} MB; at 10%: {first:.0f} MB; at the end: {last:.0f} MB")
    print(f"peak RSS {peak:.0f} MB (bar < {BAR_MB:.0f} MB)")
    print(
        json.dumps(
            {
                "records": args.records,
                "peak_rss_mb": round(peak, 1),
                "rss_at_10pct_mb": round(first, 1),
                "rss_at_end_mb": round(last, 1),
                "records_per_s": round(rates, 1),
                "bar_mb": BAR_MB,
            }
        )
    )
    if peak >= BAR_MB:
        sys.exit(1)


if __name__ == "__main__":
    main()
