"""The sentiment and resolution rules on phone-call phrasings written here (not the corpus's)."""

from __future__ import annotations

import pytest

from framekit.analytics import ToolUse, Utterance, call_sentiment, resolution
from framekit.analytics.sentiment import label_of, turn_sentiment


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("hello, i'd like to check on a delivery please", "neutral"),  # politeness, no feeling
        ("yes", "neutral"),
        ("okay, that's everything, bye", "neutral"),  # a closing
        ("no worries, i'll try the website", "neutral"),
        ("ill call them tomorrow", "neutral"),  # "ill" is I'll
        ("i'm still waiting for the refund you promised", "negative"),  # no emotional word
        ("this is the fourth time i'm ringing about this", "negative"),
        ("oh wonderful, another recorded message", "negative"),  # sarcasm
        ("thanks for nothing", "negative"),
        ("well thank you so much for nothing then", "negative"),  # sarcastic thanks
        ("right, so i do it all myself. thanks a bunch", "negative"),
        ("oh for christ's sake, again", "negative"),
        ("i cannot believe this is still not sorted", "negative"),
        ("let me speak to a manager", "negative"),
        ("brilliant, thank you so much, that's sorted", "positive"),
        ("oh great, thanks, my sister will be happy", "positive"),  # sincere after "oh great"
        ("phew, thank goodness", "positive"),
    ],
)
def test_a_caller_turn(text: str, label: str) -> None:
    assert label_of(turn_sentiment(text)) == label


def test_a_call_that_turned_angry_starts_neutral_and_ends_negative() -> None:
    found = call_sentiment(
        ["hi, can you tell me when you close today", "what? you said six last time", "ridiculous"]
    )

    assert (found.start, found.end, found.call) == ("neutral", "negative", "negative")
    assert [turn.turn for turn in found.turns] == [0, 1, 2]


def test_a_tie_goes_to_the_end_and_a_neutral_end_makes_it_negative() -> None:
    calmed = call_sentiment(["this is useless", "ok", "lovely, thank you"])
    flat = call_sentiment(["this is useless", "lovely, thanks", "ok", "bye"])

    assert (calmed.call, calmed.end) == ("positive", "positive")
    assert (flat.call, flat.end) == ("negative", "neutral")


def _call(*events: Utterance | ToolUse) -> list[Utterance | ToolUse]:
    return list(events)


SHIPPED = ToolUse("order_status", {"order_number": "88"}, {"status": "shipped"})
SLOTS = ToolUse("check_availability", {"date": "2026-12-01"}, {"slots": ["10:00"]})


def test_a_tool_answer_the_caller_accepts_is_resolved_even_when_grumpy() -> None:
    events = _call(
        Utterance("caller", "where's order 88, it's late"),
        SHIPPED,
        Utterance("bot", "It shipped and arrives tomorrow."),
        Utterance("caller", "fine. it better turn up"),
    )

    assert resolution("resolved", events, "caller_hung_up") == "resolved"


def test_an_answer_the_caller_rejects_is_unresolved() -> None:
    events = _call(
        Utterance("caller", "order 88 arrived broken"),
        SHIPPED,
        Utterance("bot", "Order 88 was delivered."),
        Utterance("caller", "yeah i know, i said it's broken. never mind"),
    )

    assert resolution("resolved", events, "caller_hung_up") == "unresolved"


def test_a_lookup_alone_is_not_an_answer_unless_the_caller_thanks() -> None:
    declined = _call(
        Utterance("caller", "can i come in at eight tomorrow"),
        SLOTS,
        Utterance("bot", "The earliest is 10 AM."),
        Utterance("caller", "no, that's too late for me"),
    )
    pleased = [*declined[:3], Utterance("caller", "ah ten is lovely, thanks, that's all")]

    assert resolution("resolved", declined, "bot_hung_up") == "unresolved"
    assert resolution("resolved", pleased, "bot_hung_up") == "resolved"


def test_faults_the_idle_bot_transfers_and_silence() -> None:
    asked = Utterance("caller", "i need to book a fitting")
    answered = _call(asked, SHIPPED, Utterance("bot", "It shipped."))

    assert resolution("failed", answered, "error") == "resolved"  # the answer was given
    assert resolution("failed", [asked, SHIPPED], "error") == "failed"  # not said yet
    assert resolution("unresolved", [asked], "idle_timeout") == "failed"
    assert resolution("transferred", [asked], "transferred") == "transferred"
    assert resolution("abandoned", [], "silence") == "abandoned"
    assert resolution("unresolved", [asked, Utterance("caller", "great, thanks")], None) == (
        "resolved"  # answered without a tool, and thanked
    )


def test_a_bot_that_says_it_cannot_help_leaves_the_call_unresolved_however_polite() -> None:
    events = _call(
        Utterance("caller", "can i change the address on order 88"),
        SHIPPED,
        Utterance("bot", "Order 88 has shipped, so I can't change the address now."),
        Utterance("caller", "oh ok, thank you, goodbye"),
    )

    assert resolution("resolved", events, "caller_hung_up") == "unresolved"


def test_a_failed_handover_or_an_empty_lookup_is_not_a_resolution() -> None:
    nobody = ToolUse("transfer_to_human", {}, {"error": "nobody is available"})
    handover = _call(
        Utterance("caller", "what's your policy on gift wrap"),
        ToolUse("faq_answer", {"topic": "gift wrap"}, {"answer": "We wrap for free."}),
        Utterance("bot", "We wrap for free."),
        Utterance("caller", "and for a parcel abroad?"),
        nobody,
        Utterance("bot", "Nobody is free right now, please call back."),
    )
    empty = _call(
        Utterance("caller", "anything on saturday"),
        ToolUse("check_availability", {"date": "2026-12-12"}, {"slots": []}),
        Utterance("bot", "Saturday is fully booked."),
        Utterance("caller", "great, thanks"),
    )

    assert resolution("resolved", handover, "bot_hung_up") == "unresolved"
    assert resolution("resolved", empty, "caller_hung_up") == "unresolved"


def test_a_bot_that_can_only_do_less_or_apologises_and_moves_on_leaves_it_unresolved() -> None:
    asked = Utterance("caller", "why was my order 88 held back")
    less = _call(asked, SHIPPED, Utterance("bot", "I can only see that it has shipped."))
    sorry = _call(
        asked,
        SHIPPED,
        Utterance("bot", "Order 88 has shipped."),
        Utterance("caller", "that wasn't my question"),
        Utterance("bot", "Sorry. Is there anything else I can do?"),
        Utterance("caller", "no, bye"),
    )
    plain = _call(asked, SHIPPED, Utterance("bot", "Order 88 has shipped. Anything else?"))
    excused = [*sorry[:3], Utterance("bot", "Sorry for the wait. Anything else?")]

    assert resolution("resolved", less, "caller_hung_up") == "unresolved"
    assert resolution("resolved", sorry, "caller_hung_up") == "unresolved"
    assert resolution("resolved", plain, "caller_hung_up") == "resolved"
    assert resolution("resolved", excused, "caller_hung_up") == "resolved"


def test_a_lookup_the_caller_is_plainly_pleased_with_resolves_without_a_thank_you() -> None:
    events = _call(
        Utterance("caller", "when is my fitting, the name is Okafor"),
        ToolUse("find_appointment", {"holder": "Okafor"}, {"appointment": "2026-12-09T10:00"}),
        Utterance("bot", "Okafor, Wednesday at 10 AM."),
        Utterance("caller", "wednesday, wonderful, you're a lifesaver"),
    )
    flat = [*events[:3], Utterance("caller", "wednesday ok")]

    assert resolution("resolved", events, "caller_hung_up") == "resolved"
    assert resolution("resolved", flat, "caller_hung_up") == "unresolved"
