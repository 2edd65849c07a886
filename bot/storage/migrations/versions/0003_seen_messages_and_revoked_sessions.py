"""Platform message ids already processed, and revoked website session ids.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

Frozen: plain column types, no import of bot/storage/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = sa.DateTime()  # UTC, stored without a zone (bot.storage.models.UTCDateTime)


def upgrade() -> None:
    op.create_table(
        "seen_platform_messages",
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("seen_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("channel", "message_id", name="pk_seen_platform_messages"),
    )
    op.create_index("ix_seen_platform_messages_seen_at", "seen_platform_messages", ["seen_at"])
    op.create_table(
        "revoked_web_sessions",
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("revoked_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("session_hash", name="pk_revoked_web_sessions"),
    )
    op.create_index("ix_revoked_web_sessions_expires_at", "revoked_web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("revoked_web_sessions")
    op.drop_table("seen_platform_messages")
