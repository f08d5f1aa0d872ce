"""Webhook processing: retry times on the inbox, and the newest applied version per record.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

`webhook_inbox.next_attempt_at` is when a pending event may next be tried (a
retry's backoff, or a claim's lease: a processor that dies mid-event leaves it
to be retried once the lease runs out). `webhook_versions` holds, per record,
the vendor time (and sequence) of the newest event applied, so an older event
that arrives later is kept as `stale` instead of overwriting a newer state.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("webhook_inbox", sa.Column("next_attempt_at", _utc(), nullable=True))
    op.create_index(
        op.f("ix_webhook_inbox_status_next_attempt_at"),
        "webhook_inbox",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_table(
        "webhook_versions",
        sa.Column("connection_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_webhook_versions_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "resource", "remote_id", name=op.f("pk_webhook_versions")
        ),
    )


def downgrade() -> None:
    op.drop_table("webhook_versions")
    op.drop_index(op.f("ix_webhook_inbox_status_next_attempt_at"), table_name="webhook_inbox")
    with op.batch_alter_table("webhook_inbox") as batch:
        batch.drop_column("next_attempt_at")
