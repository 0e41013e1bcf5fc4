"""The utterance processor with scripted recognizers.

A caller who never stops talking costs their own call a bounded decode, nobody
else's; and whatever the engine wrote leaves in its written form.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from framekit.audio import PCM16_16K
from framekit.clock import SystemClock
from framekit.frames import (
    CancelFrame,
    EndCause,
    ExpectedSpeech,
    InputAudioFrame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.testing import Advance, run_processor


class _Ruler:
    """A recognizer that says how many seconds it was given (or ``said``), noting each decode."""

    name = "ruler"

    def __init__(self, said: str | None = None) -> None:
        self.said = said
        self.decodes: list[tuple[float, bool]] = []

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        seconds = len(bytes(audio)) / PCM16_16K.bytes_for(1.0)
        self.decodes.append((seconds, urgent))
        text = f"{seconds:.1f} seconds" if self.said is None else self.said
        return Transcript(text, "en", 1.0, (), seconds)


def _talk(seconds: float) -> list[InputAudioFrame]:
    """Loud, never pausing audio (music on the line, or a caller who does not stop)."""
    t = np.arange(PCM16_16K.bytes_for(seconds) // 2) / 16000
    pcm = (8000 * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()
    size = PCM16_16K.bytes_for(0.02)
    return [
        InputAudioFrame(audio=pcm[i : i + size], format=PCM16_16K) for i in range(0, len(pcm), size)
    ]


def _quiet(seconds: float) -> list[InputAudioFrame]:
    """Digital silence: every chunk under a tenth of the speech's level."""
    size = PCM16_16K.bytes_for(0.02)
    return [InputAudioFrame(audio=bytes(size), format=PCM16_16K)] * round(seconds / 0.02)


async def test_an_endless_utterance_is_cut_at_the_limit_and_its_rest_is_not_kept() -> None:
    ruler = _Ruler()
    stt = UtteranceSTTProcessor(ruler, UtteranceOptions(max_utterance_seconds=5.0, pre_roll=0.0))
    frames = [
        UserStartedSpeakingFrame(),
        *_talk(30.0),
        UserStoppedSpeakingFrame(),
        UserStartedSpeakingFrame(),  # the caller's next, normal question
        *_talk(1.5),
        UserStoppedSpeakingFrame(),
    ]
    out = await run_processor(stt, frames, clock=SystemClock(), time_limit=30)
    finals = out.downstream_of(TranscriptionFrame)
    assert [(f.text, f.cut) for f in finals] == [("5.0 seconds", True), ("1.5 seconds", False)]
    assert max(seconds for seconds, _ in ruler.decodes) <= 5.0  # never the whole 30 s
    assert stt.stats.cut == 1


async def test_early_decodes_are_not_urgent_and_finals_are() -> None:
    ruler = _Ruler()
    stt = UtteranceSTTProcessor(ruler, UtteranceOptions(interim_results=True, interim_interval=0.5))
    paced: list[InputAudioFrame | Advance] = []
    for frame in _talk(1.2):
        paced += [frame, Advance(0.02)]  # the worker decodes while the caller talks
    await run_processor(stt, [UserStartedSpeakingFrame(), *paced, UserStoppedSpeakingFrame()])
    assert ruler.decodes[-1][1] is True
    assert all(urgent is False for _, urgent in ruler.decodes[:-1])
    assert len(ruler.decodes) >= 2


@pytest.mark.parametrize("interval", [None, 1.0])
async def test_without_an_interim_interval_the_one_early_decode_is_at_the_pause(
    interval: float | None,
) -> None:
    """A phone call's interims (``interim_interval=None``): 3 s of speech cost one decode,
    at the pause, whose words are the interim and, covering the end, the final; every
    second of speech costs one more decode with the interval."""
    ruler = _Ruler()
    options = UtteranceOptions(interim_results=True, interim_interval=interval, pre_roll=0.0)
    stt = UtteranceSTTProcessor(ruler, options)
    paced: list[InputAudioFrame | Advance] = []
    for frame in [*_talk(3.0), *_quiet(0.4)]:
        paced += [frame, Advance(0.02)]
    stop = UserStoppedSpeakingFrame(stopped_at=3.0)
    out = await run_processor(stt, [UserStartedSpeakingFrame(), *paced, stop])
    assert [f.text for f in out.downstream_of(TranscriptionFrame)] == ["3.2 seconds"]
    assert stt.stats.reused == 1
    interims = [f.text for f in out.downstream_of(InterimTranscriptionFrame)]
    if interval is None:
        assert ruler.decodes == [(3.2, False)]
        assert interims == ["3.2 seconds"]
    else:
        assert len(ruler.decodes) >= 3
        assert interims[0] == "1.0 seconds"
        assert interims[-1] == "3.2 seconds"


def test_an_interim_interval_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="interim_interval"):
        UtteranceOptions(interim_interval=0.0)


SAID = "My order is four two seven one nine, can I come at three thirty p m?"


@pytest.mark.parametrize(
    ("written_forms", "text"),
    [(True, "My order is 42719, can I come at 3:30 PM?"), (False, SAID)],
)
async def test_transcripts_leave_written_unless_written_forms_is_off(
    written_forms: bool, text: str
) -> None:
    stt = UtteranceSTTProcessor(
        _Ruler(said=SAID),
        UtteranceOptions(interim_results=True, interim_interval=0.5, written_forms=written_forms),
    )
    paced: list[InputAudioFrame | Advance] = []
    for frame in _talk(1.2):
        paced += [frame, Advance(0.02)]
    out = await run_processor(stt, [UserStartedSpeakingFrame(), *paced, UserStoppedSpeakingFrame()])
    assert [f.text for f in out.downstream_of(TranscriptionFrame)] == [text]
    assert [f.text for f in out.downstream_of(InterimTranscriptionFrame)] == [text]


class _SlowRuler(_Ruler):
    """A ruler that takes ``delay`` seconds a decode, as a loaded machine would."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        await asyncio.sleep(self.delay)
        return await super().transcribe_async(audio, language, urgent=urgent)


@pytest.mark.parametrize(
    ("cause", "kept"), [(EndCause.CALLER_HUNG_UP, True), (EndCause.SHUTDOWN, False)]
)
async def test_a_caller_who_hangs_up_right_after_speaking_is_still_transcribed(
    cause: EndCause, kept: bool
) -> None:
    """The hang-up's cancel waits for the last utterance's decode and lets it out first."""
    stt = UtteranceSTTProcessor(_SlowRuler(0.3), UtteranceOptions(pre_roll=0.0))
    frames = [
        UserStartedSpeakingFrame(),
        *_talk(1.0),
        Advance(0.02),  # the audio is in before the cancel, which overtakes queued frames
        CancelFrame(reason="the caller hung up", cause=cause),  # no stop: mid-utterance
    ]
    out = await run_processor(stt, frames)  # its end frame comes after the cancel: unused
    finals = [f.text for f in out.downstream_of(TranscriptionFrame)]
    assert finals == (["1.0 seconds"] if kept else [])
    if kept:  # ahead of the cancel, so a record point after the stage stores it
        kinds = [type(f) for f in out.downstream if isinstance(f, TranscriptionFrame | CancelFrame)]
        assert kinds == [TranscriptionFrame, CancelFrame]
