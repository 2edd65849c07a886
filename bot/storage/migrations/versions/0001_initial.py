"""The project's tables: conversations, screening results per trial, review, contact requests,
audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Frozen: a migration describes the tables as they were at its version, so it uses plain column
types and never imports bot/storage/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime()  # UTC, stored without a zone (bot.storage.models.UTCDateTime)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _conversation_fk(primary_key: bool = False) -> sa.Column:
    return sa.Column("conversation_id", sa.Integer(),
                     sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                     nullable=False, primary_key=primary_key)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "conversations",
        _id(),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("last_activity_at", UTC, nullable=False),
        sa.Column("consent", sa.Boolean()),
        sa.Column("consent_at", UTC),
        sa.Column("audience", sa.String(16)),
        sa.Column("last_result_at", UTC),
        sa.Column("review_status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("reviewed_at", UTC),
        sa.Column("reviewed_by", sa.String(255)),
        sa.UniqueConstraint("sender_id", name="uq_conversations_sender_id"),
    )
    _index("conversations", "started_at")
    _index("conversations", "channel", "started_at")
    _index("conversations", "review_status", "started_at")
    _index("conversations", "last_activity_at")

    op.create_table(
        "screening_results",
        _id(),
        _conversation_fk(),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("audience", sa.String(16)),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
    )
    _index("screening_results", "conversation_id", "created_at")

    op.create_table(
        "trial_results",
        _id(),
        sa.Column("result_id", sa.Integer(),
                  sa.ForeignKey("screening_results.id", ondelete="CASCADE"), nullable=False),
        _conversation_fk(),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("nct_id", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("recruiting", sa.Boolean(), nullable=False),
        sa.Column("trial_version", sa.String(64), nullable=False),
        sa.Column("criteria", JSON, nullable=False),
        sa.UniqueConstraint("result_id", "nct_id", name="uq_trial_results_result_id_nct_id"),
    )
    _index("trial_results", "nct_id", "verdict", "is_latest", "created_at")
    _index("trial_results", "conversation_id", "is_latest", "nct_id", "verdict")

    op.create_table(
        "review_notes",
        _id(),
        _conversation_fk(),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    _index("review_notes", "conversation_id", "created_at")

    op.create_table(
        "conversation_tags",
        _conversation_fk(primary_key=True),
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    _index("conversation_tags", "tag", "conversation_id")

    op.create_table(
        "verdict_overrides",
        _id(),
        _conversation_fk(),
        sa.Column("nct_id", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    _index("verdict_overrides", "conversation_id", "nct_id", "created_at")

    op.create_table(
        "contact_requests",
        _id(),
        _conversation_fk(),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("handled_by", sa.String(255)),
        sa.Column("handled_at", UTC),
    )
    _index("contact_requests", "status", "created_at")
    _index("contact_requests", "conversation_id")

    op.create_table(
        "audit_log",
        _id(),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("conversation", sa.String(255)),
        sa.Column("detail", JSON),
    )
    _index("audit_log", "at")
    _index("audit_log", "conversation", "at")
    _index("audit_log", "actor", "at")


def downgrade() -> None:
    for table in ("audit_log", "contact_requests", "verdict_overrides", "conversation_tags",
                  "review_notes", "trial_results", "screening_results", "conversations"):
        op.drop_table(table)
