"""Conversations with the intent engine: it asks for what is missing, confirms, calls tools once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from framekit.intents import DialogueState, IntentClassifier, IntentEngine, Reply, registry_caller

NOW = dt.datetime(2026, 11, 25, 15, 0)  # a Wednesday


class Tools:
    """Records every call; answers like the contact-center tools would."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail or set()

    async def __call__(self, name: str, args: dict[str, Any]) -> Any:
        self.calls.append((name, args))
        if name in self.fail:
            raise ConnectionError("database down")
        if name == "order_status":
            return {"status": "shipped", "eta": "2026-11-27"}
        if name == "check_availability":
            return {"slots": ["09:00", "10:00", "14:30"]}
        if name == "find_appointment":  # only Smith has an appointment
            if args.get("name", "").lower() != "smith":
                return {"error": "no appointment found"}
            return {"holder": args["name"], "appointment": "2026-11-30T09:00"}
        if name == "faq_answer":
            return {"answer": f"About {args['topic']}: yes."}
        return {"ok": True}


@pytest.fixture
def tools() -> Tools:
    return Tools()


@pytest.fixture
def engine(classifier: IntentClassifier, tools: Tools) -> IntentEngine:
    return IntentEngine(tools, classifier=classifier, clock=lambda: NOW)


async def talk(engine: IntentEngine, state: DialogueState, *turns: str) -> list[Reply]:
    return [await engine.respond(state, turn) for turn in turns]


async def test_order_status_asks_for_the_number_then_calls_once(
    engine: IntentEngine, tools: Tools
) -> None:
    state = engine.new_state()
    first, second = await talk(
        engine, state, "hi could you check on my order", "forty two seventy one"
    )
    assert first.awaiting == "order_number"
    assert not first.tool_calls
    assert tools.calls == [("order_status", {"order_number": "4271"})]
    assert "shipped" in second.text
    assert "Friday, November 27" in second.text
    assert state.intent is None
    assert state.pending_slot is None


async def test_slots_in_the_first_sentence_are_used(engine: IntentEngine, tools: Tools) -> None:
    (reply,) = await talk(engine, engine.new_state(), "what's the status of order 4-2-7-1")
    assert tools.calls == [("order_status", {"order_number": "4271"})]
    assert reply.intent == "order_status"


async def test_order_number_is_remembered_for_the_next_request(
    engine: IntentEngine, tools: Tools
) -> None:
    state = engine.new_state()
    await talk(engine, state, "where is order 4271", "when will my parcel arrive")
    assert [c[0] for c in tools.calls] == ["order_status", "order_tracking"]
    assert tools.calls[1][1] == {"order_number": "4271"}


async def test_booking_asks_confirms_and_books_once(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    replies = await talk(
        engine,
        state,
        "this is jane doe and i'd like to book an appointment next friday",
        "two thirty",
        "yes please",
    )
    assert [r.awaiting for r in replies] == ["when", "confirmation", None]
    assert replies[0].text == (
        "On Friday, November 27 I have 9 AM, 10 AM or 2:30 PM free. Which time would suit you?"
    )
    assert replies[1].text == "Shall I book Jane Doe for Friday, November 27 at 2:30 PM?"
    assert tools.calls == [
        ("find_appointment", {"name": "Jane Doe"}),  # one appointment each: none yet
        ("check_availability", {"date": "2026-11-27"}),  # asked once for the whole request
        ("book_appointment", {"name": "Jane Doe", "when": "2026-11-27T14:30"}),
    ]


async def test_changing_the_day_at_confirmation_keeps_the_time(
    engine: IntentEngine, tools: Tools
) -> None:
    state = engine.new_state()
    await talk(engine, state, "my name is Ann Lee, book me in tomorrow at 10 am")
    reply = await engine.respond(state, "no, make it saturday")
    assert reply.awaiting == "confirmation"
    assert "Saturday, November 28 at 10 AM" in reply.text
    assert [name for name, _ in tools.calls] == [
        "find_appointment",
        "check_availability",
        "check_availability",
    ]
    await engine.respond(state, "yes")
    assert tools.calls[-1] == ("book_appointment", {"name": "Ann Lee", "when": "2026-11-28T10:00"})


async def test_declined_confirmation_calls_nothing(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    replies = await talk(engine, state, "please cancel my appointment", "it's under smith", "no")
    assert replies[1].awaiting == "confirmation"
    assert (
        replies[1].text
        == "I can see your appointment for Monday, November 30 at 9 AM. Shall I cancel it?"
    )
    assert replies[2].awaiting is None
    assert tools.calls == [("find_appointment", {"name": "Smith"})]  # looked up, not cancelled
    assert state.intent is None


async def test_tool_failure_is_answered_not_raised(classifier: IntentClassifier) -> None:
    tools = Tools(fail={"order_status"})
    engine = IntentEngine(tools, classifier=classifier, clock=lambda: NOW)
    (reply,) = await talk(engine, engine.new_state(), "where is my order 4271")
    assert len(reply.tool_calls) == 1
    assert reply.tool_calls[0].error is not None
    assert "couldn't" in reply.text


async def test_sync_tools_work_too(classifier: IntentClassifier) -> None:
    calls: list[str] = []

    def tool(name: str, args: dict[str, Any]) -> dict[str, str]:
        calls.append(name)
        return {"answer": "We open at nine."}

    engine = IntentEngine(tool, classifier=classifier, clock=lambda: NOW)
    (reply,) = await talk(engine, engine.new_state(), "what are your hours on saturday")
    assert calls == ["faq_answer"]
    assert reply.text == "We open at nine. Is there anything else I can help with?"


async def test_unknown_requests_end_with_a_human(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    replies = await talk(
        engine, state, "what's the weather in paris", "tell me a joke", "who won the football"
    )
    assert [r.intent for r in replies[:2]] == [None, None]
    assert "another way" in replies[0].text
    assert tools.calls == [("transfer_to_human", {})]
    assert replies[2].end_call


async def test_a_clear_new_request_replaces_an_unanswered_question(
    engine: IntentEngine, tools: Tools
) -> None:
    state = engine.new_state()
    await talk(engine, state, "i want to book an appointment")
    assert state.pending_slot == "name"
    (reply,) = await talk(engine, state, "actually can i just talk to a real person")
    assert reply.intent == "transfer_to_human"
    assert tools.calls == [("transfer_to_human", {})]


async def test_reasking_after_a_useless_answer(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    replies = await talk(engine, state, "has my order shipped", "hmm let me see", "4 2 7 1")
    assert replies[1].awaiting == "order_number"
    assert replies[1].text.startswith("Sorry")
    assert tools.calls == [("order_status", {"order_number": "4271"})]


async def test_goodbye_ends_the_call(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    (reply,) = await talk(engine, state, "that's all thanks bye")
    assert reply.end_call
    assert state.ended
    assert tools.calls == [("end_call", {})]


async def test_availability_uses_the_date(engine: IntentEngine, tools: Tools) -> None:
    (reply,) = await talk(engine, engine.new_state(), "any free slots on monday")
    assert tools.calls == [("check_availability", {"date": "2026-11-30"})]
    assert (
        reply.text
        == "On Monday, November 30 I have 9 AM, 10 AM or 2:30 PM. Would you like me to book one?"
    )


async def test_runs_the_same_registered_tools_as_the_llm_path(
    classifier: IntentClassifier,
) -> None:
    from framekit.tools import ToolRegistry

    registry = ToolRegistry(default_timeout=2.0)
    booked: list[tuple[str, dt.datetime]] = []

    @registry.tool
    def book_appointment(name: str, when: dt.datetime) -> dict[str, str]:
        """Book an appointment.

        Args:
            name: Who the appointment is for.
            when: Start of the appointment.
        """
        booked.append((name, when))
        return {"when": when.isoformat(timespec="minutes")}

    @registry.tool
    def order_status(order_number: str) -> dict[str, str]:
        """Look an order up.

        Args:
            order_number: Digits only.
        """
        raise LookupError(f"no order {order_number}")

    engine = IntentEngine(registry_caller(registry), classifier=classifier, clock=lambda: NOW)
    state = engine.new_state()
    replies = await talk(engine, state, "book me in tomorrow at 10 am, my name is Li Wei", "yes")
    assert booked == [("Li Wei", dt.datetime(2026, 11, 26, 10, 0))]
    assert (
        replies[1].text
        == "Done: Li Wei, you're booked for Thursday, November 26 at 10 AM. Anything else?"
    )
    (failed,) = await talk(engine, state, "where is order 4271")
    assert failed.tool_calls[0].error is not None
    assert "no order 4271" in failed.tool_calls[0].error
    assert failed.text.startswith("I'm sorry, I couldn't")


async def test_yes_to_an_offer_books_on_the_day_checked(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    replies = await talk(
        engine, state, "anything free on monday", "yes please", "jane doe", "2:30", "yes"
    )
    assert replies[1].intent == "book_appointment"
    assert replies[1].awaiting == "name"
    assert replies[2].text == (
        "On Monday, November 30 I have 9 AM, 10 AM or 2:30 PM free. Which time would suit you?"
    )
    assert tools.calls[-1] == ("book_appointment", {"name": "Jane Doe", "when": "2026-11-30T14:30"})


async def test_an_offer_lapses_after_another_turn(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    replies = await talk(engine, state, "anything free on monday", "hello", "yes")
    assert replies[2].intent == "affirm"
    assert [c[0] for c in tools.calls] == ["check_availability"]


async def test_a_failed_transfer_keeps_the_caller_and_a_goodbye_still_ends(
    classifier: IntentClassifier,
) -> None:
    tools = Tools(fail={"transfer_to_human", "end_call"})
    engine = IntentEngine(tools, classifier=classifier, clock=lambda: NOW)
    state = engine.new_state()
    transfer, goodbye = await talk(engine, state, "let me talk to a human", "ok bye then")
    assert not transfer.end_call
    assert "nobody is free" in transfer.text
    assert goodbye.end_call
    assert goodbye.text == "Thanks for calling. Goodbye!"


async def test_new_values_alone_repeat_the_last_request(engine: IntentEngine, tools: Tools) -> None:
    state = engine.new_state()
    await talk(engine, state, "anything free on monday", "what about tuesday")
    await talk(engine, state, "where is order 4271", "and 55120?")
    assert tools.calls == [
        ("check_availability", {"date": "2026-11-30"}),
        ("check_availability", {"date": "2026-12-01"}),
        ("order_status", {"order_number": "4271"}),
        ("order_status", {"order_number": "55120"}),
    ]


async def test_fully_booked_offers_nothing(classifier: IntentClassifier) -> None:
    calls: list[str] = []

    def tools(name: str, args: dict[str, Any]) -> dict[str, Any]:
        calls.append(name)
        return {"slots": []}

    engine = IntentEngine(tools, classifier=classifier, clock=lambda: NOW)
    state = engine.new_state()
    full, _ = await talk(engine, state, "any openings on friday", "yes")
    assert "nothing free on Friday, November 27" in full.text
    assert state.intent is None
    assert calls == ["check_availability"]


def test_the_engine_is_given_its_model_and_never_loads_one_itself(tools: Tools) -> None:
    with pytest.raises(TypeError, match="embedder="):
        IntentEngine(tools)
