"""A connection's pipeline, built from its provider's spec.

Rate limiters are partitioned by (provider, credential): two connections
sharing one credential share its budget, and the partition key is a hash,
never the secret. The breaker is per (provider, connection). Everything
shared lives in the given `State` (in-process, or Redis for many workers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import orjson

from interlink._clock import Clock
from interlink._pipeline import Pipeline
from interlink.auth import TokensRotated
from interlink.breaker import CircuitBreaker
from interlink.client._auth import build_auth
from interlink.client._auth_variables import Deferred, TokenAnswerVariables
from interlink.connectors import AuthMethodSpec, ConnectorSpec, RenderContext
from interlink.http import Transport
from interlink.ratelimit import RateLimiter
from interlink.retry import RetryPolicy
from interlink.state import State

__all__ = ["build_pipeline", "credential_partition"]


def credential_partition(method: AuthMethodSpec, credentials: Mapping[str, str]) -> str:
    """A stable, non-reversible name of the credential `method` uses."""
    used = {name: credentials.get(name) for name in sorted(method.credentials)}
    digest = hashlib.sha256(orjson.dumps(used, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"{method.name}:{digest[:24]}"


def build_pipeline(
    spec: ConnectorSpec,
    method: AuthMethodSpec,
    context: RenderContext,
    *,
    connection_id: str,
    state: State,
    transport: Transport,
    clock: Clock,
    on_tokens_rotated: TokensRotated | None = None,
    deferred: Sequence[Deferred] = (),
) -> Pipeline:
    """Auth, limiter, breaker, retry and error contract for one connection; `deferred`
    variables are filled from the token answer by the auth flow."""
    partition = credential_partition(method, context.credentials)
    auth = build_auth(
        method,
        context,
        state=state,
        key=f"{spec.provider}:{partition}",
        clock=clock,
        on_tokens_rotated=on_tokens_rotated,
    )
    if deferred:
        auth = TokenAnswerVariables(auth, deferred)  # type: ignore[arg-type]  # OAuth: has tokens
    return Pipeline(
        spec.provider,
        transport,
        auth=auth,
        limiter=RateLimiter(
            spec.provider, partition, spec.rate_limits, store=state.rate_limits, clock=clock
        ),
        breaker=CircuitBreaker(
            spec.provider, connection_id, config=spec.breaker, store=state.breakers, clock=clock
        ),
        retry=spec.retry or RetryPolicy(),
        contract=spec.errors,
        clock=clock,
    )
