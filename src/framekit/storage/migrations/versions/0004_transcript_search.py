"""Searching calls by words said or caller number: trigram indexes on PostgreSQL.

``GET /api/calls?q=`` keeps the calls whose transcript or caller number contains the
text, anywhere in it (``ILIKE '%text%'``), which no B-tree index serves: without these
each search reads every transcript line (50 ms and more at 10,000 calls, growing with
them). A ``pg_trgm`` GIN index answers such a pattern of 3 characters or more from the
index. ``pg_trgm`` ships with PostgreSQL and is a trusted extension (13+): a database
owner may create it. Where it cannot be created the migration goes on without the
indexes (searches stay correct, only slower) and says so in the log. SQLite has no
such index: its searches read the lines.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from loguru import logger

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_transcript_segments_text_trgm", "transcript_segments", "text"),
    ("ix_calls_caller_trgm", "calls", "caller"),
)


def upgrade() -> None:
    bind = op.get_bind()
    schema = _trigrams(bind) if bind.dialect.name == "postgresql" else None
    if schema is None:
        return
    for name, table, column in _INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: f'"{schema}".gin_trgm_ops'},
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name, _, _ in _INDEXES:
        op.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))


def _trigrams(bind: sa.Connection) -> str | None:
    """The schema of ``pg_trgm``, created in ``public`` if missing and this role may; or None.

    The operator class is named with its schema: a database has one ``pg_trgm``, which
    a connection whose ``search_path`` leaves its schema out would not find.
    """
    schema = _schema_of_trigrams(bind)
    if schema is not None:
        return schema
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except sa.exc.DBAPIError as exc:
        logger.warning(f"no trigram indexes for call search (pg_trgm: {exc.orig})")
        return None
    return _schema_of_trigrams(bind)


def _schema_of_trigrams(bind: sa.Connection) -> str | None:
    found = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    return str(found) if found is not None else None
