"""Slot values from speech: order numbers, dates and times, names, yes and no."""

from __future__ import annotations

import datetime as dt

import pytest

from framekit.intents.scheduling import spoken_choices, spoken_times
from framekit.intents.slots import (
    extract_name,
    extract_order_number,
    extract_topic,
    parse_when,
    parse_yes_no,
    speak_date,
    speak_time,
)

from .heldout import DATES, NOW, ORDER_NUMBERS

_NOW = dt.datetime.fromisoformat(NOW)


def _when(text: str) -> tuple[str | None, str | None]:
    found = parse_when(text, _NOW)
    day = found.date.isoformat() if found.date else None
    return day, found.time.strftime("%H:%M") if found.time else None


def test_order_number_accuracy_at_least_95_percent() -> None:
    wrong = [(t, want, extract_order_number(t)) for t, want in ORDER_NUMBERS]
    wrong = [w for w in wrong if w[1] != w[2]]
    accuracy = 1 - len(wrong) / len(ORDER_NUMBERS)
    assert accuracy >= 0.95, wrong


def test_date_accuracy_at_least_95_percent() -> None:
    wrong = [(t, (d, h), _when(t)) for t, d, h in DATES if _when(t) != (d, h)]
    accuracy = 1 - len(wrong) / len(DATES)
    assert accuracy >= 0.95, wrong


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("four two seven one", "4271"),
        ("forty two seventy one", "4271"),
        ("order number 4-2-7-1", "4271"),
        ("four thousand two hundred and seventy one", "4271"),
        ("my phone is 0 7 and my order is 123", None),
        ("the order is 55512 and I called on the 3rd", "55512"),
    ],
)
def test_order_number_forms(text: str, expected: str | None) -> None:
    assert extract_order_number(text) == expected


def test_order_number_prefers_the_one_after_a_cue() -> None:
    assert extract_order_number("I paid 1999 pounds for order 4271") == "4271"


def test_past_day_of_year_rolls_to_next_year() -> None:
    assert parse_when("the 1st of march", _NOW).date == dt.date(2027, 3, 1)
    assert parse_when("december the 24th", _NOW).date == dt.date(2026, 12, 24)


def test_weekday_today_means_next_week() -> None:
    # _NOW is a Wednesday: "wednesday" is the one after today, not today
    assert parse_when("wednesday", _NOW).date == dt.date(2026, 12, 2)


def test_bare_number_is_a_time_only_when_one_is_expected() -> None:
    assert parse_when("two thirty", _NOW).time == dt.time(14, 30)  # hour and minutes
    assert parse_when("ten", _NOW).time is None
    assert parse_when("ten", _NOW, expect_time=True).time == dt.time(10)
    assert parse_when("at 11 pm", _NOW).time == dt.time(23)
    assert parse_when("at 12 am", _NOW).time == dt.time(0)


def test_may_is_a_month_only_with_a_day() -> None:
    assert parse_when("may i come in on friday", _NOW).date == dt.date(2026, 11, 27)
    assert parse_when("the fourth of may", _NOW).date == dt.date(2027, 5, 4)


@pytest.mark.parametrize(
    ("text", "expecting", "expected"),
    [
        ("my name is Jane Doe", False, "Jane Doe"),
        ("hi this is john calling about my order", False, "John"),
        ("it's booked under smith", False, "Smith"),
        ("call me Bob please", False, "Bob"),
        ("I'm calling about my order", False, None),
        ("I'm calling about my order", True, None),
        ("jane doe", False, None),
        ("jane doe", True, "Jane Doe"),
        ("uh it's maria garcia", True, "Maria Garcia"),
        ("that's not right", True, None),
        ("O'Brien", True, "O'Brien"),
        ("it's M I L L E R", True, "Miller"),  # spelled out after "could you spell it?"
        ("Maria, m-i-l-l-e-r", True, "Maria Miller"),
        ("it's Hannah Rossi", False, "Hannah Rossi"),  # a weak cue, a name in capitals
        ("Fiona Byrne here, could I book tomorrow", False, "Fiona Byrne"),
        ("drop my appointment, Zoe Johnson, the one on the 21st", False, "Zoe Johnson"),
        ("Tom Becker. no wait, put it under my wife's name, Ana Becker", True, "Ana Becker"),
        ("yup", True, None),
        ("saturday", True, None),
        ("eleven", True, None),
    ],
)
def test_names(text: str, expecting: bool, expected: str | None) -> None:
    assert extract_name(text, expecting=expecting) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes please", True),
        ("yeah go ahead", True),
        ("sure", True),
        ("uh huh", True),
        ("no thanks", False),
        ("nope", False),
        ("that's not right", False),
        ("no, that's right", False),
        ("don't do that", False),
        ("never mind", False),
        ("what time is it", None),
        ("I want to cancel", None),
    ],
)
def test_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


def test_topics() -> None:
    assert extract_topic("when do you close on sundays") == "hours"
    assert extract_topic("can I send it back for a refund") == "returns"
    assert extract_topic("do you ship to canada") == "shipping"
    assert extract_topic("do you take paypal") == "payment"
    assert extract_topic("what's the weather") is None


def test_spoken_forms() -> None:
    assert speak_time(dt.time(14)) == "2 PM"
    assert speak_time(dt.time(10, 30)) == "10:30 AM"
    assert speak_time(dt.time(12)) == "noon"
    assert speak_date(dt.date(2026, 11, 26), _NOW) == "tomorrow"
    assert speak_date(dt.date(2026, 11, 27), _NOW) == "Friday, November 27"
    assert speak_date(dt.date(2027, 1, 5), _NOW) == "Tuesday, January 5, 2027"


def test_offered_times_are_said_as_one_choice() -> None:
    day = dt.date(2026, 11, 30)
    times = [dt.datetime.combine(day, dt.time(h, m)) for h, m in ((9, 0), (10, 0), (14, 30))]
    assert spoken_times(times) == "9 AM, 10 AM or 2:30 PM"
    assert spoken_times(times[:1]) == "9 AM"
    assert spoken_times([]) == ""
    # A slot that does not read as a time is offered as the tool gave it.
    assert spoken_choices(["9 AM", "late afternoon"]) == "9 AM or late afternoon"


@pytest.mark.parametrize(
    ("text", "day", "time"),
    [
        ("Next Friday at 2.30 p.m.", "2026-11-27", "14:30"),
        ("Tomorrow at 9.15am.", "2026-11-26", "09:15"),
        ("On the 3rd of December, at half past 10.", "2026-12-03", "10:30"),
        ("At 10 o'clock on Monday.", "2026-11-30", "10:00"),
    ],
)
def test_whisper_style_dates(text: str, day: str, time: str) -> None:
    """Whisper writes capitals, punctuation and digits: "2.30 p.m.", "9.15am"."""
    assert _when(text) == (day, time)


@pytest.mark.parametrize(
    "text", ["Order 4,271.", "It's 42-71.", "Order #4271, please.", "My order number is 4 2 7 1."]
)
def test_whisper_style_order_numbers(text: str) -> None:
    assert extract_order_number(text) == "4271"
