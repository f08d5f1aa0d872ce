"""`interlink keys create TENANT | list | revoke KEY_ID`: the API keys of tenants.

A key is printed once, when created, and stored only as a digest: whoever
loses it makes a new one and revokes the old.
"""

from __future__ import annotations

from typing import Annotated

import typer
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

__all__ = ["keys"]

keys = typer.Typer(help="Tenant API keys: create, list, revoke.", no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@keys.command("create")
def create(
    tenant: Annotated[str, typer.Argument(help="The tenant's id or unique name.")],
    name: Annotated[str, typer.Option("--name", help="What the key is for.")] = "",
    as_json: Json = False,
) -> None:
    """Create an API key for TENANT and print it (the only time it is shown)."""
    from interlink.cli._connections import find_tenant
    from interlink.server import ApiKeys

    with cli_errors(), opened(settings_from_cli()) as (store, _):
        owner = find_tenant(store, tenant)
        issued = ApiKeys(store).create(owner.id, name)
        store.audit("cli", "api_key.create", issued.key.id, "ok", tenant_id=owner.id)
    if as_json:
        print_json({"id": issued.key.id, "tenant_id": owner.id, "key": issued.secret})
        return
    typer.echo(f"created key {issued.key.id} for tenant {owner.id} ({owner.name})")
    typer.echo(issued.secret)
    typer.echo("store it now: it is not shown again", err=True)


@keys.command("list")
def list_keys(
    tenant: Annotated[str | None, typer.Argument(help="Only this tenant's keys.")] = None,
    as_json: Json = False,
) -> None:
    """List keys (never their secrets)."""
    from interlink.cli._connections import find_tenant
    from interlink.server import ApiKeys

    with cli_errors(), opened(settings_from_cli()) as (store, _):
        tenant_id = None if tenant is None else find_tenant(store, tenant).id
        rows = ApiKeys(store).list(tenant_id)
    if as_json:
        print_json([
            {"id": k.id, "tenant_id": k.tenant_id, "name": k.name, "created_at": k.created_at,
             "revoked_at": k.revoked_at}
            for k in rows
        ])  # fmt: skip
        return
    table = Table(title=f"{len(rows)} key(s)")
    for column in ("id", "tenant", "name", "created", "revoked"):
        table.add_column(column)
    for k in rows:
        table.add_row(k.id, k.tenant_id, k.name, since(k.created_at), since(k.revoked_at))
    out().print(table)


@keys.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_...).")]) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from interlink.server import ApiKeys

    with cli_errors(), opened(settings_from_cli()) as (store, _):
        found = ApiKeys(store).revoke(key_id)
        if found is None:
            raise fail(f"no API key {key_id!r} (see `interlink keys list`)", code=2)
        store.audit("cli", "api_key.revoke", key_id, "ok", tenant_id=found.tenant_id)
    typer.echo(f"revoked key {key_id}")
