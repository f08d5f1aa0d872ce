"""`interlink check CONNECTION`: the schema drift a connection's syncs have seen.

Permissive mapping keeps syncing when a vendor changes its schema and records
what changed, per resource: fields that appeared, expected fields that went
missing, and fields whose type changed, with when each was first seen and how
often. This prints that report.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from interlink.cli._app import app
from interlink.cli._connections import get_connection
from interlink.cli._runtime import cli_errors, opened, out, print_json, settings_from_cli, since

KIND_TEXT = {
    "new_field": "new field",
    "missing_field": "missing expected field",
    "type_changed": "changed type",
}


@app.command()
def check(
    connection: Annotated[str, typer.Argument(help="The connection's id.")],
    resource: Annotated[str | None, typer.Option("--resource", help="Only this resource.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the schema drift recorded for a connection, per resource."""
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        row = get_connection(store, connection)
        entries = store.list_drift(row.id, resource)
    if as_json:
        print_json(
            [
                {
                    "resource": e.resource,
                    "kind": e.kind,
                    "field": e.field,
                    "detail": e.detail,
                    "first_seen": e.first_seen,
                    "last_seen": e.last_seen,
                    "count": e.count,
                }
                for e in entries
            ]
        )
        return
    console = out()
    if not entries:
        scope = f"{row.provider} {resource}" if resource else row.provider
        console.print(f"no schema drift recorded for {connection} ({scope})")
        return
    for name in sorted({e.resource for e in entries}):
        table = Table(title=f"{row.provider} {name}: schema drift")
        for column in ("change", "field", "detail", "first seen", "last seen"):
            table.add_column(column)
        table.add_column("count", justify="right")
        for e in (e for e in entries if e.resource == name):
            table.add_row(KIND_TEXT.get(e.kind, e.kind), e.field, e.detail,
                          since(e.first_seen), since(e.last_seen), f"{e.count:,}")  # fmt: skip
        console.print(table)
