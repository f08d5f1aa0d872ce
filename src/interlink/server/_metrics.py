"""Prometheus metrics of a server process, on one registry, fed without touching low layers.

The pipeline has no observer hook, so vendor calls are measured where every
one of them passes anyway: the shared transport (`MeteredTransport`), which
sees each attempt (token calls included) with its status and latency. The
provider and resource are read from the URL against the connector specs.
These vendor metrics (`VendorMetrics`) are what a Celery worker exports too.
The `interlink_sync_*` metrics are read from the store's runs at scrape time
(`RunMetrics`, registered by `watch_runs`), so every run counts, whoever ran
it; the engine's `SyncObserver` only adds a run's retries to the vendor
metrics. Webhook intake counters live on the same registry (`IntakeMetrics(registry)`).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from interlink.breaker import BreakerStore, CircuitBreaker
from interlink.connectors import ConnectorRegistry
from interlink.http import Request, Response, Transport
from interlink.server._run_metrics import RunMetrics
from interlink.store import AsyncStore, RunStats, Store, SyncRun
from interlink.sync import SyncJob

__all__ = ["MeteredTransport", "Metrics", "SyncMetrics", "VendorMetrics"]

_BREAKER_LEVELS = {"closed": 0.0, "half_open": 1.0, "open": 2.0}
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class VendorMetrics:
    """The vendor calls of a process, on `registry` (its own unless given): what
    `MeteredTransport` counts, in a server and in a worker alike."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry = registry or CollectorRegistry()
        labels = ["provider", "resource", "status"]
        self.vendor_calls = Counter(
            "interlink_vendor_calls",
            "Vendor HTTP calls by provider, resource and status",
            labels,
            registry=registry,
        )
        self.vendor_latency = Histogram(
            "interlink_vendor_call_seconds",
            "Vendor call latency by provider and resource",
            ["provider", "resource"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "interlink_vendor_429",
            "Vendor answers 429 (rate limited), by provider",
            ["provider"],
            registry=registry,
        )
        self.retries = Counter(
            "interlink_vendor_retries",
            "Vendor calls retried by the pipeline, by provider",
            ["provider"],
            registry=registry,
        )
        self.breaker_open = Counter(
            "interlink_breaker_open_refusals",
            "Calls refused because a provider's circuit breaker was open",
            ["provider"],
            registry=registry,
        )
        self.token_refreshes = Counter(
            "interlink_token_requests",
            "Token endpoint calls (refreshes, grants), by outcome",
            ["provider", "outcome"],
            registry=registry,
        )
        self.auth_failures = Counter(
            "interlink_vendor_auth_failures",
            "Vendor answers 401/403, by provider",
            ["provider"],
            registry=registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 when absent), for tests and the dashboard."""
        return self.registry.get_sample_value(name, labels) or 0.0


class Metrics(VendorMetrics):
    """Every metric the server exports, on `registry` (its own unless given): the vendor
    calls, breakers, dead letters, API requests, and, once `watch_runs` was called, the
    sync runs of the store (per connection, lag and last success; a bound on data age)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        registry = self.registry
        self._runs: RunMetrics | None = None
        self.breaker_state = Gauge(
            "interlink_breaker_state",
            "Each connection's circuit breaker: 0 closed, 1 half open, 2 open (at scrape time)",
            ["provider", "connection_id"], registry=registry,
        )  # fmt: skip
        self.dead_letters = Gauge(
            "interlink_webhook_dead_letters",
            "Webhook events in the dead-letter queue",
            registry=registry,
        )
        self.api_requests = Counter(
            "interlink_api_requests",
            "Unified API requests by route and status",
            ["method", "route", "status"],
            registry=registry,
        )

    def watch_runs(self, store: Store) -> None:
        """Export the `interlink_sync_*` metrics from `store`'s runs, read at each scrape
        (once per registry: a second call is a no-op)."""
        if self._runs is None:
            self._runs = RunMetrics(store)
            self.registry.register(self._runs)

    async def refresh_breakers(self, store: AsyncStore, breakers: BreakerStore) -> None:
        """Read every connection's breaker state from the shared breaker store."""
        for row in await store.list_connections():
            state = await CircuitBreaker(row.provider, row.id, store=breakers).state()
            self.breaker_state.labels(row.provider, row.id).set(_BREAKER_LEVELS[str(state)])


class _Route:
    """Which provider and resource a URL belongs to, from the connector specs."""

    def __init__(self, registry: ConnectorRegistry) -> None:
        self._hosts: list[tuple[re.Pattern[str], str, list[tuple[str, str]]]] = []
        for spec in registry:
            parts = urlsplit(_skeleton(spec.base_url.source))
            host = re.escape(parts.hostname or "").replace(re.escape("\0"), r"[^/.]+")
            prefixes = sorted(
                (
                    (_static(op.path.source, parts.path), name)
                    for name, resource in spec.resources.items()
                    for op in resource.operations.values()
                ),
                key=lambda item: -len(item[0]),
            )
            self._hosts.append((re.compile(host), spec.provider, prefixes))
        self._seen: dict[str, tuple[str, list[tuple[str, str]]] | None] = {}

    def __call__(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host in self._seen:
            found = self._seen[host]
        else:
            found = next(((p, r) for pattern, p, r in self._hosts if pattern.fullmatch(host)), None)
            if len(self._seen) < 1000:
                self._seen[host] = found
        if found is None:
            return "unknown", "-"
        provider, prefixes = found
        path = parts.path
        resource = next((name for prefix, name in prefixes if path.startswith(prefix)), "-")
        return provider, resource


def _skeleton(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "\0", template)


def _static(path: str, base_path: str) -> str:
    return (base_path.rstrip("/") + path).split("{", 1)[0]


class MeteredTransport:
    """Counts and times every vendor call passing through `inner`."""

    def __init__(
        self, inner: Transport, metrics: VendorMetrics, registry: ConnectorRegistry
    ) -> None:
        self._inner, self._metrics, self._route = inner, metrics, _Route(registry)

    async def send(self, request: Request) -> Response:
        started = time.perf_counter()
        provider, resource = self._route(request.url)
        metrics = self._metrics
        try:
            response = await self._inner.send(request)
        except Exception:
            metrics.vendor_calls.labels(provider, resource, "error").inc()
            raise
        status = response.status
        if request.purpose == "auth":
            outcome = "ok" if status < 400 else "refused"
            metrics.token_refreshes.labels(provider, outcome).inc()
        metrics.vendor_calls.labels(provider, resource, str(status)).inc()
        metrics.vendor_latency.labels(provider, resource).observe(time.perf_counter() - started)
        if status == 429:
            metrics.rate_limited.labels(provider).inc()
        elif status in (401, 403):
            metrics.auth_failures.labels(provider).inc()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class SyncMetrics:
    """A `SyncObserver` adding each run's retries to the vendor metrics; chain another
    observer after it. (Runs, records, lag and last success come from the store:
    `Metrics.watch_runs`.)"""

    def __init__(self, metrics: VendorMetrics, providers: dict[str, str] | None = None) -> None:
        self._metrics = metrics
        self._providers = providers if providers is not None else {}

    def provider_of(self, connection_id: str, provider: str) -> None:
        """Remember a connection's provider (the run rows carry only the id)."""
        self._providers[connection_id] = provider

    def on_page(self, job: SyncJob, stats: RunStats) -> None:
        return None

    def on_finish(self, run: SyncRun) -> None:
        if run.stats.retries:
            provider = self._providers.get(run.connection_id, "unknown")
            self._metrics.retries.labels(provider).inc(run.stats.retries)
