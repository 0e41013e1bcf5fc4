"""The offline intent engine as an LLMService: alone, and as the last link of the fallback chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from framekit.conversation.context import AssistantTurn, LLMContext, ToolCallRecord, ToolCallState
from framekit.frames import (
    FunctionCallResultFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
)
from framekit.health import ProviderHealth
from framekit.intents import CONTACT_CENTER_INTENTS, IntentClassifier
from framekit.llm.events import LLMEvent, StreamEnd, TextDelta, ToolCallEvent
from framekit.llm.fallback import FallbackLLMService
from framekit.llm.intent_service import IntentEngineService
from framekit.models.embeddings import SentenceEmbedder
from framekit.processors.llm import LLMProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.testing.fakes.anthropic_server import FakeAnthropicServer, HttpError
from framekit.testing.fakes.openai_server import FakeOpenAIServer
from framekit.tools import ToolRegistry, ToolRunner

from .helpers import PROVIDERS

NOW = dt.datetime(2026, 11, 25, 15, 0)  # a Wednesday
CLAUDE, GPT = PROVIDERS


@pytest.fixture(scope="module")
def classifier() -> IntentClassifier:
    try:
        embedder = SentenceEmbedder.shared()
    except ImportError as exc:  # the message names the extra to install
        pytest.skip(str(exc))
    return IntentClassifier(CONTACT_CENTER_INTENTS, embedder, threshold=0.30)


class Tools:
    """Records every call; answers like the contact-center tools."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, name: str, arguments: dict[str, Any]) -> Any:
        self.calls.append((name, arguments))
        return {"status": "shipped", "eta": "2026-11-27"}


def _service(classifier: IntentClassifier, **options: Any) -> IntentEngineService:
    return IntentEngineService(classifier=classifier, clock=lambda: NOW, **options)


async def _events(service: IntentEngineService, context: LLMContext) -> list[LLMEvent]:
    return [event async for event in service.stream(context)]


def _text(events: list[LLMEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def _answer(context: LLMContext, call: ToolCallEvent, result: Any) -> None:
    """What the assistant aggregator and the ToolRunner do with a tool call."""
    turn = context.add_assistant(response_id="r")
    turn.tool_calls.append(
        ToolCallRecord(call.call_id, call.name, dict(call.arguments), ToolCallState.DONE, result)
    )
    turn.heard = True


async def test_with_tools_given_it_calls_them_itself_and_streams_text_only(
    classifier: IntentClassifier,
) -> None:
    tools = Tools()
    service = _service(classifier, tools=tools)
    context = LLMContext()
    context.add_user("Where is my order 4271?")
    events = await _events(service, context)
    assert tools.calls == [("order_status", {"order_number": "4271"})]
    assert [type(e) for e in events] == [TextDelta, StreamEnd]
    assert _text(events) == (
        "Order 4 2 7 1 is shipped. It should arrive on Friday, November 27. "
        "Is there anything else I can help with?"
    )


async def test_by_default_a_tool_goes_out_as_a_call_and_the_answer_comes_from_its_result(
    classifier: IntentClassifier,
) -> None:
    service = _service(classifier)
    context = LLMContext()
    context.add_user("Where is my order 4271?")
    first = await _events(service, context)
    assert _text(first) == ""
    call, end = first
    assert isinstance(call, ToolCallEvent)
    assert (call.name, call.arguments, call.error) == (
        "order_status",
        {"order_number": "4271"},
        None,
    )
    assert end == StreamEnd("tool_use")
    assert service.state(context).memory == {}  # the turn is not served yet

    _answer(context, call, {"status": "delayed", "eta": "2026-11-30"})
    second = await _events(service, context)
    assert [type(e) for e in second] == [TextDelta, StreamEnd]
    assert _text(second) == (
        "Order 4 2 7 1 is delayed. It should arrive on Monday, November 30. "
        "Is there anything else I can help with?"
    )
    assert service.state(context).memory["order_number"].value == "4271"
    assert [r.tool_calls[0].result for r in service.replies(context)] == [
        {"status": "delayed", "eta": "2026-11-30"}
    ]
    # asked again with nothing new from the caller: nothing more to say
    assert await _events(service, context) == [StreamEnd("end_turn")]


async def test_a_failed_tool_gets_the_intent_s_failure_reply(classifier: IntentClassifier) -> None:
    service = _service(classifier)
    context = LLMContext()
    context.add_user("Where is my order 4271?")
    call = (await _events(service, context))[0]
    assert isinstance(call, ToolCallEvent)
    turn = context.add_assistant(response_id="r")
    turn.tool_calls.append(
        ToolCallRecord(call.call_id, call.name, call.arguments, ToolCallState.DONE, None, "timeout")
    )
    text = _text(await _events(service, context))
    assert text
    assert "shipped" not in text
    assert "delayed" not in text


async def test_a_result_already_in_the_context_is_used_not_asked_for_again(
    classifier: IntentClassifier,
) -> None:
    service = _service(classifier)
    context = LLMContext()
    context.add_user("Where is my order 4271?")
    # a model called the same tool for this turn, then failed before answering
    _answer(
        context,
        ToolCallEvent("toolu_1", "order_status", {"order_number": "4271"}),
        {"status": "shipped", "eta": "2026-11-27"},
    )
    events = await _events(service, context)
    assert [type(e) for e in events] == [TextDelta, StreamEnd]
    assert "shipped" in _text(events)


async def test_dialogue_state_is_kept_per_conversation(classifier: IntentClassifier) -> None:
    tools = Tools()
    service = _service(classifier, tools=tools)
    first, second = LLMContext(), LLMContext()
    first.add_user("I want to check on my order")
    second.add_user("Hello.")
    asked = _text(await _events(service, first))
    assert "order number" in asked.lower()
    assert _text(await _events(service, second)) == "Hello! How can I help you today?"
    first.add_assistant(asked)
    first.add_user("forty two seventy one")
    assert "shipped" in _text(await _events(service, first))
    assert tools.calls == [("order_status", {"order_number": "4271"})]
    assert service.state(second).memory == {}


async def test_a_request_in_progress_is_dropped_when_a_model_served_the_turns_between(
    classifier: IntentClassifier,
) -> None:
    tools = Tools()
    service = _service(classifier, tools=tools)
    context = LLMContext()
    context.add_user("I want to check on my order")
    await _events(service, context)
    assert service.state(context).pending_slot == "order_number"
    context.add_assistant("Which order?")
    context.add_user("Actually, what are your opening hours?")
    context.add_assistant("We open at nine.")  # a model answered that one
    context.add_user("Hello.")
    assert _text(await _events(service, context)) == "Hello! How can I help you today?"
    assert service.state(context).pending_slot is None


async def test_every_provider_down_the_intent_engine_answers_and_its_tool_runs_once(
    classifier: IntentClassifier,
) -> None:
    registry = ToolRegistry()
    ran: list[str] = []

    @registry.tool
    def order_status(order_number: str) -> dict[str, str]:
        """Where an order is.

        Args:
            order_number: The order's digits.
        """
        ran.append(order_number)
        return {"status": "shipped", "eta": "2026-11-27"}

    intents = _service(classifier)
    async with (
        FakeAnthropicServer(lambda request: HttpError.server_error()) as claude_server,
        FakeOpenAIServer(lambda request: HttpError.rate_limited(retry_after=0)) as gpt_server,
    ):
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server), intents],
            health=ProviderHealth(failure_threshold=1, cooldown=60.0),
        )
        aggregators = create_context_aggregators(
            LLMContext("You answer calls for a shop.", tools=registry.schemas()),
            aggregation_timeout=0,
        )
        call = LiveCall(
            [aggregators.user, LLMProcessor(chain), aggregators.assistant, ToolRunner(registry)]
        )
        await call.start()
        await call.send(TranscriptionFrame(text="Where is my order 4271?", user_id="caller"))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.end()

    assert ran == ["4271"]
    assert len(claude_server.requests) == len(gpt_server.requests) == 1  # then circuits open
    spoken = "".join(f.text for f in call.downstream_of(LLMTextFrame))
    assert spoken == (
        "Order 4 2 7 1 is shipped. It should arrive on Friday, November 27. "
        "Is there anything else I can help with?"
    )
    assert len(call.upstream_of(FunctionCallResultFrame)) == 1
    first, second = [t for t in aggregators.context.turns if isinstance(t, AssistantTurn)]
    assert [(c.name, c.arguments, c.result) for c in first.tool_calls] == [
        ("order_status", {"order_number": "4271"}, {"status": "shipped", "eta": "2026-11-27"})
    ]
    assert second.text == spoken
    assert live_framekit_tasks() == []


def test_the_service_is_given_its_model_and_never_loads_one_itself() -> None:
    with pytest.raises(TypeError, match="embedder="):
        IntentEngineService()
