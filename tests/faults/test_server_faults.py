"""``framekit serve`` attacked through its real port: every hole of issue 11 stays shut.

The app runs with the light greeter bot (``contact_center/_greeter.py``) under
:func:`serve`, on 127.0.0.1, and the tests speak raw HTTP, raw sockets and
WebSockets to it: a hung database while ``/health`` is polled hard, slow-loris
headers and bodies, bodies that are not a UTF-8 form, out-of-range API
parameters, a plain GET on a stream URL, and fuzzed Media Streams messages, each
beside a call that must not notice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")

import aiohttp
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings

from contact_center._greeter import greeter
from contact_center._serving import listening
from framekit.servers.twilio import sign_stream_token
from framekit.testing.twilio_caller import TwilioCallerSimulator
from transports.twilio.fuzz import STREAM, fuzz_messages

from .conftest import ProxiedDatabase
from .tcp_proxy import Mode

TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"


@dataclass
class Running:
    server: ContactCenterServer
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stream_url(self, call_sid: str) -> str:
        token = sign_stream_token(TWILIO_TOKEN, call_sid)
        return f"ws://{self.host}:{self.port}/twilio/stream?token={token}"

    def caller(self, call_sid: str | None = None, **options: Any) -> TwilioCallerSimulator:
        call_sid = call_sid or "CA" + uuid.uuid4().hex
        return TwilioCallerSimulator(self.stream_url(call_sid), call_sid=call_sid, **options)


@asynccontextmanager
async def _serving(
    tmp_path: Path, database_url: str | None = None, **options: Any
) -> AsyncIterator[Running]:
    settings = Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=database_url or f"sqlite:///{tmp_path / 'calls.db'}",
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
    )
    server = ContactCenterServer(settings, bot=greeter)
    server.health.interval = 0.2
    async with listening(server, drain_timeout=1.0, **options) as (host, port, _, _):
        yield Running(server, host, port)


async def _timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, int, Any]:
    started = time.monotonic()
    async with session.get(url) as response:
        body = await response.json()
        return time.monotonic() - started, response.status, body


def _health_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "framekit-health-db")


async def test_health_answers_at_once_while_the_database_hangs(
    tmp_path: Path, database: ProxiedDatabase
) -> None:
    """Polled 20 times a second during a black-holed database, /health answers in
    milliseconds, one check at most is in flight, the default thread pool stays free
    and a call is served."""
    async with (
        _serving(tmp_path, database.url) as running,
        aiohttp.ClientSession() as session,
    ):
        url = running.base_url + "/health"
        assert (await _timed_get(session, url))[1] == 200
        database.proxy.set_mode(Mode.BLACKHOLE)
        latencies: list[float] = []
        statuses: list[str] = []
        pool_waits: list[float] = []
        threads: list[int] = []
        async with running.caller(custom_parameters={"from": "+15551230000"}) as caller:
            for _ in range(50):  # 2.5 s at 20 a second
                took, _, body = await _timed_get(session, url)
                latencies.append(took)
                statuses.append(body["database"])
                threads.append(_health_threads())
                started = time.monotonic()
                await asyncio.wait_for(asyncio.to_thread(lambda: None), 1.0)
                pool_waits.append(time.monotonic() - started)
                await asyncio.sleep(0.05)
            await caller.wait_for_audio(0.3)  # the call was greeted meanwhile
            assert running.server.active_calls == 1
            database.proxy.set_mode(Mode.PASS)
            async with asyncio.timeout(8):  # the next check sees it back
                while (await _timed_get(session, url))[1] != 200:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            await caller.hang_up()
    assert max(latencies) < 0.25, latencies
    assert max(pool_waits) < 0.25, pool_waits
    assert max(threads) <= 1  # never more than one database check in flight
    assert "unreachable: no answer within 1 s" in statuses
    assert statuses[-1].startswith("unreachable")


async def _slow_loris(host: str, port: int, request: bytes, pause: float) -> float | None:
    """Send ``request`` a byte at a time; seconds until the server closed, None if it never did."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return 0.0  # refused outright: closed too
    try:
        for byte in request:
            if reader.at_eof():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            with suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    if await reader.read(1024) == b"":
                        break
        else:
            await asyncio.wait_for(reader.read(), 3)
        return time.monotonic() - started
    except (ConnectionError, OSError):
        return time.monotonic() - started
    except TimeoutError:
        return None
    finally:
        writer.close()


async def test_slow_loris_headers_are_cut_off_while_health_and_a_call_go_on(
    tmp_path: Path,
) -> None:
    header_timeout = 1.0
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    async with (
        _serving(tmp_path, header_timeout=header_timeout) as running,
        aiohttp.ClientSession() as session,
        running.caller() as caller,
    ):
        await caller.wait_for_audio(0.3)
        attackers = [
            asyncio.create_task(_slow_loris(running.host, running.port, request, 0.05))
            for _ in range(200)
        ]
        latencies = []
        while not all(task.done() for task in attackers):
            took, status, _ = await _timed_get(session, running.base_url + "/health")
            assert status == 200
            latencies.append(took)
            await asyncio.sleep(0.1)
            assert len(latencies) < 60, "the slow connections were not closed"
        closed_after = [task.result() for task in attackers]
        # The call's WebSocket outlived the header timeout: it had sent its headers.
        assert not caller.closed
        await caller.hang_up()
    assert None not in closed_after
    assert max(t for t in closed_after if t is not None) < header_timeout + 1.5
    assert max(latencies) < 0.3, latencies


async def test_slow_webhook_bodies_are_cut_off(tmp_path: Path) -> None:
    head = (
        b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    )

    async def trickle(host: str, port: int) -> tuple[bytes, float]:
        """A byte every 0.1 s; what the server answered, and when it closed."""
        reader, writer = await asyncio.open_connection(host, port)
        started = time.monotonic()
        writer.write(head)
        answer = b""
        try:
            while True:
                writer.write(b"a")
                try:
                    async with asyncio.timeout(0.1):
                        chunk = await reader.read(4096)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                answer += chunk
        except ConnectionError:
            pass
        finally:
            writer.close()
        return answer, time.monotonic() - started

    async with _serving(tmp_path) as running, aiohttp.ClientSession() as session:
        running.server.twilio.body_timeout = 1.0
        async with asyncio.timeout(10):
            results = await asyncio.gather(
                *(trickle(running.host, running.port) for _ in range(50)),
                _timed_get(session, running.base_url + "/health"),
            )
    *answers, (took, status, _) = results
    assert status == 200
    assert took < 0.3
    for answer, seconds in answers:
        assert answer.startswith(b"HTTP/1.1 408"), answer[:40]
        assert seconds < 1.0 + 1.0


async def test_bad_webhook_bodies_and_api_parameters_are_400s_without_a_traceback(
    tmp_path: Path, log_lines: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aiohttp")
    bodies = [
        ("application/x-www-form-urlencoded", b"CallSid=CA1&From=\xff\xfe"),
        ("application/x-www-form-urlencoded", b"CallSid=CA1&From=%C3%28"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="a"'),
    ]
    queries = [f"offset={2**63}", "to=9999-12-31", "limit=" + "9" * 5000, "outcome=x%00"]
    async with _serving(tmp_path) as running, aiohttp.ClientSession() as session:
        for content_type, body in bodies:
            for path in ("/twilio/voice", "/twilio/status"):
                async with session.post(
                    running.base_url + path, data=body, headers={"Content-Type": content_type}
                ) as response:
                    assert response.status == 400, (path, body)
        for query in queries:
            async with session.get(f"{running.base_url}/api/calls?{query}", headers=AUTH) as r:
                assert r.status == 400, query
                assert query.split("=")[0] in (await r.json())["error"]
        # A plain GET on a stream URL leaves its token unspent.
        call_sid = "CA" + uuid.uuid4().hex
        url = running.stream_url(call_sid)
        async with session.get(url.replace("ws://", "http://", 1)) as response:
            assert response.status == 426
        async with TwilioCallerSimulator(url, call_sid=call_sid) as caller:
            await caller.wait_for_audio(0.3)
            await caller.hang_up()
    assert [line for line in log_lines if line.startswith(("ERROR", "CRITICAL"))] == []
    assert [r for r in caplog.records if r.exc_info] == []


async def test_fuzzed_streams_end_alone_while_a_parallel_call_goes_on(
    tmp_path: Path, log_lines: list[str]
) -> None:
    """1,000 fuzzed messages over ten calls (one after the other: they share the fuzz's
    streamSid): each ends by the table (1008, 1009, a ``stop``) or runs on, never with
    an internal error, and the bystander call, /health and a new call are unaffected."""
    messages = list(fuzz_messages(seed=21, count=1000))
    async with (
        _serving(tmp_path) as running,
        aiohttp.ClientSession() as session,
        running.caller() as bystander,
    ):
        await bystander.wait_for_audio(0.3)
        codes = []
        for n in range(10):
            victim = running.caller(stream_sid=STREAM)
            await victim.connect()
            for message in messages[n * 100 : (n + 1) * 100]:
                if victim.closed:
                    break
                with suppress(ConnectionError, RuntimeError):
                    await victim.send_raw(message)
            await (victim.close() if victim.closed else victim.hang_up())
            codes.append(victim.close_code)
            async with asyncio.timeout(5):  # its streamSid is free again for the next one
                while running.server.active_calls > 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
        assert set(codes) <= {None, 1000, 1008, 1009}, codes
        assert not bystander.closed
        took, status, _ = await _timed_get(session, running.base_url + "/health")
        assert status == 200
        assert took < 0.3
        async with running.caller() as newcomer:
            await newcomer.wait_for_audio(0.3)
            await newcomer.hang_up()
        await bystander.hang_up()
    assert [line for line in log_lines if line.startswith(("ERROR", "CRITICAL"))] == []
    assert not [line for line in log_lines if "reader failed" in line]
