"""`create_app`: the unified REST API as a FastAPI app over a store and its connections.

```python
app = create_app(AsyncStore(store), StoreConnections(astore, vault), runner=runner)
```

Everything the handlers need arrives here (nothing is read from globals), so a
test builds an app on a temporary store and simulators, and `interlink serve`
builds one from the settings (`app_from_settings`). Other parts of the server
(the connect flow, the dashboard) plug in with `app.include_router(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from interlink import __version__
from interlink._clock import Clock, SystemClock
from interlink.breaker import BreakerStore
from interlink.connectors import ConnectorRegistry
from interlink.server._audit import audit_router
from interlink.server._catalog import catalog
from interlink.server._connections import connections_router
from interlink.server._idempotency import IdempotencyKeys
from interlink.server._metrics import Metrics
from interlink.server._middleware import RequestContext
from interlink.server._passthrough import passthrough_router
from interlink.server._problems import PROBLEM_RESPONSES, install_problem_handlers
from interlink.server._records import add_read_routes
from interlink.server._services import Services
from interlink.server._tenancy import SECURITY_SCHEME
from interlink.server._writes import add_write_routes
from interlink.server.connect import ConnectConfig, connect_router
from interlink.server.dashboard import DashboardConfig, dashboard_router
from interlink.store import AsyncStore
from interlink.sync import ConnectionSource, Runner

__all__ = ["create_app"]

DESCRIPTION = """One REST API over every connected vendor.

Authenticate every call with a tenant API key: `Authorization: Bearer ilk_...`
(`interlink keys create TENANT`). Errors are RFC 9457 problem details
(`application/problem+json`). See docs/api.md for idempotency and concurrency control.
"""


def create_app(
    store: AsyncStore,
    connections: ConnectionSource,
    *,
    runner: Runner | None = None,
    registry: ConnectorRegistry | None = None,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
    webhooks: Any = None,
    auth_ttl: float = 5.0,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    connect: ConnectConfig | None = None,
    dashboard: DashboardConfig | None = None,
    breakers: BreakerStore | None = None,
) -> FastAPI:
    """The API over `store`; vendor calls through `connections`, syncs on `runner`.

    `webhooks` is the webhook intake (`interlink.webhooks.WebhookIntake`), served at
    `POST /webhooks/{provider}/{connection_id}` when given. `breakers` (the shared breaker
    store) puts each connection's breaker state on /metrics. `connect` mounts the connect
    flow (`/connect`, `POST /v1/connect/tokens`), `dashboard` the dashboard (`/dashboard`).
    """
    metrics = metrics or Metrics()
    metrics.watch_runs(store.store)  # sync figures from the store: every runner's runs count
    app = FastAPI(
        title="Interlink", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.services = Services(
        store,
        connections,
        registry or ConnectorRegistry.default(),
        clock or SystemClock(),
        metrics,
        runner,
        auth_ttl,
    )
    app.state.auth_cache = {}
    app.state.idempotency = IdempotencyKeys(store.store)
    install_problem_handlers(app)

    # Routes are matched in order, one regex each: listings (most of a unified API's
    # traffic) first, then single reads, then writes and the rest.
    lists, items, writes = APIRouter(), APIRouter(), APIRouter()
    for route in catalog():
        add_read_routes(lists, items, route)
        add_write_routes(writes, route)
    routers = (lists, items, writes, connections_router, passthrough_router, audit_router)
    for router in routers:
        app.include_router(router, responses=PROBLEM_RESPONSES)
    if connect is not None:
        app.include_router(connect_router(connect))
    if dashboard is not None:
        app.include_router(dashboard_router(dashboard))

    _document_security(app)
    registry_ = metrics.registry

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        if breakers is not None:
            await metrics.refresh_breakers(store, breakers)
        return Response(generate_latest(registry_), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    if webhooks is not None:
        from interlink.webhooks._app import PATH

        app.add_route(PATH, webhooks.receive, methods=["POST"], include_in_schema=False)
    app.add_middleware(RequestContext, metrics=metrics)
    return app


def _document_security(app: FastAPI) -> None:
    """Every /v1 operation takes the bearer key (checked by one flat dependency, not
    FastAPI's security classes: it runs on every request, so it is kept to one call)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = {"apiKey": SECURITY_SCHEME}
            for path, item in schema["paths"].items():
                if path.startswith("/v1/"):
                    for operation in item.values():
                        operation["security"] = [{"apiKey": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
