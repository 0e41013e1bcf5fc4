"""Dashboard sessions signed out before their cookie expires: signed_out_sessions.

Why in the database: a signed-out cookie must be refused by every ``framekit serve``
worker and host, and without Redis the database is the one thing they all share
(:mod:`framekit.storage.signed_out`). A row lives until its cookie would have expired.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_out_sessions",
        sa.Column("session_id", sa.String(length=64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_signed_out_sessions_expires_at", "signed_out_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("signed_out_sessions")
