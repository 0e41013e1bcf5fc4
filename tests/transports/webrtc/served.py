"""``framekit serve``'s application on a loopback port, and what a browser call needs from it.

The whole offline contact-center bot runs (Silero, Moonshine, the intent engine,
Piper), as in ``tests/contact_center/test_served_calls.py``; calls come over WebRTC.
The caller's question is spoken by Piper into a WAV file: the microphone of an
aiortc peer, or of headless Chromium (``--use-file-for-fake-audio-capture``).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings

from contact_center._records import ended_call_record
from contact_center._serving import listening
from framekit.audio import AudioConverter, audio_format, write_wav
from framekit.testing.fakes.twilio_api import FakeTwilioAPI

ACCOUNT = "AC" + "5" * 32
AUTH_TOKEN = "webrtc-served-auth-token-0123456789"
API_TOKEN = "webrtc-served-api-token-0123456789"
QUESTION = "What are your opening hours?"
GREETING = "Hello, how can I help?"


@functools.cache
def question_wav(directory: Path, lead: float = 3.0, tail: float = 20.0) -> tuple[Path, float]:
    """A 48 kHz WAV: ``lead`` s of silence, the question (Piper), ``tail`` s of silence.

    Returns the file and the second the question ends at.
    """
    from framekit.services.piper import PiperEngine

    engine = PiperEngine.shared()
    speech = b"".join(engine.synthesize(QUESTION))
    rate = 48000
    fmt = audio_format(rate)
    converter = AudioConverter(engine.audio_format, fmt)
    spoken = converter.convert(speech) + converter.flush()
    silence = bytes(2 * round(rate * lead)), bytes(2 * round(rate * tail))
    path = directory / "question.wav"
    write_wav(path, silence[0] + spoken + silence[1], fmt)
    return path, lead + len(spoken) / (2 * rate)


@dataclass
class Served:
    """One running serve app."""

    server: ContactCenterServer
    base_url: str

    async def record(self, call_id: str, within: float = 15.0) -> dict[str, Any]:
        """The call's record from ``/api/calls/{id}``, once it has an outcome."""
        return await ended_call_record(self.base_url, call_id, API_TOKEN, within=within, every=0.1)

    async def wait_idle(self, within: float = 15.0) -> None:
        assert self.server.webrtc is not None
        async with asyncio.timeout(within):
            await self.server.webrtc.wait_until_idle()


@asynccontextmanager
async def served(tmp_path: Path, **settings: Any) -> AsyncIterator[Served]:
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        config = Settings(
            twilio_account_sid=ACCOUNT,
            twilio_auth_token=AUTH_TOKEN,
            twilio_phone_number="+15550000000",
            webhook_base_url="https://bot.example.test",
            api_token=API_TOKEN,
            database_url=f"sqlite:///{tmp_path / 'calls.db'}",
            business_db_path=tmp_path / "shop.db",
            recordings_dir=tmp_path / "recordings",
            twilio_api_base_url=api.url,
            greeting=GREETING,
        )
        server = ContactCenterServer(replace(config, **settings))
        await server.preload()
        async with listening(server) as (host, port, _, _):
            yield Served(server, f"http://{host}:{port}")


def said(record: dict[str, Any], speaker: str) -> list[str]:
    return [s["text"] for s in record["transcript"] if s["speaker"] == speaker]
