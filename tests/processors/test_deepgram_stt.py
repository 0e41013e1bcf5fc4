"""Deepgram live STT through the real ``deepgram-sdk`` against a local Deepgram-protocol server.

Every test opens real WebSockets: the SDK builds the URL, the query string and the
``Authorization: Token`` header, and the fake server (energy-based segmentation,
scripted words) answers with Deepgram's messages. Faults are injected on the server.
"""

from __future__ import annotations

import asyncio
from dataclasses import fields
from functools import partial
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("deepgram", reason="needs the 'deepgram' extra")
pytest.importorskip("aiohttp", reason="needs the 'testing' extra")

from framekit.audio import MULAW_8K, PCM16_8K, PCM16_16K, AudioConverter
from framekit.clock import ManualClock, SystemClock
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.stt.session import SessionSettings
from framekit.processors.stt.streaming import StreamingOptions, StreamingSTTProcessor
from framekit.services.deepgram import DeepgramRecognizer, DeepgramSession, DeepgramSettings
from framekit.testing import LiveCall
from framekit.testing.fakes.deepgram_server import FakeDeepgramServer
from framekit.text import written_form
from processors._caller_audio import (
    ESPEAK,
    espeak,
    frames_of,
    silence,
    tone,
    transcripts,
)

KEY = "test-key"
SENTENCE = "Hello, I would like to check the status of my order."


def _sent_keepalives(messages: list[str], count: int) -> bool:
    return messages.count("KeepAlive") == count


_SESSION = {f.name for f in fields(SessionSettings)}


def deepgram_stt(
    server: FakeDeepgramServer,
    *,
    name: str | None = None,
    written_forms: bool = True,
    **options: Any,
) -> StreamingSTTProcessor:
    """The streaming stage with Deepgram on ``server``; connection settings by their names."""
    session = {"reconnect_delay": 0.05} | {k: v for k, v in options.items() if k in _SESSION}
    settings = DeepgramSettings(
        api_key=KEY,
        url=server.url,
        session=SessionSettings(**session),
        **{k: v for k, v in options.items() if k not in _SESSION},
    )
    stage = StreamingOptions(written_forms=written_forms)
    return StreamingSTTProcessor(DeepgramRecognizer(settings), stage, name=name)


@pytest.mark.skipif(ESPEAK is None, reason="apt-get install espeak-ng")
async def test_speech_is_streamed_and_transcribed(tmp_path: Path) -> None:
    speech = espeak(SENTENCE, tmp_path)
    audio = silence(0.3) + speech + silence(0.6)
    async with FakeDeepgramServer([SENTENCE], api_key=KEY) as server:
        stt = deepgram_stt(server, model="nova-3", language="en-US")
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(audio))
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    assert transcripts(call) == [SENTENCE]
    assert not call.upstream_of(ErrorFrame)
    (conn,) = server.connections
    assert conn.authorization == f"Token {KEY}"
    for name, value in {
        "model": "nova-3",
        "language": "en-US",
        "encoding": "linear16",
        "sample_rate": "16000",
        "channels": "1",
        "interim_results": "true",
        "endpointing": "300",
        "utterance_end_ms": "1000",
        "punctuate": "true",
        "smart_format": "true",
    }.items():
        assert conn.params[name] == value, name
    assert bytes(conn.audio) == audio  # every sample, in order
    (segment,) = server.segments
    assert segment.audio_seconds == pytest.approx(len(speech) / 32000 + 0.3, abs=0.1)
    interims = [f.text for f in call.downstream_of(InterimTranscriptionFrame)]
    assert len(interims) >= 3
    assert all(SENTENCE.startswith(text) for text in interims)
    assert conn.messages[-1] == "CloseStream"
    assert conn.close_code == 1000
    assert call.downstream_of(TranscriptionFrame)[0].confidence == pytest.approx(0.98)


async def test_finals_of_one_utterance_become_one_transcription() -> None:
    words = "one two three four five six seven eight"
    server = FakeDeepgramServer([words], api_key=KEY, max_final_seconds=0.5)
    raw = partial(
        deepgram_stt, written_forms=False
    )  # the pieces as Deepgram sent them, not "12345678"
    async with server, LiveCall(raw(server), clock=SystemClock()) as call:
        await call.send(*frames_of(tone(2.2) + silence(0.5)))
        await call.wait_until(lambda: bool(transcripts(call)))
        await call.end()

    finals = server.connections[0].results(final=True)
    assert len(finals) >= 3  # Deepgram finalized the utterance in pieces
    assert [m["speech_final"] for m in finals] == [False] * (len(finals) - 1) + [True]
    assert transcripts(call) == [words]
    # interims carry the finalized words in front of the tail still in flux
    last_interim = call.downstream_of(InterimTranscriptionFrame)[-1].text
    assert last_interim.startswith(finals[0]["channel"]["alternatives"][0]["transcript"])


@pytest.mark.parametrize(
    ("written_forms", "text"),
    [(True, "my order is 42719"), (False, "my order is four two seven one nine")],
)
async def test_transcripts_leave_written_unless_written_forms_is_off(
    written_forms: bool, text: str
) -> None:
    said = "my order is four two seven one nine"
    server = FakeDeepgramServer([said], api_key=KEY, max_final_seconds=0.5)
    stt = partial(deepgram_stt, written_forms=written_forms)
    async with server, LiveCall(stt(server), clock=SystemClock()) as call:
        await call.send(*frames_of(tone(2.2) + silence(0.5)))
        await call.wait_until(lambda: bool(transcripts(call)))
        await call.end()

    assert transcripts(call) == [text]
    interims = [f.text for f in call.downstream_of(InterimTranscriptionFrame)]
    if written_forms:  # the interims are written too: "my order is 4271", not "... one"
        assert interims == [written_form(t) for t in interims]
        assert any("427" in t for t in interims)
    else:
        assert any("four two seven" in t for t in interims)


async def test_utterance_end_closes_an_utterance_without_speech_final() -> None:
    async with FakeDeepgramServer(["are you there"], api_key=KEY) as server:
        stt = deepgram_stt(server, endpointing=False, utterance_end_ms=500)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(1.0) + silence(1.2)))
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    sent = server.connections[0].sent
    assert not any(m.get("speech_final") for m in sent)
    assert any(m["type"] == "UtteranceEnd" for m in sent)
    assert transcripts(call) == ["are you there"]


async def test_user_stopped_speaking_sends_finalize_for_an_early_final() -> None:
    async with FakeDeepgramServer(["book a table"], api_key=KEY) as server:
        stt = deepgram_stt(server, endpointing=10_000, utterance_end_ms=None)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(1.0) + silence(0.2)))
            await server.wait_for(lambda: server.heard_seconds >= 1.2)
            assert not transcripts(call)  # endpointing alone would wait 10 s
            await call.send(UserStoppedSpeakingFrame())
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    conn = server.connections[0]
    assert "Finalize" in conn.messages
    assert conn.results(final=True)[0]["from_finalize"] is True
    assert transcripts(call) == ["book a table"]
    assert len(stt.stats.final_latencies) == 1


async def test_end_flushes_the_last_words_before_the_end_frame() -> None:
    async with FakeDeepgramServer(["goodbye now"], api_key=KEY) as server:
        stt = deepgram_stt(server, endpointing=False, utterance_end_ms=None)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(0.8)))
            await server.wait_for(lambda: server.heard_seconds >= 0.8)
            await call.end()

    assert transcripts(call) == ["goodbye now"]
    kinds = [type(f) for f in call.downstream]
    assert kinds.index(TranscriptionFrame) < kinds.index(EndFrame)
    assert server.connections[0].sent[-1]["type"] == "Metadata"


async def test_keepalive_only_while_no_audio_flows() -> None:
    clock = ManualClock()
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = deepgram_stt(server, keepalive_interval=1.0)
        async with LiveCall(stt, clock=clock) as call:
            await server.wait_for(lambda: bool(server.connections))
            conn = server.connections[0]
            async with asyncio.timeout(5):
                await stt.wait_connected()
            for expected in (1, 2, 3):
                await clock.advance(1.0)
                await server.wait_for(partial(_sent_keepalives, conn.messages, expected))
            for _ in range(10):  # audio every 0.5 s: no keep-alive needed
                await call.send(*frames_of(silence(0.02)))
                await clock.advance(0.5)
            await server.wait_for(lambda: conn.audio_seconds >= 0.2)
            await call.end()

    assert conn.messages.count("KeepAlive") == 3
    assert isinstance(stt.session, DeepgramSession)
    assert stt.session.stats.keepalives == 3


async def test_without_keepalive_the_idle_close_is_reported_and_reconnected() -> None:
    async with FakeDeepgramServer(api_key=KEY, idle_timeout=0.3) as server:
        stt = deepgram_stt(server, keepalive_interval=60.0)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await server.wait_for(lambda: len(server.connections) >= 2)
            await call.cancel()

    assert server.connections[0].close_code == 1011
    assert call.upstream_of(ErrorFrame)
    assert not any(e.fatal for e in call.upstream_of(ErrorFrame))
    assert (
        "closed" in call.upstream_of(ErrorFrame)[0].error
        or "1011" in call.upstream_of(ErrorFrame)[0].error
    )


async def test_keepalive_keeps_an_idle_connection_open() -> None:
    async with FakeDeepgramServer(api_key=KEY, idle_timeout=1.0) as server:
        stt = deepgram_stt(server, keepalive_interval=0.1)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await server.wait_for(lambda: bool(server.connections))
            conn = server.connections[0]
            # 1.5 s without audio, longer than the server's idle timeout
            await server.wait_for(lambda: conn.messages.count("KeepAlive") >= 15)
            await call.end()

    assert len(server.connections) == 1
    assert not call.upstream_of(ErrorFrame)


async def test_refused_auth_is_reported_retried_and_buffered_audio_is_kept() -> None:
    async with FakeDeepgramServer(["still here"], api_key=KEY) as server:
        server.refuse_auth = True
        async with LiveCall(deepgram_stt(server), clock=SystemClock()) as call:
            audio = tone(0.6) + silence(0.5)
            await call.send(*frames_of(audio))
            await server.wait_for(lambda: server.rejected >= 3)
            assert not server.connections
            server.refuse_auth = False
            await call.wait_until(lambda: bool(transcripts(call)))
            await call.end()

    assert transcripts(call) == ["still here"]
    assert "401" in call.upstream_of(ErrorFrame)[0].error
    assert not any(e.fatal for e in call.upstream_of(ErrorFrame))
    assert bytes(server.connections[0].audio) == audio  # the gap's audio, then nothing lost


async def test_the_end_waits_for_a_reconnect_to_transcribe_buffered_audio() -> None:
    async with FakeDeepgramServer(["last words"], api_key=KEY) as server:
        server.refuse_auth = True
        stt = deepgram_stt(server, endpointing=False, utterance_end_ms=None)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(0.6)))
            await server.wait_for(lambda: server.rejected >= 1)
            server.refuse_auth = False
            await call.end()  # while still disconnected, with 0.6 s of audio waiting

    assert transcripts(call) == ["last words"]
    assert bytes(server.connections[0].audio) == tone(0.6)


async def test_dropped_connection_resends_what_was_not_finalized() -> None:
    first, second = tone(0.5) + silence(0.5), tone(0.8) + silence(0.6)
    async with FakeDeepgramServer(["first words", "second words"], api_key=KEY) as server:
        server.drop_after_audio = 1.4  # inside the second utterance
        stt = deepgram_stt(server)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(first + second))
            await call.wait_until(lambda: len(transcripts(call)) == 2)
            await call.end()

    assert transcripts(call) == ["first words", "second words"]
    assert len(call.upstream_of(ErrorFrame)) == 1
    assert not call.upstream_of(ErrorFrame)[0].fatal
    dropped, resumed = server.connections[:2]
    assert dropped.close_code == 1011
    final_end = dropped.results(final=True)[0]
    finalized = PCM16_16K.bytes_for(final_end["start"] + final_end["duration"])
    everything = first + second
    resent = bytes(resumed.audio)
    assert everything.endswith(resent)  # a suffix of the stream, in order
    assert len(everything) - finalized - 640 <= len(resent) <= len(everything) - finalized


async def test_stalled_server_cannot_hold_the_end_of_the_call() -> None:
    async with FakeDeepgramServer(["never answered"], api_key=KEY) as server:
        server.stalled = True
        stt = deepgram_stt(server, close_timeout=0.3)
        async with LiveCall(stt, clock=SystemClock()) as call:
            await call.send(*frames_of(tone(0.5)))
            await server.wait_for(lambda: server.heard_seconds >= 0.5)
            await call.end(seconds=5)

    assert transcripts(call) == []
    assert server.connections[0].messages == ["CloseStream"]


async def test_cancel_closes_the_connection() -> None:
    async with FakeDeepgramServer(api_key=KEY) as server:
        async with LiveCall(deepgram_stt(server), clock=SystemClock()) as call:
            await server.wait_for(lambda: bool(server.connections))
            await call.cancel()
        await server.wait_for(lambda: not server.connections[0].open)

    assert "CloseStream" not in server.connections[0].messages


async def test_telephone_audio_is_sent_as_16k_linear16_and_bad_frames_are_reported() -> None:
    to_mulaw = AudioConverter(PCM16_16K, MULAW_8K)
    phone = to_mulaw.convert(tone(1.0)) + to_mulaw.flush()
    async with (
        FakeDeepgramServer(api_key=KEY) as server,
        LiveCall(
            [AudioConverterProcessor(PCM16_16K), deepgram_stt(server)], clock=SystemClock()
        ) as call,
    ):
        await call.send(
            *(
                InputAudioFrame(audio=phone[i : i + 160], format=MULAW_8K)
                for i in range(0, len(phone), 160)
            )
        )
        await call.send(InputAudioFrame(audio=b"\x00\x01\x02"))
        await server.wait_for(lambda: server.heard_seconds >= 0.95)
        await call.end()

    assert server.connections[0].params["sample_rate"] == "16000"
    assert server.connections[0].params["encoding"] == "linear16"
    assert len(call.upstream_of(ErrorFrame)) == 1
    assert "not a whole number" in call.upstream_of(ErrorFrame)[0].error


async def test_the_stage_declares_the_settings_rate_and_sends_nothing_in_another_format() -> None:
    """8 kHz settings: the stage consumes 8 kHz PCM16; 16 kHz audio fed straight in
    (no start check saw it) is reported once for the whole call and never sent."""
    async with FakeDeepgramServer(api_key=KEY) as server:
        stt = deepgram_stt(server, sample_rate=8000)
        assert stt.audio_caps is not None
        assert stt.audio_caps.consumes == {InputAudioFrame: PCM16_8K}
        async with LiveCall(stt, clock=SystemClock()) as call:
            await server.wait_for(lambda: bool(server.connections))
            await call.send(*frames_of(tone(0.5)))  # 16 kHz PCM16
            to_8k = AudioConverter(PCM16_16K, PCM16_8K)
            narrow = to_8k.convert(tone(0.3)) + to_8k.flush()
            await call.send(InputAudioFrame(audio=narrow, format=PCM16_8K))
            await server.wait_for(lambda: server.heard_seconds >= 0.3)
            await call.end()

    assert server.connections[0].params["sample_rate"] == "8000"
    assert bytes(server.connections[0].audio) == narrow  # only the 8 kHz audio went out
    (error,) = call.upstream_of(ErrorFrame)
    assert "pcm16/16000Hz/1ch" in error.error
    assert "pcm16/8000Hz/1ch" in error.error
    assert not error.fatal


def test_a_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    with pytest.raises(ValueError, match="DEEPGRAM_API_KEY"):
        DeepgramSettings()


def test_settings_are_checked_when_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", "from-env")
    monkeypatch.setenv("DEEPGRAM_URL", "ws://deepgram.internal:8080/")
    settings = DeepgramSettings()
    assert (settings.api_key, settings.url) == ("from-env", "ws://deepgram.internal:8080")
    assert "from-env" not in repr(settings)
    with pytest.raises(ValueError, match="ws://"):
        DeepgramSettings(url="https://api.deepgram.com")
    with pytest.raises(ValueError, match="reconnect_delay"):
        SessionSettings(reconnect_delay=0)
