"""CLI tests run against a fresh SQLite store and key file in a temp dir, never the machine's.

A command runs its own event loop (`asyncio.run`), so the vendor simulators it
talks to are served from a background thread with a loop of their own.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlink.cli._fleet import Fleet


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """INTERLINK_* point at a temp store and key file; no other setting leaks in."""
    for name in list(os.environ):
        if name.startswith("INTERLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTERLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'interlink.db'}")
    monkeypatch.setenv("INTERLINK_KEY_FILE", str(tmp_path / "secret.key"))
    return tmp_path


@pytest.fixture
def cli() -> CliRunner:
    """Typer's test runner."""
    return CliRunner()


@contextmanager
def fleet_in_thread(vendors: Sequence[str], **options: object) -> Iterator[Fleet]:
    """`Fleet.serve(...)` on a background thread's own event loop, for the duration."""
    ready = threading.Event()
    box: dict[str, object] = {}

    async def main() -> None:
        stop = asyncio.Event()
        box["stop"], box["loop"] = stop, asyncio.get_running_loop()
        try:
            async with Fleet.serve(vendors, **options) as fleet:  # type: ignore[arg-type]
                box["fleet"] = fleet
                ready.set()
                await stop.wait()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            raise

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    ready.wait(timeout=30)
    if "error" in box:
        raise RuntimeError("the simulators did not start") from box["error"]  # type: ignore[arg-type]
    try:
        yield box["fleet"]  # type: ignore[misc]
    finally:
        loop: asyncio.AbstractEventLoop = box["loop"]  # type: ignore[assignment]
        loop.call_soon_threadsafe(box["stop"].set)  # type: ignore[attr-defined]
        thread.join(timeout=30)


@pytest.fixture
def hubspot(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    """A HubSpot simulator (250 contacts) on loopback, its host routed via INTERLINK_ROUTES."""
    with fleet_in_thread(["hubspot"], records=250) as fleet:
        monkeypatch.setenv("INTERLINK_ROUTES", json.dumps(fleet.routes))
        yield fleet
