"""A scaled-out deployment for tests and the benchmark: a store, vendors on loopback, workers.

`Deployment` holds what the worker processes share (the environment they are
started with); `Workers` starts real `interlink worker` processes, each in its
own session so SIGKILL of its process group is the death of one whole worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from interlink.settings import Settings
from interlink.sync import CeleryConfig

RABBITMQ_URL = os.environ.get("INTERLINK_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
WORKER = "from interlink.cli import main; main()"


def schema_url(postgres_url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections search `schema` first (how workers find it)."""
    return f"{postgres_url}?options=-csearch_path%3D{schema}"


@dataclass
class Deployment:
    """What every process of one deployment is configured with, by environment only."""

    database_url: str
    key_file: Path
    redis_url: str
    redis_prefix: str
    broker_url: str
    routes: Mapping[str, str]
    lease_ttl: float = 3.0
    queue: str = field(default_factory=lambda: f"interlink-test-{uuid.uuid4().hex[:12]}")
    extra: Mapping[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        given = {
            "INTERLINK_DATABASE_URL": self.database_url,
            "INTERLINK_KEY_FILE": str(self.key_file),
            "INTERLINK_STATE": self.redis_url,
            "INTERLINK_ROUTES": json.dumps(dict(self.routes)),
            "INTERLINK_REDIS_PREFIX": self.redis_prefix,
            "INTERLINK_BROKER_URL": self.broker_url,
            "INTERLINK_RESULT_BACKEND": self.redis_url,
            "INTERLINK_LEASE_TTL": str(self.lease_ttl),
            "INTERLINK_QUEUE": self.queue,
            "INTERLINK_VISIBILITY_TIMEOUT": "30",
            **self.extra,
        }
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("INTERLINK_")}
        return {**inherited, **given}

    def config(self) -> CeleryConfig:
        """The same configuration, for this process (the submitting side)."""
        env = self.env()
        settings = Settings(
            database_url=self.database_url,
            key_file=self.key_file,
            state=self.redis_url,
            routes=dict(self.routes),
        )
        return CeleryConfig.load(settings, env)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def processes(self) -> set[int]:
        """The worker's pids: its main process and the pool processes it forked."""
        found = {self.pid}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[2]) == self.pid:  # process group: set by start_new_session
                    found.add(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool at once, as a lost machine."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the worker says it is ready to take jobs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log.exists() and " ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.pid} exited:\n{self.tail()}")
            time.sleep(0.1)
        raise TimeoutError(f"worker {self.pid} not ready after {timeout:g} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def workers(
    deployment: Deployment,
    count: int,
    *,
    concurrency: int,
    logs: Path,
    ready: bool = False,
    args: Sequence[str] = (),
) -> Iterator[list[Worker]]:
    """`count` real `interlink worker` processes (each also given `args`); stopped (SIGTERM,
    then SIGKILL) after."""
    started: list[Worker] = []
    env = deployment.env()
    try:
        for i in range(count):
            log = logs / f"worker-{i}.log"
            handle = log.open("wb")
            process = subprocess.Popen(
                [sys.executable, "-c", WORKER, "worker", "-c", str(concurrency),
                 "--loglevel", "INFO", "--name", f"w{i}-{uuid.uuid4().hex[:6]}", *args],
                env=env, cwd=logs, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            handle.close()
            started.append(Worker(process, log))
        if ready:
            for worker in started:
                worker.wait_ready()
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for worker in started:
            try:
                worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.process.wait()


def delete_queue(config: CeleryConfig) -> None:
    """Remove the test's queue from the broker (its messages with it)."""
    from interlink.sync import create_celery_app

    app = create_celery_app(config)
    with app.connection_for_write() as connection:
        try:
            connection.default_channel.queue_delete(config.queue)
        except Exception:  # already gone
            return


def reachable(url: str) -> bool:
    """Whether something listens at the URL's host and port."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 1.0):
            return True
    except OSError:
        return False


def tuned_connector(
    folder: Path, base: str, provider: str, *, limit: int, per: str, page_size: int | None = None
) -> Path:
    """A copy of built-in connector `base`, named `provider`, that declares `limit`
    requests per `per` (how an account on another plan is declared), and optionally
    another page size; returns the folder to put on INTERLINK_CONNECTORS_PATH."""
    import yaml

    import interlink.connectors as connectors

    source = Path(connectors.__file__).parent / "builtin" / base / "connector.yaml"
    spec = yaml.safe_load(source.read_text())
    spec["provider"] = provider
    spec["rate_limits"] = [{"kind": "window", "limit": limit, "per": per}]
    if page_size is not None:
        spec["pagination"]["page_size"] = page_size
    target = folder / provider
    target.mkdir(parents=True, exist_ok=True)
    (target / "connector.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder
