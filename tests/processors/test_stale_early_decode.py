"""A stale early decode is stopped, so the decode that matters is not queued behind it.

The utterance stage decodes at each pause of the caller's speech, one decode at a
time. Before, a decode made at a pause inside a sentence ran to its end even after
the caller spoke again (its words can no longer be the final), and the decode made
at the real end of the question waited behind it. The stage now cancels it when the
caller speaks again, or when the stop places the end of speech past its audio, and
Moonshine stops at its next decoder step (``tests/models/test_moonshine_abandon.py``).

The recognizer here takes :data:`COST` seconds of the manual clock per decode.
"""

from __future__ import annotations

import asyncio

import pytest

from framekit.clock import ManualClock
from framekit.frames import (
    ExpectedSpeech,
    Frame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.testing import Advance, run_processor

from .test_early_reuse import PhraseRecognizer, _audio, _frames

COST = 0.7
"""Seconds of the manual clock a decode takes (a loaded core's decode of a question)."""


class SlowPhrases(PhraseRecognizer):
    """:class:`PhraseRecognizer` that takes :data:`COST` seconds and notes when it was cancelled."""

    def __init__(self, phrases: list[str], clock: ManualClock) -> None:
        super().__init__(phrases)
        self.clock = clock
        self.cancelled_at: list[float] = []

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        try:
            await self.clock.sleep(COST)
        except asyncio.CancelledError:
            self.cancelled_at.append(self.clock.now())
            raise
        return await super().transcribe_async(audio, language, urgent=urgent)


async def _run(
    speech: list[tuple[str, float]], stopped_at: float, phrases: list[str]
) -> tuple[UtteranceSTTProcessor, SlowPhrases, list[str]]:
    """``speech`` from t=0, the VAD's stop when it ends, then 2 s for the decodes."""
    clock = ManualClock()
    recognizer = SlowPhrases(phrases, clock)
    stt = UtteranceSTTProcessor(recognizer, UtteranceOptions(pre_roll=0.0))
    items: list[Frame | Advance] = [Advance(0.0), UserStartedSpeakingFrame(started_at=0.0)]
    items += _frames(_audio(speech))
    items += [UserStoppedSpeakingFrame(stopped_at=stopped_at), Advance(2.0)]
    capture = await run_processor(stt, items, clock=clock)
    return stt, recognizer, [f.text for f in capture.downstream_of(TranscriptionFrame)]


async def test_speaking_again_stops_the_decode_made_at_the_pause() -> None:
    # "I want to cancel" ... 0.2 s ... "my order": decoded at 0.8 s, the caller speaks
    # again at 0.8 s; the second pause's decode is the final.
    speech = [("word", 0.6), ("quiet", 0.2), ("word", 0.3), ("quiet", 0.3)]
    stt, recognizer, finals = await _run(speech, 1.1, ["I want to cancel", "my order."])

    assert finals == ["I want to cancel my order."]
    # Cancelled once 60 ms of the new word were heard (3 frames), not at 0.8 + COST.
    assert recognizer.cancelled_at == [pytest.approx(0.86, abs=0.021)]
    assert stt.stats.abandoned == 1
    # The decode at the second pause (1.3 s) started at once and became the final:
    # 0.6 s after the stop at 1.4 s. Without the cancel it waited until 1.5 s (0.8 s).
    assert [bursts for bursts, _ in recognizer.decodes] == [2]
    assert stt.stats.reused == 1
    assert stt.stats.final_latencies == [pytest.approx(1.3 + COST - 1.4, abs=1e-6)]


async def test_a_click_after_the_pause_does_not_stop_its_decode() -> None:
    # 40 ms of noise after the pause: not the caller speaking again (a lone word lasts
    # 100 ms or more), the VAD's end stays at the question's, the decode is the final.
    speech = [("word", 0.6), ("quiet", 0.2), ("word", 0.04), ("quiet", 0.3)]
    stt, recognizer, finals = await _run(speech, 0.6, ["What are your opening hours?", "x"])

    assert finals == ["What are your opening hours?"]
    assert recognizer.cancelled_at == []
    assert stt.stats.abandoned == 0
    assert stt.stats.reused == 1
    assert stt.stats.decodes == 1


async def test_a_stop_past_the_decoded_audio_stops_it_and_decodes_the_whole_at_once() -> None:
    # The same click, which the VAD took for speech this time: its end (0.9 s) lies past
    # the early decode's audio (0.8 s), so that decode cannot be the final; the stop
    # (at 1.14 s) cancels it and the whole utterance is decoded at once.
    speech = [("word", 0.6), ("quiet", 0.2), ("word", 0.04), ("quiet", 0.3)]
    stt, recognizer, finals = await _run(speech, 0.9, ["What are your opening hours?", "x"])

    assert finals == ["What are your opening hours? x"]
    assert recognizer.cancelled_at == [pytest.approx(1.14, abs=1e-6)]
    assert stt.stats.abandoned == 1
    assert stt.stats.reused == 0
    # Decoded whole from the stop: COST after it. Without the cancel: 0.8 + 2 COST - 1.14.
    assert stt.stats.final_latencies == [pytest.approx(COST, abs=1e-6)]
