"""A served call in which the caller says a card number, an email and an address.

``framekit serve``'s application with the whole offline bot, called as Twilio would
call it (``tests/phone_network.py``, the caller's words spoken by Piper). Afterwards
none of the three values may be anywhere: not in any column of any table of the
database (call records, tool invocations, the post-call analysis), not in the logs
(written by ``configure_logging`` at ``DEBUG``). Recordings are audio (their
encryption is tested in this folder's crypto tests).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from contact_center.test_served_calls import say, served
from framekit.logs import configure_logging

pytestmark = pytest.mark.timeout(240)

SAID = [
    "My card number is four one one one, one one one one, one one one one, one one one one.",
    "My email is john dot smith at example dot com.",
    "I live at 42 Elm Street.",
]
# Every form the recognizer may write the values in, and the parts that identify them.
LEAKS = ["4111", "1111 1111", "one one one one", "smith", "example", "42 elm", "elm street"]


def _every_value(database: Path) -> str:
    """Every column of every row of every table, as text."""
    with sqlite3.connect(database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            " | ".join(str(value) for value in row)
            for table in tables
            for row in db.execute(f'SELECT * FROM "{table}"')
        )


async def _analysed(database: Path, within: float) -> str:
    """The analysis row's text once the analytics worker wrote it."""
    async with asyncio.timeout(within):
        while True:
            with sqlite3.connect(database) as db:
                rows = db.execute("SELECT * FROM call_analyses").fetchall()
            if rows:
                return str(rows)
            await asyncio.sleep(0.2)


async def test_a_served_call_leaves_no_card_email_or_address_in_the_database_or_the_logs(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", environ={})
    # No transfer number: a bot that does not understand twice says so and listens on.
    async with served(tmp_path, transfer_number="") as running:
        call = await running.call()
        await call.wait_for_quiet(0.3, timeout=20)
        for sentence in SAID:
            await say(call, sentence)
            await call.wait_for_audio(call.received_seconds + 0.5, timeout=30)
            await call.wait_for_quiet(0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
        analysis = await _analysed(tmp_path / "calls.db", within=30)
    user = [s["text"] for s in record["transcript"] if s["speaker"] == "user"]
    # The caller was heard, and what was heard of each value was redacted, not dropped.
    assert len(user) >= 3, user
    joined = " ".join(user)
    for mask in ("[card]", "[email]", "[address]"):
        assert mask in joined, user
    stored = (_every_value(tmp_path / "calls.db") + analysis).lower()
    logs = "".join(capfd.readouterr()).lower()
    assert [leak for leak in LEAKS if leak in stored] == [], user
    assert [leak for leak in LEAKS if leak in logs] == []
