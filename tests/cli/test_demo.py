"""`interlink demo`: a live loopback vendor read through the whole pipeline."""

from __future__ import annotations

from typer.testing import CliRunner

from interlink.cli import app
from interlink.cli._demo import run_demo

runner = CliRunner()


async def test_demo_reads_every_record_of_a_flaky_vendor_once() -> None:
    """Over real loopback HTTP, a flaky HubSpot yields every contact exactly once."""
    result = await run_demo(records=600, faults="flaky")
    assert result.records == 600
    assert result.unique == 600
    assert result.requests >= 6
    assert result.vendor_429s == 0


def test_demo_command_prints_the_summary() -> None:
    """The command exits 0 and prints its table and the faults it survived."""
    result = runner.invoke(app, ["demo", "--records", "300", "--faults", "none"])
    assert result.exit_code == 0, result.output
    assert "records/s" in result.output
    assert "faults injected by the vendor and survived: none" in result.output


def test_demo_rejects_an_unknown_fault_profile() -> None:
    """A bad --faults names the value and the known profiles, exit code 2."""
    result = runner.invoke(app, ["demo", "--faults", "apocalypse"])
    assert result.exit_code == 2
    assert "apocalypse" in result.output
    assert "chaos" in result.output


def test_bad_log_level_is_rejected() -> None:
    """A bad --log-level is a usage error naming the option."""
    result = runner.invoke(app, ["--log-level", "loud", "version"])
    assert result.exit_code == 2
    assert "--log-level" in result.output
