"""Retrying outside the pipeline, stamina-style, driven by the same `RetryPolicy`.

    async for attempt in retrying(policy, request=request, clock=clock):
        with attempt:
            response = await call_vendor(request)

An `UpstreamError` raised inside `with attempt:` is held back; the loop asks
`policy.next_delay` whether and when to go again, and raises the error when
the policy gives up. Any other exception propagates at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType

from interlink._clock import Clock, SystemClock
from interlink._errors import UpstreamError
from interlink.http._models import Request
from interlink.retry._policy import RetryPolicy

__all__ = ["Attempt", "retrying"]


class Attempt:
    """One try inside `retrying`: a context manager that catches its `UpstreamError`."""

    __slots__ = ("error", "number")

    def __init__(self, number: int) -> None:
        self.number = number
        self.error: UpstreamError | None = None

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if isinstance(exc, UpstreamError):
            self.error = exc
            return True
        return False

    def __repr__(self) -> str:
        return f"<Attempt {self.number}>"


async def retrying(
    policy: RetryPolicy, *, request: Request | None = None, clock: Clock | None = None
) -> AsyncIterator[Attempt]:
    """Yield attempts until one succeeds or `policy` gives up (then raise the last error).

    `request` lets the policy refuse to repeat an unsafe call; leave it None
    only when repeating the operation is known to be harmless.
    """
    clock = clock or SystemClock()
    started = clock.monotonic()
    number = 0
    while True:
        number += 1
        attempt = Attempt(number)
        yield attempt
        error = attempt.error
        if error is None:
            return
        delay = policy.next_delay(error, request, number, clock.monotonic() - started)
        if delay is None:
            raise error
        await clock.sleep(delay)
