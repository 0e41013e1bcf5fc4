"""Each analysed call's turn latencies counted in fixed buckets: call_analyses.latency_buckets.

Why: ``GET /api/analytics`` read every turn of the period's calls (``turn_metrics``)
for its latency percentiles on each request, the larger half of its time over 30
days of 10,000 calls. With each call's counts on its analysis row
(:mod:`framekit.storage.latency_buckets`), the period is one ``GROUP BY`` over
``call_analyses``. The analyses stored before this revision get their counts here,
from their turns; new ones get them as they are stored
(:func:`framekit.storage.analyses.save_analysis`). The index 0003 added for reading
the turns' latencies by call (``ix_turn_metrics_call_latency``) goes: nothing reads
them that way now, and each turn written paid for it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from alembic import op

from framekit.storage.latency_buckets import count_buckets

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TURNS = sa.text(
    "SELECT tm.call_id, tm.latency_s FROM turn_metrics tm "
    "JOIN call_analyses ca ON ca.call_id = tm.call_id ORDER BY tm.call_id"
)


def upgrade() -> None:
    with op.batch_alter_table("call_analyses") as batch:
        batch.add_column(sa.Column("latency_buckets", sa.JSON(none_as_null=True), nullable=True))
    table = sa.table(
        "call_analyses",
        sa.column("call_id", sa.String),
        sa.column("latency_buckets", sa.JSON(none_as_null=True)),
    )
    bind = op.get_bind()
    rows = [
        {"id": call_id, "counts": count_buckets(v for _, v in turns)}
        for call_id, turns in groupby(bind.execute(_TURNS).all(), key=lambda row: row[0])
    ]
    if rows:
        bind.execute(
            table.update()
            .where(table.c.call_id == sa.bindparam("id"))
            .values(latency_buckets=sa.bindparam("counts", type_=sa.JSON(none_as_null=True))),
            rows,
        )
    op.drop_index("ix_turn_metrics_call_latency", table_name="turn_metrics")


def downgrade() -> None:
    op.create_index("ix_turn_metrics_call_latency", "turn_metrics", ["call_id", "latency_s"])
    with op.batch_alter_table("call_analyses") as batch:
        batch.drop_column("latency_buckets")
