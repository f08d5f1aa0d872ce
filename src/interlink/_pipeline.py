"""The pipeline: one road for every vendor call.

Per attempt: breaker admission → auth flow (token calls go straight to the
transport) → pre-emptive rate limiting → transport → learning from rate-limit
headers → classification into the error tree → breaker outcome. A retryable
error asks the retry policy for a delay and tries again; anything else raises.

This is the hot path of every sync, so it does no logging per call, builds no
pydantic models, and decodes JSON once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Literal

from interlink._clock import Clock, SystemClock
from interlink._errors import (
    CircuitOpenError,
    MalformedResponseError,
    ServerError,
    TransportError,
    UpstreamError,
)
from interlink._types import JSON
from interlink.auth._base import Auth
from interlink.breaker._base import Breaker
from interlink.http._classify import ErrorContract, classify, decode_json
from interlink.http._models import Request, Response
from interlink.http._transport import Transport
from interlink.pagination import (
    DEFAULT_MAX_PAGES,
    BodyPath,
    Page,
    PaginatorSpec,
    compile_path,
    paginate,
)
from interlink.pagination._paths import MISSING
from interlink.ratelimit._base import Limiter
from interlink.retry import RetryPolicy

__all__ = ["Pipeline", "PipelineStats"]

_BREAKER_FAILURES = (ServerError, TransportError, MalformedResponseError)


@dataclass(slots=True)
class PipelineStats:
    """Running totals of one pipeline, for sync-run statistics and metrics."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    failures: int = 0


class Pipeline:
    """Sends requests for one provider (and one connection) through every safeguard.

    Every part is optional so a pipeline can be as thin as a transport; a
    connector configures all of them. Errors raised are `UpstreamError`s that
    carry the provider, the redacted request and the response.
    """

    __slots__ = (
        "_auth",
        "_breaker",
        "_clock",
        "_contract",
        "_limiter",
        "_retry",
        "_transport",
        "provider",
        "stats",
    )

    def __init__(
        self,
        provider: str,
        transport: Transport,
        *,
        auth: Auth | None = None,
        limiter: Limiter | None = None,
        breaker: Breaker | None = None,
        retry: RetryPolicy | None = None,
        contract: ErrorContract | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.provider = provider
        self._transport = transport
        self._auth = auth
        self._limiter = limiter
        self._breaker = breaker
        self._retry = retry
        self._contract = contract
        self._clock = clock or SystemClock()
        self.stats = PipelineStats()

    async def send(self, request: Request) -> Response:
        """Send `request`; return a 2xx (or 304) response or raise an `UpstreamError`."""
        response, _ = await self._send(request, decode=False)
        return response

    async def send_json(self, request: Request) -> tuple[Response, JSON]:
        """Send `request` and decode its JSON body, applying the vendor's error contract."""
        return await self._send(request, decode=True)

    def paginate(
        self,
        request: Request,
        paginator: PaginatorSpec,
        *,
        records_path: str | BodyPath,
        id_field: str | BodyPath | None = None,
        max_pages: int | None = DEFAULT_MAX_PAGES,
        on_max_pages: Literal["error", "stop"] = "error",
        resume_from: Request | None = None,
        prefetch: bool = False,
    ) -> AsyncIterator[Page]:
        """Iterate the pages of a listing, every page travelling this pipeline
        (from a checkpointed `next_request` with `resume_from`; the next page
        requested while the caller handles this one with `prefetch`)."""
        if not isinstance(records_path, BodyPath):
            records_path = compile_path(records_path, where="records_path")
        # A page whose body lacks its records is malformed, and retried like one, inside
        # the retry loop (a vendor's 200-with-an-error-body); a partial adds no frame.
        return paginate(
            partial(self._send, decode=True, records_at=records_path),
            request,
            paginator,
            records_path=records_path,
            id_field=id_field,
            max_pages=max_pages,
            on_max_pages=on_max_pages,
            provider=self.provider,
            resume_from=resume_from,
            prefetch=prefetch,
        )

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def _send(
        self, request: Request, *, decode: bool, records_at: BodyPath | None = None
    ) -> tuple[Response, JSON]:
        clock = self._clock
        started = clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            error: UpstreamError
            try:
                response, body = await self._attempt(request, decode=decode, records_at=records_at)
            except UpstreamError as exc:
                error = exc
            else:
                return response, body
            self.stats.failures += 1
            if self._retry is None:
                raise error
            delay = self._retry.next_delay(error, request, attempt, clock.monotonic() - started)
            if delay is None:
                raise error
            self.stats.retries += 1
            await clock.sleep(delay)

    async def _attempt(
        self, request: Request, *, decode: bool, records_at: BodyPath | None = None
    ) -> tuple[Response, JSON]:
        # One frame on purpose: every await level is walked again on each resumption
        # of the transport, so the auth flow, limiter and transport are inlined here.
        breaker = self._breaker
        if breaker is not None:
            await breaker.before_call()
        limiter, transport, stats = self._limiter, self._transport, self.stats
        flow = self._auth.auth_flow(request) if self._auth is not None else None
        try:
            outgoing = request if flow is None else await flow.__anext__()
            while True:
                if outgoing.purpose == "auth":
                    response = await transport.send(outgoing)
                else:
                    if limiter is not None:
                        await limiter.acquire(outgoing)
                    stats.requests += 1
                    response = await transport.send(outgoing)
                    if response.status == 429:
                        stats.rate_limited += 1
                    if limiter is not None:
                        await limiter.observe(outgoing, response)
                if flow is None:
                    break
                try:
                    outgoing = await flow.asend(response)
                except StopAsyncIteration:
                    break
            error = classify(response, provider=self.provider, contract=self._contract)
            body: JSON = None
            if error is None and decode:
                body = decode_json(response, provider=self.provider, contract=self._contract)
                if self._contract is not None:
                    error = self._contract.check(response, body, provider=self.provider)
                if error is None and records_at is not None:
                    error = _missing_records(response, body, records_at, self.provider)
        except CircuitOpenError:
            raise
        except UpstreamError as exc:
            if exc.provider is None:  # raised inside an auth flow, which knows no provider
                exc.provider = self.provider
            if breaker is not None:
                await breaker.record(not isinstance(exc, _BREAKER_FAILURES))
            raise
        finally:
            if flow is not None:
                await flow.aclose()  # releases a refresh lock held across a failed token call
        if breaker is not None:
            await breaker.record(not isinstance(error, _BREAKER_FAILURES))
        if error is not None:
            raise error
        return response, body


def _missing_records(
    response: Response, body: JSON, records_at: BodyPath, provider: str
) -> MalformedResponseError | None:
    found = records_at.get(body, MISSING)
    if found is None or isinstance(found, list):
        return None  # null is an empty page
    if found is MISSING and body is None and not response.content.strip():
        return None  # a "no data" status of the contract (Zoho's 204/304): an empty page
    # Missing, or not a list: a 200 carrying an error object where the records belong
    # (GitHub's list answers are the bare list) is a bad page, retried like a truncated one.
    what = "without records" if found is MISSING else f"with a {type(found).__name__}, not records,"
    return MalformedResponseError(
        f"HTTP {response.status} page {what} at {str(records_at)!r}",
        provider=provider,
        request=response.request,
        response=response,
    )
