"""Requests per second of every registered simulator, serving 100-record pages over loopback.

Each simulator runs under uvicorn in its own subprocess (an honest server: its
own process, its own core); an aiohttp client loop in this process fetches
100-record pages for a few seconds. A baseline server (a bare ASGI app
returning a pre-built body of the same size) is measured the same way, so the
ratio shows what the simulator's own work costs.

    .venv/bin/python bench/simulators.py [--seconds 3] [--concurrency 8] [--records 1000]

The last line is JSON: {"vendor": requests_per_second, ...}. The exit status is 1
when a registered vendor could not be measured or HubSpot is under 1,000 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Mapping

import aiohttp

PAGE = 100
HUBSPOT_BAR = 1_000  # req/s of 100-record pages (docs/simulators.md, Benchmark)
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _serve_baseline(port: int, size: int) -> None:
    import uvicorn

    body = b'{"results":[' + b"x" * max(0, size - 14) + b"]}"
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": body})  # type: ignore[operator]

    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


def _start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early: {args}")
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"server did not start: {args}")


async def _measure(
    url: str,
    headers: Mapping[str, str],
    seconds: float,
    concurrency: int,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[float, int]:
    """(requests per second, bytes of one response); `method`/`body` as the page request
    says (BambooHR's Datasets API pages by POST)."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.request(method, url, headers=headers, data=body) as r:  # warm up
            first = await r.read()
            if r.status != 200:
                raise RuntimeError(f"{url}: HTTP {r.status}: {first[:300]!r}")
        done = 0
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                async with session.request(method, url, headers=headers, data=body) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"HTTP {response.status}")
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - start), len(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--records", type=int, default=1_000)
    parser.add_argument("--serve-baseline", nargs=2, type=int, metavar=("PORT", "SIZE"))
    args = parser.parse_args()
    if args.serve_baseline:
        _serve_baseline(*args.serve_baseline)
        return

    from interlink.simulators import SIMULATORS, create_simulator

    results: dict[str, float] = {}
    for name in sorted(SIMULATORS):
        sim = create_simulator(name, records=args.records)  # same seed: same credentials
        try:
            page = sim.page_request(PAGE)
        except NotImplementedError:
            print(f"{name}: no page_request(); skipped")
            continue
        port = _free_port()
        cli = "from interlink.cli import main; main()"
        server = _start(
            ["-c", cli, "simulate", name, "--port", str(port), "--records", str(args.records),
             "--no-rate-limits"],
            port,
        )  # fmt: skip
        try:
            rps, size = asyncio.run(
                _measure(f"http://{HOST}:{port}{page.path}", page.headers, args.seconds,
                         args.concurrency, page.method, page.body)
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait()
        port = _free_port()
        baseline = _start([__file__, "--serve-baseline", str(port), str(size)], port)
        try:
            base_rps, _ = asyncio.run(
                _measure(f"http://{HOST}:{port}/", {}, args.seconds, args.concurrency)
            )
        finally:
            baseline.terminate()
            baseline.wait()
        results[name] = round(rps, 1)
        print(
            f"{name}: {rps:,.1f} req/s of {PAGE}-record pages ({size:,} bytes); "
            f"bare uvicorn baseline {base_rps:,.1f} req/s; ratio {rps / base_rps:.2f}"
        )
    # A vendor the benchmark could not measure, or HubSpot under its bar, fails the run
    # (after the JSON line, which stays last on stdout); the verdict goes to stderr.
    unmeasured = sorted(set(SIMULATORS) - set(results))
    slow = results.get("hubspot", 0.0) < HUBSPOT_BAR
    print(json.dumps(results))
    if unmeasured:
        print(f"not measured (no page_request): {', '.join(unmeasured)}", file=sys.stderr)
    if slow:
        print(f"hubspot under its bar of {HUBSPOT_BAR:,} req/s", file=sys.stderr)
    if unmeasured or slow:
        sys.exit(1)


if __name__ == "__main__":
    main()
