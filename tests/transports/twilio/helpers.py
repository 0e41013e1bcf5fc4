"""A scripted test bot for Twilio calls, and the local server that runs it.

The bot is configured per call through the stream's custom parameters (as a real
deployment would route on them):

* ``greeting``: seconds of a loud 440 Hz tone the bot says when the call starts;
* ``mark``: a :class:`MarkFrame` with this name follows the greeting;
* ``barge``: ``"1"`` makes loud caller audio during the bot's speech interrupt it,
  after which the bot says ``reply`` seconds of a quiet 660 Hz tone.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framekit.audio import PCM16_16K, mulaw_decode
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InputAudioFrame,
    InterruptionRequestFrame,
    MarkFrame,
    OutputAudioFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.servers.twilio import sign_stream_token
from framekit.servers.twilio.server import TwilioServer
from framekit.testing.twilio_caller import TwilioCallerSimulator
from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE = "https://bot.example.test"
LOUD = 12000
QUIET = 2500


def tone(seconds: float, freq: float, amplitude: int, rate: int = 16000) -> bytes:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def rms_pcm16(audio: bytes) -> float:
    samples = np.frombuffer(audio, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def rms_mulaw(audio: bytes) -> float:
    return rms_pcm16(mulaw_decode(audio))


@dataclass
class Seen:
    """What the bot of one call saw, with monotonic arrival times."""

    frames: list[tuple[float, FrameDirection, Frame]] = field(default_factory=list)

    def of(self, frame_type: type[Frame]) -> list[Any]:
        return [f for _, _, f in self.frames if isinstance(f, frame_type)]

    def times(self, frame_type: type[Frame]) -> list[float]:
        return [at for at, _, f in self.frames if isinstance(f, frame_type)]


class Bot(FrameProcessor):
    """Records what passes; on a loud caller during its speech, barges in and replies."""

    def __init__(self, *, barge: bool, reply: float) -> None:
        super().__init__()
        self.seen = Seen()
        self.audio_in: list[tuple[float, InputAudioFrame]] = []
        self._barge = barge
        self._reply = reply
        self._speaking = False
        self.barged_at: float | None = None
        self._replied = False

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InputAudioFrame):
            self.audio_in.append((time.monotonic(), frame))
        else:
            self.seen.frames.append((time.monotonic(), direction, frame))
        if isinstance(frame, BotStartedSpeakingFrame) and direction is FrameDirection.UPSTREAM:
            self._speaking = True
        await self.push_frame(frame, direction)
        if isinstance(frame, BotStoppedSpeakingFrame) and direction is FrameDirection.UPSTREAM:
            self._speaking = False
            if self.barged_at is not None and not self._replied and self._reply > 0:
                self._replied = True
                reply = tone(self._reply, 660, QUIET)
                await self.push_frame(OutputAudioFrame(audio=reply, format=PCM16_16K))
        elif (
            isinstance(frame, InputAudioFrame)
            and self._barge
            and self._speaking
            and self.barged_at is None
            and rms_pcm16(frame.audio) > 3000
        ):
            self.barged_at = time.monotonic()
            await self.push_frame(InterruptionRequestFrame(), FrameDirection.UPSTREAM)


@dataclass
class Call:
    transport: TwilioMediaStreamTransport
    start: StartMessage
    bot: Bot
    task: PipelineTask


class LocalTwilio:
    """The server under test, its calls, and a way to dial it."""

    def __init__(self, server: TwilioServer, base_url: str) -> None:
        self.server = server
        self.base_url = base_url
        self.calls: dict[str, Call] = {}
        self.call_started = asyncio.Event()

    def stream_url(self, call_sid: str, *, ttl: float = 30.0, now: float | None = None) -> str:
        token = sign_stream_token(AUTH_TOKEN, call_sid, ttl=ttl, now=now)
        return f"{self.base_url.replace('http', 'ws', 1)}/twilio/stream?token={token}"

    def caller(self, **options: Any) -> TwilioCallerSimulator:
        call_sid = options.pop("call_sid", None) or f"CA{len(self.calls):02d}{time.time_ns()}"
        return TwilioCallerSimulator(self.stream_url(call_sid), call_sid=call_sid, **options)

    async def wait_call(self, call_sid: str, within: float = 5.0) -> Call:
        async with asyncio.timeout(within):
            while call_sid not in self.calls:
                self.call_started.clear()
                await self.call_started.wait()
        return self.calls[call_sid]

    async def wait_idle(self, within: float = 5.0) -> None:
        """Wait until the server runs no call."""
        async with asyncio.timeout(within):
            await self.server.wait_until_idle()

    def factory(self, transport: TwilioMediaStreamTransport, start: StartMessage) -> PipelineTask:
        params = start.custom_parameters
        bot = Bot(barge=params.get("barge") == "1", reply=float(params.get("reply", "0.5")))
        task = PipelineTask(
            Pipeline([transport.input(), bot, transport.output()]),
            params=PipelineParams(idle_timeout=None),
            call_id=start.call_sid,
        )
        greeting = float(params.get("greeting", "0"))
        frames: list[Frame] = []
        if greeting > 0:
            frames.append(OutputAudioFrame(audio=tone(greeting, 440, LOUD), format=PCM16_16K))
        if "mark" in params:  # a pipeline mark after the greeting
            frames.append(MarkFrame(mark=params["mark"]))
        if frames:
            asyncio.get_running_loop().create_task(task.queue_frames(frames))
        self.calls[start.call_sid] = Call(transport, start, bot, task)
        self.call_started.set()
        return task
