"""The intent engine in a pipeline: transcriptions in, LLM-style replies and call control out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from framekit.frames import (
    ExpectedSpeechFrame,
    FunctionCallResultFrame,
    GenerationHangUpFrame,
    HangUpFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TransferCallFrame,
)
from framekit.intents import IntentClassifier, IntentEngine
from framekit.intents.processor import FAREWELL_REPLY, LONG_TURN_REPLY, IntentEngineProcessor
from framekit.interruptions import survives_interruption
from framekit.testing import LiveCall, run_processor

NOW = dt.datetime(2026, 11, 25, 15, 0)


async def goodbye_talked_over(
    processor: IntentEngineProcessor, then: str, *, first: str = "that is all"
) -> LiveCall:
    """A call where the caller's ``first`` words end it (a hang-up or a transfer), the
    caller talks over the bot's reply, then says ``then``."""
    call = LiveCall(processor)
    await call.start()
    await call.send(TranscriptionFrame(text=first))
    await call.wait_for(lambda f: isinstance(f, HangUpFrame | TransferCallFrame))
    await call.send(InterruptionFrame())
    await call.send(TranscriptionFrame(text=then))
    await call.end()
    return call


def make(classifier: IntentClassifier) -> tuple[IntentEngine, list[str]]:
    calls: list[str] = []

    def tools(name: str, args: dict[str, Any]) -> dict[str, Any]:
        calls.append(name)
        return {"status": "shipped"}

    return IntentEngine(tools, classifier=classifier, clock=lambda: NOW), calls


async def test_a_turn_becomes_an_llm_style_response(classifier: IntentClassifier) -> None:
    engine, calls = make(classifier)
    capture = await run_processor(
        IntentEngineProcessor(engine),
        [TranscriptionFrame(text="where's my order"), TranscriptionFrame(text="4 2 7 1")],
    )
    texts = [f.text for f in capture.downstream_of(LLMTextFrame)]
    assert texts[0].startswith("Sure. What's your order number?")
    assert texts[1] == "Order 4 2 7 1 is shipped. Is there anything else I can help with?"
    assert calls == ["order_status"]
    (result,) = capture.downstream_of(FunctionCallResultFrame)
    assert result.function_name == "order_status"
    assert result.arguments == {"order_number": "4271"}
    kinds = [
        type(f)
        for f in capture.downstream
        if isinstance(f, LLMResponseStartFrame | LLMTextFrame | LLMResponseEndFrame)
    ]
    assert kinds == [LLMResponseStartFrame, LLMTextFrame, LLMResponseEndFrame] * 2
    assert len(capture.downstream_of(TranscriptionFrame)) == 2


async def test_the_recognizer_is_told_what_the_bot_asked_for(
    classifier: IntentClassifier,
) -> None:
    """Asked for an order number, the caller's next words are digits; then nothing special."""
    engine, _ = make(classifier)
    capture = await run_processor(
        IntentEngineProcessor(engine),
        [TranscriptionFrame(text="where's my order"), TranscriptionFrame(text="4 2 7 1")],
    )
    expected = [f.expect for f in capture.upstream_of(ExpectedSpeechFrame)]
    assert expected == ["digits", None]


async def test_goodbye_hangs_up_after_the_reply(classifier: IntentClassifier) -> None:
    engine, _ = make(classifier)
    capture = await run_processor(
        IntentEngineProcessor(engine),
        [TranscriptionFrame(text="that's all, thanks, bye"), TranscriptionFrame(text="hello?")],
    )
    order = [type(f) for f in capture.downstream if isinstance(f, LLMTextFrame | HangUpFrame)]
    # A hang-up that an interruption drops: a caller who talks over the goodbye is heard.
    assert order == [LLMTextFrame, GenerationHangUpFrame]
    hang_up = capture.downstream_of(HangUpFrame)[0]
    assert not survives_interruption(hang_up)


async def test_a_farewell_over_the_goodbye_hangs_up_without_a_second_tool_call(
    classifier: IntentClassifier,
) -> None:
    """ "That is all." ... "Goodbye.": a comma's pause ended the first turn, and the caller's
    farewell talked over the bot's goodbye. The call ends; the record has one end_call."""
    engine, calls = make(classifier)
    call = await goodbye_talked_over(IntentEngineProcessor(engine), "Goodbye.")
    assert calls == ["end_call"]
    texts = [f.text for f in call.downstream_of(LLMTextFrame)]
    assert texts == ["Thanks for calling. Goodbye!", FAREWELL_REPLY]
    order = [type(f) for f in call.downstream if isinstance(f, LLMTextFrame | HangUpFrame)]
    assert order == [LLMTextFrame, GenerationHangUpFrame] * 2


async def test_other_words_over_the_goodbye_reopen_the_call(
    classifier: IntentClassifier,
) -> None:
    engine, calls = make(classifier)
    call = await goodbye_talked_over(IntentEngineProcessor(engine), "where's my order")
    assert calls == ["end_call"]
    texts = [f.text for f in call.downstream_of(LLMTextFrame)]
    assert texts[-1].startswith("Sure. What's your order number?")
    assert len(call.downstream_of(HangUpFrame)) == 1  # the goodbye's, which was talked over


async def test_a_farewell_over_a_transfer_is_left_to_the_engine(
    classifier: IntentClassifier,
) -> None:
    """A caller who asked for a person and says "thanks, bye" over the hand-over is not
    hung up on by the farewell rule: it answers the bot's own goodbye only."""
    engine, _ = make(classifier)
    call = await goodbye_talked_over(
        IntentEngineProcessor(engine, transfer_to="+15550100"),
        "thanks, bye",
        first="can i talk to a real person please",
    )
    texts = [f.text for f in call.downstream_of(LLMTextFrame)]
    assert FAREWELL_REPLY not in texts


async def test_asking_for_a_human_transfers(classifier: IntentClassifier) -> None:
    engine, calls = make(classifier)
    capture = await run_processor(
        IntentEngineProcessor(engine, transfer_to="+15550100"),
        [TranscriptionFrame(text="can i talk to a real person please")],
    )
    (transfer,) = capture.downstream_of(TransferCallFrame)
    assert transfer.target == "+15550100"
    assert calls == ["transfer_to_human"]


async def test_a_turn_the_recognizer_cut_is_asked_for_its_gist(
    classifier: IntentClassifier,
) -> None:
    engine, calls = make(classifier)
    rambling = TranscriptionFrame(text="so where is my order and also the lamp and", cut=True)
    capture = await run_processor(IntentEngineProcessor(engine), [rambling])
    [reply] = capture.downstream_of(LLMTextFrame)
    assert reply.text == LONG_TURN_REPLY
    assert calls == []  # nothing acted on a fragment
