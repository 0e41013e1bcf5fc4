"""End of turn: the silence that ends the caller's turn follows their words so far.

Two layers. The lexical rule (:class:`TextTurnEndPolicy`) on transcripts as Whisper
writes them. Then the VAD with that rule, on audio whose speech and silence are
known to the sample: tone bursts for speech and digital silence, scored by a level
detector (any :class:`SpeechDetector` drives the VAD stage, so no model is needed), so
every window is certainly speech or certainly silence and the decision lands on a
known window. A
scripted STT after the VAD pushes interim transcripts at set points of the audio,
as Whisper's speculative decode would, and :class:`TurnTextRelay` sends them back.
The clock is manual and advanced 20 ms before each 20 ms frame, so the time at which
a processor sees the stop event is the amount of audio heard when it was decided.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from framekit.audio import PCM16_16K
from framekit.frames import (
    Frame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.vad import (
    SpeechWindow,
    TextTurnEndPolicy,
    TurnCue,
    TurnTextRelay,
    VADParams,
    VADProcessor,
)
from framekit.testing import Advance, run_processor

RATE = 16000
FRAME = 0.02
WINDOW = 0.032
POLICY = TextTurnEndPolicy(complete=0.3, incomplete=1.1, unknown=0.6)


# --- the lexical rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to cancel my order.",
        "What time do you open tomorrow?",
        "Yes.",
        "yes",
        "No thanks",
        "Thank you",
        "Okay, bye!",
        "My order number is 4 5 6 7.",
        "My order number is four five six seven eight.",
        'He said "that\'s all."',
        "Yes, it is.",
    ],
)
def test_complete_thoughts_get_the_short_window(text: str) -> None:
    assert POLICY.classify(text) is TurnCue.COMPLETE
    assert POLICY.required_silence(text) == 0.3


@pytest.mark.parametrize(
    "text",
    [
        "My order number is.",  # Whisper puts a full stop on fragments
        "My order number is",
        "My order number is 4 5.",  # a number still being read out
        "The code is four, two",
        "I want to book a table for",
        "I'd like to",
        "and",
        "Um.",
        "So, uh",
        "I was wondering if you could...",
        "Can you check my,",
        "I need to speak with the",
    ],
)
def test_trailing_words_get_the_long_window(text: str) -> None:
    assert POLICY.classify(text) is TurnCue.INCOMPLETE
    assert POLICY.required_silence(text) == 1.1


@pytest.mark.parametrize(
    ("partial", "whole"),
    [
        ("My phone number is 555-213.", "My phone number is 555-213-4477."),
        (
            "my phone number is five five five two one three",
            "my phone number is five five five two one three four four seven seven",
        ),
        ("My card number is 4111 1111 1111.", "My card number is 4111 1111 1111 1111."),
        ("My social security number is 123 45.", "My social security number is 123-45-6789."),
        ("The zip is 9021.", "The zip is 90210."),
    ],
)
def test_a_number_of_a_known_kind_is_whole_only_at_its_length(partial: str, whole: str) -> None:
    # A caller reading a phone number pauses between its groups; Whisper writes each
    # pause as a full stop. Six digits after "phone" are no phone number yet (more than
    # the four an order number needs), ten are (then the usual rules: a full stop ends
    # the thought, words with no punctuation get the usual window).
    assert POLICY.classify(partial) is TurnCue.INCOMPLETE
    assert POLICY.classify(whole) is not TurnCue.INCOMPLETE


@pytest.mark.parametrize("text", [None, "", "  ", "hello", "I need two tickets", "it's 4 5"])
def test_no_text_or_no_cue_gets_the_usual_window(text: str | None) -> None:
    assert POLICY.classify(text) is TurnCue.UNKNOWN
    assert POLICY.required_silence(text) == 0.6


def test_the_longest_window_and_validation() -> None:
    assert POLICY.longest_silence == 1.1
    assert TextTurnEndPolicy(complete=2.0).longest_silence == 2.0
    with pytest.raises(ValueError, match="incomplete"):
        TextTurnEndPolicy(incomplete=float("nan"))
    with pytest.raises(ValueError, match="min_number_digits"):
        TextTurnEndPolicy(min_number_digits=-1)


# --- the VAD with the rule ------------------------------------------------------------


class _LevelStream:
    """Speech when a window's RMS level passes 0.01, silence otherwise."""

    async def probability(self, window: SpeechWindow, /) -> float:
        return 1.0 if float(np.sqrt(np.mean(window * window))) > 0.01 else 0.0

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


class LevelDetector:
    """A :class:`~framekit.processors.vad.SpeechDetector` with no model: 32 ms windows at 16 kHz."""

    sample_rate = RATE
    window_samples = 512

    def open_stream(self) -> _LevelStream:
        return _LevelStream()


@pytest.fixture
def detector() -> LevelDetector:
    return LevelDetector()


def _audio(parts: list[tuple[str, float]]) -> tuple[bytes, list[tuple[float, float]]]:
    """PCM16 of ("speech"|"silence", seconds) parts, and each speech part's (start, end)."""
    pieces, spans, at = [], [], 0.0
    for kind, seconds in parts:
        n = round(seconds * RATE)
        if kind == "speech":
            t = np.arange(n) / RATE
            pieces.append(0.3 * np.sin(2 * np.pi * 220.0 * t))
            spans.append((at, at + seconds))
        else:
            pieces.append(np.zeros(n))
        at += seconds
    pcm = np.round(np.concatenate(pieces) * 32767.0).astype("<i2")
    return pcm.tobytes(), spans


class ScriptedSTT(FrameProcessor):
    """Pushes each scripted interim transcript once ``at`` seconds of audio have passed.

    Its ``timestamp`` is the clock time then, i.e. when the newest audio it covers
    arrived, as :class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor` sets it.
    """

    def __init__(self, script: list[tuple[float, str]]) -> None:
        super().__init__()
        self.script = sorted(script)
        self.heard = 0.0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if isinstance(frame, InputAudioFrame):
            self.heard += frame.duration
            while self.script and self.script[0][0] <= self.heard + 1e-9:
                _, text = self.script.pop(0)
                interim = InterimTranscriptionFrame(text=text, timestamp=self.clock.now())
                await self.push_frame(interim)


class Events(FrameProcessor):
    """Records when (clock time) each speaking event passed, and every interim transcript."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[float] = []
        self.stopped: list[float] = []
        self.stopped_at: list[float] = []
        self.interims: list[tuple[FrameDirection, str]] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self.started.append(self.clock.now())
        elif isinstance(frame, UserStoppedSpeakingFrame):
            assert frame.stopped_at is not None
            self.stopped.append(self.clock.now())
            self.stopped_at.append(frame.stopped_at)
        elif isinstance(frame, InterimTranscriptionFrame):
            self.interims.append((direction, frame.text))
        await self.push_frame(frame, direction)


@dataclass
class Run:
    events: Events
    spans: list[tuple[float, float]]
    upstream_interims: int

    def delays(self) -> list[float]:
        """Seconds from the true end of each turn's last speech to its stop decision."""
        ends = [self._turn_end(t) for t in self.events.stopped]
        return [stop - end for stop, end in zip(self.events.stopped, ends, strict=True)]

    def _turn_end(self, stop: float) -> float:
        return max(end for _, end in self.spans if end <= stop)


async def _run(
    detector: LevelDetector,
    parts: list[tuple[str, float]],
    script: list[tuple[float, str]],
    *,
    turn_end: TextTurnEndPolicy | None = POLICY,
    stt_before_vad: bool = False,
) -> Run:
    pcm, spans = _audio(parts)
    vad = VADProcessor(
        detector,
        params=VADParams(min_speech_duration=0.064, min_silence_duration=0.5),
        turn_end=turn_end,
    )
    stt, events = ScriptedSTT(script), Events()
    chain: list[FrameProcessor] = (
        [stt, vad, events] if stt_before_vad else [vad, stt, TurnTextRelay(), events]
    )
    size = PCM16_16K.bytes_for(FRAME)
    items: list[Frame | Advance] = []
    for i in range(0, len(pcm), size):
        items += [Advance(FRAME), InputAudioFrame(audio=pcm[i : i + size], format=PCM16_16K)]
    capture = await run_processor(
        chain,
        items,
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=RATE),
        time_limit=30.0,
    )
    upstream = len(capture.upstream_of(InterimTranscriptionFrame))
    return Run(events, spans, upstream)


def _window_after(seconds: float) -> float:
    """When a silence of ``seconds`` is confirmed: the end of the window that completes
    it, rounded up to the end of the 20 ms frame that completes that window."""
    windows = np.ceil(seconds / WINDOW - 1e-9)
    return float(np.ceil(windows * WINDOW / FRAME - 1e-9) * FRAME)


async def test_a_complete_utterance_ends_the_turn_after_the_short_window(
    detector: LevelDetector,
) -> None:
    run = await _run(
        detector,
        [("silence", 0.32), ("speech", 0.96), ("silence", 1.6)],
        [(0.32 + 0.96 + 0.2, "I'd like to cancel my order.")],  # 0.2 s into the pause
    )
    assert len(run.events.started) == len(run.events.stopped) == 1
    assert run.delays() == pytest.approx([_window_after(0.3)], abs=1e-6)  # 0.32 s, not 0.62
    assert run.events.stopped_at == pytest.approx([0.32 + 0.96], abs=0.01)
    # The copy sent upstream ended at the VAD; the original went on downstream.
    assert run.upstream_interims == 0
    assert run.events.interims == [(FrameDirection.DOWNSTREAM, "I'd like to cancel my order.")]


async def test_a_trailing_utterance_survives_a_pause_and_stays_one_turn(
    detector: LevelDetector,
) -> None:
    parts = [("silence", 0.32), ("speech", 0.96), ("silence", 0.8), ("speech", 0.8)]
    parts.append(("silence", 1.6))
    first_pause = 0.32 + 0.96
    second_end = first_pause + 0.8 + 0.8
    script = [
        (first_pause + 0.2, "My order number is."),
        (second_end + 0.2, "My order number is 4 5 6 7."),
    ]
    run = await _run(detector, parts, script)
    assert len(run.events.started) == len(run.events.stopped) == 1
    assert run.delays() == pytest.approx([_window_after(0.3)], abs=1e-6)

    # The same audio with the fixed 0.5 s window ends the turn inside the pause.
    fixed = await _run(detector, parts, script, turn_end=None)
    assert len(fixed.events.started) == len(fixed.events.stopped) == 2
    assert fixed.events.stopped[0] == pytest.approx(first_pause + _window_after(0.5), abs=1e-6)


async def test_no_transcript_gets_the_usual_window(detector: LevelDetector) -> None:
    run = await _run(detector, [("silence", 0.32), ("speech", 0.96), ("silence", 1.6)], [])
    assert run.delays() == pytest.approx([_window_after(0.6)], abs=1e-6)


async def test_words_that_miss_the_end_of_speech_do_not_count(detector: LevelDetector) -> None:
    # "Yes." was decoded during the speech; the caller went on after it.
    run = await _run(
        detector,
        [("silence", 0.32), ("speech", 0.96), ("silence", 1.6)],
        [(0.32 + 0.64, "Yes.")],
    )
    assert run.delays() == pytest.approx([_window_after(0.6)], abs=1e-6)


@pytest.mark.parametrize(("before_end", "window"), [(0.04, 0.3), (0.1, 0.6)])
async def test_words_count_within_the_tolerance_of_the_end_of_speech(
    detector: LevelDetector, before_end: float, window: float
) -> None:
    # Decoded 40 ms before the end: within COVERS_END_TOLERANCE (50 ms), no word fits
    # in what it missed. 100 ms before: a short word could, so the usual window.
    run = await _run(
        detector,
        [("silence", 0.32), ("speech", 0.96), ("silence", 1.6)],
        [(0.32 + 0.96 - before_end, "Thanks, bye.")],
    )
    assert run.delays() == pytest.approx([_window_after(window)], abs=1e-6)


async def test_late_words_end_the_turn_at_once_when_the_short_window_has_passed(
    detector: LevelDetector,
) -> None:
    # A slow recognizer: the transcript comes 0.44 s into the pause, past the 0.3 s window.
    run = await _run(
        detector,
        [("silence", 0.32), ("speech", 0.96), ("silence", 1.6)],
        [(0.32 + 0.96 + 0.44, "Thanks, bye.")],
    )
    assert run.delays() == pytest.approx([_window_after(0.44)], abs=1e-6)


async def test_the_words_of_one_turn_do_not_carry_into_the_next(detector: LevelDetector) -> None:
    parts = [("silence", 0.32), ("speech", 0.64), ("silence", 1.28)]
    parts += [("speech", 0.64), ("silence", 1.6)]
    script = [(0.32 + 0.64 + 0.2, "Yes.")]  # the second turn has no transcript
    run = await _run(detector, parts, script)
    assert len(run.events.started) == len(run.events.stopped) == 2
    assert run.delays() == pytest.approx([_window_after(0.3), _window_after(0.6)], abs=1e-6)


async def test_an_stt_before_the_vad_feeds_it_on_the_way_downstream(
    detector: LevelDetector,
) -> None:
    parts = [("silence", 0.32), ("speech", 0.96), ("silence", 0.96), ("speech", 0.64)]
    parts.append(("silence", 1.6))
    script = [(0.32 + 0.96 + 0.2, "I want to book a table for")]
    run = await _run(detector, parts, script, stt_before_vad=True)
    # The 0.96 s pause is shorter than the long window: still one turn, ended by the usual one.
    assert len(run.events.started) == len(run.events.stopped) == 1
    assert run.delays() == pytest.approx([_window_after(0.6)], abs=1e-6)
    assert run.events.interims == [(FrameDirection.DOWNSTREAM, "I want to book a table for")]
