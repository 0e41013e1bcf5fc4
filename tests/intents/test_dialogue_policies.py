"""The dialogue policies of the offline brain, one conversation each, against a small shop.

Every rule here is one a caller meets: unknown orders are asked again and then a
colleague offered, appointments are found before they change, a taken time gets
the nearest free ones, unsure words are checked before acting, "anything else?"
closes the call, and nothing is booked without a yes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from framekit.intents import DialogueState, IntentClassifier, IntentEngine, Reply

NOW = dt.datetime(2026, 12, 9, 9, 30)  # a Wednesday


class Shop:
    """One known order, one booked appointment, free afternoons; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.booked = {"chloe khan": "2026-12-10T11:00"}

    def __call__(self, name: str, args: dict[str, Any]) -> Any:
        self.calls.append((name, args))
        if name in ("order_status", "order_tracking"):
            if args["order_number"] != "47290936":
                return {"error": f"no order numbered {args['order_number']}"}
            return {"status": "shipped", "eta": "2026-12-14", "carrier": "FedEx"}
        if name == "check_availability":
            day = dt.date.fromisoformat(args["date"])
            hours = [] if day.weekday() == 6 else [9, 10, 12, 13, 14]
            return {"slots": [f"{h:02d}:00" for h in hours]}
        if name == "find_appointment":
            who = "chloe khan" if args.get("phone") == "5553549877" else args.get("name", "")
            if who.lower() in self.booked:
                return {"holder": who.title(), "appointment": self.booked[who.lower()]}
            return {"error": "no appointment found"}
        if name in ("book_appointment", "reschedule_appointment"):
            self.booked[args["name"].lower()] = args["when"]
            return {"when": args["when"]}
        if name == "faq_answer":
            return {"answer": f"The answer about {args['topic']}."}
        if name == "transfer_to_human":
            return {"transferred_to": "+15550100"}
        return {"ok": True}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def shop() -> Shop:
    return Shop()


@pytest.fixture
def engine(classifier: IntentClassifier, shop: Shop) -> IntentEngine:
    return IntentEngine(shop, classifier=classifier, clock=lambda: NOW)


async def talk(engine: IntentEngine, state: DialogueState, *turns: str) -> list[Reply]:
    return [await engine.respond(state, turn) for turn in turns]


async def test_an_unknown_order_is_asked_again_then_a_colleague_offered(
    engine: IntentEngine, shop: Shop
) -> None:
    state = engine.new_state()
    first, second = await talk(engine, state, "where is order 1234", "it's 5 5 5 5")
    assert "can't find an order numbered 1 2 3 4" in first.text
    assert first.awaiting == "order_number"  # asked again, with the keypad as a way out
    assert "keypad" in first.text
    assert "colleague" in second.text
    assert state.offer == "transfer_to_human"
    (third,) = await talk(engine, state, "yes please")
    assert third.end_call
    assert shop.names()[-1] == "transfer_to_human"
    assert "is shipped" not in " ".join(r.text for r in (first, second, third))  # nothing made up


async def test_a_corrected_order_number_is_looked_up(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    await talk(engine, state, "where is order 47290937")
    (reply,) = await talk(engine, state, "sorry, it ends in six. 4 7 2 9 0 9 3 6")
    assert "shipped with FedEx" in reply.text
    assert reply.text.endswith("Is there anything else I can help with?")


async def test_no_after_anything_else_ends_the_call(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    await talk(engine, state, "what's the status of order 47290936")
    (bye,) = await talk(engine, state, "ok great, that's it thanks")
    assert bye.end_call
    assert shop.names()[-1] == "end_call"


async def test_a_taken_time_gets_the_nearest_free_ones(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    taken, chosen, done = await talk(
        engine,
        state,
        "my name is Ana Lee, can I come in tomorrow at 11",
        "the second one",
        "yes",
    )
    assert "tomorrow at 11 AM isn't available" in taken.text
    assert "10 AM or noon" in taken.text  # nearest first
    assert "book_appointment" not in shop.names()[:-1]
    assert chosen.text == "Shall I book Ana Lee for tomorrow at noon?"
    assert shop.calls[-1] == ("book_appointment", {"name": "Ana Lee", "when": "2026-12-10T12:00"})
    assert done.tool_calls[-1].name == "book_appointment"


async def test_a_closed_day_offers_the_next_open_one(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    (reply,) = await talk(engine, state, "book me in on sunday at 10, my name is Ana Lee")
    assert "The first day I have is Monday, December 14" in reply.text
    (confirm,) = await talk(engine, state, "Monday then, same time")
    assert confirm.text == "Shall I book Ana Lee for Monday, December 14 at 10 AM?"


async def test_changing_a_booking_right_after_moves_it(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    await talk(engine, state, "I'd like to book tomorrow at 9, name's Ana Lee", "yes")
    (confirm,) = await talk(engine, state, "actually, could you make it ten instead?")
    assert confirm.intent == "reschedule_appointment"
    assert confirm.awaiting == "confirmation"
    await talk(engine, state, "yes")
    assert shop.calls[-1] == (
        "reschedule_appointment",
        {"name": "Ana Lee", "when": "2026-12-10T10:00"},
    )


async def test_an_appointment_is_found_by_phone_before_moving_it(
    engine: IntentEngine, shop: Shop
) -> None:
    state = engine.new_state()
    asked, found = await talk(
        engine, state, "I need to move my appointment", "it's under 555 354 9877"
    )
    assert asked.awaiting == "name"
    assert found.text.startswith("I can see your appointment for tomorrow at 11 AM.")
    assert shop.calls[0] == ("find_appointment", {"phone": "5553549877"})
    await talk(engine, state, "friday at 2 pm", "yes")
    assert shop.calls[-1] == (
        "reschedule_appointment",
        {"name": "Chloe Khan", "when": "2026-12-11T14:00"},
    )


async def test_cancelling_someone_unknown_never_cancels(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    first, second = await talk(engine, state, "cancel my appointment, name's Bo Yang", "Bo Yang")
    assert "can't find an appointment under Bo Yang" in first.text
    assert "colleague" in second.text
    assert "cancel_appointment" not in shop.names()


async def test_unsure_words_are_checked_before_acting(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    check = await engine.respond(state, "where is order 47290936", confidence=0.3)
    assert check.text.startswith("Sorry, the line isn't very clear. Did you want to")
    assert check.awaiting == "confirmation"
    assert not shop.calls
    (answer,) = await talk(engine, state, "yes")
    assert "shipped" in answer.text


async def test_an_unsure_value_is_checked_and_a_no_asks_again(
    engine: IntentEngine, shop: Shop
) -> None:
    state = engine.new_state()
    await talk(engine, state, "I'm calling about my order")
    check = await engine.respond(state, "4 7 2 9 0 9 3 6", confidence=0.2)
    assert check.text == "Sorry, the line isn't very clear. Did you say 4 7 2 9 0 9 3 6?"
    (again,) = await talk(engine, state, "no")
    assert again.awaiting == "order_number"
    assert not shop.calls


async def test_two_requests_in_one_sentence_are_both_served(
    engine: IntentEngine, shop: Shop
) -> None:
    state = engine.new_state()
    (reply,) = await talk(
        engine, state, "what's the status of order 47290936, and also what time do you close?"
    )
    assert shop.names() == ["order_status", "faq_answer"]
    assert shop.calls[1] == ("faq_answer", {"topic": "hours"})
    assert "And your other question:" in reply.text


async def test_an_indirect_faq_reaches_its_topic(engine: IntentEngine, shop: Shop) -> None:
    (reply,) = await talk(engine, engine.new_state(), "what do I do if the shoes I got don't fit")
    assert shop.calls == [("faq_answer", {"topic": "exchanges"})]
    assert reply.text.startswith("The answer about exchanges.")


async def test_two_useless_turns_offer_a_colleague(engine: IntentEngine, shop: Shop) -> None:
    state = engine.new_state()
    first, second = await talk(engine, state, "purple monkey dishwasher", "the cat sat on the mat")
    assert "another way" in first.text
    assert "colleague" in second.text
    assert state.offer == "transfer_to_human"
    assert not shop.calls


async def test_booking_for_someone_with_an_appointment_moves_it(
    engine: IntentEngine, shop: Shop
) -> None:
    state = engine.new_state()
    (reply,) = await talk(engine, state, "book me in for friday at 2 pm, it's Chloe Khan")
    assert reply.intent == "reschedule_appointment"  # one appointment each: moved, not doubled
    assert reply.text.startswith("I can see your appointment for tomorrow at 11 AM.")
    await talk(engine, state, "yes")
    assert shop.calls[-1] == (
        "reschedule_appointment",
        {"name": "Chloe Khan", "when": "2026-12-11T14:00"},
    )
    assert "book_appointment" not in shop.names()
