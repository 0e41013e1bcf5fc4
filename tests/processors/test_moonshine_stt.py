"""The Moonshine STT processor: the utterance processor with the fast English model.

The utterance handling itself is tested with Whisper in ``test_whisper_stt.py``;
here the same real audio (the packaged Piper voice) goes through Moonshine: VAD
events in, one final transcript out, from phone audio too, and behind the real VAD
the decode made during its silence window is the final transcript.
"""

from __future__ import annotations

import importlib.util

import pytest

from framekit.audio import MULAW_8K, PCM16_16K
from framekit.clock import SystemClock
from framekit.frames import (
    InputAudioFrame,
    TranscriptionFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.services.moonshine import MoonshineEngine
from framekit.testing import run_processor
from models._wer import normalize_words, word_error_rate
from processors.test_whisper_stt import (
    SENTENCE,
    _frames,
    _silence,
    _utterance,
    check_decode_at_the_pause_is_final,
    speech,
)

pytest.importorskip("onnxruntime", reason="needs the 'moonshine' extra")
pytest.importorskip("onnx", reason="needs the 'moonshine' extra")
pytest.importorskip("piper", reason="needs the 'piper' extra")
if importlib.util.find_spec("moonshine_cpp") is None:  # never imported: only its files are used
    pytest.skip("needs the 'moonshine' extra (moonshine-cpp)", allow_module_level=True)

__all__ = ["speech"]  # the Piper sentence fixture, shared with the Whisper tests


@pytest.fixture(scope="module")
def moonshine() -> MoonshineEngine:
    return MoonshineEngine.shared()


async def test_vad_events_give_one_final_transcript(
    moonshine: MoonshineEngine, speech: bytes
) -> None:
    stop = UserStoppedSpeakingFrame(stopped_at=None)
    frames = [*_utterance(speech), stop, *_frames(_silence(0.3))]

    stt = UtteranceSTTProcessor(moonshine)
    out = await run_processor(stt, frames, clock=SystemClock(), time_limit=60)

    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text
    assert normalize_words(final.text)[0] == "your"  # the pre-roll kept the first word
    assert final.language == "en"
    assert final.confidence is not None
    assert 0.3 < final.confidence <= 1.0
    assert out.downstream_of(InputAudioFrame) == [
        f for f in frames if isinstance(f, InputAudioFrame)
    ]
    assert stt.stats.final_latencies  # the latency metric is measured for Moonshine too


async def test_phone_line_audio_is_converted_and_transcribed(
    moonshine: MoonshineEngine, speech: bytes
) -> None:
    """Twilio's 8 kHz mu-law, converted once before the stage (here explicitly)."""
    frames = [*_utterance(speech, MULAW_8K), UserStoppedSpeakingFrame()]

    line = [AudioConverterProcessor(PCM16_16K), UtteranceSTTProcessor(moonshine)]
    out = await run_processor(line, frames, clock=SystemClock(), time_limit=60)

    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.3, final.text


async def test_behind_the_real_vad_the_decode_at_the_pause_is_the_final_transcript(
    moonshine: MoonshineEngine, speech: bytes
) -> None:
    await check_decode_at_the_pause_is_final(UtteranceSTTProcessor(moonshine), speech)


async def test_the_process_engine_asked_for_explicitly_is_the_one_that_decodes(
    speech: bytes,
) -> None:
    stt = UtteranceSTTProcessor(MoonshineEngine.shared())
    frames = [*_utterance(speech), UserStoppedSpeakingFrame()]

    out = await run_processor(stt, frames, clock=SystemClock(), time_limit=60)

    assert stt.recognizer is MoonshineEngine.shared()
    assert stt.stats.decodes >= 1
    (final,) = out.downstream_of(TranscriptionFrame)
    assert word_error_rate(SENTENCE, final.text) <= 0.2, final.text


async def test_other_languages_are_refused_before_a_call(moonshine: MoonshineEngine) -> None:
    stt = UtteranceSTTProcessor(moonshine, UtteranceOptions(language="fr"))
    with pytest.raises(ValueError, match="use Whisper"):
        await stt.warm_up()
