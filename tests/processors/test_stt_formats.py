"""The speech-to-text stages declare the audio they consume.

Vendor-free: a batch recognizer and a streaming one in memory. The streaming stage
takes its recognizer's format and never converts; the call's start check refuses a
chain that would bring it another one. The utterance stage takes the call's input rate
and brings each decode's audio to 16 kHz once. Audio fed past the start check in
another format is reported once per call and never reaches a recognizer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import numpy as np
import pytest

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    AudioConverter,
    AudioFormat,
    PipelineFormat,
)
from framekit.clock import Clock
from framekit.frames import (
    ErrorFrame,
    ExpectedSpeech,
    Frame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.health import ProviderHealth
from framekit.pipeline import PipelineParams
from framekit.pipeline.negotiation import AudioChainError
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.stt.batch_stream import BatchStreamingRecognizer
from framekit.processors.stt.fallback_streaming import FallbackStreamingRecognizer
from framekit.processors.stt.service import RecognitionError, RecognitionEvent
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceSTTProcessor
from framekit.testing import run_processor

FRAME = 0.02


class _Batch:
    """A recognizer that hears how many bytes it was given."""

    name = "batch"

    def __init__(self) -> None:
        self.heard: list[int] = []
        self.audio: list[bytes] = []

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        assert isinstance(audio, bytes)
        self.heard.append(len(audio))
        self.audio.append(audio)
        return Transcript(f"{len(audio)} bytes", "en", 1.0, (), PCM16_16K.duration_of(len(audio)))


class _Session:
    """A streaming session that keeps what it is sent and answers nothing."""

    def __init__(self, fmt: AudioFormat) -> None:
        self.format = fmt
        self.sent = bytearray()
        self.heard: list[RecognitionEvent] = []
        self._closed = asyncio.Event()

    @property
    def connected(self) -> bool:
        return True

    async def wait_connected(self) -> None:
        pass

    async def events(self) -> AsyncGenerator[RecognitionEvent | RecognitionError, None]:
        await self._closed.wait()
        for event in self.heard:  # nothing is heard: the stream ends when the session closes
            yield event

    async def keep_alive(self) -> None:
        await asyncio.Event().wait()

    async def send_audio(self, pcm: bytes) -> None:
        self.sent += pcm

    async def finalize(self) -> None:
        pass

    async def close(self) -> None:
        self._closed.set()

    def abort(self) -> None:
        self._closed.set()

    def finish(self) -> RecognitionEvent | None:
        return None


class _Streaming:
    """A streaming recognizer taking ``audio_format``; its sessions take ``session_format``."""

    name = "streaming"

    def __init__(
        self, audio_format: AudioFormat, session_format: AudioFormat | None = None
    ) -> None:
        self.audio_format = audio_format
        self._session_format = session_format or audio_format
        self.sessions: list[_Session] = []

    def open(self, clock: Clock) -> _Session:
        session = _Session(self._session_format)
        self.sessions.append(session)
        return session


def _frames(seconds: float, fmt: AudioFormat) -> list[InputAudioFrame]:
    """A tone as 20 ms caller frames in ``fmt``."""
    t = np.arange(round(seconds * PCM16_16K.sample_rate)) / PCM16_16K.sample_rate
    pcm = (3000 * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()
    converter = AudioConverter(PCM16_16K, fmt)
    data = converter.convert(pcm) + converter.flush()
    size = fmt.bytes_for(FRAME)
    return [
        InputAudioFrame(audio=data[i : i + size], format=fmt) for i in range(0, len(data), size)
    ]


def _utterance(seconds: float, fmt: AudioFormat) -> list[Frame]:
    return [UserStartedSpeakingFrame(), *_frames(seconds, fmt), UserStoppedSpeakingFrame()]


def test_the_stages_declare_what_their_recognizers_take() -> None:
    utterance = UtteranceSTTProcessor(_Batch())
    streaming = StreamingSTTProcessor(_Streaming(PCM16_8K))

    assert utterance.audio_caps is not None
    assert streaming.audio_caps is not None
    assert utterance.audio_caps.consumes == {InputAudioFrame: PipelineFormat.INPUT}
    assert streaming.audio_caps.consumes == {InputAudioFrame: PCM16_8K}


async def test_audio_in_another_format_is_reported_once_per_call_and_not_transcribed() -> None:
    recognizer = _Batch()
    stt = UtteranceSTTProcessor(recognizer)
    frames = _utterance(1.0, MULAW_8K)

    for _ in range(2):  # the same processor, two calls: one report in each
        out = await run_processor(stt, frames)

        (error,) = out.upstream_of(ErrorFrame)
        assert not error.fatal
        assert "mulaw/8000Hz/1ch" in error.error
        assert "pcm16/16000Hz/1ch" in error.error
        assert out.downstream_of(InputAudioFrame) == frames[1:-1]  # passed on, untouched
        assert not out.downstream_of(TranscriptionFrame)
    assert recognizer.heard == []


async def test_a_streaming_stage_sends_nothing_in_another_format() -> None:
    recognizer = _Streaming(PCM16_8K)
    stt = StreamingSTTProcessor(recognizer)

    out = await run_processor(stt, [*_frames(0.4, PCM16_16K), *_frames(0.2, PCM16_8K)])

    (error,) = out.upstream_of(ErrorFrame)
    assert "pcm16/16000Hz/1ch" in error.error
    assert "pcm16/8000Hz/1ch" in error.error
    (session,) = recognizer.sessions
    assert len(session.sent) == PCM16_8K.bytes_for(0.2)  # only the 8 kHz audio went out


async def test_a_recognizer_whose_sessions_take_another_format_fails_at_start() -> None:
    stt = StreamingSTTProcessor(_Streaming(PCM16_8K, session_format=PCM16_16K))

    out = await run_processor(stt, _frames(0.1, PCM16_8K))

    (error,) = out.upstream_of(ErrorFrame)
    assert error.fatal
    assert "declares pcm16/8000Hz/1ch but its session takes pcm16/16000Hz/1ch" in error.error


async def test_the_start_check_refuses_a_phone_rate_chain_and_a_converter_fixes_it() -> None:
    phone = PipelineParams(audio_in_sample_rate=8000, idle_timeout=None)
    frames = _frames(0.2, MULAW_8K)

    with pytest.raises(AudioChainError, match="stt consumes InputAudioFrame as pcm16/16000Hz/1ch"):
        await run_processor(
            [
                AudioConverterProcessor(name="line"),
                StreamingSTTProcessor(_Streaming(PCM16_16K), name="stt"),
            ],
            frames,
            params=phone,
        )

    recognizer = _Streaming(PCM16_16K)
    chain = [AudioConverterProcessor(PCM16_16K), StreamingSTTProcessor(recognizer)]
    out = await run_processor(chain, frames, params=phone)

    assert not out.upstream_of(ErrorFrame)
    (session,) = recognizer.sessions
    assert abs(len(session.sent) - PCM16_16K.bytes_for(0.2)) <= PCM16_16K.bytes_for(FRAME)


async def test_a_phone_rate_call_keeps_8_khz_and_its_decodes_hear_16_khz() -> None:
    """At the line's rate the stage keeps 8 kHz audio and converts each decode's once: the
    recognizer hears the samples the per-frame 16 kHz path gives, but at the edges."""
    phone = PipelineParams(audio_in_sample_rate=8000, idle_timeout=None)
    line = _frames(1.5, PCM16_8K)
    before = round(0.5 / FRAME)  # the start event after 0.5 s, the pre-roll 0.3 s of it
    recognizer = _Batch()

    out = await run_processor(
        UtteranceSTTProcessor(recognizer),
        [*line[:before], UserStartedSpeakingFrame(), *line[before:], UserStoppedSpeakingFrame()],
        params=phone,
    )

    assert not out.upstream_of(ErrorFrame)
    (heard,) = recognizer.audio
    assert len(heard) == PCM16_16K.bytes_for(1.3)
    per_frame = AudioConverter(PCM16_8K, PCM16_16K)  # the input transport's, at 16 kHz
    wide = b"".join(per_frame.convert(frame.audio) for frame in line) + per_frame.flush()
    wide = wide[PCM16_16K.bytes_for(0.2) :]
    edge = PCM16_16K.bytes_for(0.005)
    assert heard[edge:-edge] == wide[edge:-edge]
    assert heard[:edge] != wide[:edge]  # the filter started on silence here, not on the line


def test_a_fallback_takes_its_recognizers_one_format() -> None:
    """The stage declares one format, so every vendor of a chain must take it."""
    chain = FallbackStreamingRecognizer(
        [_Streaming(PCM16_16K), BatchStreamingRecognizer(_Batch())], health=ProviderHealth()
    )
    caps = StreamingSTTProcessor(chain).audio_caps
    assert caps is not None
    assert caps.consumes[InputAudioFrame] == PCM16_16K

    with pytest.raises(ValueError, match=r"one audio format.*streaming: pcm16/8000Hz/1ch"):
        FallbackStreamingRecognizer(
            [_Streaming(PCM16_8K), BatchStreamingRecognizer(_Batch())], health=ProviderHealth()
        )


async def test_a_fallback_of_the_pipeline_format_starts_and_hears_the_caller() -> None:
    streaming = _Streaming(PCM16_16K)
    chain = FallbackStreamingRecognizer([streaming], health=ProviderHealth())

    out = await run_processor(
        [AudioConverterProcessor(), StreamingSTTProcessor(chain)], _frames(0.2, MULAW_8K)
    )

    assert not out.upstream_of(ErrorFrame)
    (session,) = streaming.sessions
    assert abs(len(session.sent) - PCM16_16K.bytes_for(0.2)) <= PCM16_16K.bytes_for(FRAME)
