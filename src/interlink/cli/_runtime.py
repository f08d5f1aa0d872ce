"""What the store-backed commands share: settings, the store and vault, one-line errors.

```python
with cli_errors():
    settings = settings_from_cli()
    with opened(settings) as (store, vault):
        ...
```

Every failure a user can fix (a bad setting, an unreachable database, a missing
key file, a vendor refusing credentials) ends as one line on stderr naming what
was wrong, and a non-zero exit: 2 for bad input, 1 for everything else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape as rich_escape

from interlink._errors import ConfigError, InterlinkError
from interlink.settings import Settings, load_settings

if TYPE_CHECKING:
    from interlink.store import Store
    from interlink.vault import Vault

__all__ = ["cli_errors", "fail", "opened", "out", "print_json", "settings_from_cli", "since"]

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Print `error: message` on stderr; the exit to raise (`raise fail(...)`)."""
    stderr.print(f"[red]error:[/red] {rich_escape(message)}", markup=True)
    return typer.Exit(code=code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn Interlink's errors into one clear line and a non-zero exit."""
    try:
        yield
    except ConfigError as exc:
        raise fail(str(exc), code=2) from None
    except InterlinkError as exc:
        raise fail(f"{type(exc).__name__}: {exc}") from None


def settings_from_cli(**overrides: Any) -> Settings:
    """The settings (environment, settings file), with command-line values on top."""
    return load_settings(**overrides)


def _prepare_sqlite_dir(url: str) -> None:
    # The default store lives under ./.interlink: create the folder, never the file.
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def opened(settings: Settings) -> Iterator[tuple[Store, Vault]]:
    """The store at `settings.database_url` (migrated) and the vault over it, closed after."""
    from interlink.store import open_store
    from interlink.vault import Vault, default_key_source

    _prepare_sqlite_dir(settings.database_url)
    store = open_store(settings.database_url)
    try:
        yield store, Vault(store, default_key_source(settings.key_file), actor="cli")
    finally:
        store.close()


def out() -> Console:
    """The console for tables on stdout: the terminal's width, or wide when piped (a table
    squeezed to 80 columns is unreadable; scripts should use --json anyway)."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout (times as ISO 8601)."""
    typer.echo(json.dumps(data, indent=2, default=_default))


def since(moment: datetime | None) -> str:
    """A time for a table: ISO 8601 to the second, or '-'."""
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")
