"""The root typer application; each command group lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="interlink",
    help="Interlink: many third-party REST APIs behaving like one.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print Interlink's version."""
    from interlink import __version__

    typer.echo(__version__)


@app.callback()
def _root() -> None:
    """Interlink: many third-party REST APIs behaving like one."""
