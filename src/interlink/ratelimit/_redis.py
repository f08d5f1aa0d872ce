"""Rate-limit state in Redis, shared by every worker process of a deployment.

One Lua script checks every bucket of a request and the partition's pause,
and consumes all of them or none, against Redis server TIME: processes whose
clocks disagree still agree on the budget.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import redis.asyncio as aioredis

from interlink.ratelimit._buckets import Bucket, FixedWindow, Gcra, SlidingLog

__all__ = ["RedisStore"]

# KEYS[1] = pause key, KEYS[2..] = buckets. ARGV[1] = a unique grant id, then
# four values per bucket: kind, a, b, c (see _args). Returns the wait as text:
# Lua numbers become integers in Redis replies.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = 0
local paused = tonumber(redis.call('GET', KEYS[1]))
if paused and paused > now then wait = paused - now end
local n = #KEYS - 1
local seen = {}
for i = 1, n do
  local key = KEYS[i + 1]
  local base = 2 + (i - 1) * 4
  local kind = ARGV[base]
  local a, b, c = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local w = 0
  if kind == 'gcra' then
    local tat = tonumber(redis.call('GET', key)) or now
    if tat < now then tat = now end
    seen[i] = tat
    w = tat - b - now
  elseif kind == 'log' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - b)
    local count = redis.call('ZCARD', key)
    if count >= a then
      local edge = redis.call('ZRANGE', key, count - a, count - a, 'WITHSCORES')
      w = tonumber(edge[2]) + b - now
    end
  else
    local start = string.format('%.6f', math.floor((now - c) / b) * b + c)
    local got = redis.call('HMGET', key, 'start', 'count')
    local count = 0
    if got[1] == start then count = tonumber(got[2]) end
    seen[i] = {start, count}
    if count >= a then w = tonumber(start) + b - now end
  end
  if w > wait then wait = w end
end
if wait > 0 then return string.format('%.6f', wait) end
for i = 1, n do
  local key = KEYS[i + 1]
  local base = 2 + (i - 1) * 4
  local kind = ARGV[base]
  local a, b = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  if kind == 'gcra' then
    local tat = seen[i] + a
    redis.call('SET', key, string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
  elseif kind == 'log' then
    redis.call('ZADD', key, now, ARGV[1] .. ':' .. i)
    redis.call('PEXPIRE', key, math.ceil(b * 1000) + 1000)
  else
    local start, count = seen[i][1], seen[i][2]
    redis.call('HSET', key, 'start', start, 'count', count + 1)
    redis.call('PEXPIRE', key, math.ceil((tonumber(start) + b - now) * 1000) + 1000)
  end
end
return '0'
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local seconds = tonumber(ARGV[1])
local untl = now + seconds
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < untl then
  redis.call('SET', KEYS[1], string.format('%.6f', untl), 'PX', math.ceil(seconds * 1000) + 1000)
end
return 1
"""


class RedisStore:
    """Shared buckets in Redis (`redis.asyncio`), atomic through Lua.

    Give it a client (which you close) or build one with `from_url` (which
    `aclose` closes). Keys expire on their own once idle.
    """

    def __init__(self, client: aioredis.Redis, *, owns_client: bool = False) -> None:
        self._client = client
        self._owns_client = owns_client
        self._acquire = client.register_script(_ACQUIRE)
        self._pause = client.register_script(_PAUSE)

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        """A store on a new client for `url` (e.g. "redis://127.0.0.1:6379/0")."""
        return cls(aioredis.Redis.from_url(url), owns_client=True)

    async def try_acquire(self, pause_key: str, buckets: Sequence[Bucket]) -> float:
        args: list[str | float] = [uuid.uuid4().hex]
        for bucket in buckets:
            args.extend(_args(bucket))
        keys = [pause_key, *(bucket.key for bucket in buckets)]
        reply = await self._acquire(keys=keys, args=args)
        return float(reply)

    async def pause(self, pause_key: str, seconds: float) -> None:
        await self._pause(keys=[pause_key], args=[repr(float(seconds))])

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _args(bucket: Bucket) -> tuple[str, str, str, str]:
    if isinstance(bucket, Gcra):
        return ("gcra", repr(bucket.interval), repr(bucket.tolerance), "0")
    if isinstance(bucket, SlidingLog):
        return ("log", str(bucket.limit), repr(bucket.span), "0")
    assert isinstance(bucket, FixedWindow)
    return ("fixed", str(bucket.limit), repr(bucket.period), repr(bucket.offset))
