"""What callers say to a shop's phone line: the sentences of the recognition corpus.

Why two fixed splits: ``dev`` is for tuning (prompts, thresholds, normalisation) and
``test`` for the number we report. The split is written into the data below, by
sentence, so it is the same on every run and machine; the test sentences are their
own phrasings with their own numbers and names, not the dev ones with words swapped,
so tuning on dev cannot learn them.

Why ``spoken`` and ``reference`` differ: every synthesizer reads digits, dates and
symbols its own way ("4271" as "four thousand..." or "four two seven one"), so the
synthesizers get words ("four two seven one") while the reference is what a careful
transcriber writes ("4271"). :mod:`accuracy.wer` makes the two compare equal.

How a line below reads: ``{written|spoken}`` gives both forms of a stretch, text
outside braces is both; a trailing `` #42719`` is the order/account/zip number the
utterance carries (scored by the order-number accuracy), a trailing `` @03-14`` its
date or time (``MM-DD``, ``HH:MM`` on a 24-hour clock, or a weekday).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from framekit.frames import ExpectedSpeech

__all__ = ["EXPECTED_SPEECH", "KINDS", "UTTERANCES", "Split", "Utterance", "utterances"]

Split = Literal["dev", "test"]


@dataclass(frozen=True)
class Utterance:
    """One thing a caller says: the words given to a synthesizer and what a human writes."""

    id: str
    kind: str
    spoken: str
    reference: str
    split: Split
    number: str | None = None
    when: str | None = None


_DEV: Final[dict[str, tuple[str, ...]]] = {
    "order_digits": (
        "Hi, my order number is {42719|four two seven one nine}. #42719",
        "It's order {803615|eight oh three six one five}. #803615",
        "Yeah, the number on the receipt is {5906|five nine zero six}. #5906",
        "Order {71044082|seven one oh four four oh eight two}, I think. #71044082",
        "Um, {3320957|three three two zero nine five seven}, that's the order. #3320957",
    ),
    "order_words": (
        "My order is {42,719|forty two thousand seven hundred nineteen}. #42719",
        "The order number is {99,400,210|ninety nine million four hundred thousand "
        "two hundred ten}. #99400210",
        "It's {6,350|six thousand three hundred fifty}. #6350",
        "Order {815,007|eight hundred fifteen thousand seven}. #815007",
        "I have order {1,204,380|one million two hundred four thousand three hundred eighty} "
        "here. #1204380",
    ),
    "order_groups": (
        "Order number {63 18 45|sixty three, eighteen, forty five}. #631845",
        "It's {4 77 21|four, double seven, two one}. #47721",
        "The order is {19 20 55|nineteen twenty, fifty five}. #192055",
        "Yeah, {31 66 12|thirty one, double six, twelve}. #316612",
        "{27 04 91|Twenty seven, oh four, ninety one} is my order. #270491",
    ),
    "date": (
        "The delivery was scheduled for {March 14th|March fourteenth}. @03-14",
        "I ordered it on {the 3rd of January|the third of January}. @01-03",
        "Can you deliver it next Tuesday? @tuesday",
        "It was supposed to arrive on {August 22nd|August twenty second}. @08-22",
        "{December 1st|December first}, I think it was. @12-01",
    ),
    "time": (
        "Could someone call me back at {3:30|three thirty} in the afternoon? @15:30",
        "I'm free after {10 a.m.|ten a.m.} @10:00",
        "The courier came at {7:45|seven forty five} this morning. @07:45",
        "Is the store open until {9 p.m.|nine p.m.}? @21:00",
        "{11:15|Eleven fifteen} in the morning is best for me. @11:15",
    ),
    "name": (
        "My name is Sarah Johnson.",
        "This is Michael O'Brien.",
        "The order is under David Kowalski.",
        "It's for my wife, Maria Gonzalez.",
        "Hi, Priya Patel calling about an order.",
    ),
    "spelled_name": (
        "It's Smith, {S-M-I-T-H|S M I T H}.",
        "My last name is Nguyen, {N-G-U-Y-E-N|N G U Y E N}.",
        "That's Reyes, {R-E-Y-E-S|R E Y E S}.",
        "Dunn, {D-U-N-N|D U double N}.",
        "First name Aoife, {A-O-I-F-E|A O I F E}.",
    ),
    "email": (
        "My email is {john.smith@gmail.com|john dot smith at gmail dot com}.",
        "It's {maria_g@yahoo.com|maria underscore g at yahoo dot com}.",
        "Send it to {david.k@outlook.com|david dot k at outlook dot com}.",
        "{priya.patel@hotmail.com|priya dot patel at hotmail dot com}, all lower case.",
        "You can reach me at {tom88@icloud.com|tom eight eight at icloud dot com}.",
    ),
    "address": (
        "It's {1245|twelve forty five} Oak Street, zip code {94103|nine four one oh three}. #94103",
        "Ship it to {88|eighty eight} Maple Avenue, apartment {6|six}.",
        "The address is {310 West 5th|three ten West Fifth} Street.",
        "It should go to my office on Baker Road in Springfield.",
        "My zip code is {60614|six oh six one four}. #60614",
    ),
    "yes_no": (
        "Yes, that's right.",
        "No, that's not it.",
        "Yeah, go ahead.",
        "No thanks, I'm good.",
        "Yes please.",
    ),
    "short_answer": (
        "The blue one.",
        "Just the shoes.",
        "{2|Two} of them.",
        "Standard shipping is fine.",
        "The large, not the medium.",
    ),
    "correction": (
        "No, I said the {14th|fourteenth}, not the {4th|fourth}.",
        "Actually, make it Thursday. @thursday",
        "Sorry, the last digit is {8|eight}, not {3|three}.",
        "No, it's {40722|four oh seven two two}, you missed the zero. #40722",
        "Wait, not Smith, it's Smyth with a Y.",
    ),
    "filler": (
        "Um, uh, hold on a second.",
        "Uh, let me see, where did I put it.",
        "Hmm, {1|one} moment please.",
        "Er, sorry, I'm just looking for the email.",
        "Okay, um, so, basically, it's about my refund.",
    ),
    "question": (
        "How do I reset my password?",
        "Can I speak to a manager, please?",
        "When will my package arrive?",
        "Do you ship to Canada?",
        "What's your return policy on sale items?",
    ),
}

_TEST: Final[dict[str, tuple[str, ...]]] = {
    "order_digits": (
        "The order ID is {6158302|six one five eight three zero two}. #6158302",
        "Okay, it's {90417|nine oh four one seven}. #90417",
        "I've got the confirmation here, {2853|two eight five three}. #2853",
        "Reference {74009561|seven four zero zero nine five six one}, from last week. #74009561",
        "So the number they gave me was {318620|three one eight six two oh}. #318620",
    ),
    "order_words": (
        "My order number is {3,508|three thousand five hundred eight}. #3508",
        "It's {57,990|fifty seven thousand nine hundred ninety}, I believe. #57990",
        "Order {12,000,416|twelve million four hundred sixteen}. #12000416",
        "{604,125|Six hundred four thousand one hundred twenty five} is what the email says. "
        "#604125",
        "The one I'm calling about is {80,077|eighty thousand seventy seven}. #80077",
    ),
    "order_groups": (
        "It's {55 30 18|fifty five, thirty, eighteen}. #553018",
        "The number is {9 88 4 61|nine, double eight, four, sixty one}. #988461",
        "{12 34 56|Twelve, thirty four, fifty six}, and that's the whole thing. #123456",
        "{71 05 22|Seventy one, oh five, twenty two}. #710522",
        "Order {40 44 19|four oh, double four, nineteen}. #404419",
    ),
    "date": (
        "I need it by {the 21st of May|the twenty first of May}. @05-21",
        "We placed the order back on {February 2nd|February second}. @02-02",
        "Could it come this Saturday instead? @saturday",
        "The party is on {October 31st|October thirty first}, so it has to be there before. @10-31",
        "Monday would be best, if that's possible. @monday",
    ),
    "time": (
        "Please don't come before {8 a.m.|eight a.m.} @08:00",
        "I'll be home around {5:15|five fifteen} in the evening. @17:15",
        "{12:30|Twelve thirty}, during my lunch break. @12:30",
        "The store closed at {6 p.m.|six p.m.} yesterday. @18:00",
        "Is {9:45|nine forty five} tomorrow morning too early? @09:45",
    ),
    "name": (
        "Hi, this is Jennifer Wu.",
        "You can put it under Robert Anderson.",
        "My husband's name is Ahmed Hassan.",
        "Speaking, it's Linda McCarthy.",
        "The account holder is Carlos Mendoza.",
    ),
    "spelled_name": (
        "Okafor, that's {O-K-A-F-O-R|O K A F O R}.",
        "Last name Brown, {B-R-O-W-N|B R O W N}.",
        "It's spelled {K-I-M|K I M}, just three letters.",
        "Garcia with a C, {G-A-R-C-I-A|G A R C I A}.",
        "Sean, {S-E-A-N|S E A N}.",
    ),
    "email": (
        "The email on file is {nina.berg@gmail.com|nina dot berg at gmail dot com}.",
        "It's {mike.hall@comcast.net|mike dot hall at comcast dot net}.",
        "Try {linda.m@yahoo.com|linda dot m at yahoo dot com}.",
        "Use my work address, {r.anderson@acme.com|r dot anderson at acme dot com}.",
        "{carlos2020@hotmail.com|carlos twenty twenty at hotmail dot com}, no dots.",
    ),
    "address": (
        "The address is {4021|forty twenty one} Pine Street in Denver.",
        "Send it to {17|seventeen} Elm Court, it's a blue house.",
        "We moved to {2200|twenty two hundred} Lakeview Drive.",
        "The zip is {10027|one zero zero two seven}. #10027",
        "It's the apartment above the bakery on Main Street, number {12|twelve}.",
    ),
    "yes_no": (
        "Yep, that's correct.",
        "No, I don't want that.",
        "Sure, that works.",
        "Nah, not really.",
        "Absolutely, yes.",
    ),
    "short_answer": (
        "The red jacket.",
        "Only the charger.",
        "Medium, please.",
        "Express delivery.",
        "Just {1|one}.",
    ),
    "correction": (
        "Sorry, I meant Wednesday, not Tuesday. @wednesday",
        "No no, the order number is {59012|five nine zero one two}. #59012",
        "Let me correct that, it's {June 8th|June eighth}. @06-08",
        "Actually, I'll take the black one instead.",
        "No, Jensen with an E, not an O.",
    ),
    "filler": (
        "Uh, just a minute, I'm getting my card.",
        "Hmm, let me think.",
        "Um, okay, hang on, my kid is yelling.",
        "Uh huh, yeah, I'm still here.",
        "Er, um, where was I?",
    ),
    "question": (
        "Can I change the delivery address?",
        "Why was I charged twice?",
        "Is this item still in stock?",
        "Do you price match?",
        "How long does a refund take?",
    ),
}

EXPECTED_SPEECH: dict[str, ExpectedSpeech] = {
    "order_digits": "digits",
    "order_words": "digits",
    "order_groups": "digits",
    "date": "date",
    "time": "date",
    "name": "name",
    "spelled_name": "name",
    "yes_no": "yes_no",
}
"""What the bot had just asked for when a caller says each kind (the dialogue's
:class:`~framekit.frames.ExpectedSpeechFrame`); the other kinds come unprompted."""

KINDS: tuple[str, ...] = tuple(_DEV)
"""Every kind of utterance, each in both splits."""

_BRACES = re.compile(r"\{([^|{}]*)\|([^|{}]*)\}")
_TAGS = re.compile(r"\s+([#@])(\S+)$")


def _parse(utterance_id: str, kind: str, split: Split, line: str) -> Utterance:
    tags: dict[str, str] = {}
    while match := _TAGS.search(line):
        tags[match[1]] = match[2]
        line = line[: match.start()]
    return Utterance(
        id=utterance_id,
        kind=kind,
        spoken=_BRACES.sub(r"\2", line),
        reference=_BRACES.sub(r"\1", line),
        split=split,
        number=tags.get("#"),
        when=tags.get("@"),
    )


def _build() -> tuple[Utterance, ...]:
    tables: tuple[tuple[Split, dict[str, tuple[str, ...]]], ...] = (("dev", _DEV), ("test", _TEST))
    return tuple(
        _parse(f"{split}-{kind}-{n}", kind, split, line)
        for split, table in tables
        for kind, lines in table.items()
        for n, line in enumerate(lines, start=1)
    )


UTTERANCES: tuple[Utterance, ...] = _build()
"""All utterances, dev then test, kind by kind; ids are ``<split>-<kind>-<n>``."""


def utterances(split: Split) -> tuple[Utterance, ...]:
    """The utterances of one split, in their fixed order."""
    if split not in ("dev", "test"):
        raise ValueError(f"split is 'dev' or 'test', not {split!r}")
    return tuple(u for u in UTTERANCES if u.split == split)
