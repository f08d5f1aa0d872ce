"""What `interlink demo` prints when the sync is done: the summary table and what went wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

if TYPE_CHECKING:
    from interlink.cli._demo import DemoResult

__all__ = ["print_report", "summary_table"]


def summary_table(result: DemoResult, faults: str) -> Table:
    """Records per provider and model, with what it took (errors are printed below it)."""
    rows: list[list[str]] = []
    for r in result.rows:
        rate = f"{r.stored / r.seconds:,.0f}" if r.seconds > 0 else "-"
        outcome = "[green]ok[/green]" if r.outcome == "succeeded" else f"[red]{r.outcome}[/red]"
        if r.stored != r.expected:
            outcome = f"[red]{r.expected - r.stored:,} of {r.expected:,} missing[/red]"
        if r.runs > 1:
            outcome += f" ({r.runs} runs)"
        rows.append([
            r.provider, r.model, f"{r.stored:,}", f"{r.requests:,}", f"{r.retries:,}",
            f"{r.absorbed_429s:,}", f"{r.seconds:.1f}", rate, outcome,
        ])  # fmt: skip
    total = result.records
    rows.append([
        "all", "", f"{total:,}", f"{sum(r.requests for r in result.rows):,}",
        f"{sum(r.retries for r in result.rows):,}",
        f"{sum(r.absorbed_429s for r in result.rows):,}", f"{result.seconds:.1f}",
        f"{total / result.seconds:,.0f}" if result.seconds > 0 else "-", "",
    ])  # fmt: skip
    table = Table(
        title=f"Synced into the store (faults: {faults})", box=box.SIMPLE_HEAD,
        caption="req: requests; 429s: rate-limit answers absorbed (waited out, or deferred)",
        padding=(0, 1), collapse_padding=True, pad_edge=False,
    )  # fmt: skip
    headers = ("provider", "model", "records", "req", "retry", "429s", "s", "rec/s", "outcome")
    for i, header in enumerate(headers):
        # Numbers are never cut: a narrow terminal wraps the headers instead.
        text = i in (0, 1, len(headers) - 1)
        table.add_column(
            header, justify="left" if text else "right", no_wrap=text, overflow="fold",
            min_width=7 if header == "outcome" else None if text
            else max(len(row[i]) for row in rows),
        )  # fmt: skip
    for row in rows[:-1]:
        table.add_row(*row)
    table.add_section()
    table.add_row(*rows[-1])
    return table


def print_report(console: Console, result: DemoResult, faults: str) -> None:
    """The table, the faults survived, and every error under it."""
    console.print(summary_table(result, faults))
    survived = ", ".join(f"{kind} x{n}" for kind, n in sorted(result.faults.items())) or "none"
    console.print(f"faults injected by the vendors and survived: {survived}")
    for row in result.rows:
        if row.error:
            line = f"{row.provider} {row.resource} ({row.outcome}): {row.error.splitlines()[0]}"
            console.print(f"[red]error:[/red] {rich_escape(line)}")
    for failure in result.failures:
        console.print(f"[red]failed:[/red] {rich_escape(failure)}")
    if not result.complete:
        console.print("[red]the store does not hold exactly the vendors' records[/red]")
