"""The patient's conversation language ("en" or "zh") on the conversation, for the staff pages
and the export (issue 13). Conversations stored before it keep NULL: not known.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Frozen: plain column types, no import of bot/storage/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("language")
