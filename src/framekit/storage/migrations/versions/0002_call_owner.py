"""The process that records a call: calls.owner, and an index of the calls still open.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OPEN = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.add_column("calls", sa.Column("owner", sa.String(length=255), nullable=True))
    op.create_index("ix_calls_open", "calls", ["owner"], postgresql_where=_OPEN, sqlite_where=_OPEN)


def downgrade() -> None:
    op.drop_index("ix_calls_open", table_name="calls")
    with op.batch_alter_table("calls") as batch:  # SQLite rebuilds the table
        batch.drop_column("owner")
