"""Every process of a deployment (serve, the CLI, the workers) shares one Redis: the same
key prefix, the same sealed tokens, the same leases, so no pair is synced twice at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from redis.asyncio import Redis
from tests.scale._cluster import delete_queue, workers
from tests.scale._world import _oauth_grant, world
from tests.sync.test_runner import GatedEngine, settle

from interlink.cli._fleet import Fleet
from interlink.cli._stack import sync_stack
from interlink.server._keys import ApiKeys
from interlink.server._runtime import app_from_settings
from interlink.settings import Settings, load_settings
from interlink.state import State
from interlink.store import Store, open_store
from interlink.sync import CeleryRunner, EmbeddedRunner, RedisLeases, SyncJob
from interlink.sync._deployment import leased, shared_state
from interlink.sync._leased import LeaseBusyError, lease_key
from interlink.vault import FileKeySource, Vault

BASE = "http://interlink.test"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The processes see only the settings each test gives them."""
    for name in ("INTERLINK_SECRET_KEY", "INTERLINK_SECRET_KEY_RETIRED", "INTERLINK_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


async def test_two_runners_on_one_redis_never_sync_one_pair_at_once(
    redis_url: str, redis_prefix: str
) -> None:
    """Two embedded runners (two processes) built as serve and the CLI build them, given
    the same job: one runs it, the other records that it is held elsewhere and never
    starts it; once the first is done, the pair can be synced again."""
    engine = GatedEngine()  # one engine: `peak` counts runs of both runners at once
    states = [State.from_redis_url(redis_url) for _ in "ab"]
    runners = [
        EmbeddedRunner(leased(engine, state, prefix=redis_prefix, ttl=5.0, identity=name))
        for state, name in zip(states, ("host-a:1", "host-b:2"), strict=True)
    ]
    job = SyncJob("c1", "contacts")
    try:
        runners[0].submit(job)
        while not engine.started:  # the first holds the lease and runs
            await settle()
        runners[1].submit(job)
        await runners[1].join()
        engine.gate("c1", "contacts").set()
        [run] = await runners[0].join()
        assert run.connection_id == "c1"
        [failure] = runners[1].failures
        assert "c1/contacts is being synced by host-a:1" in failure.error
        assert failure.error.startswith(LeaseBusyError.__name__)
        assert engine.peak == 1
        assert len(engine.started) == 1
        runners[1].submit(job)  # released: the other process may sync it now
        assert len(await runners[1].join()) == 1
    finally:
        for runner in runners:
            await runner.aclose()
        for state in states:
            await state.aclose()


async def test_a_full_sync_asked_while_another_process_syncs_the_pair_runs_after_it(
    redis_url: str, redis_prefix: str
) -> None:
    """A full job given to a second runner while the first holds the pair's lease is not
    dropped: it waits for the lease and then runs, full, and never beside the first."""
    engine = GatedEngine()
    states = [State.from_redis_url(redis_url) for _ in "ab"]
    runners = [
        EmbeddedRunner(leased(engine, state, prefix=redis_prefix, ttl=1.0, identity=name))
        for state, name in zip(states, ("host-a:1", "host-b:2"), strict=True)
    ]
    try:
        runners[0].submit(SyncJob("c1", "contacts"))
        while not engine.started:
            await settle()
        runners[1].submit(SyncJob("c1", "contacts", full=True))
        await asyncio.sleep(0.3)  # the second tried, found the lease held, and waits
        assert [job.full for job in engine.started] == [False]
        assert runners[1].active() == {("c1", "contacts")}
        engine.gate("c1", "contacts").set()
        assert len(await runners[0].join()) == 1
        [run] = await asyncio.wait_for(runners[1].join(), timeout=10)
        assert run.mode == "full"
        assert [job.full for job in engine.started] == [False, True]
        assert engine.peak == 1
        assert runners[1].failures == []
    finally:
        for runner in runners:
            await runner.aclose()
        for state in states:
            await state.aclose()


def _settings(tmp_path: Path, redis_url: str, redis_prefix: str, **more: Any) -> Settings:
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        key_file=tmp_path / "secret.key",
        state=redis_url,
        redis_prefix=redis_prefix,
        **more,
    )


@asynccontextmanager
async def _api(settings: Settings, store: Store, tenant_id: str) -> AsyncIterator[Any]:
    """`interlink serve`'s app for `settings`, running its lifespan; a client for one tenant."""
    app = app_from_settings(settings, webhooks=False)
    key = ApiKeys(store).create(tenant_id, "test").secret
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app),
            base_url=BASE,
            headers={"Authorization": f"Bearer {key}"},
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client


async def test_serve_does_not_sync_a_pair_a_worker_holds(
    redis_url: str, redis_prefix: str, redis_client: Redis, tmp_path: Path
) -> None:
    """With Redis state, a sync started through serve's API for a pair whose lease a worker
    holds (the key a worker takes, under the configured prefix) is not run: the runner
    names the holder, and the store shows no run."""
    settings = _settings(tmp_path, redis_url, redis_prefix)
    with open_store(settings.database_url) as store:
        tenant = store.create_tenant("Acme")
        row = store.create_connection(
            tenant.id, "hubspot", auth_method="private_app", variables={},
            settings={"resources": ["contacts"]},
        )  # fmt: skip
        worker = RedisLeases(redis_client, prefix=f"{redis_prefix}lease:")
        held = await worker.acquire(lease_key(SyncJob(row.id, "contacts")), owner="worker-7:42")
        assert held is not None
        async with _api(settings, store, tenant.id) as api:
            response = await api.post(f"/v1/connections/{row.id}/sync")
            assert response.status_code == 202, response.text
            runner = api.app.state.services.runner
            assert isinstance(runner, EmbeddedRunner)
            assert await runner.join() == []
            [failure] = runner.failures
            assert "is being synced by worker-7:42" in failure.error
        assert store.list_runs(connection_id=row.id) == []
        assert await held.release()


Sync = Callable[[Settings, Store, Vault, str], Awaitable[None]]


async def _sync_with_the_cli(settings: Settings, store: Store, vault: Vault, row_id: str) -> None:
    async with sync_stack(settings, store, vault) as stack:
        stack.runner.submit(SyncJob(row_id, "contacts"))
        [run] = await stack.runner.join()
        assert run.outcome == "succeeded", run.error


async def _sync_with_serve(settings: Settings, store: Store, vault: Vault, row_id: str) -> None:
    tenant_id = store.get_connection(row_id).tenant_id
    async with _api(settings, store, tenant_id) as api:
        response = await api.post(f"/v1/connections/{row_id}/sync")
        assert response.status_code == 202, response.text
        [run] = await api.app.state.services.runner.join()
        assert run.outcome == "succeeded", run.error


@pytest.mark.parametrize("sync", [_sync_with_the_cli, _sync_with_serve], ids=["cli", "serve"])
async def test_serve_and_the_cli_keep_sealed_tokens_under_the_prefix(
    sync: Sync, redis_url: str, redis_prefix: str, redis_client: Redis, tmp_path: Path
) -> None:
    """An OAuth sync run by the CLI or by serve caches its token in Redis under the
    configured `redis_prefix`, sealed: no key of the prefix holds a token in clear."""
    settings_key = tmp_path / "secret.key"
    async with Fleet.serve(["hubspot"], records=30) as fleet:
        settings = _settings(tmp_path, redis_url, redis_prefix, routes=fleet.routes)
        with open_store(settings.database_url) as store:
            vault = Vault(store, FileKeySource(settings_key))
            tenant = store.create_tenant("Acme")
            row = store.create_connection(tenant.id, "hubspot", auth_method="oauth",
                                          variables=fleet.variables("hubspot"),
                                          settings={"resources": ["contacts"]})  # fmt: skip
            grant = _oauth_grant(fleet, "hubspot")
            vault.put(row.id, grant)
            await sync(settings, store, vault, row.id)
        sim: Any = fleet.simulators["hubspot"]
        secrets = {grant["refresh_token"], *(t.value for t in sim.tokens.issued("oauth"))}
    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{redis_prefix}*")]
    assert any(key.startswith(f"{redis_prefix}auth:tokens:") for key in keys), keys
    await assert_sealed(redis_client, keys, secrets)


async def assert_sealed(client: Redis, keys: list[str], secrets: set[str]) -> None:
    """No value under `keys` (strings, hashes) contains any of `secrets`."""
    assert secrets
    assert all(secrets)
    for key in keys:
        kind = (await client.type(key)).decode()
        if kind == "string":
            values = [await client.get(key) or b""]
        elif kind == "hash":
            values = list((await client.hgetall(key)).values())
        else:
            continue
        for value in values:
            leaked = [s for s in secrets if s.encode() in value]
            assert not leaked, f"{key} holds a token in clear"


async def test_shared_state_puts_every_key_under_the_prefix_and_seals_tokens(
    redis_url: str, redis_prefix: str, redis_client: Redis, tmp_path: Path
) -> None:
    """The one state builder: breaker, token and lock keys live under `redis_prefix`; the
    token set is sealed with the vault's keys and reads back whole."""
    from interlink.auth import TokenSet

    settings = Settings(state=redis_url, redis_prefix=redis_prefix)
    with open_store(f"sqlite:///{tmp_path / 'app.db'}") as store:
        vault = Vault(store, FileKeySource(tmp_path / "secret.key"))
        state = shared_state(settings, vault=vault)
        try:
            tokens = TokenSet("at-SECRET-1", refresh_token="rt-SECRET-1", obtained_at=1.0)
            await state.tokens.put("conn-1", tokens)
            assert await state.tokens.get("conn-1") == tokens
        finally:
            await state.aclose()
    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{redis_prefix}*")]
    assert keys == [f"{redis_prefix}auth:tokens:conn-1"]
    await assert_sealed(redis_client, keys, {"at-SECRET-1", "rt-SECRET-1"})
    assert shared_state(Settings(), vault=vault).redis is None  # memory: nothing to share


async def test_serve_with_the_celery_runner_sends_api_syncs_to_the_workers(
    postgres_url: str,
    postgres_schema: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `runner = "celery"`, serve runs no scheduler and no sync of its own: a sync
    started through its API is enqueued, and a worker process syncs it into the store."""
    async with world(
        postgres_url=postgres_url, schema=postgres_schema, redis_url=redis_url,
        redis_prefix=redis_prefix, broker_url=redis_url, tmp_path=tmp_path,
        vendors={"github": 1}, records=40,
    ) as w:  # fmt: skip
        for name, value in w.deployment.env().items():
            if name.startswith("INTERLINK_"):
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("INTERLINK_RUNNER", "celery")
        settings = load_settings()
        [row] = w.connections
        config = w.deployment.config()
        try:
            with workers(w.deployment, 1, concurrency=1, logs=tmp_path) as started:
                async with _api(settings, w.store.store, row.tenant_id) as api:
                    assert not [t for t in asyncio.all_tasks() if t.get_name() == "scheduler"]
                    runner = api.app.state.services.runner
                    assert isinstance(runner, CeleryRunner)
                    response = await api.post(f"/v1/connections/{row.id}/sync")
                    assert response.status_code == 202, response.text
                    runs = await asyncio.wait_for(runner.join(), 120)
                logs = started[0].tail()
            assert runs, logs
            assert all(r.outcome == "succeeded" for r in runs), logs
            for _, resource in w.pairs():
                stored = await w.store.count_records(connection_id=row.id, resource=resource)
                assert stored == w.expected(row, resource) > 0, logs
        finally:
            delete_queue(config)


async def test_serve_answers_503_when_the_celery_broker_is_down(
    redis_url: str, redis_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `runner = "celery"` and the broker unreachable, a sync started through the API is
    a 503 problem naming the job queue, and the server keeps answering other requests."""
    monkeypatch.setenv("INTERLINK_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens
    settings = _settings(tmp_path, redis_url, redis_prefix, runner="celery")
    with open_store(settings.database_url) as store:
        tenant = store.create_tenant("Acme")
        row = store.create_connection(
            tenant.id, "hubspot", auth_method="private_app", variables={},
            settings={"resources": ["contacts"]},
        )  # fmt: skip
        async with _api(settings, store, tenant.id) as api:
            answer = await api.post(f"/v1/connections/{row.id}/sync")
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            problem = answer.json()
            assert problem["type"].endswith("sync-unavailable")
            assert "the job queue is unreachable" in problem["detail"]
            listed = await api.get("/v1/connections")
            assert listed.status_code == 200
