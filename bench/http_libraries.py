"""Which HTTP client should carry Interlink's vendor calls? Measured, not assumed.

Fetches 100-record JSON pages from a loopback server (its own process) with
the same loop shape in three clients: raw aiohttp + orjson, httpx2 with its
default transport, httpx 0.28 with its default transport (when installed).
Prints requests/s and requests per client CPU-second; the last line is JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable

import orjson

from _loopback import loopback_server

REQUESTS = 3000
CONCURRENCY = 8


async def _run(fetch: Callable[[int], Awaitable[int]]) -> tuple[float, float]:
    counter = iter(range(REQUESTS))

    async def worker() -> None:
        for i in counter:
            await fetch(i)

    await fetch(0)  # warm the pool
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - wall, time.process_time() - cpu


async def bench_aiohttp(url: str) -> tuple[float, float]:
    import aiohttp

    async with aiohttp.ClientSession() as session:

        async def fetch(i: int) -> int:
            async with session.get(url, params={"after": str((i % 50) * 100)}) as resp:
                return len(orjson.loads(await resp.read())["results"])

        return await _run(fetch)


async def bench_httpx(module_name: str, url: str) -> tuple[float, float] | None:
    try:
        module = __import__(module_name)
    except ImportError:
        return None
    async with module.AsyncClient() as client:

        async def fetch(i: int) -> int:
            resp = await client.get(url, params={"after": str((i % 50) * 100)})
            return len(orjson.loads(resp.content)["results"])

        return await _run(fetch)


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    with loopback_server() as base:
        url = f"{base}/crm/v3/objects/contacts"
        runs: dict[str, Callable[[], Awaitable[tuple[float, float] | None]]] = {
            "aiohttp": lambda: bench_aiohttp(url),
            "httpx2": lambda: bench_httpx("httpx2", url),
            "httpx": lambda: bench_httpx("httpx", url),
        }
        for name, run in runs.items():
            measured = asyncio.run(run())
            if measured is None:
                print(f"{name:8s} not installed", file=sys.stderr)
                continue
            wall, cpu = measured
            results[name] = {"rps": REQUESTS / wall, "rps_per_cpu_s": REQUESTS / cpu}
            print(f"{name:8s} {REQUESTS / wall:9.0f} req/s  {REQUESTS / cpu:9.0f} req/CPU-s")
    base_cpu = results["aiohttp"]["rps_per_cpu_s"]
    for figures in results.values():
        figures["cpu_ratio_vs_aiohttp"] = figures["rps_per_cpu_s"] / base_cpu
    print(json.dumps(results))


if __name__ == "__main__":
    main()
