"""Deletions waiting to be retried, and the lease of the daily retention job.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Frozen: plain column types, no import of bot/storage/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = sa.DateTime()  # UTC, stored without a zone (bot.storage.models.UTCDateTime)


def upgrade() -> None:
    op.create_table(
        "pending_deletions",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("public_id", sa.String(32)),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_attempt_at", UTC),
        sa.Column("last_error", sa.String(128)),
        sa.PrimaryKeyConstraint("sender_id", name="pk_pending_deletions"),
    )
    op.create_index("ix_pending_deletions_requested_at", "pending_deletions", ["requested_at"])
    op.create_table(
        "scheduled_jobs",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("last_success_at", UTC),
        sa.Column("lease_until", UTC),
        sa.Column("lease_holder", sa.String(128)),
        sa.PrimaryKeyConstraint("name", name="pk_scheduled_jobs"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_jobs")
    op.drop_table("pending_deletions")
