"""Sync jobs on Celery workers: the distributed runner, for when one machine is not enough.

```python
config = CeleryConfig.load()                 # Settings + INTERLINK_BROKER_URL ...
app = create_app(config)
runner = CeleryRunner(app, store)            # a Runner, like EmbeddedRunner
runner.submit(SyncJob("conn-1", "contacts"))
runs = await runner.join()
```

A message carries only (connection_id, resource, full). The worker process
that takes it runs the same `SyncEngine` as the embedded runner, built once
per process from the settings (`WorkerRuntime`), under a lease on the pair.
`acks_late` + `reject_on_worker_lost`: a message is acknowledged only when its
job has finished, so the jobs of a worker that dies go back to the queue; the
next worker resumes each from its checkpoint once the dead one's lease expires.
docs/deploy.md describes the processes, settings and failure modes.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery, Task

from interlink._errors import ConfigError
from interlink.settings import Settings, load_settings
from interlink.sync._job import SyncJob
from interlink.sync._worker import Busy, WorkerConfig, WorkerRuntime

__all__ = ["QUEUE", "TASK", "CeleryConfig", "create_app", "start_worker"]

TASK = "interlink.sync.run"
QUEUE = "interlink.sync"
_BROKERS = ("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")


def _float(environ: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"expected a number of seconds (got {raw!r})") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum:g} seconds (got {raw!r})")
    return value


@dataclass(frozen=True, slots=True)
class CeleryConfig:
    """Where the queue and results live, and what each worker process needs."""

    worker: WorkerConfig
    broker_url: str
    result_backend: str
    queue: str = QUEUE
    """The queue jobs go through: one per deployment sharing a broker."""
    visibility_timeout: float = 3600.0
    """Redis broker only: an unacknowledged job returns to the queue after this long
    (how soon a dead worker's jobs are retried; keep it above your longest sync)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """More Celery settings, as given to `app.conf.update`."""

    @classmethod
    def load(
        cls, settings: Settings | None = None, environ: Mapping[str, str] | None = None
    ) -> CeleryConfig:
        """From the settings (the file's keys and INTERLINK_* variables; `environ`, when
        given, wins over both, for tests and embedding): broker_url and result_backend
        (default: the state's Redis), lease_ttl (30 s), redis_prefix (`interlink:`),
        queue (`interlink.sync`), visibility_timeout (3600 s), request_timeout (30 s:
        one vendor request, before the pipeline retries it). A bad value is a
        `ConfigError` naming the variable."""
        env = os.environ if environ is None else environ
        settings = settings or load_settings()
        worker = WorkerConfig(
            settings,
            redis_prefix=env.get("INTERLINK_REDIS_PREFIX", settings.redis_prefix),
            lease_ttl=_float(env, "INTERLINK_LEASE_TTL", settings.lease_ttl, 1.0),
            request_timeout=_float(env, "INTERLINK_REQUEST_TIMEOUT", settings.request_timeout, 0.1),
        )
        redis_url = worker.redis_url  # the workers need shared state: fail early without it
        broker = env.get("INTERLINK_BROKER_URL") or settings.broker_url or redis_url
        if not broker.startswith(_BROKERS):
            raise ConfigError(
                "INTERLINK_BROKER_URL", f"must be a redis:// or amqp:// URL (got {broker!r})"
            )
        backend = env.get("INTERLINK_RESULT_BACKEND") or settings.result_backend or redis_url
        visibility = _float(env, "INTERLINK_VISIBILITY_TIMEOUT", settings.visibility_timeout, 1.0)
        if visibility <= worker.lease_ttl:
            raise ConfigError(
                "INTERLINK_VISIBILITY_TIMEOUT",
                f"must exceed the lease ttl ({worker.lease_ttl:g} s), got {visibility:g}",
            )
        queue = env.get("INTERLINK_QUEUE") or settings.queue
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,200}", queue):
            raise ConfigError("INTERLINK_QUEUE", f"letters, digits and _.:- only (got {queue!r})")
        return cls(worker, broker, backend, queue, visibility)

    def celery_settings(self) -> dict[str, Any]:
        """The Celery configuration this implies."""
        conf: dict[str, Any] = {
            "broker_url": self.broker_url,
            "result_backend": self.result_backend,
            "task_default_queue": self.queue,
            # A job is acknowledged when it has finished, and a job whose worker
            # process died goes back to the queue instead of being lost.
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            # One job at a time per process: a dead worker strands no prefetched jobs
            # behind long ones, and idle workers take the next job.
            "worker_prefetch_multiplier": 1,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "result_expires": 86_400,
            "task_track_started": True,
            "broker_connection_retry_on_startup": True,
            "worker_hijack_root_logger": False,
        }
        if self.broker_url.startswith(("redis://", "rediss://")):
            conf["broker_transport_options"] = {"visibility_timeout": self.visibility_timeout}
        return {**conf, **self.extra}


def _run_job(task: Task[Any, Any], connection_id: str, resource: str, full: bool) -> dict[str, str]:
    config: WorkerConfig = task.app.conf["interlink_worker"]
    outcome = WorkerRuntime.current(config).run(SyncJob(connection_id, resource, full))
    if isinstance(outcome, Busy):
        # The pair is being synced by a live worker, or by a dead one whose lease has
        # not expired yet: come back when it will have, and resume from the checkpoint.
        wait = max(outcome.wait, 0.5) + random.uniform(0, 0.5)
        raise task.retry(countdown=wait, max_retries=None)
    return {"run_id": outcome.id, "outcome": outcome.outcome}


def create_app(config: CeleryConfig | None = None) -> Celery:
    """The Celery app with Interlink's sync task. Without `config` it is loaded from the
    settings when Celery first needs it (`celery -A interlink.sync.celery_app worker`)."""
    app = Celery("interlink", set_as_current=False)

    def configure(config: CeleryConfig) -> None:
        app.conf.update(config.celery_settings(), interlink_worker=config.worker)

    if config is not None:
        configure(config)
    else:

        def lazily(sender: Celery, **_: Any) -> None:
            configure(CeleryConfig.load())

        app.on_configure.connect(lazily, weak=False)

    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, shared=False)
    def run_sync_job(
        self: Task[Any, Any], connection_id: str, resource: str, full: bool = False
    ) -> dict[str, str]:
        """Sync `resource` of `connection_id` in this worker process."""
        return _run_job(self, connection_id, resource, full)

    return app


def start_worker(
    app: Celery, *, concurrency: int, loglevel: str = "INFO", name: str | None = None
) -> None:
    """Run a worker until it is stopped: `concurrency` prefork processes, each with its
    own sync stack, taking jobs from the sync queue. The store is migrated once here,
    before the processes fork, so they never race to migrate it."""
    from celery.signals import worker_process_init, worker_process_shutdown

    from interlink.store import open_store

    config: WorkerConfig = app.conf["interlink_worker"]
    queue: str = app.conf["task_default_queue"]
    open_store(config.settings.database_url).close()  # migrate (a no-op when current)

    def process_started(**_: Any) -> None:
        WorkerRuntime.current(config)  # a bad setting fails the process now, not per job

    def process_stopping(**_: Any) -> None:
        WorkerRuntime.close_current()

    worker_process_init.connect(process_started, weak=False)
    worker_process_shutdown.connect(process_stopping, weak=False)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            f"--loglevel={loglevel}",
            f"--queues={queue}",
            f"--hostname={name or f'interlink-{os.getpid()}'}@%h",
            # Mingle and gossip sync revocations between workers at start: Interlink
            # revokes nothing, and they add seconds to every start.
            "--without-mingle",
            "--without-gossip",
        ]
    )


app = create_app()
"""The app configured from the settings on first use, for Celery's own tools:
`celery -A interlink.sync._celery:app inspect active`."""
