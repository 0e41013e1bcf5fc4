"""Trimming the assistant turn to what the caller heard, through a real sentence TTS and
a real paced output transport on a manual clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable

import pytest

from framekit.audio import AudioFormat, audio_format
from framekit.frames import (
    Frame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from framekit.llm.aggregators import create_context_aggregators
from framekit.llm.context import AssistantTurn, LLMContext
from framekit.processors.llm import LLMProcessor
from framekit.processors.tts.base import SentenceTTSProcessor
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.testing.fakes.anthropic_server import Text
from framekit.transports.base.output import OutputTransport

from .helpers import PROVIDERS, Provider

SECONDS_PER_CHARACTER = 0.05
FIRST = "Your order A17 shipped on Monday."  # 33 characters: 1.65 s
SECOND = "It will arrive on Friday by noon."  # 33 characters: 1.65 s


class _Voice(SentenceTTSProcessor):
    """Speaks silence, 50 ms per character, at once."""

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        fmt = audio_format(16000)
        samples = round(len(text) * SECONDS_PER_CHARACTER * 16000)
        yield b"\x00\x00" * samples, fmt


class _Line(OutputTransport):
    """A phone line that plays in real time (on the test's clock) and records nothing."""

    async def write_audio(self, chunk: bytes) -> None:
        return None


def _response(response_id: str, *chunks: str) -> list[Frame]:
    return [
        LLMResponseStartFrame(response_id=response_id),
        *(LLMTextFrame(text=chunk, response_id=response_id) for chunk in chunks),
        LLMResponseEndFrame(response_id=response_id),
    ]


async def _speak_and_interrupt(*, after: float) -> AssistantTurn:
    aggregators = create_context_aggregators(LLMContext())
    call = LiveCall([aggregators.assistant, _Voice(), aggregators.playback, _Line(realtime=True)])
    await call.start()
    await call.send(
        *_response(
            "r1", "Your order A17 ", "shipped on Monday. It will", " arrive on Friday by noon."
        )
    )
    await call.advance(after)
    await call.send(InterruptionFrame())
    await call.end()
    assert live_framekit_tasks() == []
    (turn,) = aggregators.context.assistant_turns()
    return turn


async def test_a_barge_in_mid_sentence_keeps_the_words_heard() -> None:
    turn = await _speak_and_interrupt(after=1.65 + 0.825)  # half of the second sentence
    assert turn.text == f"{FIRST} It will arrive"
    assert turn.interrupted


async def test_a_barge_in_during_the_first_sentence() -> None:
    turn = await _speak_and_interrupt(after=0.5)  # 30% of the first sentence
    assert turn.text == "Your order"


async def test_a_sentence_not_yet_played_is_not_kept() -> None:
    turn = await _speak_and_interrupt(after=1.66)
    assert turn.text == FIRST


async def test_a_response_heard_to_the_end_is_not_cut_by_a_later_barge_in() -> None:
    aggregators = create_context_aggregators(LLMContext())
    call = LiveCall([aggregators.assistant, _Voice(), aggregators.playback, _Line(realtime=True)])
    await call.start()
    await call.send(TTSSpeakFrame(text="Hello!"))  # a greeting outside the context
    await call.send(*_response("r1", FIRST))
    await call.advance(5.0)  # all played: the utterance ended
    await call.send(*_response("r2", SECOND, " And more after that."))
    await call.advance(0.5)
    await call.send(InterruptionFrame())
    await call.end()

    first, second = aggregators.context.assistant_turns()
    assert (first.text, first.interrupted, first.heard) == (FIRST, False, True)
    assert second.text == "It will"  # 0.5 s of 1.65 s: 30% of the characters, whole words
    assert second.interrupted


async def test_a_response_the_caller_never_heard_is_emptied_and_not_sent() -> None:
    aggregators = create_context_aggregators(LLMContext())
    aggregators.context.add_user("Hi")
    call = LiveCall([aggregators.assistant, _Voice(), aggregators.playback, _Line(realtime=True)])
    await call.start()
    await call.send(*_response("r1", FIRST))
    await call.advance(0)  # the response reaches the line; no time passes
    await call.send(InterruptionFrame())
    await call.end()

    (turn,) = aggregators.context.assistant_turns()
    assert turn.text == ""
    assert aggregators.context.window() == [aggregators.context.turns[0]]


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
async def test_the_next_request_carries_only_what_the_caller_heard(provider: Provider) -> None:
    script = [Text(f"{FIRST} {SECOND}"), Text("Friday, yes.")]
    async with provider.server(script) as server:
        aggregators = create_context_aggregators(LLMContext("Be brief."), aggregation_timeout=0)
        llm = LLMProcessor(provider.make_service(server))
        bot = [aggregators.assistant, _Voice(), aggregators.playback, _Line(realtime=True)]
        call = LiveCall([aggregators.user, llm, *bot])
        await call.start()
        await call.send(TranscriptionFrame(text="Where is my order?"))
        await _until(lambda: llm.last_run is not None and llm.last_run.text.endswith("noon."))
        await call.advance(1.65 + 0.825)
        await call.send(InterruptionFrame())
        await call.send(TranscriptionFrame(text="Sorry, when?"))
        await _until(lambda: llm.last_run is not None and llm.last_run.text == "Friday, yes.")
        await call.advance(5.0)  # the answer plays out, so the end can drain
        await call.end()

    second = json.dumps(server.requests[1].json["messages"])
    assert f"{FIRST} It will arrive" in second
    assert "Friday" not in second
    assert "Sorry, when?" in second
    assert live_framekit_tasks() == []


async def _until(condition: Callable[[], bool], limit: float = 5.0) -> None:
    """Wait for network work (the fake server) to reach ``condition``, failing after ``limit``."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - the fake server's progress sets no event
            await asyncio.sleep(0.005)
