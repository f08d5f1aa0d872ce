"""Schemathesis against /openapi.json, in process (ASGI, no network): no 5xx, and every answer
matches the published schema (status, content type, body, headers). Bounded in examples and
in wall-clock time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup

from interlink import ASGITransport
from interlink.server import create_app
from interlink.server._keys import ApiKeys
from interlink.simulators import create_simulator
from interlink.state import State
from interlink.store import AsyncStore, open_store
from interlink.sync import EmbeddedRunner, StoreConnections, SyncEngine, SyncJob
from interlink.vault import FileKeySource, Vault


class _World:
    app: Any = None
    key: str = ""
    connection_id: str = ""


WORLD = _World()


def _build(tmp: Path) -> None:
    store = open_store(f"sqlite:///{tmp / 'interlink.db'}")
    vault = Vault(store, FileKeySource(tmp / "secret.key"))
    sim = create_simulator("hubspot", records=30, seed=3)
    tenant = store.create_tenant("Fuzz")
    row = store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={})
    vault.put(row.id, {"access_token": sim.default_token.value})  # type: ignore[attr-defined]

    async def seed() -> None:  # its own loop and state: the app's run on schemathesis' loop
        astore = AsyncStore(store, workers=1)
        source = StoreConnections(astore, vault, transport=ASGITransport(sim.app),
                                  state=State.in_process())  # fmt: skip
        run = await SyncEngine(astore, source).run(SyncJob(row.id, "contacts"))
        assert run.outcome == "succeeded", run.error

    asyncio.run(seed())
    astore = AsyncStore(store)
    connections = StoreConnections(astore, vault, transport=ASGITransport(sim.app))
    runner = EmbeddedRunner(SyncEngine(astore, connections), concurrency=1)
    WORLD.app = create_app(astore, connections, runner=runner, auth_ttl=60)
    WORLD.key = ApiKeys(store).create(tenant.id).secret
    WORLD.connection_id = row.id


@pytest.fixture(scope="module", autouse=True)
def world(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One app over a synced store for every generated case."""
    _build(tmp_path_factory.mktemp("fuzz"))


_WANTED = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
}
# The OpenAPI checks register themselves only when their module is imported; before that the
# registry holds `not_a_server_error` alone and the run would check nothing against the schema.
load_all_checks()
CHOSEN = [check for check in CHECKS.get_all() if check.__name__ in _WANTED]


def _exercise(case: Any) -> None:
    # Half the generated connection ids become the real one, so writes reach the vendor.
    if case.query and "connection_id" in case.query and len(str(case.query)) % 2:
        case.query["connection_id"] = WORLD.connection_id
    if case.path_parameters and "connection_id" in case.path_parameters:
        case.path_parameters["connection_id"] = WORLD.connection_id
    case.call_and_validate(headers={"Authorization": f"Bearer {WORLD.key}"}, checks=CHOSEN)


# The run's bounds: at most _EXAMPLES cases per operation, and once _BUDGET_S seconds have gone
# by, each remaining operation gets only _FLOOR cases, so a slow host shortens the run rather
# than dropping operations. The budget limits work done; nothing asserts how long it took.
_EXAMPLES = 12
_FLOOR = 3
_BUDGET_S = 120.0


def test_every_wanted_check_is_registered() -> None:
    """The run checks for 5xx and for status code, content type, headers and body against
    the schema, not just for server errors."""
    assert {check.__name__ for check in CHOSEN} == _WANTED


def test_api_conforms_to_its_schema() -> None:
    """Generated requests for every operation (bounded in examples and time) never get a 5xx or
    an answer outside the schema."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", WORLD.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    deadline = time.monotonic() + _BUDGET_S
    for operation in operations:
        examples = _EXAMPLES if time.monotonic() < deadline else _FLOOR
        run = settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                       suppress_health_check=list(HealthCheck))(
            given(case=operation.as_strategy())(_exercise)
        )  # fmt: skip
        run()


def _broken_app() -> FastAPI:
    """One endpoint per way an answer can break its schema."""
    app = FastAPI()
    integer = {"content": {"application/json": {"schema": {"type": "integer"}}}}

    @app.get("/status", responses={200: integer})
    def status() -> JSONResponse:
        return JSONResponse(1, status_code=418)

    @app.get("/content-type", response_model=int)
    def content_type() -> PlainTextResponse:
        return PlainTextResponse("1")

    @app.get("/body", response_model=int)
    def body() -> JSONResponse:
        return JSONResponse({"a": 1})

    etag = {"headers": {"ETag": {"required": True, "schema": {"type": "string"}}}}

    @app.get("/headers", response_model=int, responses={200: etag})
    def headers() -> JSONResponse:
        return JSONResponse(1)

    @app.get("/server-error", response_model=int)
    def server_error() -> JSONResponse:
        return JSONResponse(1, status_code=500)

    return app


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/status", "Undocumented status code"),
        ("/content-type", "Undocumented Content-Type"),
        ("/body", "Response violates schema"),
        ("/headers", "Missing required response headers"),
        ("/server-error", "Server error"),
    ],
)
def test_chosen_checks_catch_each_violation(path: str, code: str) -> None:
    """The checks the run uses fail an answer that breaks the schema in each way it can."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", _broken_app())
    with pytest.raises(FailureGroup, match=code):
        schema[path]["GET"].Case().call_and_validate(checks=CHOSEN)
