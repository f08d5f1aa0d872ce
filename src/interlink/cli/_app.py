"""The root typer application; each command group lives in its own module."""

from __future__ import annotations

import typer

from interlink.cli._audit import audit
from interlink.cli._keys import keys
from interlink.cli._serve import serve
from interlink.cli._vault import vault
from interlink.cli._webhooks import webhooks

app = typer.Typer(
    name="interlink",
    help="Interlink: many third-party REST APIs behaving like one.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(vault, name="vault")
app.add_typer(webhooks, name="webhooks")
app.add_typer(keys, name="keys")
app.command("serve")(serve)
app.command("audit")(audit)


@app.command()
def version() -> None:
    """Print Interlink's version."""
    from interlink import __version__

    typer.echo(__version__)


@app.callback()
def _root(
    log_level: str | None = typer.Option(
        None,
        "--log-level",
        help="Log level on stderr: debug, info, warning, error (default: the log_level setting).",
    ),
    log_json: bool = typer.Option(False, "--log-json", help="Log JSON lines instead of text."),
) -> None:
    """Interlink: many third-party REST APIs behaving like one."""
    from interlink._logging import LEVELS, configure_logging

    if log_level is not None and log_level not in LEVELS:
        raise typer.BadParameter(
            f"must be one of {', '.join(LEVELS)}, got {log_level!r}", param_hint="--log-level"
        )
    if log_level is None or not log_json:
        level, as_json = _logging_settings()
        log_level, log_json = log_level or level, log_json or as_json
    configure_logging(log_level, json=log_json)


def _logging_settings() -> tuple[str, bool]:
    """The settings' log level and format; a broken settings file is left for the command
    that needs the settings to report (logging then keeps the default)."""
    from interlink._errors import ConfigError
    from interlink.settings import load_settings

    try:
        settings = load_settings()
    except ConfigError:
        return "warning", False
    return settings.log_level, settings.log_json
