"""The shop's business data in SQLite: customers, orders, tracking, appointments, FAQs.

Why plain ``sqlite3``: the data is small, the application must run on a bare
install, and booking needs exactly one thing a database gives for free, a
uniqueness constraint checked inside a transaction. Two callers booking the last
slot at once both try to insert a booking for it; the ``UNIQUE`` index on the
slot lets exactly one commit.

Every method opens its own connection, so one store may serve tools running in
several worker threads at once.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BookingError", "BusinessStore", "Order", "TrackingEvent"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    number TEXT PRIMARY KEY CHECK (length(number) BETWEEN 4 AND 8),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    status TEXT NOT NULL,
    placed_on TEXT NOT NULL,
    eta TEXT,
    carrier TEXT
);
CREATE TABLE IF NOT EXISTS order_items (
    order_number TEXT NOT NULL REFERENCES orders(number),
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tracking_events (
    order_number TEXT NOT NULL REFERENCES orders(number),
    at TEXT NOT NULL,
    location TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS slots (
    id INTEGER PRIMARY KEY,
    starts_at TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS bookings (
    id INTEGER PRIMARY KEY,
    slot_id INTEGER NOT NULL UNIQUE REFERENCES slots(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS faq (
    topic TEXT PRIMARY KEY,
    answer TEXT NOT NULL
);
"""


class BookingError(Exception):
    """A booking cannot be made or changed; the message is fit to say to the caller."""


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan of a parcel: when, where, what happened."""

    at: str
    location: str
    description: str


@dataclass(frozen=True, slots=True)
class Order:
    """An order with its items and tracking events (oldest first)."""

    number: str
    customer: str
    status: str
    placed_on: str
    eta: str | None
    carrier: str | None
    items: tuple[tuple[str, int], ...]
    tracking: tuple[TrackingEvent, ...]


class BusinessStore:
    """The business database at ``path`` (created with its schema if missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds SQLite's write lock from its first statement."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def execute_script(self, sql: str, rows: dict[str, list[tuple[object, ...]]]) -> None:
        """Insert ``rows`` (table -> rows) in one transaction; used by the seed generator."""
        with self._transaction() as db:
            if sql:
                db.executescript(sql)
            for table, values in rows.items():
                if values:
                    marks = ", ".join("?" * len(values[0]))
                    db.executemany(f"INSERT INTO {table} VALUES ({marks})", values)

    def count(self, table: str) -> int:
        """Rows in ``table`` (tests, the demo's summary)."""
        with self._connect() as db:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # --- orders -------------------------------------------------------------------------

    def order(self, number: str) -> Order | None:
        """The order numbered ``number``, or ``None``."""
        with self._connect() as db:
            row = db.execute(
                "SELECT o.number, c.name, o.status, o.placed_on, o.eta, o.carrier "
                "FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.number = ?",
                (number,),
            ).fetchone()
            if row is None:
                return None
            items = db.execute(
                "SELECT description, quantity FROM order_items WHERE order_number = ?", (number,)
            ).fetchall()
            events = db.execute(
                "SELECT at, location, description FROM tracking_events "
                "WHERE order_number = ? ORDER BY at",
                (number,),
            ).fetchall()
        return Order(
            number=row[0],
            customer=row[1],
            status=row[2],
            placed_on=row[3],
            eta=row[4],
            carrier=row[5],
            items=tuple((str(d), int(q)) for d, q in items),
            tracking=tuple(TrackingEvent(*event) for event in events),
        )

    def order_numbers(self, status: str | None = None) -> list[str]:
        """Every order number (with ``status``, if given), in order."""
        with self._connect() as db:
            if status is None:
                rows = db.execute("SELECT number FROM orders ORDER BY rowid").fetchall()
            else:
                rows = db.execute(
                    "SELECT number FROM orders WHERE status = ? ORDER BY rowid", (status,)
                ).fetchall()
        return [str(r[0]) for r in rows]

    # --- appointments -------------------------------------------------------------------

    def free_slots(self, day: dt.date) -> list[str]:
        """Unbooked slots on ``day`` as ISO datetimes (``YYYY-MM-DDTHH:MM``), earliest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT s.starts_at FROM slots s LEFT JOIN bookings b ON b.slot_id = s.id "
                "WHERE b.id IS NULL AND s.starts_at LIKE ? ORDER BY s.starts_at",
                (f"{day.isoformat()}T%",),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def booking_of(self, name: str) -> str | None:
        """When ``name``'s appointment is (ISO), or ``None``."""
        with self._connect() as db:
            row = db.execute(
                "SELECT s.starts_at FROM bookings b JOIN slots s ON s.id = b.slot_id "
                "WHERE lower(b.name) = lower(?)",
                (name,),
            ).fetchone()
        return None if row is None else str(row[0])

    def find_booking(self, *, name: str = "", phone: str = "") -> tuple[str, str] | None:
        """``(name, when)`` of the appointment under ``name``, or of the customer with ``phone``.

        A name matches exactly, else by the words given when exactly one booking has
        them all ("Miller", spelled out, finds Maria Miller; "Smith" alone, with two
        Smiths booked, finds nobody). A phone number matches on its last ten digits (or
        all of them, if fewer than ten and at least seven), so "+1 555 354 9877" and
        "555 354 9877" find the same customer; the booking is then the one under that
        customer's name.
        """
        with self._connect() as db:
            if name.strip():
                rows = db.execute(
                    "SELECT b.name, s.starts_at FROM bookings b JOIN slots s ON s.id = b.slot_id"
                ).fetchall()
                wanted = name.strip().lower().split()
                exact = [r for r in rows if str(r[0]).lower() == " ".join(wanted)]
                partial = [r for r in rows if set(wanted) <= set(str(r[0]).lower().split())]
                matches = exact or (partial if len(partial) == 1 else [])
                if matches:
                    return str(matches[0][0]), str(matches[0][1])
            digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
            if len(digits) < 7:
                return None
            for customer, number in db.execute("SELECT name, phone FROM customers"):
                if "".join(ch for ch in number if ch.isdigit()).endswith(digits):
                    when = self.booking_of(str(customer))
                    return None if when is None else (str(customer), when)
        return None

    def book(self, name: str, when: dt.datetime, *, now: dt.datetime) -> str:
        """Book the slot starting at ``when`` for ``name``; returns the slot (ISO).

        The slot's ``UNIQUE`` booking index decides a race: the loser's insert
        fails inside its transaction and it hears that the time was just taken.
        """
        with self._transaction() as db:
            if _booking_id(db, name) is not None:
                raise BookingError(f"{name} already has an appointment; I can move it instead.")
            slot_id = _slot_id(db, when)
            try:
                db.execute(
                    "INSERT INTO bookings (slot_id, name, created_at) VALUES (?, ?, ?)",
                    (slot_id, name, now.isoformat(timespec="seconds")),
                )
            except sqlite3.IntegrityError:
                raise BookingError(f"{_spoken(when)} has just been taken.") from None
        return _iso(when)

    def reschedule(self, name: str, when: dt.datetime) -> str:
        """Move ``name``'s appointment to the slot at ``when``; returns the new slot (ISO)."""
        with self._transaction() as db:
            booking = _booking_id(db, name)
            if booking is None:
                raise BookingError(f"I can't find an appointment for {name}.")
            slot_id = _slot_id(db, when)
            try:
                db.execute("UPDATE bookings SET slot_id = ? WHERE id = ?", (slot_id, booking))
            except sqlite3.IntegrityError:
                raise BookingError(f"{_spoken(when)} is already taken.") from None
        return _iso(when)

    def cancel(self, name: str) -> str:
        """Cancel ``name``'s appointment; returns the slot it held (ISO)."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT b.id, s.starts_at FROM bookings b JOIN slots s ON s.id = b.slot_id "
                "WHERE lower(b.name) = lower(?)",
                (name,),
            ).fetchone()
            if row is None:
                raise BookingError(f"I can't find an appointment for {name}.")
            db.execute("DELETE FROM bookings WHERE id = ?", (row[0],))
        return str(row[1])

    # --- FAQ ----------------------------------------------------------------------------

    def faq_topics(self) -> list[str]:
        """Every topic the shop has an answer for."""
        with self._connect() as db:
            return [str(r[0]) for r in db.execute("SELECT topic FROM faq ORDER BY topic")]

    def faq(self, topic: str) -> str | None:
        """The answer for ``topic`` (a key of the seed's ``FAQ``), or ``None``."""
        with self._connect() as db:
            row = db.execute("SELECT answer FROM faq WHERE topic = ?", (topic,)).fetchone()
        return None if row is None else str(row[0])


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def _spoken(when: dt.datetime) -> str:
    hour = when.strftime("%I").lstrip("0")
    minutes = "" if when.minute == 0 else when.strftime(":%M")
    return f"{when.strftime('%A')} at {hour}{minutes} {when.strftime('%p')}"


def _booking_id(db: sqlite3.Connection, name: str) -> int | None:
    row = db.execute("SELECT id FROM bookings WHERE lower(name) = lower(?)", (name,)).fetchone()
    return None if row is None else int(row[0])


def _slot_id(db: sqlite3.Connection, when: dt.datetime) -> int:
    row = db.execute("SELECT id FROM slots WHERE starts_at = ?", (_iso(when),)).fetchone()
    if row is None:
        raise BookingError(f"We have no appointment slot on {_spoken(when)}.")
    return int(row[0])
