"""Business data, seed and tools: what the intent engine and the LLMs rely on."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.seed import FAQ, seed_store
from framekit_contact_center.tools import TOOL_NAMES, build_tools

from framekit.intents import registry_caller

TODAY = dt.date(2026, 11, 25)  # a Wednesday


@pytest.fixture
def store(tmp_path: Path) -> BusinessStore:
    store = BusinessStore(tmp_path / "shop.db")
    seed_store(store, today=TODAY)
    return store


def test_the_seed_is_deterministic_and_realistic(tmp_path: Path, store: BusinessStore) -> None:
    other = BusinessStore(tmp_path / "again.db")
    seed_store(other, today=TODAY)
    numbers = store.order_numbers()
    assert numbers == other.order_numbers()
    assert len(numbers) == 60
    assert len(set(numbers)) == 60
    assert all(n.isdigit() and 4 <= len(n) <= 8 and n[0] != "0" for n in numbers)
    assert {len(n) for n in numbers} >= {4, 8}
    first = store.order(store.order_numbers("shipped")[0])
    assert first is not None
    assert first.items
    assert first.tracking
    assert first.eta
    assert store.count("customers") == 40
    assert store.count("faq") == len(FAQ)
    assert store.booking_of("Jane Doe") is None


async def test_tools_have_the_engines_names_and_results(store: BusinessStore) -> None:
    tools = build_tools(store, transfer_to="+15550100")
    assert tuple(tool.name for tool in tools) == TOOL_NAMES
    assert {t["name"] for t in tools.to_anthropic()} == set(TOOL_NAMES)
    assert {t["function"]["name"] for t in tools.to_openai()} == set(TOOL_NAMES)
    call = registry_caller(tools)
    number = store.order_numbers("shipped")[0]
    status = await call("order_status", {"order_number": number})
    assert status["status"] == "shipped"
    assert "order_number" not in status
    tracking = await call("order_tracking", {"order_number": number})
    assert tracking["location"]
    assert tracking["carrier"]
    friday = (await call("check_availability", {"date": "2026-11-27"}))["slots"]
    assert "14:00" in friday
    booked = await call("book_appointment", {"name": "Jane Doe", "when": "2026-11-27T14:00"})
    assert booked == {"when": "2026-11-27T14:00"}
    assert "14:00" not in (await call("check_availability", {"date": "2026-11-27"}))["slots"]
    moved = await call("reschedule_appointment", {"name": "jane doe", "when": "2026-11-27T15:00"})
    assert moved == {"when": "2026-11-27T15:00"}
    assert store.booking_of("Jane Doe") == moved["when"]
    assert await call("cancel_appointment", {"name": "Jane Doe"}) == {
        "cancelled": "2026-11-27T15:00"
    }
    assert (await call("faq_answer", {"topic": "returns"}))["answer"] == FAQ["returns"]
    assert await call("transfer_to_human", {}) == {"transferred_to": "+15550100"}


async def test_failures_come_back_as_errors_the_engine_can_say(store: BusinessStore) -> None:
    tools = build_tools(store)
    missing = await tools.execute("order_status", {"order_number": "1"})
    assert missing.result["error"].startswith("no order numbered 1")
    assert "Do not guess" in missing.result["error"]  # the LLM is told not to make one up
    sunday = await tools.execute("book_appointment", {"name": "A B", "when": "2026-11-29T14:00"})
    assert "no appointment slot" in sunday.result["error"]
    nobody = await tools.execute("cancel_appointment", {"name": "Nobody"})
    assert "can't find" in nobody.result["error"]
    assert "error" in (await tools.execute("transfer_to_human", {})).result


def test_two_callers_booking_the_last_slot_at_once_book_it_once(store: BusinessStore) -> None:
    day = dt.date(2026, 11, 27)
    free = store.free_slots(day)
    before = store.count("bookings")
    for n, slot in enumerate(free[:-1]):  # everything but the last slot goes first
        store.book(f"Guest {n}", dt.datetime.fromisoformat(slot), now=dt.datetime(2026, 11, 25))
    last = dt.datetime.fromisoformat(free[-1])
    tools = build_tools(store)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def caller(name: str) -> None:
        barrier.wait()
        # Each thread runs the tool function itself, on its own connection.
        tool = tools.get("book_appointment")
        assert tool is not None
        results[name] = tool.function(name=name, when=last.isoformat())

    threads = [threading.Thread(target=caller, args=(n,)) for n in ("Ann Lee", "Bob Ray")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    winners = [r for r in results.values() if isinstance(r, dict) and "when" in r]
    losers = [r for r in results.values() if isinstance(r, dict) and "error" in r]
    assert len(winners) == 1
    assert len(losers) == 1
    assert "just been taken" in str(losers[0])
    assert store.free_slots(day) == []
    assert store.count("bookings") == before + len(free)


def test_an_appointment_is_found_by_name_in_part_or_by_phone(store: BusinessStore) -> None:
    rows = store.find_booking(name="Chloe Khan")
    assert rows is not None
    holder, when = rows
    assert store.find_booking(name="khan") == (holder, when)  # one Khan booked: found
    assert store.find_booking(name="Smith") is None  # two Smiths booked: nobody guessed
    assert store.find_booking(name="Jane Doe") is None  # a customer without a booking
    phone = "+15553549877"  # Chloe Khan's number in the seed
    assert store.find_booking(phone=phone) == (holder, when)
    assert store.find_booking(phone="555 354 9877") == (holder, when)
    assert store.find_booking(phone="9877") is None  # too few digits to be a phone
