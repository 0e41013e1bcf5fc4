"""The audit log: audit_events, append-only (a trigger refuses UPDATE and DELETE on PostgreSQL).

Why a trigger rather than only the application's discipline: the log is what shows
who played a recording or erased a caller, so a bug or a hand-typed statement must
not be able to rewrite it. The trigger refuses ``UPDATE``, ``DELETE`` and ``TRUNCATE``
for every role but a superuser who drops it on purpose. SQLite has no such guard: there
the log is append-only because framekit has no path that changes it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_REFUSE = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(sa.text(_REFUSE))
    op.execute(
        sa.text(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events"
            " FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    )
    op.execute(
        sa.text(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP TABLE audit_events"))  # its triggers go with it
        op.execute(sa.text("DROP FUNCTION audit_events_append_only()"))
        return
    op.drop_table("audit_events")
