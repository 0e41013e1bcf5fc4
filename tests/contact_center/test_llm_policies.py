"""The LLM brains carry the offline engine's dialogue policies, in what the models are sent.

Claude, GPT and a local OpenAI-compatible model each get the same prompt and tools.

The bot's own LLM stages (``_llm_stages``, what :func:`build_bot` puts between the
keypad and the voice: the context with ``SYSTEM_PROMPT`` and the tools' schemas,
the fallback chain, the ``ToolRunner``) run against framekit's fake provider
servers with the real ``anthropic`` and ``openai`` clients. A scripted model calls
one tool; the test reads what the server received: the system prompt and the tool
list of the first request, and the tool's result in the follow-up request, which
is all a model knows when it answers the caller.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

for _module in ("anthropic", "openai", "aiohttp"):
    pytest.importorskip(_module)

from framekit_contact_center.bot import SYSTEM_PROMPT, _llm_stages  # noqa: E402
from framekit_contact_center.data import BusinessStore  # noqa: E402
from framekit_contact_center.seed import FAQ, seed_store  # noqa: E402
from framekit_contact_center.settings import Settings  # noqa: E402
from framekit_contact_center.tools import TOOL_NAMES, build_tools  # noqa: E402

from framekit.clock import SystemClock  # noqa: E402
from framekit.frames import LLMResponseEndFrame, TranscriptionFrame  # noqa: E402
from framekit.llm.fallback import FallbackLLMService  # noqa: E402
from framekit.processors.llm.base import LLMProcessor  # noqa: E402
from framekit.testing import LiveCall  # noqa: E402
from framekit.testing.fakes._llm_script import ScriptStep, Text, ToolCall, ToolCalls  # noqa: E402
from framekit.testing.fakes._llm_server import FakeLLMServer  # noqa: E402
from framekit.testing.fakes.anthropic_server import FakeAnthropicServer  # noqa: E402
from framekit.testing.fakes.openai_server import FakeOpenAIServer  # noqa: E402
from framekit.tools import ToolRegistry  # noqa: E402

TODAY = dt.date(2026, 12, 9)  # a Wednesday
SHIPPED = "47290936"  # seeded: shipped with FedEx, due 2026-12-14
CHLOE = ("Chloe Khan", "+15553549877", "2026-12-10T11:00")  # seeded: name, phone, appointment
_models = itertools.count(1)


@dataclass(frozen=True)
class Brain:
    """One of the bot's model links: its wire protocol and the settings that configure it."""

    name: str
    protocol: str  # "anthropic" or "openai": how the request is laid out
    server: Callable[[list[ScriptStep]], FakeLLMServer]
    settings: Callable[[str, str], Settings]  # (base URL, model name) -> settings


BRAINS = [
    Brain(
        "claude",
        "anthropic",
        FakeAnthropicServer,
        lambda url, model: Settings(
            anthropic_api_key="test-key", anthropic_base_url=url, anthropic_model=model
        ),
    ),
    Brain(
        "gpt",
        "openai",
        FakeOpenAIServer,
        lambda url, model: Settings(
            openai_api_key="test-key", openai_base_url=url, openai_model=model
        ),
    ),
    Brain(
        "local",
        "openai",
        FakeOpenAIServer,
        lambda url, model: Settings(local_llm_base_url=url, local_llm_model=model),
    ),
]

pytestmark = pytest.mark.parametrize("brain", BRAINS, ids=lambda b: b.name)


@pytest.fixture
def store(tmp_path: Path) -> BusinessStore:
    store = BusinessStore(tmp_path / "shop.db")
    seed_store(store, today=TODAY)
    return store


@pytest.fixture
def tools(store: BusinessStore) -> ToolRegistry:
    return build_tools(store, clock=lambda: dt.datetime.combine(TODAY, dt.time(10)))


@dataclass
class Exchange:
    """What the model's server received during one caller turn."""

    requests: list[dict[str, Any]]
    protocol: str

    def system(self, index: int = 0) -> str:
        body = self.requests[index]
        if self.protocol == "anthropic":
            system = body.get("system", "")
            blocks = system if isinstance(system, list) else [{"text": system}]
            return "".join(str(block.get("text", "")) for block in blocks)
        return "".join(
            _text_of(m["content"])
            for m in body["messages"]
            if m.get("role") in ("system", "developer")
        )

    def tools(self, index: int = 0) -> dict[str, str]:
        """Tool name -> description, as the model reads them."""
        listed = self.requests[index].get("tools", [])
        if self.protocol == "anthropic":
            return {t["name"]: t["description"] for t in listed}
        return {t["function"]["name"]: t["function"]["description"] for t in listed}

    def tool_results(self, index: int = 1) -> list[Any]:
        """The tool results the request at ``index`` hands the model, parsed from JSON."""
        body = self.requests[index]
        if self.protocol == "anthropic":
            contents = [
                block["content"]
                for message in body["messages"]
                if message["role"] == "user" and isinstance(message["content"], list)
                for block in message["content"]
                if block.get("type") == "tool_result"
            ]
        else:
            contents = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        return [json.loads(_text_of(content)) for content in contents]


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(block.get("text", "")) for block in content)
    return str(content)


async def _turn(brain: Brain, tools: ToolRegistry, said: str, script: list[ScriptStep]) -> Exchange:
    """The caller says ``said`` once; the model answers from ``script`` (one step a request)."""
    model = f"{brain.name}-policies-{next(_models)}"  # breakers are the process's, by model
    async with brain.server(script) as server:
        stages = _llm_stages(brain.settings(server.base_url, model), tools, [], None)
        async with LiveCall(stages, clock=SystemClock()) as call:
            await call.send(TranscriptionFrame(text=said, user_id="caller"))
            await call.wait_for(lambda f: isinstance(f, LLMResponseEndFrame), count=len(script))
            await call.end()
    assert server.errors == []
    assert server.steps_used == len(script)
    llm = next(stage for stage in stages if isinstance(stage, LLMProcessor))
    assert isinstance(llm.service, FallbackLLMService)
    # The model answered every request itself: the offline engine never stood in.
    assert [a.outcome for a in llm.service.last_attempts] == ["answered"]
    assert not llm.service.last_attempts[0].link.startswith("intents")
    return Exchange([r.json for r in server.requests], brain.protocol)


async def _tool_result(brain: Brain, tools: ToolRegistry, said: str, call: ToolCall) -> Any:
    """What the model is handed back after calling ``call`` (the one tool result)."""
    exchange = await _turn(brain, tools, said, [ToolCalls([call]), Text("Let me tell you.")])
    assert len(exchange.requests) == 2
    (result,) = exchange.tool_results()
    return result


# --- (a) what every request tells the model -----------------------------------------------

POLICIES: dict[str, tuple[str, ...]] = {
    "confirm before booking, moving or cancelling": (
        "ask them to confirm",
        "book only when they say yes",
        "confirm before moving or cancelling",
    ),
    "never state what no tool returned": (
        "say only what a tool returned",
        "never state an order status, a date, a carrier or a booking",
        "never invent an order",
    ),
    "an order not found: ask again, digit by digit or on the keypad": (
        "can't find that order",
        "digit by digit",
        "keypad",
    ),
    "a colleague after the second failure": ("second number", "transfer_to_human"),
    "find_appointment before moving or cancelling": (
        "to move or cancel an appointment, first call find_appointment",
        "phone number they give you",
        "tell them which appointment you found",
    ),
    "availability first, then the nearest free times": (
        "call check_availability for the day first",
        "nearest free times",
    ),
    "a colleague after two turns not understood": ("after two turns you can't understand",),
    "anything else, then end_call": ("anything else", "call end_call"),
    "spoken style": ("no markdown",),
}


async def test_the_prompt_and_the_tools_the_model_receives_carry_the_policies(
    brain: Brain, tools: ToolRegistry
) -> None:
    exchange = await _turn(brain, tools, "Hi there.", [Text("Hello! How can I help?")])

    system = exchange.system()
    assert system == SYSTEM_PROMPT  # the bot's prompt reached the model whole
    lowered = system.lower()
    missing = {
        policy: [phrase for phrase in phrases if phrase not in lowered]
        for policy, phrases in POLICIES.items()
    }
    assert {policy: gaps for policy, gaps in missing.items() if gaps} == {}
    assert [topic for topic in FAQ if topic not in system] == []
    assert "*" not in system
    assert "#" not in system

    described = exchange.tools()
    assert sorted(described) == sorted(TOOL_NAMES)
    assert len(described) == 11
    assert "check_availability" in described["book_appointment"]
    assert "said yes" in described["book_appointment"]
    for acting in ("reschedule_appointment", "cancel_appointment"):
        assert "find_appointment found it" in described[acting]
        assert "said yes" in described[acting]
    for lookup in ("order_status", "order_tracking"):
        assert "never guess" in described[lookup]
        assert "keypad" in described[lookup]
        assert "transfer_to_human" in described[lookup]
    assert "second order number" in described["transfer_to_human"]
    assert "two turns" in described["transfer_to_human"]


# --- (b) what a tool's result lets the model say ------------------------------------------


@pytest.mark.parametrize("lookup", ["order_status", "order_tracking"])
async def test_an_unknown_order_comes_back_not_found_with_do_not_guess(
    brain: Brain, tools: ToolRegistry, lookup: str
) -> None:
    said = "Where is my order 1234?"
    result = await _tool_result(brain, tools, said, ToolCall(lookup, {"order_number": "1234"}))

    assert set(result) == {"error"}  # no status, date or carrier to repeat
    error = result["error"].lower()
    assert "no order numbered 1234" in error
    assert "do not guess" in error
    assert "cannot find it" in error
    assert "digit by digit" in error
    assert "keypad" in error
    assert "second number not found" in error
    assert "transfer_to_human" in error


async def test_a_short_order_number_is_said_to_be_too_short(
    brain: Brain, tools: ToolRegistry
) -> None:
    call = ToolCall("order_status", {"order_number": "47"})
    result = await _tool_result(brain, tools, "Order 47, please.", call)

    assert "4 to 8 digits, that one has 2" in result["error"]


async def test_a_known_order_comes_back_with_status_eta_and_carrier(
    brain: Brain, tools: ToolRegistry
) -> None:
    said = f"What's the status of order {SHIPPED}?"
    result = await _tool_result(
        brain, tools, said, ToolCall("order_status", {"order_number": SHIPPED})
    )

    assert "error" not in result
    assert result["status"] == "shipped"
    assert result["eta"] == "2026-12-14"
    assert result["carrier"] == "FedEx"
    assert result["items"]


async def test_find_appointment_by_phone_returns_the_holder_and_the_appointment(
    brain: Brain, tools: ToolRegistry
) -> None:
    name, _, when = CHLOE
    said = "I need to move my appointment. My number is 555 354 9877."
    call = ToolCall("find_appointment", {"phone": "555 354 9877"})
    result = await _tool_result(brain, tools, said, call)

    # A record's holder is a name: the cloud links see a placeholder (LLM_PLACEHOLDERS=on,
    # restored in what they say back), the local model sees it as stored.
    holder = name if brain.name == "local" else "<name_1>"
    assert result == {"holder": holder, "appointment": when}


async def test_find_appointment_for_nobody_says_there_is_none(
    brain: Brain, tools: ToolRegistry
) -> None:
    call = ToolCall("find_appointment", {"name": "Zed Nobody"})
    result = await _tool_result(brain, tools, "Cancel my appointment, Zed Nobody.", call)

    assert set(result) == {"error"}
    # The cloud links see the caller's name as a placeholder (LLM_PLACEHOLDERS=on, the
    # default; tests/llm/test_placeholders.py), the local model sees it as said.
    name = "Zed Nobody" if brain.name == "local" else "<name_1>"
    assert f"no appointment found under {name}" in result["error"]
    assert "Do not say there is one" in result["error"]


async def test_booking_a_taken_slot_names_the_problem_and_the_nearest_free_times(
    brain: Brain, tools: ToolRegistry, store: BusinessStore
) -> None:
    _, _, taken = CHLOE
    said = "Book me tomorrow at 11, my name is Ann Lee. Yes, please."
    call = ToolCall("book_appointment", {"name": "Ann Lee", "when": taken})
    result = await _tool_result(brain, tools, said, call)

    assert set(result) == {"error"}
    error = result["error"]
    assert "Thursday at 11 AM has just been taken" in error
    assert "Nothing was booked" in error
    # The nearest free times, spoken and bookable, nearest first.
    assert "10 AM, noon or 9 AM" in error
    assert "2026-12-10T10:00, 2026-12-10T12:00, 2026-12-10T09:00" in error
    assert "says yes" in error
    assert store.booking_of("Ann Lee") is None
    assert store.booking_of(CHLOE[0]) == taken


async def test_moving_an_appointment_under_a_wrong_name_says_find_it_first(
    brain: Brain, tools: ToolRegistry, store: BusinessStore
) -> None:
    call = ToolCall("reschedule_appointment", {"name": "Chloe Kahn", "when": "2026-12-10T14:00"})
    result = await _tool_result(brain, tools, "Move my appointment to 2 PM.", call)

    assert "Nothing was moved" in result["error"]
    assert "find_appointment" in result["error"]
    assert store.booking_of(CHLOE[0]) == CHLOE[2]


async def test_an_unknown_faq_topic_lists_the_topics(brain: Brain, tools: ToolRegistry) -> None:
    call = ToolCall("faq_answer", {"topic": "parking"})
    result = await _tool_result(brain, tools, "Is there parking?", call)

    assert set(result) == {"error"}
    error = result["error"]
    assert "no answer about 'parking'" in error
    assert [topic for topic in FAQ if topic not in error] == []
    assert "do not make up an answer" in error
