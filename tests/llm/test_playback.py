"""Trimming the assistant turn to what the caller heard, through a real sentence TTS and
a real paced output transport on a manual clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from framekit.conversation.context import AssistantTurn, LLMContext
from framekit.frames import (
    InterruptionFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from framekit.processors.llm import LLMProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.testing.fakes.anthropic_server import Text
from timed_speech import (
    FIRST,
    SECOND,
    SilentLine,
    response,
    timed_tts,
)

from .helpers import PROVIDERS, Provider


async def _speak_and_interrupt(*, after: float) -> AssistantTurn:
    aggregators = create_context_aggregators(LLMContext())
    call = LiveCall([aggregators.assistant, timed_tts(), SilentLine(realtime=True)])
    await call.start()
    await call.send(
        *response(
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
    call = LiveCall([aggregators.assistant, timed_tts(), SilentLine(realtime=True)])
    await call.start()
    await call.send(TTSSpeakFrame(text="Hello!"))  # a greeting outside the context
    await call.send(*response("r1", FIRST))
    await call.advance(5.0)  # all played: the utterance ended
    await call.send(*response("r2", SECOND, " And more after that."))
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
    call = LiveCall([aggregators.assistant, timed_tts(), SilentLine(realtime=True)])
    await call.start()
    await call.send(*response("r1", FIRST))
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
        bot = [aggregators.assistant, timed_tts(), SilentLine(realtime=True)]
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
