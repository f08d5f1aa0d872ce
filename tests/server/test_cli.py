"""`interlink keys`, `interlink audit` and `interlink serve`, against a temp store."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from interlink.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """INTERLINK_* pointing at a temp store and key file, and nothing else of the machine's."""
    for name in list(os.environ):
        if name.startswith("INTERLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    values = {
        "INTERLINK_DATABASE_URL": f"sqlite:///{tmp_path / 'interlink.db'}",
        "INTERLINK_KEY_FILE": str(tmp_path / "secret.key"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _tenant(cli: CliRunner) -> str:
    made = cli.invoke(app, ["tenants", "create", "Acme", "--json"])
    assert made.exit_code == 0, made.output
    return str(json.loads(made.output)["id"])


def test_keys_create_list_revoke_and_audit(env: dict[str, str]) -> None:
    """A key is printed once on create, listed without its secret, revoked by id; both
    changes are in `interlink audit`; an unknown key id exits 2 naming it."""
    cli = CliRunner()
    tenant = _tenant(cli)
    made = cli.invoke(app, ["keys", "create", "Acme", "--name", "ci", "--json"])
    assert made.exit_code == 0, made.output
    issued = json.loads(made.output)
    assert issued["key"].startswith("ilk_")
    assert issued["tenant_id"] == tenant
    listed = cli.invoke(app, ["keys", "list", "--json"])
    assert issued["key"] not in listed.output
    assert [k["id"] for k in json.loads(listed.output)] == [issued["id"]]
    revoked = cli.invoke(app, ["keys", "revoke", issued["id"]])
    assert revoked.exit_code == 0
    assert json.loads(cli.invoke(app, ["keys", "list", "--json"]).output)[0]["revoked_at"]
    unknown = cli.invoke(app, ["keys", "revoke", "key_nope"])
    assert unknown.exit_code == 2
    assert "key_nope" in unknown.output
    log = json.loads(cli.invoke(app, ["audit", "--json"]).output)
    assert [e["action"] for e in log] == ["api_key.revoke", "api_key.create"]
    assert issued["key"] not in json.dumps(log)
    table = cli.invoke(app, ["audit"])
    assert "api_key.create" in table.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_with_a_key(env: dict[str, str]) -> None:
    """`interlink serve` listens on the port, publishes /openapi.json, /docs and /metrics
    (dead letters counted), answers an authenticated call, refuses an unauthenticated one,
    and stops cleanly on SIGTERM."""
    cli = CliRunner()
    _tenant(cli)
    key = json.loads(cli.invoke(app, ["keys", "create", "Acme", "--json"]).output)["key"]
    port = _free_port()
    code = "from interlink.cli import main; main()"
    server = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--no-schedule"],
        env={**os.environ, **env, "INTERLINK_LOG_LEVEL": "info"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        assert httpx2.get(f"{base}/openapi.json").json()["info"]["title"] == "Interlink"
        assert httpx2.get(f"{base}/docs").status_code == 200
        ok = httpx2.get(f"{base}/v1/connections", headers={"Authorization": f"Bearer {key}"})
        assert ok.json() == {"results": []}
        assert httpx2.get(f"{base}/v1/connections").status_code == 401
        scraped = httpx2.get(f"{base}/metrics").text
        assert "interlink_webhook_dead_letters 0.0" in scraped
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert server.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in err
