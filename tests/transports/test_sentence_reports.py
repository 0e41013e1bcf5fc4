"""The output transport reports what the caller heard, once per sentence (SentencePlayedFrame)."""

from __future__ import annotations

import numpy as np
import pytest

from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    InterruptionFrame,
    PlayedUpToFrame,
    SentencePlayedFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.tasks import live_framekit_tasks
from framekit.transports.base.played import heard_share

from .test_output_pacing import Call, ListOutput, audio

FIRST = "One two three four."  # 0.5 s of audio each below
SECOND = "Five six seven eight."


def sentence(text: str, seconds: float, response_id: str = "r1") -> list[Frame]:
    return [
        TTSStartedFrame(text=text, response_id=response_id),
        audio(seconds),
        TTSStoppedFrame(),
    ]


def reports(call: Call) -> list[SentencePlayedFrame]:
    return [f for _, f in call.up if isinstance(f, SentencePlayedFrame)]


async def test_sentences_played_to_the_end_are_reported_whole_before_the_utterance_ends() -> None:
    async with Call(ListOutput()) as call:
        await call.send(*sentence(FIRST, 0.5), *sentence(SECOND, 0.5))
        await call.advance(1.5)
        first, second = reports(call)
        assert (first.text, first.heard, first.complete, first.response_id) == (
            FIRST,
            FIRST,
            True,
            "r1",
        )
        assert (second.heard, second.complete) == (SECOND, True)
        assert second.seconds == pytest.approx(0.5)
        assert second.played_seconds == pytest.approx(0.5)
        assert first.started_at == pytest.approx(0.0, abs=0.03)
        assert second.started_at == pytest.approx(0.5, abs=0.03)
        kinds = [type(f) for _, f in call.up]
        assert kinds.index(SentencePlayedFrame) < kinds.index(PlayedUpToFrame)
        await call.finish()
    assert len(reports(call)) == 2, "each sentence is reported once"
    assert live_framekit_tasks() == []


async def test_a_barge_in_reports_the_words_heard_of_the_cut_sentence_and_none_after() -> None:
    async with Call(ListOutput(send_ahead=0.2)) as call:
        await call.send(*sentence(FIRST, 0.5), *sentence(SECOND, 0.5))
        await call.advance(0.75)  # half of the second sentence
        await call.send(InterruptionFrame())
        first, second = reports(call)
        assert (first.heard, first.complete) == (FIRST, True)
        assert (second.heard, second.complete) == ("Five six", False)
        assert second.played_seconds == pytest.approx(0.25, abs=0.03)
        assert second.seconds == pytest.approx(0.5)
        # The next utterance starts a new timeline: its sentence is heard whole.
        await call.send(*sentence("Sorry.", 0.2, "r2"))
        await call.advance(0.5)
        assert [(r.heard, r.complete) for r in reports(call)[2:]] == [("Sorry.", True)]


async def test_a_sentence_cut_before_any_of_it_played_is_reported_unheard() -> None:
    async with Call(ListOutput(send_ahead=0.1)) as call:
        await call.send(*sentence(FIRST, 0.3), *sentence(SECOND, 0.3))
        await call.advance(0.25)
        await call.send(InterruptionFrame())
        assert [(r.text, r.heard, r.complete, r.started_at) for r in reports(call)][1] == (
            SECOND,
            "",
            False,
            None,
        )


async def test_a_cancel_reports_what_was_heard() -> None:
    async with Call(ListOutput()) as call:
        await call.send(*sentence(FIRST, 1.0))
        await call.advance(0.5)
        await call.task.cancel()
    (report,) = reports(call)
    assert (report.heard, report.complete) == ("One two", False)


async def test_audio_outside_any_sentence_is_played_and_reports_no_sentence() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.2))
        await call.advance(0.5)
        await call.finish()
    assert reports(call) == []
    assert [f.played_seconds for _, f in call.up if isinstance(f, PlayedUpToFrame)] == [
        pytest.approx(0.2)
    ]


async def test_audio_running_dry_inside_a_sentence_is_a_gap_not_the_end_of_speaking() -> None:
    # A streaming voice slower than real time (a loaded CPU): the second piece of the
    # sentence comes 0.3 s after the first has played. The caller hears a gap, but the
    # bot has not stopped speaking: nothing upstream may take the answer as finished.
    async with Call(ListOutput()) as call:
        await call.send(TTSStartedFrame(text=FIRST, response_id="r1"), audio(0.05))
        await call.advance(0.35)
        assert call.up_types() == [BotStartedSpeakingFrame]
        assert len(call.output.writes) == 2, "the 10 ms left over waits for the rest"
        await call.send(audio(0.05), TTSStoppedFrame())
        await call.advance(0.5)
        assert call.up_types().count(BotStartedSpeakingFrame) == 1
        assert call.up_types().count(BotStoppedSpeakingFrame) == 1
        chunks = [np.frombuffer(chunk, "<i2") for _, chunk in call.output.writes]
        assert len(chunks) == 5
        assert all((c == 1000).all() for c in chunks), "no padding inside the sentence"
        (report,) = reports(call)
        assert (report.heard, report.complete) == (FIRST, True)
        assert [f.played_seconds for _, f in call.up if isinstance(f, PlayedUpToFrame)] == [
            pytest.approx(0.1)
        ]


def test_heard_share_cuts_at_whole_words() -> None:
    text = "It will arrive on Friday by noon."
    assert heard_share(text, 0.5) == "It will arrive"
    assert heard_share(text, 0.0) == ""
    assert heard_share(text, 0.05) == ""
    assert heard_share(text, 1.0) == text
    assert heard_share(text, 0.99) == "It will arrive on Friday by"
