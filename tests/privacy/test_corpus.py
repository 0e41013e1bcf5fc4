"""The PII corpus that the redactor is scored on is what its README says.

Fast checks, no redactor: every line is well formed, every span lies inside its text on a
value (not on the words around it), spans do not overlap, every card span is a number
that passes Luhn once its words are turned into digits, SSN and phone spans hold as many
digits as such numbers have, the split follows the README's fixed rule, the counts per
kind and split are the README's and meet the issue's minimums, every kind is said in
ten phrasings or more in each split, and no text (nor the words around a value) is in
both splits. The words-to-digits reader below is written here on purpose: it must not share
code with the redactor it judges.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parents[1] / "data" / "privacy"
KINDS = ("card", "bank", "ssn", "phone", "email", "dob", "address", "name")
ID = re.compile(r"^u\d{4}$")
SPEECH = re.compile(r"^[a-z0-9' ]+$")
# The issue's minimums over both splits: utterances with a span of the kind.
MINIMUM = {"card": 40, "ssn": 40, "phone": 40, "email": 40, "address": 40}
MINIMUM |= {"bank": 20, "dob": 20, "name": 20}

Utterance = dict[str, Any]


def _utterances() -> list[Utterance]:
    with (DATA / "utterances.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


UTTERANCES = _utterances()

UNITS = {"zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4}
UNITS |= {"five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14}
TEENS |= {"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
TENS |= {"seventy": 70, "eighty": 80, "ninety": 90}
REPEAT = {"double": 2, "triple": 3}


def words_to_digits(text: str) -> str:
    """The digits a caller said, as a person hearing them would write them down.

    "four one one one" and "4111" are 4111; "forty one eleven" is 4111 (pairs);
    "four thousand one hundred eleven" is 4111 (a whole number); "double oh" is 00;
    other words ("um", "dash", "area code") carry no digits. A unit after a tens word
    joins it ("forty one" is 41), as it does after "hundred" or "thousand", except "oh".
    """
    tokens = re.findall(r"[a-z]+|\d+", text.lower())
    out: list[str] = []
    number: int | None = None  # a whole number being said ("four thousand one hundred ...")
    open_for = ""  # what may still join it: "unit" after tens, "any" after hundred/thousand
    repeat = 1
    skip = False

    def close() -> None:
        nonlocal number, open_for
        if number is not None:
            out.append(str(number))
        number, open_for = None, ""

    for i, token in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if skip:
            skip = False
        elif token.isdigit():
            close()
            out.append(token)
        elif token in REPEAT:
            close()
            repeat = REPEAT[token]
            continue
        elif token in UNITS:
            value = UNITS[token]
            if after == "hundred" and value and number is not None and open_for == "any":
                number += value * 100
                skip = True
            elif after in ("hundred", "thousand") and value:
                close()
                number = value
            elif number is not None and open_for in ("unit", "any") and value:
                number += value
                close()
            else:
                close()
                out.append(str(value) * repeat)
        elif token in TEENS:
            if after == "hundred":
                close()
                number = TEENS[token]
            elif number is not None and open_for == "any":
                number += TEENS[token]
                close()
            else:
                close()
                out.append(str(TEENS[token]))
        elif token in TENS:
            if number is not None and open_for == "any":
                number += TENS[token]
            else:
                close()
                number = TENS[token]
            open_for = "unit"
        elif token == "hundred" and number is not None:
            number *= 100
            open_for = "any"
        elif token == "thousand" and number is not None:
            number *= 1000
            open_for = "any"
        repeat = 1
    close()
    return "".join(out)


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _spans(kind: str) -> list[tuple[Utterance, str]]:
    return [
        (u, u["text"][s["start"] : s["end"]])
        for u in UTTERANCES
        for s in u["spans"]
        if s["kind"] == kind
    ]


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("four one one one", "4111"),
        ("4111 1111", "41111111"),
        ("forty one eleven oh five", "411105"),
        ("four thousand one hundred eleven four thousand", "41114000"),
        ("double oh four four", "0044"),
        ("seven triple one um two", "71112"),
        ("twelve hundred thirty four", "1234"),
        ("sixty forty five", "6045"),
        ("four thousand one hundred oh four", "410004"),
    ],
)
def test_words_to_digits_reads_what_a_person_would_write(said: str, digits: str) -> None:
    assert words_to_digits(said) == digits


def test_every_line_has_the_schema() -> None:
    assert len(UTTERANCES) >= 500
    for u in UTTERANCES:
        assert set(u) <= {"id", "split", "source", "text", "spans", "note"}, u
        assert ID.match(u["id"]), u
        assert u["split"] in ("dev", "test"), u
        assert u["source"] in ("speech", "text"), u
        assert isinstance(u["text"], str), u
        assert u["text"].strip(), u
        assert isinstance(u.get("note", ""), str), u
        for span in u["spans"]:
            assert set(span) == {"start", "end", "kind"}, u
            assert span["kind"] in KINDS, u


def test_ids_are_unique_and_the_split_is_the_readme_rule() -> None:
    ids = [u["id"] for u in UTTERANCES]
    assert len(ids) == len(set(ids))
    for u in UTTERANCES:
        assert u["split"] == ("test" if int(u["id"][1:]) % 10 in (0, 3, 7) else "dev"), u["id"]


def test_speech_is_written_as_a_recognizer_writes_it() -> None:
    for u in UTTERANCES:
        if u["source"] == "speech":
            assert SPEECH.match(u["text"]), u["id"]


def test_spans_lie_on_values_inside_the_text_and_do_not_overlap() -> None:
    for u in UTTERANCES:
        end = 0
        for span in sorted(u["spans"], key=lambda s: s["start"]):
            assert end <= span["start"] < span["end"] <= len(u["text"]), u["id"]
            value = u["text"][span["start"] : span["end"]]
            assert value == value.strip(".,:;\"' "), (u["id"], value)
            before = u["text"][span["start"] - 1 : span["start"]]
            after = u["text"][span["end"] : span["end"] + 1]
            assert not before.isalnum(), (u["id"], value)
            assert not after.isalnum(), (u["id"], value)
            end = span["end"]


def test_every_card_span_is_a_luhn_valid_card_number() -> None:
    spans = _spans("card")
    assert spans
    for u, value in spans:
        digits = words_to_digits(value)
        assert 12 <= len(digits) <= 19, (u["id"], value, digits)
        assert _luhn(digits), (u["id"], value, digits)


def test_ssn_and_phone_spans_hold_their_digits() -> None:
    for u, value in _spans("ssn"):
        assert len(words_to_digits(value)) in (4, 9), (u["id"], value)
    for u, value in _spans("phone"):
        assert 10 <= len(words_to_digits(value)) <= 15, (u["id"], value)


def test_look_alikes_of_cards_fail_luhn() -> None:
    references = [u for u in UTTERANCES if u.get("note") == "ref16"]
    assert len(references) >= 10
    for u in references:
        digits = words_to_digits(u["text"])
        assert len(digits) == 16, u["id"]
        assert not _luhn(digits), u["id"]


def _counts() -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {"dev": Counter(), "test": Counter()}
    for u in UTTERANCES:
        for kind in {s["kind"] for s in u["spans"]}:
            counts[u["split"]][kind] += 1
        counts[u["split"]]["with PII" if u["spans"] else "without PII"] += 1
    return counts


def test_counts_meet_the_issue_minimums_in_both_splits() -> None:
    counts = _counts()
    for kind, minimum in MINIMUM.items():
        assert counts["dev"][kind] + counts["test"][kind] >= minimum, kind
        assert counts["test"][kind] >= 8, kind
    assert counts["dev"]["with PII"] + counts["test"]["with PII"] >= 340
    assert counts["dev"]["without PII"] + counts["test"]["without PII"] >= 140
    assert counts["test"]["without PII"] >= 40


def test_readme_counts_are_the_files() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    counts = _counts()
    for row in [*KINDS, "with PII", "without PII"]:
        dev, test = counts["dev"][row], counts["test"][row]
        assert f"| {row} | {dev} | {test} | {dev + test} |" in readme, row


def test_no_text_is_in_both_splits() -> None:
    texts: dict[str, set[str]] = {"dev": set(), "test": set()}
    for u in UTTERANCES:
        texts[u["split"]].add(u["text"])
    assert not texts["dev"] & texts["test"]
    assert sum(len(t) for t in texts.values()) == len(UTTERANCES)


def _carrier(u: Utterance) -> str:
    """The words around the values: the text with each span replaced by its kind."""
    said: str = u["text"]
    text, last = "", 0
    for span in sorted(u["spans"], key=lambda s: s["start"]):
        text += said[last : span["start"]] + "{" + span["kind"] + "}"
        last = span["end"]
    return text + said[last:]


def test_the_test_split_says_the_values_in_other_sentences() -> None:
    carriers: dict[str, set[str]] = {"dev": set(), "test": set()}
    for u in UTTERANCES:
        if u["spans"]:
            carriers[u["split"]].add(_carrier(u))
    assert len(carriers["test"]) >= 60
    assert not carriers["dev"] & carriers["test"]


def test_every_kind_is_said_in_ten_phrasings_or_more_in_each_split() -> None:
    carriers: dict[tuple[str, str], set[str]] = {}
    for u in UTTERANCES:
        for span in u["spans"]:
            carriers.setdefault((u["split"], span["kind"]), set()).add(_carrier(u))
    for split in ("dev", "test"):
        for kind in KINDS:
            assert len(carriers.get((split, kind), set())) >= 10, (split, kind)


def test_email_spans_hold_an_address() -> None:
    for u, value in _spans("email"):
        if u["source"] == "text":
            assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", value), (u["id"], value)
        else:
            assert " at " in value, (u["id"], value)
            assert " dot " in value, (u["id"], value)


def test_the_file_is_what_the_generator_writes() -> None:
    check = subprocess.run(
        [sys.executable, str(DATA / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
