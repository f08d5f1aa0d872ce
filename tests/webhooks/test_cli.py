"""`interlink webhooks inbox | dlq list | show | replay`, end to end through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlink.cli import app
from interlink.store import open_store
from interlink.webhooks import DeadLetters, Inbox

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A store with two dead letters and one pending event; the settings naming it."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    store = open_store(url)
    try:
        tenant = store.create_tenant("Acme")
        conn = store.create_connection(tenant.id, "hubspot", auth_method="private_app",
                                       variables={})  # fmt: skip
        inbox = Inbox.for_store(store)
        events = [(f"{conn.id}:{n}", {"eventId": n, "objectId": 1000 + n}) for n in (1, 2, 3)]
        inbox.accept(provider="hubspot", connection_id=conn.id, tenant_id=tenant.id,
                     headers={}, events=events)  # fmt: skip
        letters = DeadLetters(inbox)
        for event in inbox.claim(limit=2):
            letters.bury(event, f"ServerError: hubspot answered 500 for {event.payload['eventId']}")
    finally:
        store.close()
    return {"INTERLINK_DATABASE_URL": url, "INTERLINK_KEY_FILE": str(tmp_path / "secret.key")}


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["webhooks", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_dlq_list_show_and_replay(env: dict[str, str]) -> None:
    """List shows both letters; show has the event whole; replaying one, then all, empties it."""
    code, out, _ = _run(env, "dlq", "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [row["attempts"] for row in listed] == [1, 1]
    assert "500" in listed[0]["error"]
    first = listed[0]["id"]

    code, out, _ = _run(env, "dlq", "show", first, "--json")
    assert code == 0
    assert json.loads(out)["event"] == {"eventId": 1, "objectId": 1001}
    code, out, _ = _run(env, "dlq", "show", first)
    assert code == 0
    assert "objectId" in out

    code, out, _ = _run(env, "inbox", "--json")
    assert json.loads(out) == {"dead": 2, "pending": 1}
    code, out, _ = _run(env, "dlq", "replay", first)
    assert (code, "replayed 1" in out) == (0, True)
    code, out, _ = _run(env, "dlq", "replay", "--all")
    assert (code, "replayed 1" in out) == (0, True)
    code, out, _ = _run(env, "inbox", "--json")
    assert json.loads(out) == {"pending": 3}
    code, out, _ = _run(env, "dlq", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = _run(env, "dlq", "list", "--replayed")
    assert code == 0
    assert "replayed" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["dlq", "replay"], 2, "one dead letter ID or --all"),
        (["dlq", "replay", "dlq_x", "--all"], 2, "one dead letter ID or --all"),
        (["dlq", "replay", "dlq_missing"], 1, "no dead letter 'dlq_missing'"),
        (["dlq", "show", "dlq_missing"], 1, "no dead letter 'dlq_missing'"),
        (["dlq", "list", "--limit", "0"], 2, "--limit must be"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(
    env: dict[str, str], args: list[str], code: int, message: str
) -> None:
    """Each misuse ends with a one-line error naming what was wrong and a non-zero exit."""
    got, _, err = _run(env, *args)
    assert got == code
    assert message in err
    assert "Traceback" not in err


def test_subscriptions_and_deliveries_end_to_end(tmp_path: Path) -> None:
    """add prints the secret once; list shows the subscription without it; a change sent to an
    endpoint nobody listens on fails, and `deliveries` lists that delivery with its failed
    attempt and error (JSON and table); remove deletes; misuse is refused."""
    import hashlib
    import socket
    from datetime import UTC, datetime

    from interlink.models import record_id
    from interlink.store import PreparedRecord

    url = f"sqlite:///{tmp_path / 'app.db'}"
    env = {"INTERLINK_DATABASE_URL": url, "INTERLINK_KEY_FILE": str(tmp_path / "secret.key")}
    store = open_store(url)
    try:
        tenant = store.create_tenant("Acme", tenant_id="ten_cli")
        store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                                connection_id="conn_cli")  # fmt: skip
    finally:
        store.close()
    # A bound socket that never listens: connecting to it is refused at once, every time.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    try:
        hook = f"http://127.0.0.1:{closed.getsockname()[1]}/hooks"
        code, out, _ = _run(env, "subscriptions", "add", hook, "--tenant",
                            tenant.id, "--model", "crm.contact", "--json")  # fmt: skip
        assert code == 0
        added = json.loads(out)
        assert added["secret"].startswith("whsec_")
        assert added["models"] == ["crm.contact"]
        code, out, _ = _run(env, "subscriptions", "list", "--json")
        listed = json.loads(out)
        assert [s["id"] for s in listed] == [added["id"]]
        assert "secret" not in listed[0]
        code, out, _ = _run(env, "deliveries", "--attempts", "--json")
        assert (code, json.loads(out)) == (0, [])

        store = open_store(url)
        try:
            store.upsert_record(
                tenant_id=tenant.id, connection_id="conn_cli", resource="contacts",
                model="crm.contact",
                record=PreparedRecord(record_id("conn_cli", "crm.contact", "1"), "1",
                                      {"first_name": "Ada"}, None,
                                      hashlib.sha256(b"Ada").hexdigest(),
                                      datetime(2026, 1, 1, tzinfo=UTC)),
            )  # fmt: skip
        finally:
            store.close()
        code, out, err = _run(env, "deliver", "--json")
        assert code == 0, err
        assert {k: json.loads(out)[k] for k in ("queued", "delivered", "failed")} == {
            "queued": 1, "delivered": 0, "failed": 1,
        }  # fmt: skip
    finally:
        closed.close()
    code, out, _ = _run(env, "deliveries", "--attempts", "--json")
    assert code == 0
    (delivery,) = json.loads(out)
    assert (delivery["subscription_id"], delivery["status"], delivery["attempts"]) == (
        added["id"], "pending", 1,
    )  # fmt: skip
    assert "Connect" in delivery["last_error"]  # refused: no endpoint answered
    assert delivery["next_attempt_at"] is not None  # retried later, with backoff
    (attempt,) = delivery["attempt_log"]
    assert (attempt["attempt"], attempt["status"]) == (1, None)
    assert attempt["error"] == delivery["last_error"]
    code, out, _ = _run(env, "deliveries")
    assert code == 0
    assert delivery["event_id"][:12] in out
    assert "pending" in out
    code, out, err = _run(
        env, "subscriptions", "add", "http://example.com/x", "--tenant", tenant.id
    )
    assert code == 2
    assert "https://" in err
    assert _run(env, "subscriptions", "remove", added["id"])[0] == 0
    code, _, err = _run(env, "subscriptions", "remove", added["id"])
    assert code == 1
    assert "no subscription" in err
    code, _, err = _run(env, "deliveries", "--status", "lost")
    assert code == 2


def test_process_follow_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`interlink webhooks process --follow` runs until SIGTERM, then exits 0 with its tally."""
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "INTERLINK_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "INTERLINK_KEY_FILE": str(tmp_path / "secret.key")}  # fmt: skip
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "interlink"), "--log-level", "info", "webhooks",
         "process", "--follow", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert worker.stderr is not None
        for line in worker.stderr:  # the loop says when it runs (its signal handlers are set)
            if b"webhooks.processor_started" in line:
                break
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert json.loads(out)["applied"] == 0
