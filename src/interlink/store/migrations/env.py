"""Alembic environment for the store: run by `Store.migrate()`, which passes its connection.

Offline mode (`alembic upgrade head --sql`) renders the DDL for a DBA to review.
"""

from __future__ import annotations

from alembic import context

from interlink.store._tables import metadata

config = context.config


def _run() -> None:
    connection = config.attributes.get("connection")
    if context.is_offline_mode() or connection is None:
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
    else:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            # SQLite alters a table by copying it; later migrations need the batch mode.
            render_as_batch=connection.dialect.name == "sqlite",
        )
    with context.begin_transaction():
        context.run_migrations()


_run()
