"""Spoken forms written once: what Moonshine, Whisper and Deepgram really write, in and out.

The table is the specification of :func:`framekit.text.written_form`: each row is a
transcript as a recognizer wrote it and the text the dialogue, the LLM and the call
records should see. Every row is also checked to be a fixed point once written.
"""

from __future__ import annotations

import random
import time

import pytest

from framekit.text import written_form

WRITTEN = [
    # digit strings as Moonshine writes them: words, pairs, "oh", "double"
    ("my order number is four two seven one nine", "my order number is 42719"),
    ("forty-two, seventy-one, nine", "42719"),
    ("forty two seventy one", "4271"),
    ("nine o five", "905"),
    ("nine oh five", "905"),
    ("double seven", "77"),
    ("It's four double seven one.", "It's 4771."),
    ("triple five two", "5552"),
    ("My zip code is nine oh two one oh.", "My zip code is 90210."),
    ("zero zero seven", "007"),
    ("nine one one", "911"),
    ("call me on five five five, one two three, four five six seven", "call me on 5551234567"),
    ("The number is four, two, seven, one.", "The number is 4271."),
    # digit strings as Whisper writes them
    ("My order number is 4 2 7 1 9.", "My order number is 42719."),
    ("My order number is 4, 2, 7, 1, 9.", "My order number is 42719."),
    ("It's 42,719.", "It's 42719."),
    ("It's 4-2-7-1.", "It's 4271."),
    ("My order is 42 719, thanks.", "My order is 42719, thanks."),
    ("I'll need 1,000 units.", "I'll need 1000 units."),
    # cardinals with scale words
    ("ninety nine million two hundred thousand three hundred and five", "99200305"),
    ("ninety-nine million, two hundred thousand, three hundred and five", "99200305"),
    ("It was a hundred and fifty pounds.", "It was 150 pounds."),
    ("two thousand and six", "2006"),
    ("one hundred percent", "100 percent"),
    ("I was born in nineteen eighty four", "I was born in 1984"),
    ("I'm twenty five", "I'm 25"),
    ("are you open twenty four seven", "are you open 24/7"),
    ("it's fifty fifty", "it's 50/50"),
    # one number word in ordinary speech stays a word
    ("this one", "this one"),
    ("No one answered.", "No one answered."),
    ("One moment please.", "One moment please."),
    ("I need two", "I need two"),
    ("Which one am I supposed to pick?", "Which one am I supposed to pick?"),
    ("one or two days", "one or two days"),
    ("I'm one of them", "I'm one of them"),
    ("No, one more thing.", "No, one more thing."),
    ("thanks a million", "thanks a million"),
    ("about a hundred people", "about a hundred people"),
    # readings too unsure to write
    ("two three times", "two three times"),
    ("It takes 2-3 days.", "It takes 2-3 days."),
    ("three thirty", "three thirty"),
    ("eleven forty five", "eleven forty five"),
    ("twenty, one of them broken", "twenty, one of them broken"),
    ("one hundred, two hundred, three hundred", "100, 200, 300"),
    ("100, 200, 300", "100, 200, 300"),
    ("open from nine to five", "open from nine to five"),
    ("ten to five", "ten to five"),
    # dates: the month said first or the day said first
    ("March fourteenth", "March 14"),
    ("the fourteenth of March", "14 March"),
    ("Can I come on the fourteenth of March?", "Can I come on 14 March?"),
    ("March the 14th", "March 14"),
    ("march fourteenth", "March 14"),
    ("March twenty first", "March 21"),
    ("March fourteen twenty twenty six", "March 14 2026"),
    ("March fourteenth twenty twenty six", "March 14 2026"),
    ("on the fourteenth of March twenty twenty six", "on 14 March 2026"),
    ("March 14th, 2026", "March 14, 2026"),
    ("the 4th of July", "4 July"),
    ("July 4th, 1776", "July 4, 1776"),
    ("the second of may", "2 May"),
    ("wait a second may I ask", "wait a second may I ask"),
    ("we march four miles", "we march four miles"),
    ("on the third", "on the third"),
    ("the first time", "the first time"),
    ("On 2026-03-14 at 10", "On 2026-03-14 at 10"),
    # times
    ("three thirty p m", "3:30 PM"),
    ("three thirty PM", "3:30 PM"),
    ("3.30 pm", "3:30 PM"),
    ("Can I come at 3:30pm?", "Can I come at 3:30 PM?"),
    ("See you at 3 p.m. on Friday.", "See you at 3 PM on Friday."),
    ("See you at 3 p.m.", "See you at 3 PM."),
    ("ten a m", "10 AM"),
    ("Can we do 10am tomorrow?", "Can we do 10 AM tomorrow?"),
    ("ten o'clock", "10:00"),
    ("twelve o'clock p m", "12 PM"),
    ("half past three", "3:30"),
    ("a quarter past ten in the morning", "10:15 in the morning"),
    ("quarter to four", "3:45"),
    ("twenty five past six", "6:25"),
    ("at three thirty", "at 3:30"),
    ("at 3.30", "at 3:30"),
    ("at nine oh five", "at 9:05"),
    ("at three", "at three"),
    ("The meeting is at 14:30.", "The meeting is at 14:30."),
    ("It costs $3.30.", "It costs $3.30."),
    ("It costs 3.5 dollars.", "It costs 3.5 dollars."),
    # email addresses
    ("john dot smith at gmail dot com", "john.smith@gmail.com"),
    ("My email is John dot Smith at Gmail dot com.", "My email is john.smith@gmail.com."),
    ("my email is john.smith at gmail.com", "my email is john.smith@gmail.com"),
    ("jane underscore doe at example dot co dot uk", "jane_doe@example.co.uk"),
    ("support at framekit dot io", "support@framekit.io"),
    ("reach me at john at gmail dot com", "reach me at john@gmail.com"),
    ("visit us at example dot com", "visit us at example dot com"),
    ("I'll be at home dot", "I'll be at home dot"),
    ("my email is john.smith@gmail.com", "my email is john.smith@gmail.com"),
    # a whole turn, and the rest of the text left as it was
    (
        "Hi, my order is four two seven one nine; can I come on March fourteenth at "
        "three thirty p m? Email john dot smith at gmail dot com!",
        "Hi, my order is 42719; can I come on March 14 at 3:30 PM? Email john.smith@gmail.com!",
    ),
    (
        "I'd like to book for two people at seven thirty p.m. on the fourteenth of March.",
        "I'd like to book for two people at 7:30 PM on 14 March.",
    ),
    # Deepgram (smart_format) writes most of it already: kept as it is
    ("My order number is 42719.", "My order number is 42719."),
    ("Can I book March 14 at 3:30 PM?", "Can I book March 14 at 3:30 PM?"),
    ("I'd like 2 tickets for $45.", "I'd like 2 tickets for $45."),
    ("It's jane.doe@example.com.", "It's jane.doe@example.com."),
    ("B12 vitamins and an mp3", "B12 vitamins and an mp3"),
    ("", ""),
]


_SALAD = (
    "one two three four five seven nine ten twelve thirteen twenty thirty forty fifty "
    "hundred thousand million and a oh double at dot com gmail john am pm a m p o'clock "
    "half quarter past to minutes March May may the of first fourteenth twenty-first 14th "
    "3rd 2026 42 7 3:30 3.30 42,719 1,000 I need my order number by around co uk"
)


@pytest.mark.parametrize(("said", "written"), WRITTEN, ids=[s[:40] for s, _ in WRITTEN])
def test_written_form(said: str, written: str) -> None:
    assert written_form(said) == written


@pytest.mark.parametrize("text", sorted({t for row in WRITTEN for t in row}))
def test_a_written_form_is_its_own_written_form(text: str) -> None:
    once = written_form(text)
    assert written_form(once) == once


def test_idempotent_on_random_word_salad() -> None:
    """Numbers, months, clock words and "at"/"dot" in any order never drift on a second pass."""
    vocabulary = _SALAD.split()
    separators = [" ", " ", " ", ", ", ". ", "-"]
    rng = random.Random(12)
    for _ in range(3000):
        words = rng.choices(vocabulary, k=rng.randint(1, 10))
        text = "".join(w + rng.choice(separators) for w in words).strip(" ,.-")
        once = written_form(text)
        assert written_form(once) == once, text


def test_fast_enough_for_every_interim_transcript() -> None:
    turn = (
        "Hi, my order number is four two seven one nine and I would like to come on March "
        "fourteenth at three thirty p m, my email is john dot smith at gmail dot com."
    )
    started = time.perf_counter()
    for _ in range(200):
        written_form(turn)
    assert (time.perf_counter() - started) / 200 < 0.005  # about 0.3 ms on a laptop core
