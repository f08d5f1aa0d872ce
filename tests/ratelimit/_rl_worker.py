"""A separate OS process acquiring from a Redis-backed limiter; prints its grants as JSON.

usage: python _rl_worker.py REDIS_URL PREFIX START_AT ATTEMPTS LIMIT PER MAX_WAIT
"""

from __future__ import annotations

import asyncio
import sys
import time

import orjson

from interlink._errors import BudgetExhaustedError
from interlink.http import Request
from interlink.ratelimit import RateLimiter, RedisStore, Window


async def main(argv: list[str]) -> None:
    url, prefix, start_at, attempts, limit, per, max_wait = argv
    store = RedisStore.from_url(url)
    policy = Window(int(limit), per=float(per))
    limiter = RateLimiter(
        "acme", "conn-1", [policy], store=store, key_prefix=prefix, max_wait=float(max_wait)
    )
    request = Request.build("GET", "https://api.example.com/v1/things")
    await asyncio.sleep(max(0.0, float(start_at) - time.time()))  # start together
    grants: list[float] = []
    refused = 0
    for _ in range(int(attempts)):
        try:
            await limiter.acquire(request)
        except BudgetExhaustedError:
            refused += 1
            continue
        grants.append(time.time())
    await store.aclose()
    sys.stdout.write(orjson.dumps({"grants": grants, "refused": refused}).decode())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
