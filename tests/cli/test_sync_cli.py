"""`interlink sync`, `interlink runs` and `interlink check` against HubSpot on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlink.cli import app
from interlink.cli._fleet import Fleet
from interlink.store import open_store
from interlink.vault import FileKeySource, Vault

# HubSpot's answer to a token it does not know (its real wording, kept by the simulator).
HUBSPOT_REFUSAL = "Authentication credentials not found. This API supports OAuth 2.0 authentication"


def _connect(cli: CliRunner, fleet: Fleet, token: str | None = None) -> str:
    assert cli.invoke(app, ["tenants", "create", "Acme"]).exit_code == 0
    token = token or fleet.credentials("hubspot")["access_token"]
    added = cli.invoke(
        app, ["connections", "add", "hubspot", "--tenant", "Acme",
              "--credential", f"access_token={token}", "--json"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    return str(json.loads(added.stdout)["id"])


def _runs(cli: CliRunner, *args: str) -> list[dict[str, object]]:
    result = cli.invoke(app, ["runs", "--json", *args])
    assert result.exit_code == 0, result.output
    runs: list[dict[str, object]] = json.loads(result.stdout)
    return runs


def test_sync_then_runs_shows_the_statistics(cli: CliRunner, hubspot: Fleet) -> None:
    """A first sync stores every contact; `runs` lists it with its counters; a second sync is
    incremental and writes nothing; --full lists everything again."""
    connection_id = _connect(cli, hubspot)
    first = cli.invoke(app, ["sync", connection_id])
    assert first.exit_code == 0, first.output
    assert "succeeded" in first.stdout
    (run,) = _runs(cli)
    stats = run["stats"]
    assert isinstance(stats, dict)
    assert (run["connection_id"], run["resource"], run["outcome"]) == (
        connection_id, "contacts", "succeeded",
    )  # fmt: skip
    assert (stats["seen"], stats["created"], stats["requests"]) == (250, 250, 3)
    again = cli.invoke(app, ["sync", connection_id, "--resource", "contacts", "--json"])
    assert again.exit_code == 0, again.output
    (second,) = json.loads(again.stdout)
    assert (second["mode"], second["stats"]["created"], second["stats"]["updated"]) == (
        "incremental", 0, 0,
    )  # fmt: skip
    full = cli.invoke(app, ["sync", "--full", "--json"])  # every active connection
    assert json.loads(full.stdout)[0]["mode"] == "full"
    assert len(_runs(cli, "--connection", connection_id, "--limit", "2")) == 2
    table = cli.invoke(app, ["runs"])
    assert "+250 ~0 -0" in table.stdout
    assert "hubspot" in table.stdout  # the provider beside the connection id


def test_a_refused_token_fails_the_run_and_touches_no_record(
    cli: CliRunner, hubspot: Fleet, cli_env: Path
) -> None:
    """After a good sync the token is replaced by a wrong one: the next sync exits 1 with the
    vendor's reason, the run is recorded failed, and the stored records are unchanged."""
    connection_id = _connect(cli, hubspot)
    assert cli.invoke(app, ["sync", connection_id]).exit_code == 0
    store = open_store(f"sqlite:///{cli_env / 'interlink.db'}")
    try:
        before = store.list_records(tenant_id=store.list_tenants()[0].id, connection_ids=None,
                                    model=None, limit=1000)  # fmt: skip
        Vault(store, FileKeySource(cli_env / "secret.key")).put(
            connection_id, {"access_token": "pat-wrong"}
        )
        result = cli.invoke(app, ["sync", connection_id, "--full"])
        assert result.exit_code == 1
        assert "failed" in result.stdout
        latest = _runs(cli, "--limit", "1")[0]
        assert latest["outcome"] == "failed"
        assert "401" in str(latest["error"])
        assert HUBSPOT_REFUSAL in str(latest["error"])  # the vendor's words, whole
        # The table cuts errors short; the reason follows it whole, on one line.
        assert f"error: hubspot contacts: hubspot: HTTP 401 Unauthorized: {HUBSPOT_REFUSAL}" in (
            result.output
        )
        after = store.list_records(tenant_id=store.list_tenants()[0].id, connection_ids=None,
                                   model=None, limit=1000)  # fmt: skip
        assert [(r.id, r.etag, r.remote_was_deleted) for r in after] == [
            (r.id, r.etag, r.remote_was_deleted) for r in before
        ]
        assert len(after) == 250
    finally:
        store.close()


def test_check_reports_drift_per_resource(cli: CliRunner, hubspot: Fleet, cli_env: Path) -> None:
    """Without drift `check` says so; with findings recorded by syncs (a new field, a changed
    type) it lists them per resource with kind, field, detail, first seen and count."""
    connection_id = _connect(cli, hubspot)
    assert cli.invoke(app, ["sync", connection_id]).exit_code == 0
    quiet = cli.invoke(app, ["check", connection_id])
    assert quiet.exit_code == 0
    assert f"no schema drift recorded for {connection_id} (hubspot)" in quiet.stdout
    store = open_store(f"sqlite:///{cli_env / 'interlink.db'}")
    try:
        seen = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        findings = [("new_field", "properties.loyaltyTier", "string"),
                    ("type_changed", "properties.phone", "string -> number")]  # fmt: skip
        store.record_drift(connection_id, "contacts", findings, seen)
        store.record_drift(connection_id, "contacts", findings[:1], seen + timedelta(hours=1))
    finally:
        store.close()
    report = cli.invoke(app, ["check", connection_id, "--json"])
    assert report.exit_code == 0, report.output
    found = {f["field"]: f for f in json.loads(report.stdout)}
    assert found["properties.loyaltyTier"]["kind"] == "new_field"
    assert found["properties.loyaltyTier"]["count"] == 2
    assert found["properties.loyaltyTier"]["first_seen"] == "2026-03-01T12:00:00+00:00"
    assert found["properties.phone"]["detail"] == "string -> number"
    table = cli.invoke(app, ["check", connection_id, "--resource", "contacts"])
    assert "hubspot contacts: schema drift" in table.stdout
    assert "new field" in table.stdout
    assert "changed type" in table.stdout
    assert "2026-03-01 12:00:00" in table.stdout


def test_bad_input_exits_non_zero_with_a_message(cli: CliRunner, hubspot: Fleet) -> None:
    """A missing connection, an unknown resource, a bad limit: each named, non-zero exit."""
    nothing = cli.invoke(app, ["sync"])
    assert nothing.exit_code == 1
    assert "nothing to sync" in nothing.output
    missing = cli.invoke(app, ["sync", "conn_missing"])
    assert missing.exit_code == 1
    assert "no connection 'conn_missing'" in missing.output
    connection_id = _connect(cli, hubspot)
    resource = cli.invoke(app, ["sync", connection_id, "--resource", "deals"])
    assert resource.exit_code == 2
    assert "--resource: hubspot has no resource 'deals'; known: contacts" in resource.output
    assert cli.invoke(app, ["runs", "--limit", "0"]).exit_code == 2
    unknown = cli.invoke(app, ["runs", "--connection", "conn_missing"])
    assert unknown.exit_code == 1
    assert "no connection 'conn_missing'" in unknown.output
    assert cli.invoke(app, ["check", "conn_missing"]).exit_code == 1


def test_a_bad_settings_file_stops_every_command(cli: CliRunner, cli_env: Path) -> None:
    """A bad value in ./interlink.toml is reported with the file and key, exit 2."""
    (cli_env / "interlink.toml").write_text("concurrency = 'lots'\n")
    for command in (["sync"], ["runs"], ["connections", "list"], ["tenants", "list"]):
        result = cli.invoke(app, command)
        assert result.exit_code == 2, command
        assert "interlink.toml: concurrency: " in result.output


def test_an_unreachable_database_is_one_clear_line(
    cli: CliRunner, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that cannot be opened is one StoreError line with the password redacted."""
    monkeypatch.setenv("INTERLINK_DATABASE_URL", "postgresql://app:hunter2@127.0.0.1:1/nowhere")
    result = cli.invoke(app, ["runs"])
    assert result.exit_code == 1
    assert "StoreError" in result.output
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output


def test_the_log_level_setting_applies_unless_the_option_is_given(
    cli: CliRunner, cli_env: Path
) -> None:
    """log_level = "info" in interlink.toml shows info logs; --log-level error hides them."""
    (cli_env / "interlink.toml").write_text('log_level = "info"\n')
    chatty = cli.invoke(app, ["tenants", "create", "Acme"])
    assert chatty.exit_code == 0, chatty.output
    assert "vault.key_created" in chatty.output
    (cli_env / "secret.key").unlink()
    (cli_env / "interlink.db").unlink()
    quiet = cli.invoke(app, ["--log-level", "error", "tenants", "create", "Acme"])
    assert quiet.exit_code == 0, quiet.output
    assert "vault.key_created" not in quiet.output


def test_watch_runs_the_scheduler_until_stopped(
    cli: CliRunner, hubspot: Fleet, cli_env: Path
) -> None:
    """`sync --watch` is the scheduler over the embedded runner: its first tick syncs every
    resource and prints one line per finished run."""
    import asyncio
    from io import StringIO

    from rich.console import Console

    from interlink.cli._runtime import opened
    from interlink.cli._sync import watch
    from interlink.settings import load_settings

    connection_id = _connect(cli, hubspot)
    settings = load_settings()
    printed = StringIO()
    with opened(settings) as (store, vault):
        console = Console(file=printed, width=200)
        asyncio.run(watch(settings, store, vault, console=console, ticks=1, poll=0.01))
        (run,) = store.list_runs(connection_id=connection_id)
        checkpoint = store.get_checkpoint(connection_id, "contacts")
    assert run.outcome == "succeeded"
    assert "hubspot contacts: succeeded (full), 250 seen +250 ~0 -0" in printed.getvalue()
    assert checkpoint.next_run_at is not None  # claimed: due again one interval later


def test_watch_refuses_full_and_json(cli: CliRunner, cli_env: Path) -> None:
    """--watch with --full or --json is a usage error, exit 2."""
    result = cli.invoke(app, ["sync", "--watch", "--full"])
    assert result.exit_code == 2
    assert "--watch runs incremental syncs" in result.output


def test_a_missing_key_file_stops_with_one_line_and_creates_no_key(
    cli: CliRunner, hubspot: Fleet, cli_env: Path
) -> None:
    """Credentials stored, key file gone: sync stops with the vault's message, exit 1, and
    no new key is written over the sealed data."""
    connection_id = _connect(cli, hubspot)
    (cli_env / "secret.key").unlink()
    result = cli.invoke(app, ["sync", connection_id])
    assert result.exit_code == 1
    assert "VaultError" in result.output
    assert "Traceback" not in result.output
    assert not (cli_env / "secret.key").exists()


def test_sync_and_connections_test_audit_their_credential_reads(
    cli: CliRunner, hubspot: Fleet
) -> None:
    """`interlink sync` and `interlink connections test` each leave a `credentials.read` entry
    for the connection, by `cli`, in `interlink audit`."""
    connection_id = _connect(cli, hubspot)
    assert cli.invoke(app, ["sync", connection_id]).exit_code == 0
    assert cli.invoke(app, ["connections", "test", connection_id]).exit_code == 0
    log = json.loads(cli.invoke(app, ["audit", "--json"]).stdout)
    reads = [(e["actor"], e["target"], e["outcome"]) for e in log
             if e["action"] == "credentials.read"]  # fmt: skip
    assert reads == [("cli", connection_id, "ok")] * 2
