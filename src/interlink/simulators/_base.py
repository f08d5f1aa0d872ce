"""The vendor base class and the registry of simulators.

A vendor module subclasses `Simulator`, fills in `info` and the four hooks
(`build_collections`, `routes`, `error_response`, `webhook_format`), and
decorates the class with `@register`. Everything else (the ASGI app, faults,
counters, admin endpoints, credentials, limiter plumbing, webhooks, lifespan)
comes from here.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from interlink._clock import Clock, SystemClock
from interlink.simulators._admin import admin_routes
from interlink.simulators._counters import Counters
from interlink.simulators._faults import FaultConfig, FaultInjector
from interlink.simulators._http import Reply, RequestError
from interlink.simulators._middleware import SimulatorMiddleware
from interlink.simulators._ratelimit import Decision, Limiter
from interlink.simulators._store import Collection
from interlink.simulators._tokens import Token, TokenStore
from interlink.simulators._webhooks import WebhookEmitter, WebhookFormat

__all__ = [
    "SIMULATORS",
    "PageRequest",
    "Simulator",
    "SimulatorInfo",
    "UnknownSimulatorError",
    "create_simulator",
    "register",
]

DEFAULT_RECORDS = 1_000
MAX_RECORDS = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A ready-to-send request for one page of a vendor's main resource.

    Benchmarks and smoke tests use it to exercise any vendor without knowing its API.
    """

    method: str
    path: str  # with the query string
    headers: Mapping[str, str]
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class SimulatorInfo:
    """What `interlink simulate --list` shows about a vendor."""

    name: str
    title: str
    resources: tuple[str, ...]
    auth: str
    pagination: str
    rate_limits: str


class Simulator(abc.ABC):
    """One vendor's fake API. Subclass it per vendor; see docs/simulators.md for the recipe."""

    info: ClassVar[SimulatorInfo]

    def __init__(
        self,
        *,
        records: int = DEFAULT_RECORDS,
        seed: int = 0,
        faults: FaultConfig | str = "none",
        clock: Clock | None = None,
        rate_limits: bool = True,
        webhook_url: str | None = None,
    ) -> None:
        if not 0 <= records <= MAX_RECORDS:
            raise ValueError(f"records must be between 0 and {MAX_RECORDS:,}, got {records}")
        self.records, self.seed, self.rate_limits = records, seed, rate_limits
        self.clock: Clock = clock or SystemClock()
        self.counters = Counters()
        self.faults = FaultInjector(faults)
        self.tokens = TokenStore(self.clock)
        self.limiters: list[Limiter] = []
        self.webhooks = WebhookEmitter(
            self.webhook_format(), self.clock, self.faults, self.counters, webhook_url
        )
        self.collections: Mapping[str, Collection] = self.build_collections()
        self._app: ASGIApp | None = None

    # -- hooks every vendor implements ----------------------------------------------------

    @abc.abstractmethod
    def build_collections(self) -> Mapping[str, Collection]:
        """One `Collection` per resource, sized `self.records`, seeded from `self.seed`."""

    @abc.abstractmethod
    def routes(self) -> Sequence[BaseRoute]:
        """The vendor's endpoints (Starlette routes)."""

    @abc.abstractmethod
    def error_response(
        self, status: int, message: str | None, *, category: str | None = None
    ) -> Response:
        """An error in the vendor's own shape; `message` None means the vendor's usual text."""

    @abc.abstractmethod
    def webhook_format(self) -> WebhookFormat:
        """How this vendor batches and signs webhook deliveries."""

    # -- hooks with defaults --------------------------------------------------------------

    def credential(self, headers: Mapping[str, str]) -> str | None:
        """The credential a request carries (default: `Authorization: Bearer ...`)."""
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None
        return value.strip()

    def drift_targets(self, payload: Any) -> Iterator[dict[str, Any]]:
        """The record objects in a response body that schema drift rewrites.

        Default: the objects in any top-level list (`{"results": [...]}`), or the body itself.
        """
        if isinstance(payload, dict):
            lists = [v for v in payload.values() if isinstance(v, list)]
            if not lists:
                yield payload
            for items in lists:
                yield from (item for item in items if isinstance(item, dict))

    def issue_token(self, kind: str | None = None) -> Token:
        """A fresh valid credential of `kind` (vendor-defined; None: the usual one)."""
        raise NotImplementedError(f"{type(self).__name__} does not issue tokens")

    def bad_input_response(self, error: RequestError) -> Response:
        """The answer to a `RequestError` (default: `error_response` with its status,
        message and category). Override when a vendor's error names more, e.g. the
        parameter at fault (raise a `RequestError` subclass that carries it)."""
        return self.error_response(error.status, error.message, category=error.category)

    def page_request(self, limit: int) -> PageRequest:
        """A valid request for one page of `limit` records of the main resource."""
        raise NotImplementedError(f"{type(self).__name__} does not describe a page request")

    def reset(self) -> None:
        """Back to the pristine dataset, zero counters, fresh limit windows, no faults.

        Issued credentials survive, so a test's client keeps working.
        """
        for collection in self.collections.values():
            collection.reset()
        for limiter in self.limiters:
            limiter.reset()
        self.counters.reset()
        self.faults.configure("none")

    # -- services for vendor modules ------------------------------------------------------

    def limit(self, limiter: Limiter, key: str, *, peek: bool = False) -> Decision:
        """Ask a limiter (counting the request unless `peek`), honouring `rate_limits=False`
        and the stricter-limits fault."""
        if not self.rate_limits:
            return Decision(True, 0, 0, 0.0)
        ask = limiter.peek if peek else limiter.acquire
        return ask(key, self.clock.time(), self.faults.config.limit_scale)

    def add_limiter(self, limiter: Limiter) -> Limiter:
        """Register a limiter so `reset()` clears it; returns it for assignment."""
        self.limiters.append(limiter)
        return limiter

    # -- the ASGI app ---------------------------------------------------------------------

    @property
    def app(self) -> ASGIApp:
        """The vendor as an ASGI app: vendor routes + `/_sim` admin, behind counters and faults."""
        if self._app is None:
            routes = [*admin_routes(self), *self.routes()]
            starlette = Starlette(
                routes=routes,
                exception_handlers={
                    RequestError: self._bad_input,
                    Reply: self._reply,
                    HTTPException: self._http_error,
                },
                lifespan=self._lifespan,
            )
            self._app = SimulatorMiddleware(starlette, self, routes)
        return self._app

    async def _bad_input(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestError)
        return self.bad_input_response(exc)

    async def _reply(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Reply)
        return exc.response

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self.error_response(exc.status_code, exc.detail)

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        yield
        await self.aclose()

    async def aclose(self) -> None:
        await self.webhooks.aclose()

    async def __aenter__(self) -> Simulator:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


S = TypeVar("S", bound=type[Simulator])

SIMULATORS: dict[str, type[Simulator]] = {}


class UnknownSimulatorError(LookupError):
    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(SIMULATORS)) or "none"
        super().__init__(f"unknown simulator {name!r} (known: {known})")
        self.name = name


def register(cls: S) -> S:
    """Class decorator: make a vendor available by `cls.info.name`."""
    name = cls.info.name
    if name in SIMULATORS and SIMULATORS[name] is not cls:
        raise ValueError(f"a simulator named {name!r} is already registered")
    SIMULATORS[name] = cls
    return cls


def create_simulator(name: str, **options: Any) -> Simulator:
    """A new simulator of the named vendor; options as `Simulator.__init__`."""
    try:
        cls = SIMULATORS[name]
    except KeyError:
        raise UnknownSimulatorError(name) from None
    return cls(**options)
