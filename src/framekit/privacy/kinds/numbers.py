"""Cards, bank accounts, social security numbers and phone numbers.

A number run (:mod:`.spoken`) is classified by its digits and by the nearest
keyword before it: "card" or a Luhn-valid 13-19 digits is a card, "social" and nine
digits a social security number, ten digits (or a ``+`` and 8-15) a phone number.
The nearest keyword decides, so "order number 4111..." stays an order number and
"my order is 12, and my phone is 555..." is still a phone.

Where no keyword says what a run is, its shape does: nine digits are a social security
number (no order, price or date of the shop has nine), ten a phone number, and ``00`` or
``011`` with 10-17 digits an international one. An identifier's keyword ("order",
"tracking", "$", a bare "#"...) keeps any run as it is unless the run can only be a card
(Luhn-valid, with "card" nearer, or after a bare "#": "cc# 4111 ..."); an amount's
("price", "paid", "total") keeps any run but a card ("the price is 212 555 0199", "pay
with 4111 ..."); a time's or a booking's ("appointment", "reservation", "pm") keeps
short runs, but not a run of a phone's shape ("the appointment should be under 415 222
9876"). Money sent "to" or "into" a number ("refund it to 40817263") names an account; a
carrier's name ("the dhl number is ...") an identifier. A number sign belongs to the
label before it: "account #1234" is an account, "order #1234" an order.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, Kind
from framekit.privacy.kinds.births import birth_digits
from framekit.privacy.kinds.cards import issued, luhn_valid, reread, retaken, without_one
from framekit.privacy.kinds.halves import with_halves
from framekit.privacy.kinds.phones import (
    AREA_CODE,
    EXTENSION,
    phone_after_code,
    phone_shape,
    said_with_trunk,
)
from framekit.privacy.kinds.spoken import NumberRun, number_runs, plain_runs
from framekit.privacy.kinds.takebacks import readings, replaces_digit, takes_back

__all__ = ["find_numbers", "luhn_valid"]

_NETWORKS = (
    r"visa|master ?card|amex|american express|discover|jcb|diners(?: club)?|maestro|union ?pay"
)
"""Card networks, said before a card's number or after it ("4111 ... (Visa)")."""
_CONTEXT = 64
"""Characters before a run where its keyword is looked for (a hesitation fits)."""
_KEYWORDS = re.compile(
    r"(?:(?<![a-z])(?=[a-z])|(?=[#$£€]))"  # at a word's start only: 2.5 times faster
    rf"(?:(?P<card>\b(?:card|{_NETWORKS}|credit|debit)\b)"
    r"|(?P<ssn>\b(?:social|soc|ssn|s s n|ss|security number|last ?(?:four|4))\b)"
    r"|(?P<bank>\b(?:account|acct|a/c|a c c t|routing|bank|iban|sort code|checking|savings"
    r"|direct debit|(?:refund(?:ed)?|deposit(?:ed)?|transfer(?:red)?|wire[d]?|pay(?:ed)?|paid)"
    r"(?: it| that| the money| the refund)? (?:to|into))\b)"
    r"|(?P<phone>\b(?:phone|cell|mobile|telephone|landline|call|dial|reach me|text me|callback"
    r"|area code|country code|fax|whatsapp|(?:my|best|contact|home|work|direct) number)\b)"
    r"|(?P<other>\b(?:(?:order|tracking|confirmation|reference|ref|ticket|invoice|case|model|item"
    r"|sku|zip|postal|pin|code|room|flight|serial|part(?! of\b)|receipt|transaction|claim|imei"
    r"|iccid|dhl|ups|fedex|usps|royal mail|parcelforce|evri|hermes|dpd|gls|purolator|tnt|aramex"
    r"|authori[sz]ation|rma|ra|return|policy|member|membership|loyalty|rewards?|voucher|coupon"
    r"|promo|gift(?: ?card)?|warranty|package|parcel|shipment|batch|lot"
    r"|bar ?code|upc|ean|isbn|gtin|asin)s?"
    r"|dollars?|cents|pounds|euros|bucks)\b|[$£€])"
    r"|(?P<amount>\b(?:price|prices|priced|total|cost|costs|paid|pay|charged|amount|balance"
    r"|fee)\b)"
    r"|(?P<measure>\b(?:appointment|booking|reservation|minutes|hours|days|o'clock|pm|am)\b)"
    r"|(?P<sign>#))",
    re.IGNORECASE,
)
"""``other`` names an identifier or an amount, ``amount`` and ``measure`` an amount's or a
time's word.

The nearest label before a run decides. An identifier keeps any run; an amount's word
keeps any run but a card's (Luhn-valid: "pay with 4111 ..."), even one of a phone's
shape ("the price is 212 555 0199"); a time's word keeps only short runs. A number sign
belongs to the label a few words before it ("account number # 1234", "social security
# is ..."); alone ("#4417") it marks an identifier."""
_SIGN_AFTER = re.compile(r"[\s\w']{0,16}")
"""What may lie between a label and its number sign: a few words, no punctuation."""
_VALUE_LABELS = frozenset({"card", "ssn", "bank", "phone"})
_Labels = list[tuple[str, int]]
_SENTENCE_END = re.compile(r"(?<!\.)\.(?!\.)|[!?]")
"""A value's pieces are said in one sentence (an ellipsis is a pause in it)."""
_NEAR = 24
"""Characters between an SSN's label and a run said right after it ("social five two
three four five, sorry, ..."): a run that close is the number, whatever its length."""
_AFTER = re.compile(
    r"[\s,.(]*(?:that's|that is|is|it's|thats)?\s*(?:my|the|an?)?\s*"
    r"(?:last (?:four|4)(?: digits)?(?: of)?\s*(?:my|the|your)?\s*)?"
    r"(?:(?P<ssn>social|ssn|s s n|last (?:four|4)(?=\s*(?:[.,!?]|please|thanks|$)))"
    r"|(?P<phone>cell|mobile|phone|number)"
    rf"|(?P<card>card|{_NETWORKS}))\b",
    re.IGNORECASE,
)
_COMPANIONS = re.compile(
    r"[^.?!\d]{0,24}?\b(?:exp(?:iry|iration|ires|\.)?|cvv|cvc|csc|cv2|security code"
    r"|code on the back|valid (?:till|until|thru|through))\b",
    re.IGNORECASE,
)
"""What follows a card number and no other: its expiry and security code ("{card} and the
code on the back is ...")."""
_AMOUNT_AFTER = re.compile(
    r"\s*(?:dollars?|bucks|cents|pounds|quid|euros?|percent|%"
    r"|(?-i:s|ms|us|µs|ns|secs?|seconds|bytes?|[KMGT]i?B|B|k?Hz))(?!\w)",
    re.IGNORECASE,
)
"""A run followed by its unit is an amount ("my social security check of 1200 dollars"),
a duration or a size ("1765106555 s", "2147483648 bytes")."""
_SSN_SHAPE = re.compile(r"^\d{3}[-. ]\d{2}[-. ]\d{4}$")
_DATE_SHAPE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
"""A written date (a log line's time stamp, an appointment) is never a number of a person."""


_OF_ANOTHER = re.compile(
    r"(?:\s+(?:number|no\.?|#))?\s+(?:on|for|of|from|in|under)\s+"
    r"(?:the|my|your|our|his|her|their|this|that)\s+(?:[a-z]+\s+){0,2}",
    re.IGNORECASE,
)
"""Between two labels: the second names what the first belongs to ("the phone on the
order", "the reference on my bank statement", "my social on the insurance claim"), so the
first names the number."""
_PIECES = frozenset({"part", "parts"})
"""Labels that, before "of my ...", name a piece of the value, not what it belongs to
("the last part of my social is ...")."""
_AT = re.compile(r"\s+(?:at|on)\s+", re.IGNORECASE)
"""Between an identifier's word and a run: the run is where to reach someone ("send the
tracking at ..."); an identifier's number follows its word or "is", "number", "#"."""
_UPS = re.compile(r"\b1Z(?:[ -]?[0-9A-Z]){16}\b", re.IGNORECASE)
"""A UPS tracking number, printed in groups ("1Z 999 AA1 01 2345 6784"): its digit groups
are no value of a person."""


_MASKED_SSN = re.compile(r"(?<![\w*#•-])[x*#•]{3}[- ]?[x*#•]{2}[- ]?\d{4}(?![\w-])", re.IGNORECASE)
"""An SSN printed masked but for its last four ("xxx-xx-2811", "***-**-0417"): the four
are the person's, and no other number is masked in that shape (a card's mask is longer:
"************6467" stays)."""


def find_numbers(text: str) -> list[Found]:
    """The cards, bank accounts, SSNs and phone numbers among the number runs of ``text``.

    A run the caller corrects ("five two three four five, sorry, five two three ...",
    "... nine, no, eight eight") is one value with its correction: the part said
    before or after it is as personal as the rest.
    """
    found: list[Found] = []
    previous: tuple[NumberRun, Kind | None] | None = None
    previous_labels: _Labels = []
    shipped = [m.span() for m in _UPS.finditer(text)] if "1z" in text.lower() else []
    values = _values(text)
    for run, labels in values:
        if any(start <= run.start < end for start, end in shipped):
            continue
        corrects = previous is not None and takes_back(text, previous[0].end, run.start)
        labels = labels or (previous_labels if corrects else [])  # "order 12, sorry, 13"
        previous_labels = labels
        under_card = bool(labels) and labels[0][0] == "card"
        run = without_one(run) or (reread(run) if under_card else None) or run
        kind = None if _AMOUNT_AFTER.match(text, run.end) else _classify(run, labels)
        if not (kind and _fits(kind, run.digits)):
            run, kind = _heard(text, run, kind, labels)
        if (
            kind is None
            and len(run.digits) == 3
            and AREA_CODE.search(text, max(0, run.start - 16), run.start)
        ):
            kind = "phone"
        if kind is None and not labels and (phone := phone_after_code(run)):
            run, kind = phone, "phone"
        if previous is not None and corrects:
            replaced = replaces_digit(text, previous[0].end, run.start)
            # after "that's a", the run goes on the value: alone it is no value of its own
            retaken = (
                _retaken_card(previous, run, labels, replaced) if kind is None or replaced else None
            )
            if retaken is not None:
                if previous[1] is not None:
                    found.pop()
                kind = "card"
                run = NumberRun(retaken, previous[0].start, run.end, run.written)
            elif previous[1] is None and kind is None and labels:
                run, kind = _rejoined(previous[0], run, labels, replaced)
            elif previous[1] is None and kind is not None:
                run = NumberRun(run.digits, previous[0].start, run.end, run.written)
            elif previous[1] is not None:
                kind = kind or previous[1]
                run = NumberRun(run.digits, found.pop().start, run.end, run.written)
        previous = (run, kind)
        if kind is None:
            continue
        end = run.end
        if kind == "phone" and (extension := EXTENSION.match(text, end)):
            end = extension.end()
            end -= len(text[run.end : end]) - len(text[run.end : end].rstrip())
        found.append(Found(kind, run.start, end, run.digits))
    found = with_halves(text, values, found)
    masked = [Found("ssn", m.start(), m.end(), m.group()[-4:]) for m in _MASKED_SSN.finditer(text)]
    return sorted(found + masked, key=lambda f: f.start) if masked else found


def _retaken_card(
    previous: tuple[NumberRun, Kind | None], run: NumberRun, labels: _Labels, replaced: bool
) -> str | None:
    """The card a correction under a card's label gives (:func:`.cards.retaken`); with no
    label, the two runs read as one when together they are a card ("five two seven
    seven ... hold on five oh six nine": a pause, not a correction), even where the first
    alone has a phone's shape: the checksum says more than a shape. ``replaced``: the
    correction put the second run's first digit in place of the first run's last."""
    if labels and labels[0][0] == "card":
        return retaken(previous[0].digits, run.digits) if previous[1] is None else None
    if labels:
        return None
    said = readings(previous[0], run, replaced, "card")
    return next((d for d in said if _card_digits(d)), None)


def _rejoined(
    first: NumberRun, second: NumberRun, labels: _Labels, replaced: bool
) -> tuple[NumberRun, Kind | None]:
    """Two runs under a value's label, neither a value alone, that a correction joins
    ("account number four nine two five oh, no sorry, nine oh eight eight"): one value
    where their digits read together fit the label's kind."""
    for digits in readings(first, second, replaced, labels[0][0]):
        joined = NumberRun(digits, first.start, second.end, second.written)
        kind = _classify(joined, labels)
        if kind in _VALUE_LABELS and _fits(kind, digits):
            return joined, kind
    return second, None


def _heard(
    text: str, run: NumberRun, kind: Kind | None, labels: _Labels
) -> tuple[NumberRun, Kind | None]:
    """The run without a homophone at its ends where that reading is a whole value, or a
    value where the run as read is none ("... nine seven six for the application")."""
    readings = [(plain, _classify(plain, labels)) for plain in plain_runs(text, run)]
    for plain, plain_kind in readings:
        if plain_kind and _fits(plain_kind, plain.digits):
            return plain, plain_kind
    if kind is None:
        return next(((p, k) for p, k in readings if k), (run, kind))
    return run, kind


def _fits(kind: Kind, digits: str) -> bool:
    """Whether ``digits`` are a whole value of ``kind`` by their length and checksum: a
    run read with a homophone at its end ("... five oh to") keeps it only then."""
    if kind == "card":
        return _card_digits(digits)
    return len(digits) == 9 if kind == "ssn" else kind != "phone" or phone_shape(digits)


def _card_digits(digits: str) -> bool:
    """13-19 digits of an issuer's range that pass the checksum."""
    return 13 <= len(digits) <= 19 and issued(digits) and luhn_valid(digits)


def _values(text: str) -> list[tuple[NumberRun, _Labels]]:
    """The number runs with their labels, a value's pieces joined into one run.

    Under a card's, an SSN's or a phone's label, a run too short for the value and the
    runs after it, a few words apart with no label between ("my social is five two
    three, let me see, oh four one one eight seven"), are one value while their digits
    fit it.
    """
    values: list[tuple[NumberRun, _Labels]] = []
    for run in number_runs(text, heard=True):
        if values and _continues(text, *values[-1], run):
            first, labels = values[-1]
            joined = NumberRun(
                first.digits + run.digits, first.start, run.end, text[first.start : run.end]
            )
            values[-1] = (joined, labels)
            continue
        labels = _labels(text, run.start)
        after = _said_after(text, run.end) if not labels or labels[0][0] == "other" else None
        if after and (not labels or (after == "card" and _card_digits(run.digits))):
            labels = [(after, _CONTEXT)]  # "... on 3400 0069 7134 541 (Amex, ...)"
        values.append((run, labels))
    return values


def _continues(text: str, value: NumberRun, labels: _Labels, run: NumberRun) -> bool:
    gap = text[value.end : run.start]
    if not labels or len(gap) > _NEAR or _SENTENCE_END.search(gap) or _KEYWORDS.search(gap):
        return False
    have, total = len(value.digits), len(value.digits) + len(run.digits)
    label = labels[0][0]
    if label == "ssn":
        return have < 9 and total <= 9
    if label == "phone":
        return have < 10 and total <= 12
    if label == "card":
        return not (have >= 13 and luhn_valid(value.digits)) and total <= 19
    return False


def _labels(text: str, start: int) -> _Labels:
    """The labels before ``start``, nearest first, with the characters between each and
    ``start``: a value's labels, up to the first of another kind (an identifier, an
    amount or a time names what follows it)."""
    # A record's field names its value too: "bank_account", "phone_number".
    words = text.replace("_", " ") if "_" in text else text
    found = list(_KEYWORDS.finditer(words, max(0, start - _CONTEXT), start))
    labels: _Labels = []
    for i in range(len(found) - 1, -1, -1):
        match = found[i]
        label = match.lastgroup or ""
        if label == "sign" and i and _SIGN_AFTER.fullmatch(text, found[i - 1].end(), match.start()):
            continue
        if _of_another(words, found, i):
            continue  # "the phone on the order", "the social on the warranty claim form"
        if label == "other" and _AT.fullmatch(words, match.end(), start):
            continue  # "text me the tracking at 316 ...": the number is where, not which
        labels.append((label, start - match.end()))
        if label not in _VALUE_LABELS:
            break
    return labels


def _of_another(words: str, found: list[re.Match[str]], i: int) -> bool:
    """Whether label ``i`` names what an earlier label's value belongs to: "on the" before
    it, or before the nouns it ends ("on the warranty claim form")."""
    while (
        i
        and found[i - 1].end() < found[i].start()
        and words[found[i - 1].end() : found[i].start()].isspace()
    ):
        i -= 1
    return (
        bool(i)
        and found[i - 1].group().lower() not in _PIECES
        and _OF_ANOTHER.fullmatch(words, found[i - 1].end(), found[i].start()) is not None
    )


def _said_after(text: str, end: int) -> str | None:
    """A keyword said right after the number ("... that's my social"), or a card's
    companion a few words after it ("... expiry oh nine twenty eight")."""
    match = _AFTER.match(text, end)
    if match is not None:
        return match.lastgroup
    return "card" if _COMPANIONS.match(text, end) else None


def _classify(run: NumberRun, labels: _Labels) -> Kind | None:
    digits = run.digits
    n = len(digits)
    keyword = labels[0][0] if labels else None
    if _DATE_SHAPE.search(run.written):
        return None
    if run.written[:4].lower() == "plus" or run.written[:3].lower().startswith(("+", "%2b")):
        return "phone" if 8 <= n <= 15 else None
    if 13 <= n <= 19 and keyword != "other" and issued(digits) and luhn_valid(digits):
        return "card"  # a number sign alone ("cc# 4111 ...") names no identifier of a card's
    if keyword == "sign":
        keyword = "other"
    for label, distance in labels:
        if label not in _VALUE_LABELS:
            break
        if kind := _labelled(label, n, distance):
            return kind
    if _SSN_SHAPE.match(run.written) and keyword != "other":
        return "ssn"
    if keyword in ("other", "amount"):
        return None
    if phone_shape(digits) or said_with_trunk(run):
        return "phone"
    if keyword == "measure":
        return None
    if keyword is None and _said_date(run) and birth_digits(digits):
        return "dob"  # said: "oh seven oh nine nineteen ninety", "twelve oh four eighty nine"
    if n == 9:
        return "ssn"
    if (n == 10 and not (digits[0] == "1" and run.written.isdigit())) or (
        n == 11 and digits[0] in "01"
    ):
        return "phone"
    return None


def _said_date(run: NumberRun) -> bool:
    """Whether a run may be a date said as digits: eight not typed as one number, six said
    in words only, in digits or pairs (typed, "12/07 10:00" is a day and a time; "two
    hundred thousand three hundred and five" is a count)."""
    if len(run.digits) == 6:
        said = run.written.lower()
        return not any(c.isdigit() for c in said) and "hundred" not in said and "thous" not in said
    return not run.written.isdigit()


def _labelled(label: str, n: int, distance: int) -> Kind | None:
    """The kind a value's label gives ``n`` digits said ``distance`` characters after it."""
    if label == "card" and n >= 13:  # more than 19: a recognizer that repeated digits
        return "card"
    if label == "ssn" and (n in (9, 4) or (distance <= _NEAR and 3 <= n <= 18)):
        return "ssn"  # the whole number, its last four, a part, or said again in one run
    if label == "bank" and 6 <= n <= 17:
        return "bank"
    if label == "phone" and 7 <= n <= 15:
        return "phone"
    return None
