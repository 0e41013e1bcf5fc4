"""Sentence cutting for streamed TTS: where a voice may pause, and where it must not."""

from __future__ import annotations

import pytest

from framekit.processors.tts.sentences import SentenceAggregator, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello there. How are you?", ["Hello there.", "How are you?"]),
        ("Wow! Really? Yes.", ["Wow!", "Really?", "Yes."]),
        (
            "Dr. Smith will see you now. Please wait.",
            ["Dr. Smith will see you now.", "Please wait."],
        ),
        (
            "Ask Mr. and Mrs. Jones first. Then call.",
            ["Ask Mr. and Mrs. Jones first.", "Then call."],
        ),
        ("Bring fruit, e.g. apples. Or not.", ["Bring fruit, e.g. apples.", "Or not."]),
        ("That is, i.e. never. Fine.", ["That is, i.e. never.", "Fine."]),
        (
            "It costs $4.50 today. Tax is 3.5 percent.",
            ["It costs $4.50 today.", "Tax is 3.5 percent."],
        ),
        ("Version 1.2.3 is out. Update now.", ["Version 1.2.3 is out.", "Update now."]),
        ("Call J. Smith tomorrow. Bye.", ["Call J. Smith tomorrow.", "Bye."]),
        ("We open at 9 a.m. Come early.", ["We open at 9 a.m.", "Come early."]),
        ("We open at 9 a.m. every day. Bye.", ["We open at 9 a.m. every day.", "Bye."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Wait... what? Okay.", ["Wait...", "what?", "Okay."]),
        ("Steps:\n1. Open the app.\n2. Tap pay.", ["Steps:", "1. Open the app.", "2. Tap pay."]),
        ("No final punctuation", ["No final punctuation"]),
        ("   ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_streamed_chunks_give_the_same_sentences_as_whole_text() -> None:
    text = "Dr. Lee says it costs $4.50 per dose. Take 2.5 ml at 8 a.m. Call us! Thanks"
    aggregator = SentenceAggregator()
    streamed: list[str] = []
    for size in (1, 2, 3, 7):
        streamed.clear()
        for i in range(0, len(text), size):
            streamed.extend(aggregator.push(text[i : i + size]))
        rest = aggregator.flush()
        assert rest is not None
        streamed.append(rest)
        assert streamed == split_sentences(text), size


def test_a_sentence_is_released_as_soon_as_the_next_character_shows_it_ended() -> None:
    aggregator = SentenceAggregator()

    assert aggregator.push("It costs $4.") == []  # could still be $4.50
    assert aggregator.push("50.") == []  # could still be followed by more digits
    assert aggregator.push(" And") == ["It costs $4.50."]
    assert aggregator.pending == " And"


def test_time_suffix_waits_for_the_next_word() -> None:
    aggregator = SentenceAggregator()

    assert aggregator.push("See you at 5 p.m. ") == []
    assert aggregator.push("tomorrow. ") == ["See you at 5 p.m. tomorrow."]


def test_reset_forgets_pending_text_and_flush_empties() -> None:
    aggregator = SentenceAggregator()
    aggregator.push("Half a sent")
    aggregator.reset()

    assert aggregator.pending == ""
    assert aggregator.push("ence. ") == ["ence."]
    assert aggregator.flush() is None


def test_custom_abbreviations() -> None:
    assert split_sentences("Ask Sgt. Pepper. Now.") == ["Ask Sgt.", "Pepper.", "Now."]
    assert split_sentences("Ask Sgt. Pepper. Now.", {"sgt."}) == ["Ask Sgt. Pepper.", "Now."]
