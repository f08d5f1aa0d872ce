"""`interlink simulate`: listing, bad arguments, serving on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx2
from typer.testing import CliRunner

from interlink.cli import app

runner = CliRunner()


def test_list_shows_hubspot() -> None:
    """--list prints a table naming each vendor with its resources."""
    result = runner.invoke(app, ["simulate", "--list"])
    assert result.exit_code == 0
    assert "hubspot" in result.output
    assert "contacts" in result.output


def test_unknown_vendor_is_an_error_naming_it() -> None:
    """An unknown vendor exits non-zero and names the vendor and the known ones."""
    result = runner.invoke(app, ["simulate", "nosuchvendor", "--port", "9"])
    assert result.exit_code != 0
    assert "nosuchvendor" in result.output
    assert "hubspot" in result.output


def test_unknown_profile_and_bad_port_are_errors() -> None:
    """An unknown fault profile or an out-of-range port exits non-zero naming it."""
    bad_profile = runner.invoke(app, ["simulate", "hubspot", "--faults", "doom"])
    assert bad_profile.exit_code != 0
    assert "doom" in bad_profile.output
    bad_port = runner.invoke(app, ["simulate", "hubspot", "--port", "70000"])
    assert bad_port.exit_code != 0
    assert "--port" in bad_port.output


def test_serves_on_a_port() -> None:
    """The command serves the simulator on 127.0.0.1 until terminated."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = "from interlink.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "simulate", "hubspot", "--port", str(port), "--records", "50"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx2.get(f"http://127.0.0.1:{port}/_sim", timeout=1.0)
                break
            except httpx2.TransportError:
                assert proc.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.json()["name"] == "hubspot"
        assert response.json()["records"] == 50
    finally:
        proc.terminate()
        proc.wait(timeout=10)
