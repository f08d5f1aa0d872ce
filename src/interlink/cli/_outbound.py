"""`interlink webhooks subscriptions | deliveries | deliver`: change events to the product.

```sh
interlink webhooks subscriptions add URL --tenant T [--model crm.contact ...]  # secret shown once
interlink webhooks subscriptions list [--tenant T] [--json]
interlink webhooks subscriptions remove ID
interlink webhooks deliveries [--subscription ID] [--status S] [--attempts] [--json]
interlink webhooks deliver                      # fan out new changes, send what is due
```
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.markup import escape as rich_escape
from rich.table import Table

from interlink.cli._runtime import (
    cli_errors,
    fail,
    opened,
    out,
    print_json,
    settings_from_cli,
    since,
)

__all__ = ["register"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
subscriptions = typer.Typer(help="Where change events are delivered.", no_args_is_help=True)


def _subs(store: Any, vault: Any) -> Any:
    from interlink.webhooks import Subscriptions

    return Subscriptions.for_vault(store._engine, vault)


def _row(sub: Any) -> dict[str, Any]:
    return {"id": sub.id, "tenant_id": sub.tenant_id, "url": sub.url, "models": list(sub.models),
            "status": sub.status, "disabled_reason": sub.disabled_reason,
            "failures": sub.failures, "paused_until": sub.paused_until,
            "created_at": sub.created_at}  # fmt: skip


@subscriptions.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The endpoint (https://, or http:// on loopback).")],
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant whose changes it gets.")],
    model: Annotated[
        list[str] | None, typer.Option("--model", help="Only this unified model (repeatable).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe an endpoint; its signing secret is printed now and never again."""
    with cli_errors(), opened(settings_from_cli()) as (store, vault):
        sub, secret = _subs(store, vault).add(tenant, url, models=model or ())
    if as_json:
        print_json({**_row(sub), "secret": secret})
    else:
        out().print(f"subscription {sub.id} for {sub.url}")
        out().print(f"secret (Standard Webhooks, shown once): {secret}")


@subscriptions.command("list")
def list_(
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Subscriptions with their state (a disabled one says why)."""
    with cli_errors(), opened(settings_from_cli()) as (store, vault):
        found = _subs(store, vault).list(tenant_id=tenant)
    if as_json:
        print_json([_row(s) for s in found])
        return
    table = Table(title=f"{len(found)} subscription(s)")
    for column in ("id", "tenant", "url", "models", "status", "failures", "note"):
        table.add_column(column)
    for s in found:
        note = s.disabled_reason or (
            f"paused until {since(s.paused_until)}" if s.paused_until else ""
        )
        table.add_row(s.id, s.tenant_id, s.url, ",".join(s.models) or "all", s.status,
                      str(s.failures), rich_escape(note))  # fmt: skip
    out().print(table)


@subscriptions.command("remove")
def remove(subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")]) -> None:
    """Delete a subscription with its deliveries."""
    with cli_errors(), opened(settings_from_cli()) as (store, vault):
        if not _subs(store, vault).remove(subscription_id):
            raise fail(f"no subscription {subscription_id!r}")
    out().print(f"removed {subscription_id}")


def deliveries(
    subscription: Annotated[
        str | None, typer.Option("--subscription", help="Only this subscription's.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, delivered or failed.")
    ] = None,
    with_attempts: Annotated[bool, typer.Option("--attempts", help="Each attempt too.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Deliveries of change events, newest first, with their attempts."""
    from interlink.webhooks import list_attempts, list_deliveries

    if status not in (None, "pending", "delivered", "failed"):
        raise fail(f"--status must be pending, delivered or failed, got {status!r}", code=2)
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        found = list_deliveries(store._engine, subscription_id=subscription, status=status,
                                limit=limit)  # fmt: skip
        tries = {d.id: list_attempts(store._engine, d.id) for d in found} if with_attempts else {}
    rows = [_delivery(d, tries.get(d.id)) for d in found]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(found)} delivery(ies)")
    for column in ("event", "subscription", "status", "attempts", "last", "next attempt"):
        table.add_column(column)
    for d in found:
        table.add_row(d.event_id, d.subscription_id, d.status, str(d.attempts),
                      rich_escape(d.last_error or str(d.last_status or "")),
                      since(d.next_attempt_at))  # fmt: skip
    out().print(table)


def _delivery(d: Any, tries: Any) -> dict[str, Any]:
    row = {name: getattr(d, name) for name in d.__dataclass_fields__}
    if tries is not None:
        row["attempt_log"] = [{n: getattr(a, n) for n in a.__dataclass_fields__} for a in tries]
    return row


def deliver(
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep delivering as changes happen (Ctrl-C stops).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Fan out new change events to subscriptions and send every delivery that is due."""
    from interlink.cli._webhooks import _until_interrupted
    from interlink.webhooks import OutboundDispatcher

    async def once(store: Any, vault: Any) -> dict[str, int]:
        dispatcher = OutboundDispatcher.for_vault(store._engine, vault)
        try:
            if follow:
                await _until_interrupted(dispatcher.run)
            stats = await dispatcher.run_once()
        finally:
            await dispatcher.aclose()
        return {n: getattr(stats, n) for n in stats.__dataclass_fields__}

    with cli_errors(), opened(settings_from_cli()) as (store, vault):
        result = asyncio.run(once(store, vault))
    if as_json:
        print_json(result)
    else:
        out().print(" ".join(f"{k}={v}" for k, v in result.items()))


def register(webhooks: typer.Typer) -> None:
    """Add the outbound commands to `interlink webhooks`."""
    webhooks.add_typer(subscriptions, name="subscriptions")
    webhooks.command("deliveries")(deliveries)
    webhooks.command("deliver")(deliver)
