"""`interlink webhooks`: the inbox's state, processing it, and the dead-letter queue.

```sh
interlink webhooks inbox                 # events per status
interlink webhooks process               # apply what is due now
interlink webhooks missed                # changes the sync found that no webhook delivered
interlink webhooks purge [--older-than 7d]   # forget finished events past the retention window
interlink webhooks dlq list [--json]
interlink webhooks dlq show ID [--json]
interlink webhooks dlq replay ID | --all
```
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape as rich_escape
from rich.table import Table

from interlink.cli._outbound import register
from interlink.cli._runtime import (
    cli_errors,
    fail,
    opened,
    out,
    print_json,
    settings_from_cli,
    since,
)

if TYPE_CHECKING:
    from interlink.webhooks import DeadLetter

__all__ = ["webhooks"]

webhooks = typer.Typer(
    help="Webhooks from vendors: the inbox, processing, dead letters.", no_args_is_help=True
)
dlq = typer.Typer(help="Events that failed every retry: list, show, replay.", no_args_is_help=True)
webhooks.add_typer(dlq, name="dlq")
register(webhooks)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _letter_row(letter: DeadLetter, *, event: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": letter.id, "inbox_id": letter.inbox_id, "provider": letter.provider,
        "connection_id": letter.connection_id, "tenant_id": letter.tenant_id,
        "event_key": letter.key, "attempts": letter.attempts, "status": letter.status,
        "error": letter.error, "created_at": letter.created_at, "updated_at": letter.updated_at,
    }  # fmt: skip
    if event:
        row["event"] = letter.event
    return row


@webhooks.command("inbox")
def inbox(as_json: JsonOption = False) -> None:
    """How many webhook events are pending, applied, stale, ignored or dead."""
    from interlink.webhooks import Inbox

    with cli_errors(), opened(settings_from_cli()) as (store, _):
        counts = Inbox.for_store(store).counts()
    if as_json:
        print_json(counts)
        return
    table = Table(title="webhook inbox")
    table.add_column("status")
    table.add_column("events", justify="right")
    for status in ("pending", "applied", "stale", "ignored", "dead"):
        table.add_row(status, f"{counts.get(status, 0):,}")
    out().print(table)


@webhooks.command("missed")
def missed(
    connection: Annotated[
        str | None, typer.Option("--connection", help="Only this connection.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Changes the scheduled sync found that no webhook had delivered, per connection."""
    from interlink.webhooks import missed_webhooks

    with cli_errors(), opened(settings_from_cli()) as (store, _):
        if connection is not None and store.get_connection(connection) is None:
            raise fail(f"no connection {connection!r} (see `interlink connections list`)")
        ids = [connection] if connection else [c.id for c in store.list_connections()]
        report = missed_webhooks(store, ids)
    rows = [
        {"connection_id": m.connection_id, "resource": m.resource, "since": m.since,
         "runs": m.runs, "created": m.created, "updated": m.updated, "deleted": m.deleted,
         "missed": m.total}
        for m in report
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table(title="missed webhooks (changes found by sync since the first webhook)")
    for column in ("connection", "resource", "since", "runs", "+new ~chg -del", "missed"):
        table.add_column(column, justify="right" if column in ("runs", "missed") else "left")
    for m in report:
        table.add_row(
            m.connection_id, m.resource, since(m.since), str(m.runs),
            f"+{m.created:,} ~{m.updated:,} -{m.deleted:,}", f"{m.total:,}",
        )  # fmt: skip
    out().print(table)


@webhooks.command("process")
def process(
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep processing as events arrive (Ctrl-C stops).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Apply every event due now (records are fetched through each connection's pipeline);
    with --follow, also purge finished events past `webhook_retention` every hour."""
    from interlink.cli._stack import build_transport
    from interlink.store import AsyncStore
    from interlink.sync import StoreConnections
    from interlink.sync._deployment import shared_state
    from interlink.webhooks import Inbox, WebhookProcessor, WebhookProviders

    async def drain(store: Any, vault: Any) -> dict[str, Any]:
        astore = AsyncStore(store)
        # The deployment's state and routes, as every process builds them: the records it
        # fetches draw on the shared budgets, tokens and breakers.
        state = shared_state(settings, vault=vault)
        connections = StoreConnections(
            astore, vault, state=state, transport=build_transport(settings.routes)
        )
        processor = WebhookProcessor(
            Inbox.for_store(store), WebhookProviders(), connections,
            retention=settings.webhook_retention if follow else None,
        )  # fmt: skip
        try:
            if follow:
                await _until_interrupted(processor.run)
            stats = await processor.drain()
        finally:
            await processor.aclose()
            await connections.close()
            await state.aclose()
            await astore.aclose()
        return {"applied": stats.applied, "stale": stats.stale, "ignored": stats.ignored,
                "retried": stats.retried, "dead": stats.dead, "changes": stats.changes}  # fmt: skip

    with cli_errors():
        settings = settings_from_cli()
    with cli_errors(), opened(settings) as (store, vault):
        result = asyncio.run(drain(store, vault))
    if as_json:
        print_json(result)
    else:
        out().print(" ".join(f"{k}={v}" for k, v in result.items()))


@webhooks.command("purge")
def purge(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="Purge finished events older than this (90s, 5m, 2h, 7d); at least, and by "
            "default, the webhook_retention setting.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Forget finished (applied, stale, ignored) events past the retention window, and their
    de-duplication keys; pending and dead events are kept."""
    from interlink.webhooks import Inbox

    with cli_errors():
        settings = settings_from_cli()
    window = settings.webhook_retention
    if older_than is not None:
        window = _window(older_than, settings.webhook_retention)
    with cli_errors(), opened(settings) as (store, _):
        purged = Inbox.for_store(store).purge(window)
    if as_json:
        print_json({"purged": purged, "older_than_seconds": window.total_seconds()})
    else:
        out().print(f"purged {purged:,} finished webhook event(s) older than {window}")


def _window(given: str, retention: timedelta) -> timedelta:
    """--older-than as a duration, never inside the de-duplication window."""
    from interlink.settings import parse_duration

    try:
        window = parse_duration(given)
    except ValueError as exc:
        raise fail(f"--older-than: {exc} (got {given!r})", code=2) from None
    if window < retention:
        raise fail(
            f"--older-than {given} is inside the webhook_retention window ({retention}): "
            "events a vendor may still redeliver would be forgotten and stored again; "
            "lower webhook_retention to keep less",
            code=2,
        )
    return window


async def _until_interrupted(run: Any) -> None:
    """Run `run(stop)` until Ctrl-C or SIGTERM, then let it finish its current pass."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@dlq.command("list")
def dlq_list(
    limit: Annotated[int, typer.Option("--limit", help="How many, oldest first.")] = 100,
    replayed: Annotated[bool, typer.Option("--replayed", help="Also list replayed ones.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Dead letters waiting for a replay, oldest first."""
    from interlink.webhooks import DeadLetters, Inbox

    if not 1 <= limit <= 100_000:
        raise fail(f"--limit must be 1..100,000, got {limit}", code=2)
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        found = DeadLetters(Inbox.for_store(store)).letters(
            status=None if replayed else "dead", limit=limit
        )
    if as_json:
        print_json([_letter_row(letter) for letter in found])
        return
    table = Table(title=f"{len(found)} dead letter(s)")
    for column in ("id", "created", "provider", "connection", "attempts", "status", "error"):
        table.add_column(column, no_wrap=column in ("id", "created"))
    for letter in found:
        first_line = letter.error.splitlines()[0] if letter.error else ""
        table.add_row(
            letter.id, since(letter.created_at), letter.provider, letter.connection_id or "-",
            str(letter.attempts), letter.status, rich_escape(first_line[:100]),
        )  # fmt: skip
    out().print(table)


@dlq.command("show")
def dlq_show(
    letter_id: Annotated[str, typer.Argument(help="The dead letter's id (from `dlq list`).")],
    as_json: JsonOption = False,
) -> None:
    """One dead letter: the event as received and the last error, whole."""
    from interlink.webhooks import DeadLetters, Inbox

    with cli_errors(), opened(settings_from_cli()) as (store, _):
        letter = DeadLetters(Inbox.for_store(store)).get(letter_id)
    if letter is None:
        raise fail(f"no dead letter {letter_id!r} (see `interlink webhooks dlq list`)")
    row = _letter_row(letter, event=True)
    if as_json:
        print_json(row)
        return
    import json

    for key, value in row.items():
        shown = json.dumps(value, indent=2) if key == "event" else value
        out().print(f"[bold]{key}[/bold]: {rich_escape(str(shown))}")


@dlq.command("replay")
def dlq_replay(
    letter_id: Annotated[str | None, typer.Argument(help="The dead letter to replay.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Put dead letters back in the inbox as pending; `interlink webhooks process` applies them."""
    from interlink.webhooks import DeadLetters, Inbox

    if (letter_id is None) == (not replay_all):
        raise fail("give one dead letter ID or --all (not both)", code=2)
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        letters = DeadLetters(Inbox.for_store(store))
        if replay_all:
            count = letters.replay_all()
        elif letters.replay(str(letter_id)):
            count = 1
        else:
            raise fail(f"no dead letter {letter_id!r} waiting for a replay")
    out().print(f"replayed {count} dead letter(s): back in the inbox as pending")
