"""`interlink connectors`: list, show and validate connector specs; print their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from interlink.cli._app import app
from interlink.connectors import (
    ConnectorRegistry,
    ConnectorSpec,
    ResourceSpec,
    SpecError,
    connector_schema,
    validate_path,
)

connectors = typer.Typer(
    help="Connector specs: list, show, validate, schema.", no_args_is_help=True
)
app.add_typer(connectors, name="connectors")

ExtraPath = Annotated[
    Path | None, typer.Option("--path", help="Also load the specs of this file or folder.")
]


def _registry(path: Path | None) -> ConnectorRegistry:
    registry = ConnectorRegistry.default()
    if path is not None:
        registry.load_dir(path)
    for problem in registry.problems:
        Console(stderr=True).print(f"[yellow]skipped:[/yellow] {problem}", highlight=False)
    return registry


def _resource_summary(resource: ResourceSpec) -> dict[str, Any]:
    return {
        "model": resource.model,
        "operations": list(resource.operations),
        "endpoints": {op: f"{r.method} {r.path}" for op, r in resource.operations.items()},
    }


def _summary(spec: ConnectorSpec) -> dict[str, Any]:
    return {
        "provider": spec.provider,
        "title": spec.title,
        "categories": list(spec.categories),
        "resources": sorted(spec.resources),
        "auth_methods": sorted(spec.auth_methods),
        "source": str(spec.source) if spec.source else None,
    }


def _details(spec: ConnectorSpec) -> dict[str, Any]:
    return {
        **_summary(spec),
        "docs_url": spec.docs_url,
        "base_url": str(spec.base_url),
        "default_auth": spec.default_auth,
        "auth": {name: m.type for name, m in spec.auth_methods.items()},
        "credentials": sorted(spec.credentials),
        "variables": sorted(spec.variables),
        "rate_limits": [p.name for p in spec.rate_limits],
        "pagination": spec.raw.get("pagination"),
        "resources": {name: _resource_summary(r) for name, r in spec.resources.items()},
        "passthrough": list(spec.passthrough),
        "webhooks": spec.webhooks.scheme if spec.webhooks else None,
    }


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


@connectors.command("list")
def list_(
    path: ExtraPath = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every connector: provider, title, categories, resources, auth methods."""
    registry = _registry(path)
    if as_json:
        _print_json([_summary(spec) for spec in registry])
        return
    table = Table(title="Connectors")
    for column in ("provider", "title", "categories", "resources", "auth methods"):
        table.add_column(column)
    for spec in registry:
        s = _summary(spec)
        table.add_row(
            spec.provider,
            spec.title,
            ", ".join(s["categories"]),
            ", ".join(s["resources"]),
            ", ".join(s["auth_methods"]),
        )
    Console().print(table)


@connectors.command()
def show(
    name: Annotated[str, typer.Argument(help="The provider to show.")],
    path: ExtraPath = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show one connector: resources with models and operations, auth, limits, pagination."""
    registry = _registry(path)
    if name not in registry:
        Console(stderr=True).print(f"[red]error:[/red] unknown provider {name!r}; "
                                   f"known: {', '.join(registry.names())}")  # fmt: skip
        raise typer.Exit(code=2)
    details = _details(registry.get(name))
    if as_json:
        _print_json(details)
        return
    console = Console()
    console.print(f"[bold]{details['title']}[/bold] ({name})  {details['base_url']}")
    auth = ", ".join(f"{n}: {t}" for n, t in details["auth"].items())
    console.print(f"auth: {auth} (default {details['default_auth']})")
    console.print(f"rate limits: {', '.join(details['rate_limits']) or 'none declared'}")
    console.print(f"pagination: {details['pagination'] or 'single page'}")
    console.print(f"passthrough: {', '.join(details['passthrough']) or 'nothing allowed'}")
    table = Table(title="Resources")
    for column in ("resource", "model", "operation", "request"):
        table.add_column(column)
    for resource, info in details["resources"].items():
        for i, (op, endpoint) in enumerate(info["endpoints"].items()):
            first = i == 0
            table.add_row(resource if first else "", info["model"] if first else "", op, endpoint)
    console.print(table)


def _same_file(a: ConnectorSpec, b: ConnectorSpec) -> bool:
    return (
        a.source is not None and b.source is not None and a.source.resolve() == b.source.resolve()
    )


@connectors.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A spec file, or a folder of specs.")],
) -> None:
    """Check specs; print every problem as file:line: path: message (exit 1 on any)."""
    specs, problems = validate_path(path)
    builtin = ConnectorRegistry.builtin()
    for spec in specs:
        if spec.provider in builtin and not _same_file(spec, builtin.get(spec.provider)):
            try:
                builtin.add(spec)
            except SpecError as exc:
                problems.extend(exc.problems)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        count = len(problems)
        typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        raise typer.Exit(code=1)
    names = ", ".join(spec.provider for spec in specs)
    typer.echo(f"OK: {len(specs)} spec{'s' if len(specs) != 1 else ''} valid ({names})")


@connectors.command()
def schema() -> None:
    """Print the JSON Schema of connector specs (for editor autocompletion)."""
    _print_json(connector_schema())
