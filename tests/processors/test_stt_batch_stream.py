"""A batch recognizer heard as a stream: utterances cut by the caller's stop and by level.

Vendor-free: the recognizer says how many bytes it was given, so each transcript
shows which audio made the utterance. Driven by the streaming stage, as it is
behind a streaming vendor in a fallback chain.
"""

from __future__ import annotations

import numpy as np
import pytest

from framekit.audio import PCM16_16K
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    ExpectedSpeech,
    Frame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.batch_stream import BatchStreamingRecognizer
from framekit.processors.stt.streaming import StreamingOptions, StreamingSTTProcessor
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.testing import FrameCapture, run_processor


class _Engine:
    name = "local"

    def __init__(self, *, down: bool = False) -> None:
        self.heard: list[int] = []
        self.down = down

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
        if self.down:
            raise RuntimeError("model crashed")
        return Transcript(f"{len(audio)} bytes", "en", 1.0, (), PCM16_16K.duration_of(len(audio)))


def _frames(seconds: float, *, loud: bool) -> list[Frame]:
    t = np.arange(round(seconds * 16000)) / 16000
    wave = 6000 * np.sin(2 * np.pi * 220 * t) if loud else np.zeros_like(t)
    pcm = wave.astype("<i2").tobytes()
    return [InputAudioFrame(audio=pcm[i : i + 640]) for i in range(0, len(pcm), 640)]


async def _run(engine: _Engine, frames: list[Frame], **options: float) -> FrameCapture:
    recognizer = BatchStreamingRecognizer(engine, **options)  # type: ignore[arg-type]
    stage = StreamingSTTProcessor(recognizer, StreamingOptions(written_forms=False))
    return await run_processor(stage, frames)


def _transcripts(out: FrameCapture) -> list[str]:
    return [frame.text for frame in out.downstream_of(TranscriptionFrame)]


async def test_the_stop_decodes_the_speech_and_the_pre_roll_before_it() -> None:
    engine = _Engine()
    frames = [*_frames(2.0, loud=False), *_frames(0.5, loud=True), UserStoppedSpeakingFrame()]

    out = await _run(engine, frames, pre_roll=0.3)

    assert engine.heard == [PCM16_16K.bytes_for(0.8)]  # 2 s of quiet kept as 0.3 s
    assert _transcripts(out) == [f"{PCM16_16K.bytes_for(0.8)} bytes"]


async def test_a_stop_after_no_speech_decodes_nothing() -> None:
    engine = _Engine()
    out = await _run(engine, [*_frames(1.0, loud=False), UserStoppedSpeakingFrame()])

    assert not engine.heard
    assert not _transcripts(out)


async def test_a_long_utterance_is_cut_at_the_limit_and_the_rest_decoded_at_the_stop() -> None:
    engine = _Engine()
    frames = [*_frames(1.5, loud=True), UserStoppedSpeakingFrame()]

    await _run(engine, frames, pre_roll=0.0, max_utterance_seconds=1.0)

    assert engine.heard == [PCM16_16K.bytes_for(1.0), PCM16_16K.bytes_for(0.5)]


async def test_the_end_decodes_the_last_words_before_it_leaves() -> None:
    engine = _Engine()
    out = await _run(engine, _frames(0.5, loud=True))

    assert len(_transcripts(out)) == 1
    kinds = [type(frame) for frame in out.downstream]
    assert kinds.index(TranscriptionFrame) < kinds.index(EndFrame)


async def test_a_failed_decode_is_reported_and_the_call_goes_on() -> None:
    out = await _run(_Engine(down=True), [*_frames(0.5, loud=True), UserStoppedSpeakingFrame()])

    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert "model crashed" in error.error


def test_settings_are_checked_where_they_are_written() -> None:
    with pytest.raises(ValueError, match="max_utterance_seconds"):
        BatchStreamingRecognizer(_Engine(), max_utterance_seconds=0.05)
