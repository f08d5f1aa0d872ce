"""`interlink vault`: the credential key's status, rotation, and new keys.

Registered on the root app in `_app.py`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from interlink._errors import ConfigError, StoreError, VaultError
from interlink.settings import load_settings
from interlink.store import Store, open_store
from interlink.vault import EnvKeySource, Key, KeySource, RotationReport, Vault, default_key_source
from interlink.webhooks import SubscriptionSecrets

vault = typer.Typer(
    help="The credential vault: key status, key rotation, new keys.", no_args_is_help=True
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "--database-url",
        help="Store URL (default: INTERLINK_DATABASE_URL or the settings).",
    ),
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Key file (default: INTERLINK_KEY_FILE or the settings; "
        "INTERLINK_SECRET_KEY wins when set and no --key-file is given).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _fail(exc: Exception) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


@contextmanager
def _opened(database: str | None, key_file: Path | None) -> Iterator[tuple[Store, KeySource]]:
    """The store and key source the options and settings name; errors end the command."""
    store: Store | None = None
    try:
        settings = load_settings(database_url=database, key_file=key_file)
        source = (
            default_key_source(settings.key_file)
            if key_file is None
            else default_key_source(key_file, {})
        )
        store = open_store(settings.database_url)
        yield store, source
    except (ConfigError, StoreError, VaultError) as exc:
        raise _fail(exc) from None
    finally:
        if store is not None:
            store.close()


@vault.command("status")
def status(
    database: DatabaseOption = None, key_file: KeyFileOption = None, as_json: JsonOption = False
) -> None:
    """Show the current key id, the retired keys, and how many credentials each key sealed."""
    with _opened(database, key_file) as (store, source):
        keyring = source.load()
        counts = Counter(row.key_id for row in store.list_credentials())
    known = set(keyring.ids) if keyring else set()
    data: dict[str, Any] = {
        "keys": source.location,
        "current_key_id": keyring.current.id if keyring else None,
        "retired_key_ids": list(keyring.retired_ids) if keyring else [],
        "credentials_by_key": dict(sorted(counts.items())),
        "unknown_key_ids": sorted(set(counts) - known),
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        _print_status(data)
    if data["unknown_key_ids"]:
        raise _fail(
            VaultError(
                f"credentials sealed with key(s) {', '.join(data['unknown_key_ids'])} cannot "
                f"be opened: {source.location} does not hold them"
            )
        )


def _print_status(data: dict[str, Any]) -> None:
    console = Console()
    console.print(f"keys: {data['keys']}", highlight=False)
    if data["current_key_id"] is None and not data["unknown_key_ids"]:
        console.print("no key yet: the first credential stored creates one")
        return
    table = Table("key id", "role", "credentials")
    roles = {data["current_key_id"]: "current"} | dict.fromkeys(data["retired_key_ids"], "retired")
    for key_id in [*roles, *data["unknown_key_ids"]]:
        if key_id is None:
            continue
        role = roles.get(key_id, "[red]not in keyring[/red]")
        table.add_row(key_id, role, str(data["credentials_by_key"].get(key_id, 0)))
    console.print(table)


@vault.command("rotate-key")
def rotate_key(
    database: DatabaseOption = None,
    key_file: KeyFileOption = None,
    drop_retired: Annotated[
        bool,
        typer.Option(
            "--drop-retired",
            help="After a complete pass, remove the retired keys from the key file.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Make a new key current and re-encrypt every credential (and webhook subscription
    secret) with it, without downtime.

    With INTERLINK_SECRET_KEY, no key is generated: the credentials are re-encrypted
    under the key that variable holds (the old one in INTERLINK_SECRET_KEY_RETIRED).
    """
    with _opened(database, key_file) as (store, source):
        the_vault = Vault(store, source, actor="cli")
        new_key = None if isinstance(source, EnvKeySource) else Key.generate()
        # Progress goes to stderr, so --json output on stdout stays machine-readable.
        with Progress(
            TextColumn("re-encrypting"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("rotate", total=None)
            report = the_vault.rotate(
                new_key,
                drop_retired=drop_retired,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                resealers=[SubscriptionSecrets.for_vault(store._engine, the_vault)],
            )
    data = _report_data(report, source.location)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        _print_report(data)
    if report.unreadable:
        raise _fail(
            VaultError(
                f"{len(report.unreadable)} credential(s) open with no key in the keyring and "
                f"were left untouched: {', '.join(report.unreadable)}"
            )
        )
    for other in report.resealed:
        if other.unreadable:
            raise _fail(
                VaultError(
                    f"{len(other.unreadable)} of the {other.what} open with no key in the "
                    f"keyring and were left untouched: {', '.join(other.unreadable)}"
                )
            )
    if drop_retired and report.drop_refused:
        raise _fail(VaultError(f"retired keys kept: {report.drop_refused}"))


def _report_data(report: RotationReport, location: str) -> dict[str, Any]:
    return {
        "keys": location,
        "current_key_id": report.current_key_id,
        "previous_key_id": report.previous_key_id,
        "reencrypted": report.reencrypted,
        "already_current": report.already_current,
        "changed_meanwhile": report.changed_meanwhile,
        "unreadable": list(report.unreadable),
        "credentials_by_key": report.by_key,
        "retired_key_ids": list(report.retired_key_ids),
        "dropped_key_ids": list(report.dropped_key_ids),
        "drop_refused": report.drop_refused,
        "resealed": [
            {
                "what": r.what,
                "resealed": r.resealed,
                "changed_meanwhile": r.changed_meanwhile,
                "unreadable": list(r.unreadable),
                "by_key": r.by_key,
            }
            for r in report.resealed
        ],
        "complete": report.complete,
    }


def _print_report(data: dict[str, Any]) -> None:
    console = Console()
    table = Table("", "", title="key rotation", show_header=False)
    table.add_row("keys", data["keys"])
    if data["previous_key_id"]:
        table.add_row(
            "new current key", f"{data['current_key_id']} (was {data['previous_key_id']})"
        )
    else:
        table.add_row("current key", f"{data['current_key_id']} (no new key generated)")
    table.add_row("re-encrypted", str(data["reencrypted"]))
    table.add_row("already current", str(data["already_current"]))
    table.add_row("changed meanwhile (kept)", str(data["changed_meanwhile"]))
    table.add_row("unreadable (untouched)", str(len(data["unreadable"])))
    for other in data["resealed"]:
        table.add_row(f"{other['what']} re-encrypted", str(other["resealed"]))
        if other["unreadable"]:
            table.add_row(f"{other['what']} unreadable", str(len(other["unreadable"])))
    table.add_row("retired keys", ", ".join(data["retired_key_ids"]) or "none")
    if data["dropped_key_ids"]:
        table.add_row("dropped", ", ".join(data["dropped_key_ids"]))
    console.print(table)
    if data["complete"] and data["retired_key_ids"]:
        console.print(
            "every credential is sealed with the current key; once every process has "
            "reloaded its keys, run again with --drop-retired"
        )


@vault.command("new-key")
def new_key() -> None:
    """Print a new random key, for INTERLINK_SECRET_KEY (it is not stored anywhere)."""
    typer.echo(Key.generate().to_text())
