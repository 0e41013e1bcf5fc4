"""Post-call analytics: one call_analyses row per finished call (framekit.analytics), and
the indexes /api/analytics reads (a period's analyses; each call's turn latencies).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# GET /api/analytics filters on status and start, sums these and joins the turns on the
# call id: read from the index alone.
_PERIOD = ["status", "started_at", "resolution", "sentiment", "duration_s", "call_id"]


def upgrade() -> None:
    op.create_table(
        "call_analyses",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("talk_caller_s", sa.Float(), nullable=True),
        sa.Column("talk_bot_s", sa.Float(), nullable=True),
        sa.Column("turns", sa.Integer(), nullable=True),
        sa.Column("interruptions", sa.Integer(), nullable=True),
        sa.Column("silence_s", sa.Float(), nullable=True),
        sa.Column("latency_p50_ms", sa.Float(), nullable=True),
        sa.Column("latency_p95_ms", sa.Float(), nullable=True),
        sa.Column("latency_max_ms", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("sentiment", sa.String(length=8), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("sentiment_start", sa.String(length=8), nullable=True),
        sa.Column("sentiment_end", sa.String(length=8), nullable=True),
        sa.Column("intents", sa.JSON(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id"),
    )
    op.create_index("ix_call_analyses_period", "call_analyses", _PERIOD)
    op.create_index("ix_turn_metrics_call_latency", "turn_metrics", ["call_id", "latency_s"])


def downgrade() -> None:
    op.drop_index("ix_turn_metrics_call_latency", table_name="turn_metrics")
    op.drop_index("ix_call_analyses_period", table_name="call_analyses")
    op.drop_table("call_analyses")
