"""`interlink demo`: six vendors on loopback synced into a fresh store, live, and checked."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interlink._clock import SystemClock
from interlink.cli import _demo as demo_module
from interlink.cli import app
from interlink.cli._demo import DemoResult, run_demo
from interlink.cli._fleet import DEMO_VENDORS
from interlink.simulators import PROFILES, FaultConfig
from interlink.store import open_store

runner = CliRunner()

# The vendors whose fault answers ask for short waits (Zendesk and GitHub ask 60 s after an
# injected 429), so chaos on small data stays quick; the command test runs all six.
QUICK = ("hubspot", "salesforce", "pipedrive", "stripe")
# Chaos turned up, so a few pages meet every kind of fault (hangs left out: each costs
# the 5 s request timeout, and the runner tests cover them).
HEAVY_CHAOS = dataclasses.replace(
    PROFILES["chaos"],
    error_rates={500: 0.08, 502: 0.08, 503: 0.08, 429: 0.06},
    reset_rate=0.06, truncate_rate=0.06, error_body_rate=0.06, timeout_rate=0.0,
    latency=0.0, latency_jitter=0.01,
)  # fmt: skip


def _counts(result: DemoResult) -> dict[tuple[str, str], int]:
    return {(r.provider, r.resource): r.stored for r in result.rows}


async def _demo(
    tmp_path: Path, name: str, faults: str | FaultConfig, vendors: tuple[str, ...], records: int
) -> DemoResult:
    folder = tmp_path / name  # a store and key of its own for each run
    folder.mkdir()
    return await run_demo(
        records=records, faults=faults, database=f"sqlite:///{folder / 'demo.db'}",
        key_file=folder / "secret.key", vendors=vendors,
    )  # fmt: skip


async def test_chaos_ends_with_the_same_records_as_calm_vendors(
    cli_env: Path, tmp_path: Path
) -> None:
    """Misbehaving vendors (5xx, 429s, resets, truncated bodies, errors in 200s) leave the
    store holding exactly what well-behaved ones do, record for record."""
    calm = await _demo(tmp_path, "calm", "none", QUICK, 400)
    chaos = await _demo(tmp_path, "chaos", HEAVY_CHAOS, QUICK, 400)
    assert calm.faults == {}
    assert sum(n for kind, n in chaos.faults.items() if kind != "latency") >= 5, chaos.faults
    assert calm.complete, calm
    assert chaos.complete, chaos
    assert _counts(chaos) == _counts(calm)
    assert set(_counts(calm)) == {
        ("hubspot", "contacts"), ("salesforce", "contacts"), ("salesforce", "accounts"),
        ("pipedrive", "persons"), ("pipedrive", "organizations"),
        ("stripe", "customers"), ("stripe", "invoices"),
    }  # fmt: skip
    assert all(count == 400 for count in _counts(chaos).values())


async def test_flaky_vendors_lose_nothing(cli_env: Path, tmp_path: Path) -> None:
    """Under the flaky profile (5xx, resets) every record arrives, each once."""
    result = await _demo(tmp_path, "flaky", "flaky", ("hubspot", "stripe"), 150)
    assert result.complete
    assert result.records == 450  # HubSpot contacts + Stripe customers and invoices
    assert all(row.requests >= 2 for row in result.rows)


def test_demo_command_syncs_every_vendor_and_prints_the_summary(cli_env: Path) -> None:
    """The command exits 0 after syncing all six vendors and prints the table and faults."""
    result = runner.invoke(app, ["demo", "--records", "120", "--faults", "none", "--no-serve"])
    assert result.exit_code == 0, result.output
    for provider in ("hubspot", "salesforce", "pipedrive", "zendesk", "stripe", "github"):
        assert provider in result.output
    assert "crm.contact" in result.output
    assert "ticketing.ticket" in result.output
    assert "rec/s" in result.output
    assert "faults injected by the vendors and survived: none" in result.output


class SkipLongWaits(SystemClock):
    """The real clock, except that a wait of `LONG` seconds or more passes at once: the wall
    clock jumps ahead instead. Zendesk and GitHub answer a 429 with Retry-After: 60, which
    the client honours by pausing that vendor and deferring the run to its next attempt;
    under `chaos` a seeded 3% of answers are 429s, so whether one lands on those two vendors
    depends on how concurrent requests interleave, and a real demo then waits a minute.
    The vendors' injected 429s hold no real window, so skipping the wait changes nothing
    they check. Short waits (pacing, retry backoff) stay real: the simulators' own rate
    windows run on real time. Intervals (`monotonic`, the retry budget) are not warped."""

    LONG = 30.0

    def __init__(self) -> None:
        self.skipped: list[float] = []

    def time(self) -> float:
        return super().time() + sum(self.skipped)

    async def sleep(self, seconds: float) -> None:
        if seconds < self.LONG:
            await super().sleep(seconds)
            return
        self.skipped.append(seconds)
        await asyncio.sleep(0)


def _assert_complete_and_resumed(url: str, vendors: Sequence[str], records: int) -> None:
    """Each vendor's resources hold `records`; each resource's last run succeeded and every
    earlier one was deferred (and so resumed), never failed."""
    store = open_store(url)
    try:
        connections = store.list_connections()
        assert sorted(c.provider for c in connections) == sorted(vendors)
        for connection in connections:
            mine = list(reversed(store.list_runs(connection_id=connection.id, limit=1000)))
            for resource in DEMO_VENDORS[connection.provider].collections:
                stored = store.count_records(connection_id=connection.id, resource=resource)
                assert stored == records, (connection.provider, resource, stored)
                outcomes = [r.outcome for r in mine if r.resource == resource]
                assert outcomes[-1] == "succeeded", (connection.provider, resource, outcomes)
                assert set(outcomes[:-1]) <= {"deferred"}, (connection.provider, outcomes)
    finally:
        store.close()


def test_demo_with_the_real_chaos_profile_on_all_six_vendors_ends_with_their_records(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`demo --faults chaos` (the profile as shipped) on all six vendors exits 0 with every
    resource holding exactly the vendor's records, after surviving faults of several kinds;
    any run a vendor deferred was run again until it succeeded, never left failed."""
    monkeypatch.setattr(demo_module, "SystemClock", SkipLongWaits)
    # 1,000 records a resource: about 70 requests, enough for the profile's ~10% of faulty
    # answers to show (at 300 the seeded streams inject little but latency).
    url = f"sqlite:///{tmp_path / 'chaos.db'}"
    result = runner.invoke(
        app, ["demo", "--records", "1000", "--faults", "chaos", "--no-serve", "--database", url]
    )
    assert result.exit_code == 0, result.output
    assert "missing" not in result.output
    survived = result.output.split("faults injected by the vendors and survived: ")[1]
    counts = dict(part.split(" x") for part in survived.splitlines()[0].split(", "))
    # About 7 beside latency on average; which and where vary with how requests interleave.
    assert sum(int(n) for kind, n in counts.items() if kind != "latency") >= 2, survived
    _assert_complete_and_resumed(url, list(DEMO_VENDORS), 1000)


async def test_deferred_zendesk_and_github_runs_are_run_again_at_their_next_attempt(
    cli_env: Path, tmp_path: Path
) -> None:
    """Each vendor's first answer is a 429 asking for 60 s: the demo's runs there are deferred,
    run again once the minute has passed, and end with every record once."""
    # No latency: each simulator's faults then follow its arrival order exactly, and with
    # this seed the stream's first draw is a 429.
    faults = FaultConfig(error_rates={429: 0.25}, seed=1)
    clock = SkipLongWaits()
    url = f"sqlite:///{tmp_path / 'deferred.db'}"
    result = await run_demo(
        records=250, faults=faults, database=url, key_file=tmp_path / "secret.key",
        vendors=("zendesk", "github"), clock=clock,
    )  # fmt: skip
    assert result.complete, result
    assert result.faults["error_429"] >= 2
    assert clock.skipped  # the vendors' minute was asked for, and skipped
    resumed = [row for row in result.rows if row.runs > 1]
    assert {row.provider for row in resumed} == {"zendesk", "github"}
    _assert_complete_and_resumed(url, ("zendesk", "github"), 250)


def test_demo_keeps_the_store_when_given_a_database(cli_env: Path, tmp_path: Path) -> None:
    """--database keeps the synced store, and `interlink runs` can read it afterwards."""
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    key = tmp_path / "secret.key"
    env = {"INTERLINK_KEY_FILE": str(key), "INTERLINK_DATABASE_URL": url}
    result = runner.invoke(
        app,
        ["demo", "--records", "50", "--vendors", "hubspot", "--database", url, "--no-serve"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert f"store kept at {url}" in result.output
    runs = runner.invoke(app, ["runs", "--json"], env=env)
    assert runs.exit_code == 0, runs.output
    assert '"outcome": "succeeded"' in runs.stdout


async def test_the_demo_ends_by_serving_the_api_over_the_synced_records(
    cli_env: Path, tmp_path: Path
) -> None:
    """After the sync the unified API serves the demo's records with a printed API key, and
    the vendors stay reachable behind it."""
    import aiohttp
    from rich.console import Console
    from tests.sync._loopback import free_port

    from interlink.cli._demo import DemoContext
    from interlink.cli._demo_serve import serve_api

    port = free_port()
    printed = StringIO()
    console = Console(file=printed, width=300)
    answers: list[dict[str, object]] = []

    async def then(result: DemoResult, context: DemoContext) -> None:
        stop = asyncio.Event()

        async def call() -> None:
            try:
                for _ in range(500):  # until the server listens
                    if "Bearer " in printed.getvalue():
                        break
                    await asyncio.sleep(0.01)
                key = printed.getvalue().split("Bearer ")[1].split("'")[0]
                url = f"http://127.0.0.1:{port}/v1/crm/contacts?page_size=5"
                async with aiohttp.ClientSession() as session:
                    for _ in range(200):
                        try:
                            async with session.get(
                                url, headers={"Authorization": f"Bearer {key}"}
                            ) as answer:
                                answers.append(await answer.json())
                                break
                        except aiohttp.ClientConnectionError:
                            await asyncio.sleep(0.02)
            finally:
                stop.set()

        caller = asyncio.create_task(call())
        await serve_api(context, port, console, stop=stop)
        await caller

    result = await run_demo(
        records=30, faults="none", database=f"sqlite:///{tmp_path / 'demo.db'}",
        key_file=tmp_path / "secret.key", vendors=("hubspot",), then=then,
    )  # fmt: skip
    assert result.complete
    assert f"serving the unified API on http://127.0.0.1:{port}" in printed.getvalue()
    (page,) = answers
    results = page["results"]
    assert isinstance(results, list)
    assert len(results) == 5
    assert {r["provider"] for r in results} == {"hubspot"}


def test_demo_rejects_an_unknown_fault_profile(cli_env: Path) -> None:
    """A bad --faults names the value and the known profiles, exit code 2."""
    result = runner.invoke(app, ["demo", "--faults", "apocalypse"])
    assert result.exit_code == 2
    assert "apocalypse" in result.output
    assert "chaos" in result.output


def test_demo_rejects_unknown_vendors_and_sizes(cli_env: Path) -> None:
    """--vendors naming no demo vendor, or --records out of range, exit 2 with the reason."""
    vendors = runner.invoke(app, ["demo", "--vendors", "hubspot,myspace"])
    assert vendors.exit_code == 2
    assert "unknown --vendors myspace" in vendors.output
    size = runner.invoke(app, ["demo", "--records", "0"])
    assert size.exit_code == 2
    assert "--records must be 1..1,000,000, got 0" in size.output


def test_bad_log_level_is_rejected() -> None:
    """A bad --log-level is a usage error naming the option."""
    result = runner.invoke(app, ["--log-level", "loud", "version"])
    assert result.exit_code == 2
    assert "--log-level" in result.output


def test_a_taken_port_is_one_clear_line_after_the_sync(cli_env: Path) -> None:
    """Serving on a port already in use says so (and how to avoid it), exit 2, after the
    sync and its summary."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(
            app, ["demo", "--records", "20", "--vendors", "hubspot", "--port", str(port)]
        )
    assert result.exit_code == 2
    assert "faults injected by the vendors and survived" in result.output
    assert f"--port: cannot serve on 127.0.0.1:{port}" in result.output
    assert "--no-serve" in result.output
