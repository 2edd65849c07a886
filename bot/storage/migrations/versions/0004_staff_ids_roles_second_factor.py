"""Opaque staff-side conversation ids, the audit log's source address, staff roles, the second
factor, and failed sign-ins per address.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

- conversations.public_id: a random id for every conversation, existing ones included; the
  audit log's `conversation` column is rewritten from the sender id to that id (entries of a
  conversation that no longer exists are cleared, as a deletion would have done).
- staff_accounts.role: new accounts default to 'reviewer'; accounts that exist when this runs
  become 'admin', because until now every account could do everything (nobody is locked out
  of the new accounts page). An administrator can lower them afterwards.

Frozen: plain column types, no import of bot/storage/models.py.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = sa.DateTime()  # UTC, stored without a zone (bot.storage.models.UTCDateTime)


def upgrade() -> None:
    _public_ids()
    op.add_column("audit_log", sa.Column("source", sa.String(64)))
    op.add_column("staff_accounts", sa.Column("role", sa.String(16), nullable=False,
                                              server_default="reviewer"))
    op.execute("UPDATE staff_accounts SET role = 'admin'")
    op.add_column("staff_accounts", sa.Column("totp_required", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    op.add_column("staff_accounts", sa.Column("totp_secret", sa.String(64)))
    op.add_column("staff_accounts", sa.Column("totp_enabled_at", UTC))
    op.add_column("staff_accounts", sa.Column("totp_last_step", sa.BigInteger()))
    op.add_column("staff_sessions", sa.Column("second_factor_pending", sa.Boolean(),
                                              nullable=False, server_default=sa.false()))
    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_login_failures"),
    )
    op.create_index("ix_staff_login_failures_address_at", "staff_login_failures",
                    ["address", "at"])
    op.create_index("ix_staff_login_failures_at", "staff_login_failures", ["at"])


def _public_ids() -> None:
    op.add_column("conversations", sa.Column("public_id", sa.String(32)))
    conversations = sa.table("conversations", sa.column("id", sa.Integer),
                             sa.column("public_id", sa.String))
    connection = op.get_bind()
    ids = connection.execute(sa.select(conversations.c.id)).scalars().all()
    for row_id in ids:
        connection.execute(sa.update(conversations).where(conversations.c.id == row_id)
                           .values(public_id=secrets.token_hex(10)))
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("public_id", existing_type=sa.String(32), nullable=False)
    op.create_index("ix_conversations_public_id", "conversations", ["public_id"], unique=True)
    op.execute(
        "UPDATE audit_log SET conversation = (SELECT c.public_id FROM conversations c "
        "WHERE c.sender_id = audit_log.conversation) WHERE conversation IS NOT NULL")


def downgrade() -> None:
    op.execute(
        "UPDATE audit_log SET conversation = (SELECT c.sender_id FROM conversations c "
        "WHERE c.public_id = audit_log.conversation) WHERE conversation IS NOT NULL")
    op.drop_table("staff_login_failures")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_column("second_factor_pending")
    with op.batch_alter_table("staff_accounts") as batch:
        for column in ("totp_last_step", "totp_enabled_at", "totp_secret", "totp_required",
                       "role"):
            batch.drop_column(column)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("source")
    op.drop_index("ix_conversations_public_id", "conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("public_id")
