"""Names by their usual lead-ins, and dates of birth said before "that's my date of birth".

Built from the lead-ins themselves (a surname, "I go by", a tool argument's
``customer_name``, "on behalf of", a booking "for" a first and last name typed), not
copied from the corpora.
"""

from __future__ import annotations

import pytest

from framekit.privacy.redact import Redactor

MASK = Redactor()


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my surname is okonkwo", "my surname is [name]"),
        ("my names ines duarte", "my names [name]"),
        ("I go by Sasha", "I go by [name]"),
        ('{"customer_name": "Ana Lima", "order": 5}', '{"customer_name": "[name]", "order": 5}'),
        ("calling on behalf of Peter Wong", "calling on behalf of [name]"),
        ("Reserve a table for Maria Gonzalez please", "Reserve a table for [name] please"),
        ("im oluwaseun and i need help", "im [name] and i need help"),
        ("contact name: Ravi Patel", "contact name: [name]"),
        ("first name = Chen", "first name = [name]"),
        ("Card holder: Li Wei", "Card holder: [name]"),
        ("Ana Lima, +44 20 7946 0958", "[name], [phone]"),
        ("Ana Lima, ana.lima@example.org", "[name], [email]"),
        ("hi, Tomasz Nowak speaking", "hi, [name] speaking"),
        ("name on card Erik Johansson", "name on card [name]"),
        (
            "the fourth of may nineteen eighty thats my date of birth",
            "[dob] thats my date of birth",
        ),
        ("you are speaking to Maria", "you are speaking to [name]"),
        ("can i speak to emma", "can i speak to [name]"),
        ("Patient: John Smith", "Patient: [name]"),
        ('{"caller": "Ana Lima"}', '{"caller": "[name]"}'),
        ("Thanks, Olga Petrova", "Thanks, [name]"),
        ("Regards,\nTom Baker", "Regards,\n[name]"),
        ("my husband robert will call", "my husband [name] will call"),
        ("My wife Sarah ordered it", "My wife [name] ordered it"),
        ("Ship to: Carlos Ruiz", "Ship to: [name]"),
        ("oh hi good morning ana paula souza here", "oh hi good morning [name] here"),
        ("could you reserve it for tomas berg thanks", "could you reserve it for [name] thanks"),
        ("I'm Min-jun - surname Lee", "I'm [name] - surname [name]"),
        (
            "i am oskar lind but my friends call me ossi",
            "i am [name] but my friends call me [name]",
        ),
        ("It's Chloé Martin (with an accent)", "It's [name] (with an accent)"),
        ("the appointment should be for ravi menon", "the appointment should be for [name]"),
    ],
)
def test_a_name_or_a_birth_date_after_its_lead_in_is_masked(said: str, expected: str) -> None:
    assert MASK.text(said) == expected


@pytest.mark.parametrize(
    "said",
    [
        "book it for Next Monday please",
        "is there a table for Two People",
        "I ordered it for Black Friday",
        "tickets for The Lion King",
        "the package is for my wife",
        "im not sure",
        "name = lookup_order",
        "can i speak to someone",
        "book it for next tuesday please",
        "reserve it for lunch time please",
        "Book it for Monday Morning",
        "it stops at its end (shutdown)",
        "i want to speak to a manager",
        "thank you very much",
        "Thanks, that helps",
        "my son loves it",
        "my wife said it was fine",
        "One erasure row per caller: erasures, and the trigger",
        "speaking to itself through the loopback",
    ],
)
def test_a_date_a_count_or_code_after_a_lead_in_stays(said: str) -> None:
    assert MASK.text(said) == said
