"""The second engine hears what the first was unsure of, and its answer is weighed."""

from __future__ import annotations

import pytest

from framekit.audio import PCM16_16K
from framekit.frames import (
    ExpectedSpeech,
    ExpectedSpeechFrame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.second_pass import SecondPassPolicy, SecondPassRecognizer
from framekit.processors.stt.transcript import Segment, SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.services.engine import RecognizerEngine
from framekit.testing import Advance, run_processor


def _said(
    text: str, confidence: float, language: str = "en", probability: float = 1.0
) -> Transcript:
    segment = Segment(0.0, 2.0, text, 0.0, 0.0, confidence)
    return Transcript(text, language, probability, (segment,), 2.0)


class _Scripted(RecognizerEngine):
    """An engine that answers what it was told to, and notes how it was asked."""

    def __init__(self, *answers: Transcript, multilingual: bool = False) -> None:
        super().__init__(
            name="scripted", device="cpu", compute_type="none", workers=1, load_seconds=0
        )
        self.answers = list(answers)
        self.asked: list[tuple[str | None, str | None]] = []
        self.is_multilingual = multilingual

    def transcribe(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        beam_size: int = 1,
        timestamps: bool = False,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        self.asked.append((language, prompt))
        return self.answers.pop(0)


async def _hear(
    first: _Scripted,
    second: _Scripted,
    expect: ExpectedSpeech | None = None,
    policy: SecondPassPolicy | None = None,
) -> tuple[Transcript, SecondPassRecognizer]:
    recognizer = SecondPassRecognizer(first, second, policy)
    return await recognizer.transcribe_async(b"\0\0" * 32000, "en", expect=expect), recognizer


async def test_a_confident_first_pass_is_the_answer_and_the_second_engine_rests() -> None:
    second = _Scripted()
    heard, recognizer = await _hear(_Scripted(_said("where is my order", 0.93)), second)
    assert heard.text == "where is my order"
    assert second.asked == []
    assert recognizer.stats.second_passes == 0


async def test_an_unsure_first_pass_is_heard_again_and_the_second_answer_wins() -> None:
    second = _Scripted(_said("my order number is 4 2 7 1 9", 0.7), multilingual=True)
    heard, recognizer = await _hear(
        _Scripted(_said("my older number is for to seven", 0.35)), second
    )
    assert heard.text == "my order number is 4 2 7 1 9"
    assert second.asked == [(None, None)]  # the language is left to Whisper to identify
    assert (recognizer.stats.second_passes, recognizer.stats.second_chosen) == (1, 1)


async def test_expected_digits_always_get_the_second_engine_with_its_prompt() -> None:
    second = _Scripted(_said("8 0 3 6 5 2", 0.8))
    first = _Scripted(_said("eight zero three six five two", 0.97))
    policy = SecondPassPolicy(expecting=frozenset({"digits"}))
    heard, _ = await _hear(first, second, "digits", policy)
    assert heard.text == "8 0 3 6 5 2"
    assert second.asked == [("en", SecondPassPolicy().prompts["digits"])]


async def test_a_hallucinating_second_engine_is_not_believed() -> None:
    loop = "42," + "000," * 30
    second = _Scripted(_said(loop, 0.9))
    heard, recognizer = await _hear(_Scripted(_said("forty two thousand", 0.4)), second)
    assert heard.text == "forty two thousand"
    assert recognizer.stats.second_chosen == 0


async def test_another_language_wins_only_when_whisper_is_sure_of_it() -> None:
    spanish = _said("quiero saber dónde está mi pedido", 0.8, "es", 0.97)
    heard, recognizer = await _hear(
        _Scripted(_said("key error sub air", 0.3)), _Scripted(spanish, multilingual=True)
    )
    assert (heard.language, heard.text) == ("es", spanish.text)
    assert recognizer.stats.other_languages == {"es": 1}

    unsure = _Scripted(
        _said("order sub", 0.5, "nn", 0.4), _said("order status", 0.6), multilingual=True
    )
    heard, _ = await _hear(_Scripted(_said("or the status", 0.4)), unsure)
    assert (heard.language, heard.text) == ("en", "order status")
    assert [language for language, _ in unsure.asked] == [None, "en"]  # heard again as English


@pytest.mark.parametrize("threshold", [0.5, 0.9])
async def test_the_threshold_decides_who_is_unsure(threshold: float) -> None:
    second = _Scripted(_said("second", 0.9))
    policy = SecondPassPolicy(below_confidence=threshold)
    heard, _ = await _hear(_Scripted(_said("first", 0.7)), second, policy=policy)
    assert heard.text == ("first" if threshold == 0.5 else "second")


async def test_the_processor_hands_the_dialogue_expectation_to_the_recognizer() -> None:
    first = _Scripted(_said("for to seven", 0.99), _said("yes", 0.99))
    second = _Scripted(_said("4 2 7", 0.9))
    policy = SecondPassPolicy(expecting=frozenset({"digits"}))
    recognizer = SecondPassRecognizer(first, second, policy)
    stt = UtteranceSTTProcessor(recognizer, UtteranceOptions(speculative=False))
    speech = InputAudioFrame(audio=b"\1\0" * 16000, format=PCM16_16K)
    frames = [
        ExpectedSpeechFrame(expect="digits"),
        UserStartedSpeakingFrame(),
        speech,
        UserStoppedSpeakingFrame(),
        Advance(1.0),  # the bot answers before the caller speaks again
        ExpectedSpeechFrame(expect=None),
        UserStartedSpeakingFrame(),
        speech,
        UserStoppedSpeakingFrame(),
    ]
    out = await run_processor(stt, frames)
    # the second engine's "4 2 7", in its written form
    assert [f.text for f in out.downstream_of(TranscriptionFrame)] == ["427", "yes"]
