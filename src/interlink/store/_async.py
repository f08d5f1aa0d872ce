"""`AsyncStore`: the same `Store`, awaited; each call runs on a worker thread.

Why a descriptor per method rather than `__getattr__` or hand-written
coroutines: `forward(Store.apply_page)` captures the method's exact signature
(a ParamSpec), so mypy checks every call site against `Store` itself, and there
is one copy of the logic and of each signature. A test asserts that every
public `Store` method is forwarded, so the two cannot drift apart.

SQLite has one writer: one worker thread serialises the calls (a second would
only wait on the lock). PostgreSQL gets a few, so reads overlap writes.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from interlink.store._store import Store

__all__ = ["AsyncStore"]

P = ParamSpec("P")
R = TypeVar("R")


class _Forward(Generic[P, R]):
    """`AsyncStore.name` = an async callable running `Store.name` on the store's worker."""

    __slots__ = ("_method", "_name")

    def __init__(self, method: Callable[Concatenate[Store, P], R]) -> None:
        self._method = method
        self._name = method.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> _Forward[P, R]: ...
    @overload
    def __get__(self, instance: AsyncStore, owner: type) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(
        self, instance: AsyncStore | None, owner: type
    ) -> _Forward[P, R] | Callable[P, Coroutine[Any, Any, R]]:
        if instance is None:
            return self
        method, store, run = self._method, instance.store, instance._run

        async def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return await run(functools.partial(method, store, *args, **kwargs))

        call.__name__ = call.__qualname__ = self._name
        call.__doc__ = method.__doc__
        return call

    @property
    def name(self) -> str:
        return self._name


def forward(method: Callable[Concatenate[Store, P], R]) -> _Forward[P, R]:
    """Forward `Store.<method>` to a worker thread, keeping its signature."""
    return _Forward(method)


class AsyncStore:
    """A `Store` for async code: `await astore.apply_page(...)` runs on a worker thread."""

    def __init__(self, store: Store, *, workers: int | None = None) -> None:
        self.store = store
        count = workers or (1 if store.dialect == "sqlite" else 4)
        self._executor = ThreadPoolExecutor(max_workers=count, thread_name_prefix="interlink-store")

    def __repr__(self) -> str:
        return f"AsyncStore({self.store!r})"

    async def _run(self, call: Callable[[], R]) -> R:
        # In the caller's context, as asyncio.to_thread runs: who acts (the vault audits
        # credential reads as the API key of the request) must cross to the worker.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._executor, context.run, call)

    async def call(self, method: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run any callable (a bound Store method, a function of several calls) on the worker."""
        return await self._run(functools.partial(method, *args, **kwargs))

    async def aclose(self) -> None:
        """Wait for running calls, stop the workers and close the store."""
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)
        self.store.close()

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    migrate = forward(Store.migrate)
    revision = forward(Store.revision)
    ping = forward(Store.ping)
    # tenants, connections, credentials
    create_tenant = forward(Store.create_tenant)
    get_tenant = forward(Store.get_tenant)
    list_tenants = forward(Store.list_tenants)
    update_tenant = forward(Store.update_tenant)
    create_connection = forward(Store.create_connection)
    get_connection = forward(Store.get_connection)
    list_connections = forward(Store.list_connections)
    update_connection = forward(Store.update_connection)
    delete_connection = forward(Store.delete_connection)
    put_credential = forward(Store.put_credential)
    get_credential = forward(Store.get_credential)
    list_credentials = forward(Store.list_credentials)
    replace_credentials = forward(Store.replace_credentials)
    # records
    apply_page = forward(Store.apply_page)
    upsert_record = forward(Store.upsert_record)
    mark_missing_deleted = forward(Store.mark_missing_deleted)
    get_record = forward(Store.get_record)
    get_record_by_remote = forward(Store.get_record_by_remote)
    list_records = forward(Store.list_records)
    count_records = forward(Store.count_records)
    # sync state and runs
    get_checkpoint = forward(Store.get_checkpoint)
    save_checkpoint = forward(Store.save_checkpoint)
    due_checkpoints = forward(Store.due_checkpoints)
    start_run = forward(Store.start_run)
    finish_run = forward(Store.finish_run)
    get_run = forward(Store.get_run)
    list_runs = forward(Store.list_runs)
    abandon_running = forward(Store.abandon_running)
    # drift, change events, audit
    record_drift = forward(Store.record_drift)
    list_drift = forward(Store.list_drift)
    change_events = forward(Store.change_events)
    audit = forward(Store.audit)
    list_audit = forward(Store.list_audit)
