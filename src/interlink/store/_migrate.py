"""Alembic, run from code: the migrations ship inside the package, no alembic.ini needed.

`upgrade` refuses a database stamped with a revision this code does not know
(written by a newer Interlink): downgrading the code must never silently run
against a schema it does not understand.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, text

from interlink._errors import StoreError
from interlink.store._apply import LOCK_SQL
from interlink.store._engine import WRITE, describe

__all__ = ["SCRIPT_LOCATION", "alembic_config", "current_revision", "head_revision", "upgrade"]

SCRIPT_LOCATION = "interlink.store:migrations"
MIGRATE_LOCK = 0x1A7E_0001  # PostgreSQL advisory lock key: one migration at a time


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config pointing into the package; `connection` is what env.py migrates."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the package always ships at least one revision
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is stamped with (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def _check_known(connection: Connection, engine: Engine) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    for revision in MigrationContext.configure(connection).get_current_heads():
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise StoreError(
                f"store {describe(engine.url)!r} is at migration {revision!r}, which this "
                f"version of Interlink does not know (its newest is {head_revision()!r}): "
                "it was upgraded by a newer Interlink; run that version or restore a backup"
            )


def upgrade(engine: Engine, *, schema: str | None = None) -> None:
    """Bring the database to the newest revision, in one transaction.

    Processes that open the same store at once migrate one after the other:
    SQLite takes its write lock first (BEGIN IMMEDIATE), PostgreSQL an
    advisory lock, so the second finds the schema current and does nothing.
    """
    with engine.execution_options(**{WRITE: True}).connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(LOCK_SQL), {"space": MIGRATE_LOCK})
            if schema is not None:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        _check_known(connection, engine)
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
