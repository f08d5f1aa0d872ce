"""`interlink audit`: the audit log (credential reads, writes through the API, key changes)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from interlink.cli._runtime import cli_errors, opened, out, print_json, settings_from_cli, since

__all__ = ["audit"]


def audit(
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant (id).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the newest audit entries: who did what to what, when, and the outcome."""
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        entries = store.list_audit(tenant_id=tenant, limit=limit)
    if as_json:
        print_json([
            {"seq": e.seq, "at": e.at, "tenant_id": e.tenant_id, "actor": e.actor,
             "action": e.action, "target": e.target, "outcome": e.outcome, "detail": e.detail}
            for e in entries
        ])  # fmt: skip
        return
    table = Table(title=f"{len(entries)} audit entr{'y' if len(entries) == 1 else 'ies'}")
    for column in ("at", "tenant", "actor", "action", "target", "outcome"):
        table.add_column(column)
    for e in entries:
        table.add_row(since(e.at), e.tenant_id or "-", e.actor, e.action, e.target, e.outcome)
    out().print(table)
