"""Drift baselines survive between runs: `sync_state.drift_profile`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

The sync engine's drift detector learns a baseline (field -> JSON type) from
the first records it sees. Kept only in memory, a field that appeared between
two runs was taken into the second run's fresh baseline and never reported;
saved with the run's final checkpoint, the next run starts from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("sync_state", sa.Column("drift_profile", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("drift_profile")
