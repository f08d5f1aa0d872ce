"""Retries: full-jitter exponential backoff, bounded, honouring `Retry-After`, safe methods only."""

from __future__ import annotations

from interlink.retry._policy import RetryPolicy
from interlink.retry._retrying import Attempt, retrying

__all__ = ["Attempt", "RetryPolicy", "retrying"]
