"""The `interlink` command line."""

from __future__ import annotations

import typer

from interlink.cli import _simulate  # noqa: F401  (registers `interlink simulate`)
from interlink.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `interlink` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

_ = typer  # typer is the CLI framework; subcommand modules register on `app`
