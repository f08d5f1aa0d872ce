"""`interlink connections` (add, list, remove, test) and `interlink tenants` (create, list, set).

Credentials go straight into the vault (encrypted at rest) and are never
printed: not by `add`, not by `list`, not in an error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from interlink._errors import ConfigError
from interlink.cli._app import app
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
    from interlink.connectors import ConnectorSpec
    from interlink.store import ConnectionRow, Store, Tenant

connections = typer.Typer(help="Connections: add, list, remove, test.", no_args_is_help=True)
tenants = typer.Typer(help="Tenants: create, list, set.", no_args_is_help=True)
app.add_typer(connections, name="connections")
app.add_typer(tenants, name="tenants")

Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def pairs(items: Sequence[str], option: str, *, secret: bool) -> dict[str, str]:
    """`key=value` items as a mapping; a malformed item is named by position, and a secret
    one is never echoed."""
    out: dict[str, str] = {}
    for position, item in enumerate(items, 1):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            shown = f"item {position}" if secret else repr(item)
            raise ConfigError(option, f"expected key=value, got {shown} without a key and '='")
        out[key.strip()] = value
    return out


def read_credentials_file(path: Path) -> dict[str, str]:
    """A JSON object of string credentials."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError("--credentials-file", f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            "--credentials-file", f"{path} is not JSON (line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("--credentials-file", f"{path} must hold a JSON object")
    for key, value in data.items():
        if not isinstance(value, str):
            raise ConfigError(
                "--credentials-file", f"{path}: {key} must be a string, not {type(value).__name__}"
            )
    return data


def check_credentials(spec: ConnectorSpec, method_name: str, given: Mapping[str, str]) -> None:
    """Every credential is one the auth method reads; a non-OAuth method gets them all."""
    method = spec.auth_methods.get(method_name)
    if method is None:
        known = ", ".join(spec.auth_methods)
        raise ConfigError(
            "--auth-method", f"{spec.provider} has no auth method {method_name!r}; known: {known}"
        )
    reads = ", ".join(sorted(method.credentials)) or "none"
    for key in given:
        if key not in method.credentials:
            raise ConfigError(
                "--credential",
                f"{key!r} is not read by {spec.provider}'s {method_name} auth (reads: {reads})",
            )
    missing = sorted(method.credentials - set(given))
    if missing and not method.is_oauth:
        raise ConfigError(
            "--credential", f"{spec.provider}'s {method_name} auth needs {', '.join(missing)}"
        )


def find_tenant(store: Store, tenant: str) -> Tenant:
    """A tenant by id, or by name when exactly one has it."""
    found = store.get_tenant(tenant)
    if found is not None:
        return found
    named = [t for t in store.list_tenants() if t.name == tenant]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(t.id for t in named)
        raise fail(f"several tenants are named {tenant!r} ({ids}): give the id", code=2)
    raise fail(f"no tenant {tenant!r}: create it with `interlink tenants create NAME`", code=2)


def get_connection(store: Store, connection_id: str) -> ConnectionRow:
    found = store.get_connection(connection_id)
    if found is None:
        raise fail(f"no connection {connection_id!r} (see `interlink connections list`)")
    return found


def _row(connection: ConnectionRow) -> dict[str, Any]:
    return {
        "id": connection.id,
        "tenant_id": connection.tenant_id,
        "provider": connection.provider,
        "name": connection.name,
        "auth_method": connection.auth_method,
        "variables": connection.variables,
        "status": connection.status,
        "created_at": connection.created_at,
    }


@connections.command("add")
def add(
    provider: Annotated[
        str, typer.Argument(help="The provider (see `interlink connectors list`).")
    ],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant id or name.")],
    credential: Annotated[
        list[str] | None,
        typer.Option("--credential", help="key=value, repeatable; stored encrypted, never shown."),
    ] = None,
    credentials_file: Annotated[
        Path | None, typer.Option("--credentials-file", help="A JSON object of credentials.")
    ] = None,
    variable: Annotated[
        list[str] | None, typer.Option("--variable", help="k=v, repeatable (a subdomain, ...).")
    ] = None,
    auth_method: Annotated[
        str | None, typer.Option("--auth-method", help="One of the spec's auth methods.")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="A label for people.")] = "",
    as_json: Json = False,
) -> None:
    """Add a connection: its credentials go to the vault, encrypted."""
    import interlink
    from interlink.connectors import ConnectorRegistry

    with cli_errors():
        settings = settings_from_cli()
        spec = ConnectorRegistry.default().get(provider)  # an unknown one names the known
        secrets = read_credentials_file(credentials_file) if credentials_file else {}
        secrets.update(pairs(credential or [], "--credential", secret=True))
        variables = pairs(variable or [], "--variable", secret=False)
        method = auth_method or spec.default_auth
        check_credentials(spec, method, secrets)
        # connect() checks the variables (declared, required, pattern) without sending anything.
        probe = interlink.connect(
            spec, credentials=secrets, variables=variables, auth_method=method
        )
        asyncio.run(probe.aclose())
        with opened(settings) as (store, vault):
            owner = find_tenant(store, tenant)
            row = store.create_connection(
                owner.id, provider, auth_method=method, variables=variables, name=name
            )
            try:
                vault.put(row.id, secrets)
            except BaseException:
                store.delete_connection(row.id)  # nothing half-created
                raise
            store.audit("cli", "connection.add", row.id, "ok", tenant_id=owner.id,
                        detail={"provider": provider, "auth_method": method})  # fmt: skip
    if as_json:
        print_json(_row(row))
    else:
        typer.echo(f"added connection {row.id} ({provider}, tenant {owner.name})")


@connections.command("list")
def list_(
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's.")] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Only this provider's.")
    ] = None,
    as_json: Json = False,
) -> None:
    """List connections (never their credentials)."""
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        tenant_id = find_tenant(store, tenant).id if tenant else None
        rows = store.list_connections(tenant_id=tenant_id, provider=provider)
    if as_json:
        print_json([_row(r) for r in rows])
        return
    table = Table(title=f"{len(rows)} connection(s)")
    for column in ("id", "tenant", "provider", "name", "auth", "status", "created"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.id, r.tenant_id, r.provider, r.name, r.auth_method, r.status,
                      since(r.created_at))  # fmt: skip
    out().print(table)


@connections.command("remove")
def remove(connection_id: Annotated[str, typer.Argument(help="The connection's id.")]) -> None:
    """Remove a connection with its credentials, records, checkpoints and runs."""
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        row = get_connection(store, connection_id)
        store.delete_connection(row.id)
        store.audit("cli", "connection.remove", row.id, "ok", tenant_id=row.tenant_id)
    typer.echo(f"removed connection {connection_id} ({row.provider})")


@connections.command("test")
def test(connection_id: Annotated[str, typer.Argument(help="The connection's id.")]) -> None:
    """One cheap authenticated call: the first page of the first resource."""
    from interlink.cli._stack import probe_connection

    with cli_errors():
        settings = settings_from_cli()
        with opened(settings) as (store, vault):
            row = get_connection(store, connection_id)
            result = asyncio.run(probe_connection(settings, store, vault, row))
    typer.echo(
        f"ok: {row.provider} answered {result.records} record(s) on the first page of "
        f"{result.resource} ({result.requests} request(s))"
    )


def _tenant_json(row: Tenant) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "created_at": row.created_at,
            "settings": row.settings}  # fmt: skip


@tenants.command("create")
def create_tenant(
    name: Annotated[str, typer.Argument(help="The tenant's name.")],
    require_if_match: Annotated[
        bool,
        typer.Option(
            "--require-if-match",
            help="Refuse API PATCH and DELETE without an If-Match header (428).",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Create a tenant (the product's customer that owns connections)."""
    if not name.strip():
        raise fail("a tenant needs a non-empty name", code=2)
    settings = {"require_if_match": True} if require_if_match else {}
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        row = store.create_tenant(name.strip(), settings=settings)
    if as_json:
        print_json(_tenant_json(row))
    else:
        typer.echo(f"created tenant {row.id} ({row.name})")


@tenants.command("set")
def set_tenant(
    tenant: Annotated[str, typer.Argument(help="The tenant's id or unique name.")],
    require_if_match: Annotated[
        bool | None,
        typer.Option(
            "--require-if-match/--no-require-if-match",
            help="Whether API PATCH and DELETE without an If-Match header are refused (428).",
            show_default=False,
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Change a tenant's settings; a running server applies them once its key cache expires
    (within 5 seconds)."""
    if require_if_match is None:
        raise fail("nothing to set: give --require-if-match or --no-require-if-match", code=2)
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        owner = find_tenant(store, tenant)
        row = store.update_tenant(owner.id, settings={"require_if_match": require_if_match})
        store.audit("cli", "tenant.update", owner.id, "ok", tenant_id=owner.id)
    if as_json:
        print_json(_tenant_json(row))
    else:
        state = "required" if require_if_match else "not required"
        typer.echo(f"tenant {row.id} ({row.name}): If-Match {state} on PATCH and DELETE")


@tenants.command("list")
def list_tenants(as_json: Json = False) -> None:
    """List tenants."""
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        rows = store.list_tenants()
    if as_json:
        print_json([_tenant_json(t) for t in rows])
        return
    table = Table(title=f"{len(rows)} tenant(s)")
    for column in ("id", "name", "created"):
        table.add_column(column)
    for t in rows:
        table.add_row(t.id, t.name, since(t.created_at))
    out().print(table)
