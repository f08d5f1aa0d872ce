"""The workers' configuration: defaults from the settings, every bad value named."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlink._errors import ConfigError
from interlink.cli import app
from interlink.settings import Settings
from interlink.sync import CeleryConfig

REDIS = "redis://127.0.0.1:6379/3"


def test_defaults_come_from_the_state_redis() -> None:
    """Broker and result backend default to the shared state's Redis; acks_late,
    reject_on_worker_lost and one prefetched job per process are always on."""
    config = CeleryConfig.load(Settings(state=REDIS), {})
    assert (config.broker_url, config.result_backend, config.queue) == (
        REDIS,
        REDIS,
        "interlink.sync",
    )
    assert config.worker.lease_ttl == 30.0
    conf = config.celery_settings()
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["broker_transport_options"] == {"visibility_timeout": 3600.0}


def test_rabbitmq_and_the_worker_variables() -> None:
    """INTERLINK_BROKER_URL picks RabbitMQ (no Redis visibility timeout then); the other
    variables set the queue, lease ttl, key prefix and request timeout."""
    env = {
        "INTERLINK_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "INTERLINK_QUEUE": "tenant-a.sync",
        "INTERLINK_LEASE_TTL": "12.5",
        "INTERLINK_REDIS_PREFIX": "prod:",
        "INTERLINK_REQUEST_TIMEOUT": "4",
    }
    config = CeleryConfig.load(Settings(state=REDIS), env)
    assert config.broker_url.startswith("amqp://")
    assert config.queue == "tenant-a.sync"
    assert (config.worker.lease_ttl, config.worker.redis_prefix) == (12.5, "prod:")
    assert config.worker.request_timeout == 4.0
    assert "broker_transport_options" not in config.celery_settings()


@pytest.mark.parametrize(
    ("env", "state", "names"),
    [
        ({}, "memory", "INTERLINK_STATE"),
        ({"INTERLINK_BROKER_URL": "kafka://x"}, REDIS, "INTERLINK_BROKER_URL"),
        ({"INTERLINK_LEASE_TTL": "soon"}, REDIS, "INTERLINK_LEASE_TTL"),
        ({"INTERLINK_LEASE_TTL": "0.2"}, REDIS, "INTERLINK_LEASE_TTL"),
        ({"INTERLINK_VISIBILITY_TIMEOUT": "10"}, REDIS, "INTERLINK_VISIBILITY_TIMEOUT"),
        ({"INTERLINK_QUEUE": "a queue"}, REDIS, "INTERLINK_QUEUE"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_variable(
    env: dict[str, str], state: str, names: str
) -> None:
    """Each bad worker setting stops with a ConfigError naming its variable."""
    with pytest.raises(ConfigError, match=names):
        CeleryConfig.load(Settings(state=state), env)


def test_worker_command_refuses_in_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """`interlink worker` without a Redis state exits 2 with one line naming the setting."""
    monkeypatch.setenv("INTERLINK_STATE", "memory")
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "INTERLINK_STATE" in result.output
    assert "redis://" in result.output


def test_the_settings_file_configures_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broker, queue, lease ttl, visibility, key prefix and request timeout come from
    interlink.toml too, as every other setting does; a variable still wins."""
    import os

    for name in list(os.environ):
        if name.startswith("INTERLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "interlink.toml").write_text(
        f'state = "{REDIS}"\nbroker_url = "amqp://guest:guest@127.0.0.1:5672//"\n'
        'queue = "file.sync"\nlease_ttl = 12\nvisibility_timeout = 600\n'
        'redis_prefix = "file:"\nrequest_timeout = 5\n'
    )
    config = CeleryConfig.load(environ={})
    assert config.broker_url.startswith("amqp://")
    assert (config.queue, config.visibility_timeout) == ("file.sync", 600.0)
    assert (config.worker.lease_ttl, config.worker.redis_prefix) == (12.0, "file:")
    assert config.worker.request_timeout == 5.0
    assert CeleryConfig.load(environ={"INTERLINK_QUEUE": "env.sync"}).queue == "env.sync"


@pytest.mark.parametrize("directory", [None, "missing"])
def test_worker_metrics_need_a_multiprocess_directory(
    directory: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`interlink worker --metrics-port` without PROMETHEUS_MULTIPROC_DIR, or with one that
    is not a directory, exits 2 naming the variable, before any worker starts."""
    monkeypatch.setenv("INTERLINK_STATE", REDIS)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    if directory is not None:
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / directory))
    result = CliRunner().invoke(app, ["worker", "--metrics-port", "9999"])
    assert result.exit_code == 2
    assert "PROMETHEUS_MULTIPROC_DIR" in result.output
    assert "--metrics-port needs it set" in result.output


def test_serve_with_the_celery_runner_needs_redis_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`interlink serve` with `runner = celery` and in-process state exits 2 naming the state
    setting (its jobs would go to workers that share nothing with it), creating nothing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTERLINK_RUNNER", "celery")
    monkeypatch.setenv("INTERLINK_STATE", "memory")
    monkeypatch.setenv("INTERLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("INTERLINK_KEY_FILE", str(tmp_path / "secret.key"))
    result = CliRunner().invoke(app, ["serve", "--port", "8999"])
    assert result.exit_code == 2, result.output
    assert "INTERLINK_STATE" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_runner_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runner other than embedded or celery is a ConfigError naming the variable."""
    from interlink.settings import load_settings

    monkeypatch.setenv("INTERLINK_RUNNER", "kubernetes")
    with pytest.raises(ConfigError, match="INTERLINK_RUNNER"):
        load_settings()
