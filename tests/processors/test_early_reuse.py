"""The VAD and the utterance recognizer agree on where the caller's speech ended.

A real pipeline (VAD with the turn-end rule, :class:`UtteranceSTTProcessor` as
served, with interim results, then :class:`TurnTextRelay`) on audio shaped like a
spoken question: loud "words" (tone bursts), the faint decay of the last word
(quieter than a tenth of the loudest frame, so a pause to the recognizer, and 20 dB
under the utterance's loudest window, so past the end of the voice for the energy
envelope too, though well above the background), then a quiet line. The detector
scores the decay as speech and keeps scoring speech for three windows after it, as
Silero does (80-140 ms measured), so its raw end lies after the refined
``stopped_at``, and the silence that ends the turn counts from ``stopped_at``.
The recognizer is scripted: it writes one phrase per loud burst it was given.
The clock is manual, advanced 20 ms before each 20 ms frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from framekit.audio import PCM16_16K
from framekit.frames import (
    ExpectedSpeech,
    Frame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.processors.vad import (
    SpeechWindow,
    TextTurnEndPolicy,
    TurnTextRelay,
    VADParams,
    VADProcessor,
)
from framekit.testing import Advance, run_processor

RATE = 16000
FRAME = 0.02
WINDOW = 0.032
HANGOVER = 3
"""Windows the detector still calls speech after the level dropped."""
POLICY = TextTurnEndPolicy(complete=0.3, incomplete=1.1, unknown=0.6)
_LOUD = 0.05 * 32768  # a frame of a "word", for the recognizer


class _LaggingStream:
    """Speech while a window's RMS passes 0.01, and for :data:`HANGOVER` windows after."""

    def __init__(self) -> None:
        self.since_speech = HANGOVER + 1

    async def probability(self, window: SpeechWindow, /) -> float:
        loud = float(np.sqrt(np.mean(window * window))) > 0.01
        self.since_speech = 0 if loud else self.since_speech + 1
        return 1.0 if self.since_speech <= HANGOVER else 0.0

    def reset(self) -> None:
        self.since_speech = HANGOVER + 1

    def close(self) -> None:
        pass


class LaggingDetector:
    """A :class:`~framekit.processors.vad.SpeechDetector` that ends speech late, as Silero does."""

    sample_rate = RATE
    window_samples = 512

    def open_stream(self) -> _LaggingStream:
        return _LaggingStream()


class PhraseRecognizer:
    """Writes one of ``phrases`` for each loud burst in the audio it decodes.

    A burst still under way when the audio ends (an interim decode mid-word) gets the
    first half of its phrase's words.
    """

    name = "phrases"

    def __init__(self, phrases: list[str]) -> None:
        self.phrases = phrases
        self.decodes: list[tuple[int, bool]] = []
        """(bursts heard, urgent) of each decode."""

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        samples = np.frombuffer(bytes(audio), dtype="<i2").astype(np.float32)
        size = PCM16_16K.bytes_for(FRAME) // 2
        frames = samples[: len(samples) // size * size].reshape(-1, size)
        loud = np.sqrt(np.mean(frames * frames, axis=1)) > _LOUD
        bursts = int(np.count_nonzero(loud[1:] & ~loud[:-1])) + int(loud[:1].sum())
        self.decodes.append((bursts, urgent))
        said = self.phrases[:bursts]
        if said and loud[-1]:
            words = said[-1].split()
            said[-1] = " ".join(words[: len(words) // 2])
        text = " ".join(said)
        return Transcript(text, "en", 1.0, (), len(samples) / RATE)


def _audio(parts: list[tuple[str, float]]) -> bytes:
    """PCM16 of ("word"|"decay"|"quiet", seconds) parts: a loud tone, a faint one, a quiet line."""
    rng = np.random.default_rng(7)
    amplitude = {"word": 0.3, "decay": 0.025}
    pieces = []
    for kind, seconds in parts:
        n = round(seconds * RATE)
        if kind == "quiet":
            pieces.append(rng.normal(0.0, 0.0005, n))
        else:
            pieces.append(amplitude[kind] * np.sin(2 * np.pi * 220.0 * np.arange(n) / RATE))
    return np.round(np.concatenate(pieces) * 32767.0).astype("<i2").tobytes()


@dataclass
class Turns(FrameProcessor):
    """Records when each stop passed (clock time), its ``stopped_at``, and the final texts."""

    stopped: list[float] = field(default_factory=list)
    stopped_at: list[float] = field(default_factory=list)
    finals: list[str] = field(default_factory=list)
    started: int = 0

    def __post_init__(self) -> None:
        super().__init__()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self.started += 1
        elif isinstance(frame, UserStoppedSpeakingFrame):
            assert frame.stopped_at is not None
            self.stopped.append(self.clock.now())
            self.stopped_at.append(frame.stopped_at)
        elif isinstance(frame, TranscriptionFrame):
            self.finals.append(frame.text)
        await self.push_frame(frame, direction)


async def _call(
    parts: list[tuple[str, float]], phrases: list[str]
) -> tuple[Turns, UtteranceSTTProcessor, PhraseRecognizer]:
    vad = VADProcessor(
        LaggingDetector(), params=VADParams(min_speech_duration=0.064), turn_end=POLICY
    )
    recognizer = PhraseRecognizer(phrases)
    stt = UtteranceSTTProcessor(recognizer, UtteranceOptions(interim_results=True))
    turns = Turns()
    pcm = _audio(parts)
    size = PCM16_16K.bytes_for(FRAME)
    items: list[Frame | Advance] = []
    for i in range(0, len(pcm), size):
        items += [Advance(FRAME), InputAudioFrame(audio=pcm[i : i + size], format=PCM16_16K)]
    await run_processor(
        [vad, stt, TurnTextRelay(), turns],
        items,
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=RATE),
        time_limit=30.0,
    )
    return turns, stt, recognizer


def _stop_time(speech_end: float, voice_end: float, silence: float) -> float:
    """When ``silence`` seconds of quiet after ``voice_end`` end the turn.

    ``speech_end``: where the detector's speech ends (the decay's end); the detector's
    own end is the window holding it, then :data:`HANGOVER` windows, and only a window
    after that can stop the turn. The stop: the first such window that completes
    ``silence`` after ``voice_end``, at the end of the 20 ms frame that completes it.
    """
    raw_end = (np.ceil(speech_end / WINDOW - 1e-9) + HANGOVER) * WINDOW
    decided = max(raw_end + WINDOW, np.ceil((voice_end + silence) / WINDOW - 1e-9) * WINDOW)
    return float(np.ceil(decided / FRAME - 1e-9) * FRAME)


async def test_a_finished_question_ends_after_the_short_window_and_is_decoded_once() -> None:
    word_end = 0.32 + 0.96
    question_end = word_end + 0.22
    turns, stt, recognizer = await _call(
        [("quiet", 0.32), ("word", 0.96), ("decay", 0.22), ("quiet", 1.6)],
        ["What are your opening hours?"],
    )
    assert turns.started == 1
    assert turns.finals == ["What are your opening hours?"]
    # The envelope puts the end at the word's end (its 8 ms block), where the recognizer's
    # pause begins too; the detector ends 0.22 s (the decay) + 96 ms later.
    assert turns.stopped_at == pytest.approx([word_end], abs=0.008)
    # The early decode's audio ends 0.2 s past stopped_at: it counts. The window is the
    # finished question's 0.3 s from stopped_at, not the usual 0.6 s.
    assert turns.stopped == pytest.approx([_stop_time(question_end, word_end, 0.3)], abs=1e-6)
    # The early decode became the final: no decode after the stop.
    assert stt.stats.early_audio_until == pytest.approx(question_end - 0.02, abs=1e-6)
    assert stt.stats.reused == 1
    assert stt.stats.decodes == stt.stats.early_decodes
    assert all(not urgent for _, urgent in recognizer.decodes)


async def test_a_caller_who_pauses_mid_sentence_is_not_cut_and_the_stale_decode_is_not_final() -> (
    None
):
    # "My order number is" ... 0.8 s ... "4271.": the pause (1.02 s from the first word's
    # end) is longer than the usual window, shorter than the long one that "is" earns.
    first_end = 0.32 + 0.96 + 0.22
    second_word_end = first_end + 0.8 + 0.64
    second_end = second_word_end + 0.22
    parts = [("quiet", 0.32), ("word", 0.96), ("decay", 0.22), ("quiet", 0.8)]
    parts += [("word", 0.64), ("decay", 0.22), ("quiet", 1.6)]
    turns, stt, recognizer = await _call(parts, ["My order number is", "4271."])
    assert turns.started == len(turns.stopped) == 1
    assert turns.finals == ["My order number is 4271."]
    assert turns.stopped_at == pytest.approx([second_word_end], abs=0.008)
    assert turns.stopped == pytest.approx([_stop_time(second_end, second_word_end, 0.3)], abs=1e-6)
    # The decode at the first pause ("My order number is") was replaced by the one at
    # the second, which heard both bursts and became the final.
    assert (1, False) in recognizer.decodes
    assert recognizer.decodes[-1] == (2, False)
    assert stt.stats.reused == 1


def _frames(pcm: bytes) -> list[Frame | Advance]:
    size = PCM16_16K.bytes_for(FRAME)
    items: list[Frame | Advance] = []
    for i in range(0, len(pcm), size):
        items += [Advance(FRAME), InputAudioFrame(audio=pcm[i : i + size], format=PCM16_16K)]
    return items


@pytest.mark.parametrize(
    ("after_pause", "stopped_after_decode", "reused", "final"),
    [
        # The VAD's end 20 ms after the decode's audio, nothing said since (browser turns).
        ([], -0.02, True, "I want to cancel."),
        ([], 0.04, True, "I want to cancel."),
        # A short word after the decode: its end is stopped_at, 0.1 s past the decode.
        ([("word", 0.1), ("quiet", 0.04)], 0.1, False, "I want to cancel. No"),
    ],
)
async def test_an_early_decode_is_final_only_if_it_reaches_the_end_of_speech(
    after_pause: list[tuple[str, float]],
    stopped_after_decode: float,
    reused: bool,
    final: str,
) -> None:
    recognizer = PhraseRecognizer(["I want to cancel.", "No"])
    stt = UtteranceSTTProcessor(recognizer, UtteranceOptions(pre_roll=0.0))
    speech = _audio([("word", 0.6), ("quiet", 0.2), *after_pause])  # decoded at the 0.2 s pause
    decoded_until = 0.8  # the clock when the pause's last frame arrived
    stopped_at = decoded_until + stopped_after_decode
    items = [Advance(0.0), UserStartedSpeakingFrame(started_at=0.0), *_frames(speech)]
    items += [Advance(0.02), UserStoppedSpeakingFrame(stopped_at=stopped_at)]
    capture = await run_processor(stt, items)
    assert [f.text for f in capture.downstream_of(TranscriptionFrame)] == [final]
    assert stt.stats.early_audio_until == pytest.approx(decoded_until, abs=1e-6)
    assert stt.stats.reused == int(reused)
    assert stt.stats.decodes == stt.stats.early_decodes + (0 if reused else 1)
