"""The `interlink` command line."""

from __future__ import annotations

from interlink.cli import _connectors, _demo, _simulate  # noqa: F401  (register their commands)
from interlink.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `interlink` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
