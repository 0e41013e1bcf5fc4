"""The fallback chain against fake Anthropic and OpenAI servers driven by the real SDKs.

Claude is the primary and fails in each injected way; GPT answers. GPT is played
either as a model that continues the partial answer it is given, or as one that
starts the answer over (the seam must then drop the repeated words). Either way the
caller hears the answer once, whole, with no word twice at the seam.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest

from framekit.clock import ManualClock, SystemClock
from framekit.conversation.context import AssistantTurn, LLMContext
from framekit.frames import (
    ErrorFrame,
    LLMContextFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    MetricsFrame,
)
from framekit.health import BreakerState, CircuitBreaker, ProviderHealth
from framekit.llm._seam import SeamJoiner
from framekit.llm.events import (
    LLMEvent,
    LLMService,
    LLMServiceError,
    StreamEnd,
    TextDelta,
    ToolCallEvent,
)
from framekit.llm.fallback import (
    CONTINUE_INSTRUCTION,
    DEFAULT_RESTART_TEXT,
    FallbackLink,
    FallbackLLMService,
)
from framekit.pipeline import PipelineParams
from framekit.processors.llm import LLMProcessor
from framekit.services.anthropic import AnthropicLLMService
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall
from framekit.testing.fakes._llm_script import ScriptStep
from framekit.testing.fakes.anthropic_server import (
    FakeAnthropicServer,
    HttpError,
    MalformedToolArguments,
    ResetAfter,
    SlowFirstToken,
    StallAfter,
    StreamErrorAfter,
    Text,
    ToolCall,
    ToolCalls,
)
from framekit.testing.fakes.openai_server import FakeOpenAIServer

from .helpers import PROVIDERS

CLAUDE, GPT = PROVIDERS
ANSWER = "Your order A17 shipped on Monday and arrives on Friday."
SAID_BEFORE_FAULT = "Your order A17 shipped"  # 4 words
OPENING = 3  # message_start, content_block_start, ping: Anthropic's events before the text

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

FAULTS: dict[str, tuple[ScriptStep, str]] = {
    "rate_limited": (HttpError.rate_limited(retry_after=0), ""),
    "server_error": (HttpError.server_error(), ""),
    "overloaded": (HttpError.overloaded(), ""),
    "reset_mid_stream": (Text(ANSWER, faults=[ResetAfter(OPENING + 4)]), SAID_BEFORE_FAULT),
    "stall_mid_stream": (Text(ANSWER, faults=[StallAfter(OPENING + 4)]), SAID_BEFORE_FAULT),
    "error_event_mid_stream": (
        Text(ANSWER, faults=[StreamErrorAfter(OPENING + 4)]),
        SAID_BEFORE_FAULT,
    ),
    "slow_first_token": (Text(ANSWER, faults=[SlowFirstToken(30)]), ""),
}


def _context(text: str = "Where is my order A17?") -> LLMContext:
    context = LLMContext("You are a phone agent.", tools=TOOLS)
    context.add_user(text)
    return context


def _partial_in(request: dict[str, Any]) -> str | None:
    """The partial answer an OpenAI request asks to continue, if it does."""
    messages = request["messages"]
    if len(messages) >= 2 and messages[-1]["content"] == CONTINUE_INSTRUCTION:
        content = messages[-2]["content"]
        assert messages[-2]["role"] == "assistant"
        return str(content)
    return None


def gpt(mode: str) -> Callable[[dict[str, Any]], Text]:
    """GPT: continues a partial answer (``continue``) or starts over (``restart``)."""

    def brain(request: dict[str, Any]) -> Text:
        partial = _partial_in(request)
        if partial is None or mode == "restart":
            return Text(ANSWER)
        assert ANSWER.startswith(partial)
        return Text(ANSWER[len(partial) :].lstrip())  # models drop the leading space

    return brain


async def _collect(service: LLMService, context: LLMContext) -> tuple[list[LLMEvent], list[float]]:
    loop = asyncio.get_running_loop()
    events: list[LLMEvent] = []
    times: list[float] = []
    async for event in service.stream(context):
        events.append(event)
        times.append(loop.time())
    return events, times


def _text(events: list[LLMEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


@pytest.mark.parametrize("mode", ["continue", "restart"])
@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_primary_fails_and_the_caller_hears_one_whole_answer(
    fault: str, mode: str, record_property: Callable[[str, object], None]
) -> None:
    step, said_before = FAULTS[fault]
    async with (
        FakeAnthropicServer([step]) as claude_server,
        FakeOpenAIServer(gpt(mode)) as gpt_server,
    ):
        chain = FallbackLLMService(
            [
                FallbackLink(CLAUDE.make_service(claude_server), stall_timeout=0.5),
                GPT.make_service(gpt_server),
            ],
            health=ProviderHealth(),
            silence_budget=1.5,
        )
        events, times = await _collect(chain, _context())
        await chain.close()

    assert _text(events) == ANSWER
    assert isinstance(events[-1], StreamEnd)
    assert [a.outcome for a in chain.last_attempts] == ["failed", "answered"]
    claude, answer = chain.last_attempts
    assert claude.text == said_before
    assert claude.kind in {"rate_limited", "server", "connection", "stall", "stream"}
    partial = _partial_in(gpt_server.requests[0].json)
    assert partial == (said_before or None)
    if mode == "restart" and said_before:
        assert answer.dropped.strip() == said_before
    if said_before:
        # the caller's silence at the seam: the primary's last word to the next provider's first
        deltas = [t for e, t in zip(events, times, strict=True) if isinstance(e, TextDelta)]
        last_primary = deltas[len(said_before.split()) - 1]
        gap = deltas[len(said_before.split())] - last_primary
        record_property("seam_silence_s", round(gap, 3))
        print(f"{fault}/{mode}: primary's last word -> next provider's first: {gap * 1000:.0f} ms")
        assert gap < 5.0


async def test_stalled_primary_through_the_processor_one_response_no_error_no_leak() -> None:
    async with (
        FakeAnthropicServer([Text(ANSWER, faults=[StallAfter(OPENING + 4)])]) as claude_server,
        FakeOpenAIServer(gpt("restart")) as gpt_server,
    ):
        chain = FallbackLLMService(
            [
                FallbackLink(CLAUDE.make_service(claude_server), stall_timeout=0.3),
                GPT.make_service(gpt_server),
            ],
            health=ProviderHealth(),
        )
        call = LiveCall([LLMProcessor(chain)])
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame))
        await call.end()

    assert "".join(f.text for f in call.downstream_of(LLMTextFrame)) == ANSWER
    assert (
        len(call.downstream_of(LLMResponseStartFrame))
        == len(call.downstream_of(LLMResponseEndFrame))
        == 1
    )
    assert call.downstream_of(ErrorFrame) == call.upstream_of(ErrorFrame) == []
    assert live_framekit_tasks() == []


async def test_malformed_tool_arguments_go_to_the_next_provider_and_only_its_call_comes_out() -> (
    None
):
    claude_turn = ToolCalls(
        [ToolCall("lookup_order", {"order_id": "A17"}, id="toolu_bad")],
        text="Let me check.",
        faults=[MalformedToolArguments()],
    )
    gpt_turn = ToolCalls(
        [ToolCall("lookup_order", {"order_id": "A17"}, id="call_good")], text="Let me check."
    )
    async with (
        FakeAnthropicServer([claude_turn]) as claude_server,
        FakeOpenAIServer([gpt_turn]) as gpt_server,
    ):
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)],
            health=ProviderHealth(),
        )
        events, _ = await _collect(chain, _context())
        await chain.close()

    assert _text(events) == "Let me check."
    calls = [e for e in events if isinstance(e, ToolCallEvent)]
    assert [(c.call_id, c.arguments, c.error) for c in calls] == [
        ("call_good", {"order_id": "A17"}, None)
    ]
    assert chain.last_attempts[0].kind == "tool_arguments"
    assert _partial_in(gpt_server.requests[0].json) == "Let me check."


async def test_a_tool_call_of_a_provider_that_fails_afterwards_never_comes_out() -> None:
    # Claude's tool block completes (its call is parsed), then the connection resets
    # before the message ends: the call must not reach the processor.
    turn = ToolCalls([ToolCall("lookup_order", {"order_id": "A17"}, id="toolu_1")], text="Ok.")
    async with FakeAnthropicServer([turn]) as probe:
        counter = CLAUDE.make_service(probe)
        assert isinstance(counter, AnthropicLLMService)
        raw = await counter.client.messages.create(stream=True, **counter.request(_context()))
        kinds = [event.type async for event in raw]
        await counter.close()
    cut = max(i for i, kind in enumerate(kinds) if kind == "content_block_stop") + 1
    failing = ToolCalls(
        [ToolCall("lookup_order", {"order_id": "A17"}, id="toolu_1")],
        text="Ok.",
        faults=[ResetAfter(cut)],
    )
    async with (
        FakeAnthropicServer([failing]) as claude_server,
        FakeOpenAIServer([Text("Ok. One moment.")]) as gpt_server,
    ):
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)],
            health=ProviderHealth(),
        )
        events, _ = await _collect(chain, _context())
        await chain.close()

    assert chain.last_attempts[0].outcome == "failed"
    assert [e for e in events if isinstance(e, ToolCallEvent)] == []
    assert _text(events) == "Ok. One moment."


async def test_the_breaker_opens_skips_the_primary_then_half_opens_after_the_cooldown() -> None:
    clock = ManualClock()
    health = ProviderHealth(failure_threshold=2, cooldown=10.0)
    claude_script: list[ScriptStep] = [HttpError.server_error(), HttpError.server_error()]
    async with (
        FakeAnthropicServer(claude_script) as claude_server,
        FakeOpenAIServer(lambda request: Text("GPT here.")) as gpt_server,
    ):
        claude = CLAUDE.make_service(claude_server)
        chain = FallbackLLMService(
            [claude, GPT.make_service(gpt_server)], health=health, clock=clock
        )
        key = f"{claude.provider}:{claude.model}"
        for _ in range(2):
            events, _ = await _collect(chain, _context())
            assert _text(events) == "GPT here."
        assert health.breaker(key).state(clock.now()) == BreakerState.OPEN
        assert len(claude_server.requests) == 2

        await clock.advance(9.0)
        events, _ = await _collect(chain, _context())
        assert _text(events) == "GPT here."
        assert len(claude_server.requests) == 2  # skipped: no request, no waiting
        assert chain.last_attempts[0].kind == "circuit open"

        await clock.advance(1.0)
        assert health.breaker(key).state(clock.now()) == BreakerState.HALF_OPEN
        claude_server.push(Text("Claude is back."))
        events, _ = await _collect(chain, _context())
        assert _text(events) == "Claude is back."
        assert len(claude_server.requests) == 3
        assert health.breaker(key).state(clock.now()) == BreakerState.CLOSED
        await chain.close()


async def test_a_failed_probe_opens_the_breaker_again_for_a_whole_cooldown() -> None:
    clock = ManualClock()
    health = ProviderHealth(failure_threshold=1, cooldown=5.0)
    async with (
        FakeAnthropicServer(lambda request: HttpError.server_error()) as claude_server,
        FakeOpenAIServer(lambda request: Text("GPT here.")) as gpt_server,
    ):
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)],
            health=health,
            clock=clock,
        )
        await _collect(chain, _context())
        await clock.advance(5.0)
        await _collect(chain, _context())  # the probe fails
        await clock.advance(4.0)
        await _collect(chain, _context())  # still open
        await chain.close()
    assert len(claude_server.requests) == 2


async def test_chains_given_one_registry_share_its_breakers() -> None:
    health = ProviderHealth()  # what an application creates once per process
    async with (
        FakeAnthropicServer(lambda request: HttpError.server_error()) as claude_server,
        FakeOpenAIServer(lambda request: Text("GPT here.")) as gpt_server,
    ):
        for _ in range(3):  # three calls, one failure each: the default threshold
            chain = FallbackLLMService(
                [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)], health=health
            )
            await _collect(chain, _context())
            await chain.close()
        fourth = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)], health=health
        )
        events, _ = await _collect(fourth, _context())
        await fourth.close()
        other = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)],
            health=ProviderHealth(),
        )
        await _collect(other, _context())  # another registry: Claude is tried again
        await other.close()
    assert _text(events) == "GPT here."
    assert len(claude_server.requests) == 4


class _Canned(LLMService):
    """A last link that answers at once (the intent engine's role, without the model)."""

    provider = "canned"
    continues_text = False

    def __init__(self, text: str) -> None:
        super().__init__(model="canned")
        self.text = text
        self.requests: list[LLMContext] = []

    async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        self.requests.append(context)
        yield TextDelta(self.text)
        yield StreamEnd("end_turn")


async def test_the_silence_budget_skips_to_the_last_link() -> None:
    slow = Text(ANSWER, faults=[SlowFirstToken(30)])
    async with (
        FakeAnthropicServer([slow]) as claude_server,
        FakeOpenAIServer([slow]) as gpt_server,
    ):
        last = _Canned("Order A17 shipped on Monday.")
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server), last],
            health=ProviderHealth(),
            silence_budget=0.5,
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        events, times = await _collect(chain, _context())
        await chain.close()
    assert _text(events) == "Order A17 shipped on Monday."
    assert times[0] - started < 5.0
    assert [(a.outcome, a.kind) for a in chain.last_attempts] == [
        ("failed", "stall"),
        ("skipped", "no time left"),
        ("answered", None),
    ]
    assert gpt_server.requests == []


async def test_a_link_that_cannot_continue_restarts_with_a_notice_and_its_plain_request() -> None:
    async with FakeAnthropicServer(
        [Text(ANSWER, faults=[ResetAfter(OPENING + 4)])]
    ) as claude_server:
        last = _Canned("It left our warehouse on Monday.")
        context = _context()
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), last], health=ProviderHealth()
        )
        events, _ = await _collect(chain, context)
        await chain.close()
    assert _text(events) == (
        f"{SAID_BEFORE_FAULT} {DEFAULT_RESTART_TEXT} It left our warehouse on Monday."
    )
    assert last.requests == [context]


async def test_every_provider_down_raises_the_last_error() -> None:
    async with (
        FakeAnthropicServer(lambda request: HttpError.server_error()) as claude_server,
        FakeOpenAIServer(lambda request: HttpError.rate_limited(retry_after=0)) as gpt_server,
    ):
        chain = FallbackLLMService(
            [CLAUDE.make_service(claude_server), GPT.make_service(gpt_server)],
            health=ProviderHealth(),
        )
        with pytest.raises(LLMServiceError) as raised:
            await _collect(chain, _context())
        await chain.close()
    assert raised.value.kind == "rate_limited"


async def test_a_continuation_does_not_carry_the_response_turn_twice() -> None:
    context = _context()
    own = context.add_assistant(response_id="r1")  # the aggregator's turn for this response
    seen: list[LLMContext] = []

    class Failing(_Canned):
        continues_text = True

        async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
            yield TextDelta("Your order")
            own.text += "Your order"  # the aggregator fills the turn as the text passes
            raise LLMServiceError("connection", "reset")

    class Next(_Canned):
        continues_text = True

        async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
            seen.append(context)
            yield TextDelta("shipped.")

    chain = FallbackLLMService([Failing(""), Next("")], health=ProviderHealth())
    events, _ = await _collect(chain, context)
    assert _text(events) == "Your order shipped."
    request = seen[0]
    assistant = [t for t in request.turns if isinstance(t, AssistantTurn)]
    assert [t.text for t in assistant] == ["Your order"]
    assert request.turns[-1].text == CONTINUE_INSTRUCTION


async def test_an_interrupted_probe_is_released_for_the_next_request() -> None:
    clock = ManualClock()
    health = ProviderHealth(failure_threshold=1, cooldown=5.0)

    class Talks(_Canned):
        async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
            self.requests.append(context)
            yield TextDelta("Hello")
            await asyncio.sleep(3600)
            yield TextDelta(" never")

    talks = Talks("")
    breaker = health.breaker("canned:canned")
    breaker.record_failure(clock.now())
    await clock.advance(5.0)
    chain = FallbackLLMService([talks, _Canned("backup")], health=health, clock=clock)
    stream = chain.stream(_context())
    assert await anext(stream) == TextDelta("Hello")  # the probe is in flight
    assert not breaker.allow(clock.now())
    await stream.aclose()  # a barge-in
    assert breaker.allow(clock.now())


# --- the breaker and the seam on their own -----------------------------------------------------


def test_breaker_lets_one_probe_through_when_half_open() -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown=10.0)
    assert not breaker.record_failure(0.0)
    assert breaker.allow(0.5)
    assert breaker.record_failure(1.0)
    assert breaker.state(5.0) == BreakerState.OPEN
    assert not breaker.allow(5.0)
    assert breaker.allow(11.0)  # the probe
    assert not breaker.allow(11.5)  # a second caller meanwhile
    breaker.release()
    assert breaker.allow(12.0)
    assert not breaker.allow(12.0)
    assert breaker.allow(22.5)  # a probe never settled is given up after a cool-down
    breaker.record_success()
    assert breaker.state(22.5) == BreakerState.CLOSED
    assert breaker.failures == 0
    with pytest.raises(ValueError, match="at least 1"):
        CircuitBreaker(failure_threshold=0)


def _join(said: str, deltas: list[str], **options: Any) -> tuple[str, list[str]]:
    seam = SeamJoiner(said, **options)
    out = [seam.feed(delta) for delta in deltas]
    out.append(seam.finish())
    return said + "".join(out), out


@pytest.mark.parametrize(
    ("said", "deltas", "heard"),
    [
        (
            "Your order A17 shipped on",
            ["Your", " order", " A17", " shipped", " on", " Monday."],
            "Your order A17 shipped on Monday.",
        ),
        (
            "Sure. Your order shipped on",
            ["Your", " order", " shipped", " on", " Monday."],
            "Sure. Your order shipped on Monday.",
        ),
        ("Your order shipped on", [" Monday."], "Your order shipped on Monday."),
        ("Your order shipped on", ["Monday."], "Your order shipped on Monday."),
        (
            "Your order shipped on Mon",
            ["Your order shipped on Monday."],
            "Your order shipped on Monday.",
        ),
        ("Your", ["YOUR order, is here."], "Your order, is here."),
        (
            "Your order A17 shipped",
            ["Order A17 shipped on Monday."],
            "Your order A17 shipped on Monday.",
        ),
        ("Hello. ", ["  How are you?"], "Hello. How are you?"),
        ("It is ten", [" ten dollars."], "It is ten ten dollars."),
        ("", ["Hello", " there."], "Hello there."),
    ],
)
def test_seam_drops_only_a_repeat_that_reaches_the_end_of_what_was_said(
    said: str, deltas: list[str], heard: str
) -> None:
    assert _join(said, deltas)[0] == heard


def test_seam_holds_text_only_while_it_may_be_a_repeat() -> None:
    _, out = _join("Your order shipped on", [" Monday", ",", " and", " more."])
    assert out == ["", "", " Monday, and", " more.", ""]
    _, out = _join("Your order shipped on", [" Your", " order", " is", " late."])
    assert out == ["", "", "", " Your order is late.", ""]


def test_seam_restart_notice_only_when_something_was_said_and_nothing_repeats() -> None:
    notice = {"restart_text": "Sorry, let me start again."}
    assert _join("Your order", ["It shipped."], **notice)[0] == (
        "Your order Sorry, let me start again. It shipped."
    )
    assert _join("Your order", ["Your order shipped."], **notice)[0] == "Your order shipped."
    assert _join("", ["It shipped."], **notice)[0] == "It shipped."


async def test_a_link_s_own_first_token_deadline_and_the_answering_model_in_the_metrics() -> None:
    slow = Text(ANSWER, faults=[SlowFirstToken(30)])
    async with (
        FakeAnthropicServer([slow]) as claude_server,
        FakeOpenAIServer([Text(ANSWER, output_tokens=12)]) as gpt_server,
    ):
        chain = FallbackLLMService(
            [
                FallbackLink(CLAUDE.make_service(claude_server), first_token_timeout=0.3),
                GPT.make_service(gpt_server),
            ],
            health=ProviderHealth(),
            silence_budget=None,
        )
        call = LiveCall(
            [LLMProcessor(chain)],
            clock=SystemClock(),
            params=PipelineParams(idle_timeout=None, enable_metrics=True),
        )
        await call.start()
        await call.send(LLMContextFrame(context=_context()))
        await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame))
        await call.end()

    assert "".join(f.text for f in call.downstream_of(LLMTextFrame)) == ANSWER
    failed = chain.last_attempts[0]
    assert (failed.outcome, failed.kind) == ("failed", "stall")
    assert 0.3 <= failed.ended_at - failed.started_at < 5.0
    values = {m.kind: m for f in call.downstream_of(MetricsFrame) for m in f.data}
    assert values["ttfb"].model == "gpt-fake"
    assert values["tokens_out"].value == 12
