"""The LLM processors against local servers speaking each provider's wire protocol,
with the official SDKs: streaming, tool calls, faults, interruption, metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from framekit.clock import SystemClock
from framekit.conversation.context import LLMContext
from framekit.frames import (
    ErrorFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
)
from framekit.llm.events import LLMServiceError, StreamEnd, TextDelta, ToolCallEvent
from framekit.pipeline import PipelineParams
from framekit.processors.llm import LLMProcessor
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.testing.fakes.anthropic_server import (
    HttpError,
    MalformedToolArguments,
    Pace,
    ResetAfter,
    SlowFirstToken,
    StallAfter,
    StreamErrorAfter,
    Text,
    ToolCall,
    ToolCalls,
)

from .helpers import PROVIDERS, Provider

pytestmark = pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)

TOOLS = [
    {
        "name": "lookup_order",
        "description": "Find an order.",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
    }
]


def _context(text: str = "Where is my order A17?") -> LLMContext:
    context = LLMContext("You are a phone agent.", tools=TOOLS)
    context.add_user(text)
    return context


async def _run(provider: Provider, script: list[Any], **options: Any) -> tuple[LiveCall, Any]:
    async with provider.server(script) as server:
        llm = LLMProcessor(provider.make_service(server, **options))
        call = LiveCall([llm])
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.end()
    return call, server


async def test_text_streams_as_several_frames_in_order(provider: Provider) -> None:
    call, server = await _run(provider, [Text("Your order ships on Monday.")])

    texts = call.downstream_of(LLMTextFrame)
    assert [f.text for f in texts] == ["Your", " order", " ships", " on", " Monday."]
    start, end = call.downstream_of(LLMResponseStartFrame), call.downstream_of(LLMResponseEndFrame)
    assert len(start) == len(end) == 1
    assert {f.response_id for f in texts} == {start[0].response_id} == {end[0].response_id}
    kinds = [
        type(f)
        for f in call.downstream
        if isinstance(f, (LLMTextFrame, LLMResponseEndFrame, LLMResponseStartFrame))
    ]
    assert kinds[0] is LLMResponseStartFrame
    assert kinds[-1] is LLMResponseEndFrame
    assert call.upstream_of(ErrorFrame) == []
    body = server.requests[0].json
    assert body["stream"] is True
    assert "Where is my order A17?" in str(body["messages"])
    assert "You are a phone agent." in str(body.get("system", body["messages"][0]))


async def test_several_tool_calls_become_requests_with_parsed_arguments(
    provider: Provider,
) -> None:
    script = [
        ToolCalls(
            [
                ToolCall("lookup_order", {"order_id": "A17"}, id="call_1", fragment_size=3),
                ToolCall("lookup_order", {"order_id": "B2", "n": [1, 2]}, id="call_2"),
            ],
            text="Let me check.",
        )
    ]
    call, server = await _run(provider, script)

    requests = call.downstream_of(FunctionCallRequestedFrame)
    assert [(r.call_id, r.function_name, r.arguments) for r in requests] == [
        ("call_1", "lookup_order", {"order_id": "A17"}),
        ("call_2", "lookup_order", {"order_id": "B2", "n": [1, 2]}),
    ]
    end = call.downstream_of(LLMResponseEndFrame)[0]
    assert all(r.response_id == end.response_id for r in requests)
    order = [
        f
        for f in call.downstream
        if isinstance(f, (LLMTextFrame, FunctionCallRequestedFrame, LLMResponseEndFrame))
    ]
    assert isinstance(order[0], LLMTextFrame)
    assert order[-1] is end
    assert "lookup_order" in str(server.requests[0].json["tools"])


async def test_malformed_tool_arguments_become_an_error_result_not_a_crash(
    provider: Provider,
) -> None:
    script = [
        ToolCalls(
            [ToolCall("lookup_order", {"order_id": "A17"}, id="call_bad")],
            faults=[MalformedToolArguments()],
        )
    ]
    call, _ = await _run(provider, script)

    assert call.downstream_of(FunctionCallRequestedFrame) == []
    (result,) = call.downstream_of(FunctionCallResultFrame)
    assert result.call_id == "call_bad"
    assert result.function_name == "lookup_order"
    assert result.error is not None
    assert "not valid JSON" in result.error
    assert call.upstream_of(ErrorFrame) == []


FAULTS = {
    "rate_limited": HttpError.rate_limited(retry_after=0.01),
    "server": HttpError.server_error(),
    "connection": Text("one two three four five six", faults=[ResetAfter(4)]),
    "stall": Text("one two three four five six", faults=[StallAfter(4)]),
    "stream": Text("one two three four five six", faults=[StreamErrorAfter(4)]),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_each_fault_is_one_non_fatal_error_and_leaves_nothing_running(
    provider: Provider, fault: str
) -> None:
    async with provider.server([FAULTS[fault], Text("Still here.")]) as server:
        llm = LLMProcessor(provider.make_service(server, stall_timeout=0.3))
        call = LiveCall([llm])
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame))
        (error,) = call.upstream_of(ErrorFrame)
        assert not error.fatal
        assert isinstance(error.exception, LLMServiceError)
        assert error.exception.kind == fault
        # The call goes on: the next run answers.
        await call.send(LLMContextFrame(context=_context()))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=2)
        await call.end()
    assert [f.text for f in call.downstream_of(LLMTextFrame)][-2:] == ["Still", " here."]
    assert live_framekit_tasks() == []
    assert server.errors == []


async def test_a_slow_first_token_is_not_a_stall_but_a_silent_start_is(
    provider: Provider,
) -> None:
    slow = Text("Thinking done.", faults=[SlowFirstToken(0.4)])
    async with provider.server([slow, slow]) as server:
        patient = LLMProcessor(
            provider.make_service(server, first_token_timeout=2.0, stall_timeout=0.1)
        )
        call = LiveCall([patient])
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.end()
        assert [f.text for f in call.downstream_of(LLMTextFrame)] == ["Thinking", " done."]
        assert call.upstream_of(ErrorFrame) == []

        hasty = LLMProcessor(provider.make_service(server, first_token_timeout=0.1))
        call = LiveCall([hasty])
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.end()
        (error,) = call.upstream_of(ErrorFrame)
        assert isinstance(error.exception, LLMServiceError)
        assert error.exception.kind == "stall"
    assert live_framekit_tasks() == []


async def test_interruption_cancels_the_stream_and_closes_the_connection(
    provider: Provider,
) -> None:
    words = " ".join(f"w{i}" for i in range(200))
    async with provider.server([Text(words, faults=[Pace(0.02)])]) as server:
        service = provider.make_service(server)
        opened: list[Any] = []
        _spy_on_streams(service, opened)
        llm = LLMProcessor(service)
        call = LiveCall([llm])
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.wait_for(lambda f: isinstance(f, LLMTextFrame), count=3)
        await call.send(InterruptionFrame())
        seen = len(call.downstream_of(LLMTextFrame))
        await asyncio.sleep(0.1)  # the paced server would have sent ~5 more words by now
        assert len(call.downstream_of(LLMTextFrame)) == seen
        assert call.downstream_of(LLMResponseEndFrame) == []
        assert len(opened) == 1
        assert opened[0].response.is_closed
        await call.end()
    assert live_framekit_tasks() == []
    assert call.upstream_of(ErrorFrame) == []


def _spy_on_streams(service: Any, opened: list[Any]) -> None:
    """Record every SDK stream the service opens, to check that it gets closed."""
    client = service.client
    api = client.messages if hasattr(client, "messages") else client.chat.completions
    create = api.create

    async def spy(*args: Any, **kwargs: Any) -> Any:
        stream = await create(*args, **kwargs)
        opened.append(stream)
        return stream

    api.create = spy


async def test_metrics_report_time_to_first_token_speed_and_usage(provider: Provider) -> None:
    script = [Text("One two three four.", faults=[Pace(0.01)], input_tokens=42, output_tokens=5)]
    async with provider.server(script) as server:
        llm = LLMProcessor(provider.make_service(server))
        call = LiveCall(
            [llm],
            clock=SystemClock(),
            params=PipelineParams(idle_timeout=None, enable_metrics=True),
        )
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.end()

    values = {m.kind: m for f in call.downstream_of(MetricsFrame) for m in f.data}
    assert 0 < values["ttfb"].value < 5
    assert values["tokens_in"].value == 42
    assert values["tokens_out"].value == 5
    # 5 tokens over the ~30 ms between the first and the last word
    assert 5 < values["tokens_per_second"].value < 1000
    assert values["ttfb"].model in {"claude-fake", "gpt-fake"}


async def test_no_metrics_when_they_are_off(provider: Provider) -> None:
    call, _ = await _run(provider, [Text("One two.", input_tokens=3, output_tokens=2)])
    assert call.downstream_of(MetricsFrame) == []


async def test_messages_frame_runs_the_llm_too(provider: Provider) -> None:
    async with provider.server([Text("Hi.")]) as server:
        llm = LLMProcessor(provider.make_service(server))
        call = LiveCall([llm])
        await call.start()
        await call.send(
            LLMMessagesFrame(
                messages=[
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "hello"},
                ]
            )
        )
        await call.end()
    assert [f.text for f in call.downstream_of(LLMTextFrame)] == ["Hi."]
    assert "Be brief." in str(server.requests[0].json)


async def test_service_stream_is_usable_without_a_pipeline(provider: Provider) -> None:
    """What a fallback chain relies on: the provider's events, in order, then the end."""
    script = [ToolCalls([ToolCall("lookup_order", {"order_id": "A17"}, id="c1")], text="Ok.")]
    async with provider.server(script) as server:
        service = provider.make_service(server)
        events = [event async for event in service.stream(_context())]
        await service.close()
    assert events[0] == TextDelta("Ok.")
    calls = [e for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.call_id, c.arguments) for c in calls] == [("c1", {"order_id": "A17"})]
    assert isinstance(events[-1], StreamEnd)
