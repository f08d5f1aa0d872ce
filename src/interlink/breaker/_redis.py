"""Breaker state in Redis, so every worker process shares one breaker per key.

Each step is one Lua script over one hash, so concurrent workers never
interleave halfway through a transition, and only the worker whose call
caused a transition hears about it (its listener fires once, fleet-wide).

Time: the caller's wall clock (`clock.time()`) is passed into the scripts
rather than read with Redis `TIME`. That keeps an injected `FakeClock` in
charge in tests against a real Redis, and workers on NTP-synced machines agree
to well under the seconds a breaker's window and cooldown are measured in.

If Redis fails, the store degrades to a per-process breaker (logged once per
outage) rather than failing every vendor call: the breaker must never be the
outage.
"""

from __future__ import annotations

import math

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from interlink.breaker._config import BreakerConfig
from interlink.breaker._memory import InMemoryBreakerStore
from interlink.breaker._store import ADMITTED, Admission, BreakerStore, Change, State

__all__ = ["RedisBreakerStore"]

_log = structlog.get_logger("interlink.breaker")

# KEYS[1] the breaker hash; ARGV: now, cooldown, half_open_probes, ttl_ms
_ADMIT = """
local key, now = KEYS[1], tonumber(ARGV[1])
local state = redis.call('HGET', key, 'state')
if not state or state == 'closed' then return {1, '0', ''} end
local since = tonumber(redis.call('HGET', key, 'since')) or now
if now < since then
  since = now
  redis.call('HSET', key, 'since', ARGV[1])
end
if state == 'open' then
  local wait = since + tonumber(ARGV[2]) - now
  if wait > 0 then return {0, tostring(wait), ''} end
  redis.call('HSET', key, 'state', 'half_open', 'since', ARGV[1], 'probes', 1)
  redis.call('PEXPIRE', key, ARGV[4])
  return {1, '0', 'open>half_open'}
end
local probes = tonumber(redis.call('HGET', key, 'probes')) or 0
if probes < tonumber(ARGV[3]) then
  redis.call('HINCRBY', key, 'probes', 1)
  return {1, '0', ''}
end
local wait = since + tonumber(ARGV[2]) - now
if wait > 0 then return {0, tostring(wait), ''} end
redis.call('HSET', key, 'since', ARGV[1], 'probes', 1)
return {1, '0', ''}
"""

# KEYS[1] the breaker hash; ARGV: now, success (1/0), bucket_width, buckets,
# min_calls, failure_rate, ttl_ms. Bucket fields are 'b+<index>' and 'b-<index>'.
_RECORD = """
local key, now, success = KEYS[1], tonumber(ARGV[1]), ARGV[2] == '1'
local state = redis.call('HGET', key, 'state')
if state == 'open' then return '' end
local function open()
  redis.call('DEL', key)
  redis.call('HSET', key, 'state', 'open', 'since', ARGV[1], 'probes', 0)
  redis.call('PEXPIRE', key, ARGV[7])
end
if state == 'half_open' then
  if success then
    redis.call('DEL', key)
    return 'half_open>closed'
  end
  open()
  return 'half_open>open'
end
local nbuckets = tonumber(ARGV[4])
local index = math.floor(now / tonumber(ARGV[3]))
local field = (success and 'b+' or 'b-') .. string.format('%d', index)
local fresh = redis.call('HINCRBY', key, field, 1) == 1
redis.call('PEXPIRE', key, ARGV[7])
if success and not fresh then return '' end
local total, failures = 0, 0
local all = redis.call('HGETALL', key)
for i = 1, #all, 2 do
  local name = all[i]
  local kind = string.sub(name, 1, 2)
  if kind == 'b+' or kind == 'b-' then
    if tonumber(string.sub(name, 3)) <= index - nbuckets then
      redis.call('HDEL', key, name)
    else
      local n = tonumber(all[i + 1])
      total = total + n
      if kind == 'b-' then failures = failures + n end
    end
  end
end
if success then return '' end
if total >= tonumber(ARGV[5]) and failures >= tonumber(ARGV[6]) * total then
  open()
  return 'closed>open'
end
return ''
"""


class RedisBreakerStore:
    """Breaker state shared through Redis: one hash per key, atomic Lua steps.

    Keys expire after `2 * (window + cooldown)` seconds of silence, so dead
    connections leave nothing behind; a breaker silent that long starts closed.
    """

    __slots__ = ("_admit", "_degraded", "_fallback", "_prefix", "_record", "_redis")

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "interlink:",
        fallback: BreakerStore | None = None,
    ) -> None:
        self._redis = redis
        self._prefix = f"{prefix}breaker:"
        self._admit = redis.register_script(_ADMIT)
        self._record = redis.register_script(_RECORD)
        self._fallback: BreakerStore = fallback or InMemoryBreakerStore()
        self._degraded = False

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "interlink:") -> RedisBreakerStore:
        """A store on a new Redis client for `url` (e.g. `redis://localhost:6379/0`)."""
        return cls(Redis.from_url(url), prefix=prefix)

    async def admit(self, key: str, config: BreakerConfig, now: float) -> Admission:
        args: list[str | int] = [
            repr(now),
            repr(float(config.cooldown)),
            config.half_open_probes,
            _ttl_ms(config),
        ]
        try:
            admitted, wait, change = await self._admit(keys=[self._prefix + key], args=args)
        except (RedisError, OSError) as exc:
            self._degrade(exc)
            return await self._fallback.admit(key, config, now)
        self._recover()
        if int(admitted) and not change:
            return ADMITTED
        return Admission(bool(int(admitted)), float(_text(wait)), _change(_text(change)))

    async def record(
        self, key: str, config: BreakerConfig, success: bool, now: float
    ) -> Change | None:
        args: list[str | int] = [
            repr(now),
            "1" if success else "0",
            repr(config.bucket_width),
            config.buckets,
            config.min_calls,
            repr(float(config.failure_rate)),
            _ttl_ms(config),
        ]
        try:
            change = await self._record(keys=[self._prefix + key], args=args)
        except (RedisError, OSError) as exc:
            self._degrade(exc)
            return await self._fallback.record(key, config, success, now)
        self._recover()
        return _change(_text(change))

    async def state(self, key: str) -> State:
        try:
            value = await self._redis.hget(self._prefix + key, "state")
        except (RedisError, OSError) as exc:
            self._degrade(exc)
            return await self._fallback.state(key)
        return State.CLOSED if value is None else State(_text(value))

    async def aclose(self) -> None:
        """Close the Redis client."""
        await self._redis.aclose()

    def _degrade(self, exc: BaseException) -> None:
        if not self._degraded:
            self._degraded = True
            _log.warning(
                "breaker.redis_unavailable", error=type(exc).__name__, fallback="in-process"
            )

    def _recover(self) -> None:
        if self._degraded:
            self._degraded = False
            _log.info("breaker.redis_recovered")


def _ttl_ms(config: BreakerConfig) -> int:
    return math.ceil(2_000 * (config.window + config.cooldown))


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _change(text: str) -> Change | None:
    if not text:
        return None
    old, new = text.split(">")
    return (State(old), State(new))
