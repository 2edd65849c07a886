"""The choice a patient made when only studies not taking new people were left: stop and see
the result, or go on answering (issue 11).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Frozen: plain column types, no import of bot/storage/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime()  # UTC, stored without a zone (bot.storage.models.UTCDateTime)


def upgrade() -> None:
    op.add_column("conversations", sa.Column("closed_choice", sa.String(16)))
    op.add_column("conversations", sa.Column("closed_choice_at", UTC))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("closed_choice_at")
        batch.drop_column("closed_choice")
