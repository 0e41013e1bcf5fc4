"""The spoken email reader: a local part of any words before "at", a domain after it.

The examples are built from the reader's parts (names, letters, letter names, digits
said, joiners, hesitations, domains in words, spelled top-level domains), not copied
from the corpora.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my email is jane underscore doe ninety nine at aol dot co dot uk", "my email is [email]"),
        ("its j dot r dot r tolkien at middle earth dot org", "its [email]"),
        ("email me at b r o w n dash family at gmail dot com", "email me at [email]"),
        ("uh sure its um john plus orders at fast mail dot com", "uh sure its um [email]"),
        ("contact is mary at sign example dot com", "contact is [email]"),
        ("you can reach me at john dot smith at gmail dot com", "you can reach me at [email]"),
        ("its capital k smith at icloud dot com", "its [email]"),
        ("the letter q then adams at web dot d e", "[email]"),
        ("its el jay brooks at aol dot com no spaces", "its [email] no spaces"),
        ("send it to team rocket two thousand at the rocket shop dot net", "send it to [email]"),
        ("pat dash the dash plumber at mail dot com", "[email]"),
        ("Email: John.Smith at gmail.com", "Email: [email]"),
        ("write to oh connor at eircom dot net please", "write to [email] please"),
        ("Thanks, I have john dot smith at gmail dot com.", "Thanks, I have [email]."),
        ("john.doe(at)gmail(dot)com", "[email]"),
        ("email: J.Doe [at] example [dot] org", "email: [email]"),
        ("my email is jdoe at gmail", "my email is [email]"),
        ("its mary smith at yahoo dotcom", "its [email]"),
        ("the old one was sk8r two thousand and four at aol dot com", "the old one was [email]"),
        ("its jim the plumber at mail dot com", "its [email]"),
        ("write to info at green leaf dot ie", "write to [email]"),
    ],
)  # fmt: skip
def test_a_spoken_address_is_read_from_its_at_in_both_directions(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


def test_the_spoken_and_written_forms_hash_alike() -> None:
    hashing = Redactor({"email": "hash"}, hash_key=b"k")
    assert hashing.text("p smith eighty eight at wp dot p l") == hashing.text("psmith88@wp.pl")
    assert hashing.text("j.doe(at)web(dot)de") == hashing.text("j.doe@web.de")


@pytest.mark.parametrize(
    "said",
    [
        "i am at the shop dot com",
        "I was at the store. Then I left",
        "see you at 5. Thanks",
        "it arrived at 3.30pm",
        "rated at 4.5 stars",
        "Sarah at Acme is great",
        "the parcel is at the depot dot",
        "we met at yahoo",
        "i am at gmail headquarters",
        "a decision lands at the same point of the audio",
    ],
)
def test_at_and_dot_in_a_sentence_stay(said: str) -> None:
    assert MASK.text(said) == said


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my email is b as in bravo o b at mail dot com", "my email is [email]"),
        ("it is anna full stop berg at posteo full stop de", "it is [email]"),
        (
            "the email is x as in xray y z at gmx dot net, as in the last one",
            "the email is [email], as in the last one",
        ),
        ("i was at the store as in the shop", "i was at the store as in the shop"),
    ],
)
def test_a_letter_spelled_as_in_a_word_and_full_stop_for_dot(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("its the dot real dot jess at gmail dot com", "its [email]"),
        ("my email is tran van an at gmail dot com", "my email is [email]"),
    ],
)
def test_words_of_a_sentence_inside_a_spoken_local_part(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize("said", ["it is an at home test", "meet me at the dot com office"])
def test_an_article_before_at_makes_no_address(said: str) -> None:
    assert MASK.text(said) == said
