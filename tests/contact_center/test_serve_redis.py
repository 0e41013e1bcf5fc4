"""``framekit serve`` with ``REDIS_URL``: several processes answer one number.

Two :class:`ContactCenterServer` apps (each its own database, as two machines would
have) share the test Redis (``FRAMEKIT_TEST_REDIS_URL``; skipped with the reason when
unset) under a key prefix of their own: a stream token used on one is refused on
the other. With Redis down, ``/health`` says so and streams are refused (503); without
``REDIS_URL`` tokens stay in the process's memory.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlmodel", reason="the serve app needs the 'db' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")
pytest.importorskip("redis", reason="REDIS_URL needs the 'redis' extra")

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings

from framekit.audio import PCM16_16K
from framekit.frames import OutputAudioFrame
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor
from framekit.testing.twilio_caller import TwilioCallerSimulator
from framekit.transports.twilio import InMemoryTokenStore, sign_stream_token
from framekit.transports.twilio.redis_token_store import RedisTokenStore
from shared_redis import REDIS_SKIP, redis_prefix, redis_url

TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"


def _greeter(
    head: FrameProcessor, tail: FrameProcessor, call_id: str, observers: Sequence[Observer]
) -> PipelineTask:
    """A bot that says 0.1 s of silence-free audio, then listens (no models)."""
    task = PipelineTask(
        Pipeline([head, tail]),
        params=PipelineParams(idle_timeout=None),
        observers=observers,
        call_id=call_id,
    )
    greeting = OutputAudioFrame(audio=b"\x10\x00" * 1600, format=PCM16_16K)
    asyncio.get_running_loop().create_task(task.queue_frames([greeting]))
    return task


def _settings(directory: Path, redis: str | None) -> Settings:
    directory.mkdir()
    return Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token="test-api-token-0123456789",
        database_url=f"sqlite:///{directory / 'calls.db'}",
        business_db_path=directory / "shop.db",
        recordings_dir=directory / "recordings",
        redis_url=redis,
    )


@asynccontextmanager
async def _app(server: ContactCenterServer) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(server.app)) as client:
        yield client


def _stream_url(client: TestClient[Any, Any], token: str) -> str:
    return str(client.make_url(f"/twilio/stream?token={token}")).replace("http", "ws", 1)


async def _refusal(url: str) -> int:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as error:
            await session.ws_connect(url)
    return error.value.status


def _call_sid() -> str:
    return "CA" + uuid.uuid4().hex


async def test_with_redis_url_a_token_opens_one_stream_across_two_servers(
    tmp_path: Path,
) -> None:
    url = redis_url()
    if url is None:
        pytest.skip(REDIS_SKIP)
    async with redis_prefix(url) as prefix:
        a = ContactCenterServer(_settings(tmp_path / "a", url), bot=_greeter, redis_prefix=prefix)
        b = ContactCenterServer(_settings(tmp_path / "b", url), bot=_greeter, redis_prefix=prefix)
        assert isinstance(a.twilio.token_store, RedisTokenStore)
        async with _app(a) as client_a, _app(b) as client_b:
            for client in (client_a, client_b):
                health = await client.get("/health")
                assert health.status == 200
                assert (await health.json())["redis"] == "ok"
            call_sid = _call_sid()
            token = sign_stream_token(TWILIO_TOKEN, call_sid)
            async with TwilioCallerSimulator(
                _stream_url(client_a, token), call_sid=call_sid
            ) as caller:
                await caller.wait_for_audio(0.1)
                assert await _refusal(_stream_url(client_b, token)) == 403
                assert (a.active_calls, b.active_calls) == (1, 0)
                await caller.hang_up()
            async with asyncio.timeout(10):
                await a.twilio.wait_until_idle()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_with_redis_down_health_is_degraded_and_streams_get_503(tmp_path: Path) -> None:
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    server = ContactCenterServer(_settings(tmp_path / "a", down), bot=_greeter)
    async with _app(server) as client:
        health = await client.get("/health")
        assert health.status == 503
        body = await health.json()
        assert (body["status"], body["database"]) == ("degraded", "ok")
        assert body["redis"] == "unreachable: ConnectionError"
        token = sign_stream_token(TWILIO_TOKEN, _call_sid())
        assert await _refusal(_stream_url(client, token)) == 503
        assert (await client.get("/health")).status == 503  # still serving


async def test_without_redis_url_tokens_stay_in_the_process(tmp_path: Path) -> None:
    server = ContactCenterServer(_settings(tmp_path / "a", None), bot=_greeter)
    assert isinstance(server.twilio.token_store, InMemoryTokenStore)
    async with _app(server) as client:
        body = await (await client.get("/health")).json()
        assert body["status"] == "ok"
        assert "redis" not in body
