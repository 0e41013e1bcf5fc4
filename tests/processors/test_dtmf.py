"""DTMFAggregator: keypad digits become one entry, ended by #, a timeout, a length or a menu."""

from __future__ import annotations

import pytest

from framekit.clock import ManualClock
from framekit.frames import (
    DTMFEntryFrame,
    DTMFFrame,
    InterruptionFrame,
    InterruptionRequestFrame,
    TranscriptionFrame,
)
from framekit.processors.dtmf import DTMFAggregator, MenuOption
from framekit.testing import Advance, run_processor


def keys(text: str, gap: float = 0.5) -> list[DTMFFrame | Advance]:
    """One DTMF frame per key, ``gap`` seconds apart (a person pressing keys)."""
    items: list[DTMFFrame | Advance] = []
    for key in text:
        items += [DTMFFrame(digit=key), Advance(gap)]
    return items


def entries(out_frames: list[DTMFEntryFrame]) -> list[tuple[str, str]]:
    return [(f.digits, f.reason) for f in out_frames]


async def test_digits_end_at_the_terminator_which_is_not_part_of_the_entry() -> None:
    out = await run_processor(DTMFAggregator(timeout=None), keys("4271#"))
    [entry] = out.downstream_of(DTMFEntryFrame)
    assert (entry.digits, entry.text, entry.reason, entry.intent) == (
        "4271",
        "4271",
        "terminator",
        None,
    )
    # The entry is a transcription: the brain takes it as the caller's words.
    assert isinstance(entry, TranscriptionFrame)
    # Each digit still goes on (for call records), the entry after the terminator.
    assert [f.digit for f in out.downstream_of(DTMFFrame)] == list("4271#")


async def test_a_configured_terminator_and_a_terminator_alone_emit_nothing() -> None:
    out = await run_processor(DTMFAggregator(terminator="*", clear_key=None), keys("#12*"))
    assert entries(out.downstream_of(DTMFEntryFrame)) == [("#12", "terminator")]
    out = await run_processor(DTMFAggregator(), keys("##"))
    assert out.downstream_of(DTMFEntryFrame) == []


async def test_the_entry_ends_after_the_timeout_since_the_last_digit() -> None:
    # "1" at 0.0 s, "2" at 1.5 s, "9" at 3.6 s; the timeout is 2.0 s after the last digit.
    items = [*keys("12", gap=1.5), Advance(0.6), DTMFFrame(digit="9"), Advance(5.0)]
    out = await run_processor(DTMFAggregator(timeout=2.0), items)
    found = out.downstream_of(DTMFEntryFrame)
    # 2.0 s after "1" the entry stayed open ("2" came at 1.5 s and re-armed the timer).
    assert entries(found) == [("12", "timeout"), ("9", "timeout")]
    assert [f.timestamp for f in found] == [pytest.approx(3.5), pytest.approx(5.6)]


async def test_no_entry_before_the_timeout() -> None:
    aggregator = DTMFAggregator(timeout=2.0)
    out = await run_processor(aggregator, [DTMFFrame(digit="5"), Advance(1.99)], end=False)
    assert out.downstream_of(DTMFEntryFrame) == []


async def test_max_length_ends_the_entry_and_the_next_digit_starts_a_new_one() -> None:
    out = await run_processor(DTMFAggregator(max_length=4, timeout=None), keys("123456#"))
    assert entries(out.downstream_of(DTMFEntryFrame)) == [
        ("1234", "max_length"),
        ("56", "terminator"),
    ]


async def test_star_clears_the_entry_and_cancels_its_timer() -> None:
    out = await run_processor(DTMFAggregator(timeout=2.0), [*keys("99*", gap=0.5), Advance(5.0)])
    assert out.downstream_of(DTMFEntryFrame) == []
    out = await run_processor(DTMFAggregator(timeout=2.0), keys("9*42#"))
    assert entries(out.downstream_of(DTMFEntryFrame)) == [("42", "terminator")]


async def test_a_menu_key_ends_at_once_with_its_intent_and_phrase() -> None:
    menu: dict[str, str | MenuOption] = {
        "1": MenuOption(intent="orders", text="I have a question about my order"),
        "2": "appointments",
        "3": "other",
        "31": "billing",  # "3" is a prefix of "31": it waits for more keys
    }
    aggregator = DTMFAggregator(menu=menu, timeout=2.0)
    out = await run_processor(aggregator, [*keys("1"), *keys("2"), *keys("3"), Advance(3.0)])
    found = out.downstream_of(DTMFEntryFrame)
    assert [(f.digits, f.reason, f.intent, f.text) for f in found] == [
        ("1", "menu", "orders", "I have a question about my order"),
        ("2", "menu", "appointments", "2"),
        ("3", "timeout", "other", "3"),
    ]
    out = await run_processor(DTMFAggregator(menu=menu), keys("31"))
    assert [(f.digits, f.intent) for f in out.downstream_of(DTMFEntryFrame)] == [("31", "billing")]
    out = await run_processor(DTMFAggregator(menu=menu), keys("7#"))
    assert [(f.digits, f.intent) for f in out.downstream_of(DTMFEntryFrame)] == [("7", None)]


async def test_the_first_key_of_an_entry_interrupts_the_bot_once() -> None:
    out = await run_processor(DTMFAggregator(timeout=None), keys("12#3#"))
    requests = out.upstream_of(InterruptionRequestFrame)
    assert len(requests) == 2  # "1" opens the first entry, "3" the second
    assert len(out.downstream_of(InterruptionFrame)) == 2
    # The interruption does not erase the entry being typed.
    assert entries(out.downstream_of(DTMFEntryFrame)) == [("12", "terminator"), ("3", "terminator")]
    out = await run_processor(DTMFAggregator(interrupt=False, timeout=None), keys("12#"))
    assert out.upstream_of(InterruptionRequestFrame) == []


async def test_digits_interleave_with_speech_and_each_keeps_its_place() -> None:
    aggregator = DTMFAggregator(timeout=None, pass_digits=False)
    items = [
        TranscriptionFrame(text="my order number is"),
        Advance(0.3),
        *keys("42"),
        TranscriptionFrame(text="uh, wait"),
        Advance(0.3),
        *keys("7#"),
        TranscriptionFrame(text="that's it"),
        Advance(0.3),
    ]
    out = await run_processor(aggregator, items)
    said = [f.text for f in out.downstream_of(TranscriptionFrame)]
    assert said == ["my order number is", "uh, wait", "427", "that's it"]
    assert out.downstream_of(DTMFFrame) == []  # pass_digits=False keeps only the entry


async def test_an_open_entry_is_dropped_when_the_call_ends_and_no_timer_survives() -> None:
    clock = ManualClock()
    out = await run_processor(DTMFAggregator(timeout=2.0), keys("12"), clock=clock)
    assert out.downstream_of(DTMFEntryFrame) == []
    await clock.advance(5.0)  # the timer was cancelled with the call: nothing fires
    assert len(out.task.tasks) == 0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="keypad"):
        DTMFAggregator(terminator="x")
    with pytest.raises(ValueError, match="differ"):
        DTMFAggregator(terminator="#", clear_key="#")
    with pytest.raises(ValueError, match="timeout"):
        DTMFAggregator(timeout=0)
    with pytest.raises(ValueError, match="max_length"):
        DTMFAggregator(max_length=0)


async def test_a_menu_offered_once_acts_on_the_first_key_then_keys_are_digits() -> None:
    menu = {"1": MenuOption("orders", "About my order."), "0": "person"}
    aggregator = DTMFAggregator(timeout=2.0, menu=menu, menu_once=True)
    out = await run_processor(aggregator, [*keys("1"), *keys("1042#")])
    assert [(f.digits, f.reason, f.intent) for f in out.downstream_of(DTMFEntryFrame)] == [
        ("1", "menu", "orders"),
        ("1042", "terminator", None),  # an order number that starts with a menu key
    ]
    assert not aggregator.menu_open


async def test_a_spoken_request_closes_a_menu_offered_once() -> None:
    aggregator = DTMFAggregator(timeout=2.0, menu={"1": "orders"}, menu_once=True)
    out = await run_processor(
        aggregator,
        [TranscriptionFrame(text="where is my parcel"), Advance(0), *keys("1"), Advance(3.0)],
    )
    assert entries(out.downstream_of(DTMFEntryFrame)) == [("1", "timeout")]
