"""Address forms that new writers used and the grammar did not read (issue 17).

Each test holds one mechanism, in words other than the corpus lines that showed it
missing and other than stress round 10's: a dot after a type before a comma, a town that
starts with "the" before its state, a house that reads longer than an "address is" lead,
street numbers past one hundred, a five-digit code said after a street of any words,
star routes, a house's name instead of its number, the European order, a first try taken
back, a record's town. Each also holds the look-alikes the mechanism must leave alone.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


def _masked(text: str, value: str) -> bool:
    """Whether every letter and digit of ``value`` in ``text`` is inside a span found."""
    start = text.index(value)
    covered = {i for s in MASK.redact(text).spans for i in range(s.start, s.end)}
    return all(i in covered for i in range(start, start + len(value)) if text[i].isalnum())


_TOWNS = [
    (
        "address 42 Elmwood Blvd., Lansing, Michigan 48933",
        "42 Elmwood Blvd., Lansing, Michigan 48933",
    ),
    (
        "send it to Unit 2/40 Wattle St, The Basin VIC 3154 ok",
        "Unit 2/40 Wattle St, The Basin VIC 3154",
    ),
    ("it's nine birch lane the villages florida", "nine birch lane the villages florida"),
]


@pytest.mark.parametrize(("text", "value"), _TOWNS)
def test_a_dot_before_a_comma_and_a_town_that_starts_with_the(text: str, value: str) -> None:
    assert _masked(text, value)


def test_the_after_an_address_still_ends_it() -> None:
    assert MASK.text("it's twelve oak street the red gate") == "it's [address] the red gate"


@pytest.mark.parametrize(
    "said",
    [
        "fourteen east one hundred sixteenth street",
        "two oh two west two hundred and first avenue",
    ],
)
def test_street_numbers_said_past_one_hundred(said: str) -> None:
    assert MASK.text(f"we live at {said}") == "we live at [address]"


def test_an_identifier_before_address_does_not_veto_the_house() -> None:
    text = "the invoice address is sixty one maple avenue"
    assert MASK.text(text) == "the invoice address is [address]"


def test_a_code_said_after_a_street_of_any_words() -> None:
    text = "ship to nine via dante firenze five oh one two two thanks"
    assert _masked(text, "nine via dante firenze five oh one two two")
    for lookalike in (
        "we shipped four via courier tracking three two one six seven",
        "order two via fedex one two three four five arrived",
        "they sent three via post on the fifth",
    ):
        assert MASK.text(lookalike) == lookalike


@pytest.mark.parametrize(
    "said",
    [
        "star route four box twelve elk city idaho",
        "box 310 star route marble colorado",
        "box 41 hc 62 republic washington",
    ],
)
def test_star_routes_and_a_box_before_its_route(said: str) -> None:
    assert _masked(f"mail goes to {said}", said)


_NAMED = [
    (
        "deliver to the old smithy church road great bardfield",
        "the old smithy church road great bardfield",
    ),
    ("Ship to: Holly Lodge, Station Road, Ashby", "Holly Lodge, Station Road, Ashby"),
    ("flat three the old dairy kilkenny", "flat three the old dairy kilkenny"),
]


@pytest.mark.parametrize(("text", "value"), _NAMED)
def test_a_house_s_name_instead_of_its_number(text: str, value: str) -> None:
    assert _masked(text, value)


@pytest.mark.parametrize(
    "lookalike",
    [
        "i went to the coach house main street pub",
        "book the farm shop lane tour for saturday",
        "we need a unit or a house with a yard",
    ],
)
def test_house_names_leave_trades_and_plain_words(lookalike: str) -> None:
    assert MASK.text(lookalike) == lookalike


@pytest.mark.parametrize("value", ["Im Grund 9, 6020 Innsbruck", "Am Wasserturm 4, 50667 Köln"])
def test_the_european_order_without_a_street_type(value: str) -> None:
    assert MASK.text(f"Adresse: {value}") == "Adresse: [address]"


@pytest.mark.parametrize(
    "lookalike",
    [
        "Windows 11, 2024 Update broke the printer",
        "Tuesday 14, 10000 Points are waiting",
        "Invoice 12, 45678 Widgets billed",
    ],
)
def test_the_european_order_leaves_dates_and_identifiers(lookalike: str) -> None:
    assert MASK.text(lookalike) == lookalike


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("it's two twelve hmm two fourteen aspen court", "two twelve hmm two fourteen aspen court"),
        (
            "ship to eight maple way no sorry eighteen maple way",
            "eight maple way no sorry eighteen maple way",
        ),
    ],
)
def test_a_first_try_taken_back_is_joined(text: str, value: str) -> None:
    assert _masked(text, value)


def test_a_record_s_town_once_its_street_was_found() -> None:
    text = '{"addr": "17 Baobab Close", "suburb": "Karen, Nairobi", "tier": "gold"}'
    redacted = MASK.text(text)
    assert "Karen" not in redacted
    assert "Nairobi" not in redacted
    assert "gold" in redacted
    store = '{"store": "Northwind", "city": "Denver"}'
    assert MASK.text(store) == store
