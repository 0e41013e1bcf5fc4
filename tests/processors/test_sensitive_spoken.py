"""Spoken sensitive entry: the recognizer hears the card number, nothing after it keeps it.

A real pipeline as a served call has it (the gate, the recording's caller tap, the
utterance speech-to-text stage, the spoken-entry stage, the call record's point, a
tool at the bottom), with a recognizer that "hears" each utterance by its loudness
(each scripted utterance is a constant sample level), so that which words come from
which stretch of audio is exact and the test needs no speech model (the served test,
``tests/privacy/test_sensitive_served.py``, has the real ones).
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from framekit.frames import (
    ExpectedSpeech,
    ExpectedSpeechFrame,
    Frame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    InterruptionRequestFrame,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    SystemFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.recording import CallAudioRecorder
from framekit.processors.sensitive import SensitiveEntryGate, SpokenEntryStage, spoken_digits
from framekit.processors.stt.transcript import Segment, SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.storage import CallRecorder
from framekit.storage.records import Record, SegmentRecord
from framekit.testing import Advance, run_processor

CARD = "4539148803436467"  # Luhn-valid
FRAME = 0.02  # seconds of audio a frame
SAID = {
    1000: "I would like to pay for my order.",
    2000: "four five three nine, one four eight eight",
    3000: "zero three four three six four six seven",
    4000: "Thank you.",
    5000: "four five three nine one four",
}
"""What the recognizer hears at each sample level."""


class _Ears:
    """A recognizer that knows each utterance by its loudness; notes what it was told to expect."""

    name = "ears"

    def __init__(self) -> None:
        self.expected: list[ExpectedSpeech | None] = []
        self.heard: list[str] = []

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        samples = np.frombuffer(bytes(audio), dtype="<i2")
        text = SAID.get(int(np.abs(samples).max()), "")  # silence: nothing heard
        if urgent:
            self.expected.append(expect)
            self.heard.append(text)
        seconds = len(samples) / 16_000
        segment = Segment(0.0, seconds, text, -0.1, 0.0, 0.9)
        return Transcript(text, "en", 1.0, (segment,), seconds)


@dataclass(slots=True, eq=False)
class _Ask(SystemFrame):
    """Down to the bottom, where :class:`_Bottom` sends ``frame`` back up (as a tool, or a VAD)."""

    frame: Frame | None = None


class _Bottom(FrameProcessor):
    """Sends each :class:`_Ask`'s frame upstream, as a tool (or a detector below) would."""

    @on_frame(_Ask)
    async def _ask(self, frame: _Ask, direction: FrameDirection) -> None:
        assert frame.frame is not None
        await self.push_frame(frame.frame, FrameDirection.UPSTREAM)


def utterance(level: int, seconds: float = 0.4) -> list[Frame | Advance]:
    """The caller says ``SAID[level]``: the VAD's events around that long a stretch of audio."""
    loud = InputAudioFrame(audio=np.full(round(16_000 * FRAME), level, "<i2").tobytes())
    items: list[Frame | Advance] = [UserStartedSpeakingFrame()]
    for _ in range(round(seconds / FRAME)):
        items += [loud, Advance(FRAME)]
    return [*items, UserStoppedSpeakingFrame(), *quiet(0.3)]


def quiet(seconds: float) -> list[Frame | Advance]:
    items: list[Frame | Advance] = []
    for _ in range(round(seconds / FRAME)):
        items += [InputAudioFrame(audio=bytes(round(16_000 * FRAME) * 2)), Advance(FRAME)]
    return items


@dataclass(slots=True)
class _Call:
    ears: _Ears
    records: list[Record]
    caller_wav: np.ndarray  # 8 kHz samples
    down: list[Frame]
    up: list[Frame]

    def words(self) -> list[str]:
        return [f.text for f in self.down if isinstance(f, TranscriptionFrame)]

    def stored(self) -> list[str]:
        return [r.text for r in self.records if isinstance(r, SegmentRecord)]


async def _call(tmp_path: Path, script: list[Frame | Advance]) -> _Call:
    ears = _Ears()
    records: list[Record] = []
    record = CallRecorder(records.append)
    audio = CallAudioRecorder(tmp_path, sample_rate=8000, stereo=False, call_id="c1")
    stt = UtteranceSTTProcessor(
        ears, UtteranceOptions(pre_roll=0.0, speculative=False, interim_results=True)
    )
    out = await run_processor(
        [
            SensitiveEntryGate(),
            audio.caller_tap(),
            stt,
            SpokenEntryStage(),
            record.record_point(),
            _Bottom(),
        ],
        script,
        observers=[record],
    )
    [path] = [p for p in audio.paths if ".caller" in p.name]
    with wave.open(str(path)) as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    return _Call(ears, records, samples, out.downstream, out.upstream)


def _loud(samples: np.ndarray, start: float, end: float) -> bool:
    part = samples[int(start * 8000) : int(end * 8000)]
    return part.size > 0 and int(np.abs(part).max()) > 500


async def test_a_card_number_said_in_two_breaths_reaches_only_the_tool(tmp_path: Path) -> None:
    request = SensitiveEntryRequestFrame(spoken=True, min_digits=13, trailing_silence=0.1)
    call = await _call(
        tmp_path,
        [
            *utterance(1000),  # 0.0-0.7 s
            _Ask(frame=request),
            *utterance(2000),  # 0.7-1.4 s: eight digits, not yet a card
            *utterance(3000),  # 1.4-2.1 s: sixteen: the entry completes
            *quiet(0.4),  # the window trails 0.1 s
            *utterance(4000),  # 2.5-3.2 s
        ],
    )
    entry = request.answer.result()
    assert (entry.reveal(), entry.end) == (CARD, SensitiveEntryEnd.COMPLETE)
    # Below the stage, and in the call record: the words before and after, none between.
    expected = [SAID[1000], SAID[4000]]
    assert call.words() == expected
    assert call.stored() == expected
    assert not [f for f in call.down if isinstance(f, InterimTranscriptionFrame)]
    # That the caller spoke is no secret (a call flow must not prompt them as silent).
    assert len([f for f in call.down if isinstance(f, UserStartedSpeakingFrame)]) == 4
    assert len([f for f in call.down if isinstance(f, UserStoppedSpeakingFrame)]) == 4
    # The recognizer was told to expect digits during the entry only.
    assert call.ears.expected == [None, "digits", "digits", None]
    # The recording: the caller before and after, silence over the window.
    assert _loud(call.caller_wav, 0.0, 0.4)
    assert not _loud(call.caller_wav, 0.7, 2.2)
    assert _loud(call.caller_wav, 2.5, 2.9)


async def test_words_of_an_utterance_cut_by_the_entrys_end_are_withheld_too(
    tmp_path: Path,
) -> None:
    request = SensitiveEntryRequestFrame(
        spoken=True, min_digits=13, timeout=0.5, trailing_silence=0.0
    )
    speaking = utterance(5000, seconds=0.8)  # 0.0-0.8 s: the window closes at 0.5 s
    call = await _call(tmp_path, [_Ask(frame=request), *speaking, *utterance(4000)])
    assert request.answer.result().end is SensitiveEntryEnd.TIMEOUT
    assert call.words() == [SAID[4000]]  # the cut utterance's six digits went nowhere
    assert call.stored() == [SAID[4000]]


async def test_the_callers_voice_does_not_interrupt_the_entry_the_application_does(
    tmp_path: Path,
) -> None:
    spoken = SensitiveEntryRequestFrame(spoken=True, min_digits=13)
    by_voice = InterruptionRequestFrame()  # the VAD's
    call = await _call(
        tmp_path,
        [_Ask(frame=spoken), _Ask(frame=by_voice), *utterance(2000), *utterance(3000)],
    )
    assert spoken.answer.result().reveal() == CARD
    assert by_voice not in call.up
    moved_on = SensitiveEntryRequestFrame(spoken=True)
    by_app = InterruptionRequestFrame(reason="the caller was transferred")
    await _call(tmp_path / "2", [_Ask(frame=moved_on), _Ask(frame=by_app), *quiet(0.1)])
    assert moved_on.answer.result().end is SensitiveEntryEnd.INTERRUPTED


async def test_a_keyed_entry_gives_the_recognizer_silence(tmp_path: Path) -> None:
    request = SensitiveEntryRequestFrame(timeout=0.5)  # keyed only: nothing to transcribe
    script = [_Ask(frame=request), *utterance(2000), *quiet(0.4), *utterance(4000)]
    call = await _call(tmp_path, script)  # the window: 0.0-1.0 s (0.5 s trailing)
    assert request.answer.result().end is SensitiveEntryEnd.TIMEOUT
    assert call.words() == [SAID[4000]]
    assert call.ears.heard == ["", SAID[4000]]  # the entry's utterance was silence to it
    assert call.ears.expected == [None, None]


def test_spoken_digits_reads_digits_as_people_say_them() -> None:
    assert spoken_digits("four five three nine, one four eight eight") == "45391488"
    assert spoken_digits("forty five thirty nine, double one, 23") == "4539" + "11" + "23"
    assert spoken_digits("I would like to pay") == ""


async def test_the_dialogues_hint_to_the_recognizer_is_given_back_after_the_window(
    tmp_path: Path,
) -> None:
    request = SensitiveEntryRequestFrame(spoken=True, min_digits=13, trailing_silence=0.1)
    call = await _call(
        tmp_path,
        [
            _Ask(frame=ExpectedSpeechFrame(expect="yes_no")),
            _Ask(frame=request),
            *utterance(2000),
            _Ask(frame=ExpectedSpeechFrame(expect="name")),  # held while the entry is open
            *utterance(3000),
            *quiet(0.4),
            *utterance(4000),
        ],
    )
    assert request.answer.result().reveal() == CARD
    assert call.ears.expected == ["digits", "digits", "name"]
