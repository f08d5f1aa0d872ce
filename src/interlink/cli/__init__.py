"""The `interlink` command line."""

from __future__ import annotations

from interlink.cli import (  # noqa: F401  (register their commands)
    _check,
    _connections,
    _connectors,
    _demo,
    _runs,
    _simulate,
    _sync,
    _worker,
)
from interlink.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `interlink` console script."""
    from interlink import _collector

    _collector.enable()  # a long-running process: see interlink._collector
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
