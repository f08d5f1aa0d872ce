"""Logging setup for processes Interlink owns (the CLI, workers, the server).

A library never configures logging on import; the `interlink` command calls
`configure_logging` once. Logs go to stderr so `--json` output on stdout stays
machine-readable.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

__all__ = ["LEVELS", "configure_logging"]

LEVELS = ("debug", "info", "warning", "error")


def configure_logging(level: str = "warning", *, json: bool = False) -> None:
    """Send structlog output at `level` and above to stderr, as text or JSON lines."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}, got {level!r}")
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


class _CurrentStderr:
    """Writes to whatever `sys.stderr` is now, not what it was when logging was set up
    (a test runner or a daemon may swap it later)."""

    def write(self, text: str) -> int:
        stream: TextIO = sys.stderr
        return stream.write(text)

    def flush(self) -> None:
        sys.stderr.flush()
