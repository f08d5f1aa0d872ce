"""Rate limiting against a vendor that really enforces its limit.

A loopback aiohttp server (its own process) enforces a token bucket of 50
requests/s with a burst of 10 and answers 429 + `Retry-After` beyond it. Twenty
concurrent aiohttp workers hammer it for ~10 s per scenario, each request gated
by `interlink.ratelimit.RateLimiter` (acquire before, observe after):

  baseline  no limiter at all: shows the server does refuse what exceeds 50/s;
  declared  the limit is declared: bar >= 95% of 50/s and zero 429s;
  learned   nothing declared; the server advertises X-RateLimit-Limit/Remaining/
            Reset and the limiter learns it: bar >= 90% of 50/s, <= 1% 429s.

Utilisation counts 200s completed in the steady window (after the first
second) against 50/s over that window. The limiters run with their defaults,
including `jitter=0.02`: a request may reach the server up to 20 ms earlier,
relative to the one before it, than the limiter admitted it, so that much
burst is held back.
The last line is one JSON object; the exit code is 1 when a bar is missed.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import socket
import sys
import time
from dataclasses import dataclass, field

RATE = 50.0
BURST = 10
WORKERS = 20
WARMUP = 1.0
STEADY = 10.0
BASELINE_SECONDS = 3.0


def _serve(port: int, advertise: bool, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    from aiohttp import web

    tokens, stamp = float(BURST), time.monotonic()

    async def handler(request: web.Request) -> web.Response:
        nonlocal tokens, stamp
        now = time.monotonic()
        tokens = min(float(BURST), tokens + (now - stamp) * RATE)
        stamp = now
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        headers = {}
        if advertise:
            headers = {
                "X-RateLimit-Limit": str(int(RATE)),
                "X-RateLimit-Remaining": str(int(tokens)),
                "X-RateLimit-Reset": f"{(BURST - tokens) / RATE:.3f}",  # seconds until full
            }
        if not allowed:
            headers["Retry-After"] = str(math.ceil((1.0 - tokens) / RATE))
            return web.json_response({"error": "rate limited"}, status=429, headers=headers)
        return web.json_response({"ok": True}, headers=headers)

    app = web.Application()
    app.router.add_get("/things", handler)
    ready.set()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The rate-limited vendor in a subprocess, fresh (full bucket) per scenario."""

    def __init__(self, advertise: bool) -> None:
        self.port = _free_port()
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Event()
        self.proc = ctx.Process(target=_serve, args=(self.port, advertise, ready), daemon=True)
        self.proc.start()
        ready.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/things"

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.join(5)


@dataclass
class Outcome:
    completions: list[tuple[float, int]] = field(default_factory=list)
    started: float = 0.0

    @property
    def total(self) -> int:
        return len(self.completions)

    @property
    def refused(self) -> int:
        return sum(1 for _, status in self.completions if status == 429)

    def utilisation(self, start: float, seconds: float) -> float:
        begin, end = self.started + start, self.started + start + seconds
        ok = sum(1 for t, status in self.completions if status == 200 and begin <= t < end)
        return ok / (RATE * seconds)


async def drive(url: str, limiter: object | None, seconds: float) -> Outcome:
    import aiohttp

    from interlink.http import Request, Response

    outcome = Outcome(started=time.monotonic())
    deadline = outcome.started + seconds
    request = Request.build("GET", url)
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            while time.monotonic() < deadline:
                if limiter is not None:
                    await limiter.acquire(request)  # type: ignore[attr-defined]
                async with session.get(url) as resp:
                    content = await resp.read()
                    status, headers = resp.status, resp.headers
                outcome.completions.append((time.monotonic(), status))
                if limiter is not None:
                    response = Response(status, headers, content, request)
                    await limiter.observe(request, response)  # type: ignore[attr-defined]

        await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return outcome


def scenario(advertise: bool, limiter_factory: object | None, seconds: float) -> Outcome:
    with Server(advertise) as server:
        limiter = limiter_factory() if callable(limiter_factory) else None
        return asyncio.run(drive(server.url, limiter, seconds))


def main() -> int:
    from interlink.ratelimit import RateLimiter, TokenBucket

    def declared() -> RateLimiter:
        policy = TokenBucket(rate=RATE, per=1.0, burst=BURST)
        return RateLimiter("bench", "conn-1", [policy])

    def learned() -> RateLimiter:
        return RateLimiter("bench", "conn-1")

    base = scenario(False, None, BASELINE_SECONDS)
    print(
        f"baseline (no limiter): {base.total} requests in {BASELINE_SECONDS:g}s, "
        f"{base.refused} answered 429 ({base.refused / max(1, base.total):.1%}), "
        f"utilisation {base.utilisation(WARMUP, BASELINE_SECONDS - WARMUP):.1%}"
    )
    one = scenario(False, declared, WARMUP + STEADY)
    one_util = one.utilisation(WARMUP, STEADY)
    print(f"declared: utilisation {one_util:.1%} of {RATE:g}/s, {one.refused} x 429 of {one.total}")
    two = scenario(True, learned, WARMUP + STEADY)
    two_util = two.utilisation(WARMUP, STEADY)
    two_fraction = two.refused / max(1, two.total)
    print(
        f"learned:  utilisation {two_util:.1%} of {RATE:g}/s, "
        f"{two.refused} x 429 of {two.total} ({two_fraction:.2%})"
    )
    bars = {
        "declared utilisation >= 95%": one_util >= 0.95,
        "declared 429s == 0": one.refused == 0,
        "learned utilisation >= 90%": two_util >= 0.90,
        "learned 429s <= 1%": two_fraction <= 0.01,
    }
    for bar, met in bars.items():
        print(f"  {'ok  ' if met else 'MISS'} {bar}")
    result = {
        "declared_utilization": round(one_util, 4),
        "declared_429s": one.refused,
        "learned_utilization": round(two_util, 4),
        "learned_429_fraction": round(two_fraction, 4),
    }
    print(json.dumps(result))
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
