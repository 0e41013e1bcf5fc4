"""The two databases a served contact center needs, ready before it takes calls.

The calls database (records, transcripts, analytics) is migrated, and the shop's
database (orders, appointments) is seeded on a fresh install so that it has a shop
to show. Both are no-ops the second time. Why a module of its own: the server does
both at start, ``framekit serve --workers`` once before its processes start, and the
call builder opens the shop for its tools; none of them should reach into another.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from framekit.storage import migrate
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.seed import seed_store
from framekit_contact_center.settings import Settings

__all__ = ["migrate_calls", "prepare_storage", "shop_store"]


def prepare_storage(settings: Settings) -> None:
    """Migrate the calls database and seed a fresh shop, once, before several servers start.

    Each server does both at start (and they are no-ops the second time), but two
    processes doing them at once on a fresh install race: both create the same
    tables, both seed the shop. ``framekit serve --workers`` calls this first.
    """
    migrate_calls(settings.database_url)
    shop_store(settings)


def migrate_calls(database_url: str) -> None:
    """Bring the calls database at ``database_url`` to the current schema (a SQLite
    file's folder is created first)."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate(database_url)


def shop_store(settings: Settings, today: dt.date | None = None) -> BusinessStore:
    """The shop's database, seeded for ``today`` (default: the date now) when it is empty."""
    store = BusinessStore(settings.business_db_path)
    if not store.order_numbers():  # a fresh install has a shop to show
        seed_store(store, today=today or dt.date.today())
    return store
