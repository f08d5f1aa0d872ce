"""One worker process of test_processes.py: many calls on a grant shared through Redis.

Run as `python oauth_worker.py BASE_URL REDIS_URL PREFIX CALLS`. It waits at a
Redis barrier until both workers are ready, then prints one JSON line: the
statuses of its calls and how many rotated token sets it was asked to persist.
"""

from __future__ import annotations

import asyncio
import sys

import orjson
from authkit import CLIENT_ID, CLIENT_SECRET, FIRST_REFRESH_TOKEN, drive
from redis.asyncio import Redis

from interlink.auth import OAuth2Client, RedisLock, RedisTokenStore, RefreshTokenAuth, TokenSet
from interlink.http import AiohttpTransport, Request

WORKERS = 2


async def main(base_url: str, redis_url: str, prefix: str, calls: int) -> None:
    redis = Redis.from_url(redis_url)
    persisted: list[str | None] = []

    async def persist(tokens: TokenSet) -> None:
        persisted.append(tokens.refresh_token)

    auth = RefreshTokenAuth(
        OAuth2Client(f"{base_url}/token", CLIENT_ID, CLIENT_SECRET),
        TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN),
        key="conn-multiprocess",
        store=RedisTokenStore(redis, prefix=prefix + "tokens:"),
        lock=RedisLock(redis, prefix=prefix + "lock:", ttl=10),
        on_tokens_rotated=persist,
    )
    transport = AiohttpTransport()
    # Barrier: the last worker to arrive releases everyone at once.
    if await redis.incr(prefix + "ready") == WORKERS:
        await redis.rpush(prefix + "go", *["go"] * WORKERS)
    await redis.blpop([prefix + "go"], timeout=30)
    request = Request.build("GET", f"{base_url}/api")
    responses = await asyncio.gather(*(drive(auth, transport, request) for _ in range(calls)))
    await transport.aclose()
    await redis.aclose()
    result = {"statuses": [r.status for r in responses], "persisted": len(persisted)}
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
