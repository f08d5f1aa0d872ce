"""Two OS processes sharing one Redis budget never exceed it together."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis

pytestmark = pytest.mark.redis

WORKER = Path(__file__).with_name("_rl_worker.py")


@pytest.fixture
async def prefix(redis_url: str, redis_prefix: str) -> AsyncIterator[str]:
    """The test's key prefix, its keys deleted afterwards."""
    yield redis_prefix
    client = aioredis.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def run_two(redis_url: str, prefix: str, *args: object) -> list[dict[str, Any]]:
    start_at = time.time() + 1.5  # both processes begin together, after their imports
    argv = [sys.executable, str(WORKER), redis_url, prefix, str(start_at), *map(str, args)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        results.append(orjson.loads(out))
    return results


def test_two_processes_split_one_budget_exactly(redis_url: str, prefix: str) -> None:
    """20 per hour, 20 attempts in each of two processes: exactly 20 granted in total."""
    results = run_two(redis_url, prefix, 20, 20, 3600, 0)
    assert sum(len(r["grants"]) for r in results) == 20
    assert all(len(r["grants"]) + r["refused"] == 20 for r in results)


def test_two_processes_pace_to_one_shared_window(redis_url: str, prefix: str) -> None:
    """Two processes making 8 requests each under a shared 5 per second: never 6 in a second."""
    results = run_two(redis_url, prefix, 8, 5, 1.0, 10)
    assert [len(r["grants"]) for r in results] == [8, 8]
    stamps = sorted(t for r in results for t in r["grants"])
    # Stamps are taken just after each grant, a little late and not equally so:
    # count over a slightly shorter span than the window to stay exact.
    busiest = max(sum(1 for t in stamps if start <= t < start + 0.9) for start in stamps)
    assert busiest <= 5
    assert busiest >= 4  # they did run side by side, not one after the other
