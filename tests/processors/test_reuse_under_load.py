"""The early decode is the final even when the caller's audio reaches the stage late.

On a busy machine the caller's frames reach the VAD and the recognizer late and in
bursts. The VAD dates the end of speech as "now, less the audio heard since", so
behind a backlog it dates it late by the backlog, while the utterance stage stamped
its early decode when the decode's audio arrived. In browser calls at load 9
(``docs/benchmarks.md``) the end was dated 150-270 ms after the page's, the early
decode of the whole question was refused, and the question decoded again after the
stop (1.4 s). The stage now places both ends in the utterance's audio.
"""

from __future__ import annotations

import pytest

from framekit.frames import (
    Frame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.testing import Advance, run_processor

from .test_early_reuse import PhraseRecognizer, _audio, _frames

STALL = 0.9
"""Seconds the caller's audio stops reaching the stage (a busy event loop, a busy core)."""


@pytest.mark.parametrize(
    ("late", "voice_end", "reused", "final"),
    [
        # Nothing said after the pause: the early decode holds every word.
        ([("quiet", 0.4)], 0.6, True, "I want to cancel."),
        # A word after the pause, in the burst: the end moves past the decode.
        ([("word", 0.12), ("quiet", 0.3)], 0.92, False, "I want to cancel. No"),
    ],
)
async def test_the_early_decode_is_final_after_a_backlog(
    late: list[tuple[str, float]], voice_end: float, reused: bool, final: str
) -> None:
    recognizer = PhraseRecognizer(["I want to cancel.", "No"])
    stt = UtteranceSTTProcessor(recognizer, UtteranceOptions(pre_roll=0.0))
    on_time = _audio([("word", 0.6), ("quiet", 0.2)])  # decoded at the 0.2 s pause
    burst = _audio(late)
    items: list[Frame | Advance] = [Advance(0.0), UserStartedSpeakingFrame(started_at=0.0)]
    items += _frames(on_time)
    items.append(Advance(STALL))  # then the rest comes at once, behind the backlog
    items += [item for item in _frames(burst) if not isinstance(item, Advance)]
    # As the VAD dates it: now, less the audio heard since the voice ended.
    heard = 0.8 + sum(seconds for _, seconds in late)
    stopped_at = 0.8 + STALL - (heard - voice_end)
    items.append(UserStoppedSpeakingFrame(stopped_at=stopped_at))

    capture = await run_processor(stt, items)

    assert [f.text for f in capture.downstream_of(TranscriptionFrame)] == [final]
    assert stt.stats.reused == int(reused)
    assert stt.stats.decodes == stt.stats.early_decodes + (0 if reused else 1)
