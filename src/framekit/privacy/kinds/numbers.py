"""Cards, bank accounts and IBANs, social security numbers and phone numbers.

A number run (:mod:`.spoken`) is classified by its digits and by the nearest
keyword before it: "card" or a Luhn-valid 13-19 digits is a card, "social" and nine
digits a social security number, ten digits (or a ``+`` and 8-15) a phone number.
The nearest keyword decides, so "order number 4111..." stays an order number and
"my order is 12, and my phone is 555..." is still a phone.

Where no keyword says what a run is, its shape does: nine digits are a social
security number (no order, price or date of the shop has nine), ten a phone number,
and ``00`` or ``011`` with 10-17 digits an international one. An identifier's
keyword ("order", "tracking", "$", a bare "#"...) keeps any run as it is unless the run
can only be a card (Luhn-valid, with "card" nearer); an amount's ("price", "paid",
"total") keeps any run but a card ("the price is 212 555 0199", "pay with 4111 ...");
a time's ("appointment", "pm") keeps short runs, but not a run of a phone's shape
("the appointment should be under 415 222 9876"). A number sign belongs to the label
before it: "account #1234" is an account, "order #1234" an order.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, Kind
from framekit.privacy.kinds.spoken import NumberRun, number_runs

__all__ = ["find_ibans", "find_numbers", "iban_valid", "luhn_valid"]

_CONTEXT = 64
"""Characters before a run where its keyword is looked for (a hesitation fits)."""
_HASH = r"(?:\s*(?:#|no\b\.?))?"
"""A number sign after a label is the label's ("account #1234", "SSN# ...", "acct no.")."""
_KEYWORDS = re.compile(
    r"(?P<card>\b(?:card|visa|master ?card|amex|american express|discover|credit|debit)\b"
    + _HASH
    + r")|(?P<ssn>\b(?:social|soc|ssn|s s n|ss|security number|last (?:four|4))\b"
    + _HASH
    + r")|(?P<bank>\b(?:account|acct|a/c|a c c t|routing|bank|iban|sort code|checking|savings)\b"
    + _HASH
    + r")|(?P<phone>\b(?:phone|cell|mobile|telephone|landline|call me|reach me|text me|callback"
    r"|call back|area code|fax|whatsapp|(?:my|best|contact|home|work|direct) number)\b"
    + _HASH
    + r")|(?P<other>\b(?:order|tracking|confirmation|reference|ref|ticket|invoice|case|model|item"
    r"|sku|booking|zip|postal|pin|code|room|flight|serial|part|receipt|transaction"
    r"|dollars?|cents|pounds|euros|bucks)\b|[$£€#])"
    r"|(?P<amount>\b(?:price|prices|priced|total|cost|costs|paid|pay|charged|amount|balance"
    r"|fee)\b)"
    r"|(?P<measure>\b(?:appointment|minutes|hours|days|o'clock|pm|am)\b)",
    re.IGNORECASE,
)
"""``other`` names an identifier or an amount, ``amount`` and ``measure`` an amount's or a
time's word.

The nearest label before a run decides. An identifier keeps any run; an amount's word
keeps any run but a card's (Luhn-valid: "pay with 4111 ..."), even one of a phone's
shape ("the price is 212 555 0199"); a time's word keeps only short runs."""
_NEAR = 24
"""Characters between an SSN's label and a run said right after it ("social five two
three four five, sorry, ..."): a run that close is the number, whatever its length."""
_AFTER = re.compile(
    r"[\s,.]*(?:that's|that is|is|it's|thats)?\s*(?:my|the)?\s*"
    r"(?:(?P<ssn>social|ssn|s s n)|(?P<phone>cell|mobile|phone|number)|(?P<card>card))\b",
    re.IGNORECASE,
)
_TAKE_BACK = (
    r"\b(?:no|nope|sorry|wait|hold on|i mean|i meant|actually|correction|scratch that|oops"
    r"|my (?:bad|mistake)|let me (?:start (?:over|again)|try (?:that )?again|say (?:it|that) again"
    r"|repeat(?: that)?)|start(?:ing)? (?:over|again)|not|rather|make that|that's wrong|again"
    r"|i said|should be|that should be|sorry about that|from the (?:top|start))\b"
)
_TAKE_BACK_WORD = re.compile(_TAKE_BACK, re.IGNORECASE)
_CORRECTION = re.compile(
    rf"(?:[\s,.;:!?-]+|\b(?:um|uh|er|erm|uhm|so|oh|it's|it is)\b|{_TAKE_BACK})+", re.IGNORECASE
)
"""Between two runs of one value: words that take back what was said (one at least)."""
_SSN_SHAPE = re.compile(r"^\d{3}[-. ]\d{2}[-. ]\d{4}$")
_EXTENSION = re.compile(
    r"\s*,?\s*(?:ext\.?|extension|x)\s*(?:\d{1,6}\b|(?:(?:zero|oh|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred)\b\s*){1,6})",
    re.IGNORECASE,
)
"""An extension after a phone number belongs to it ("(415) 222-9876 ext. 204")."""
_DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
"""A written date (a log line's time stamp, an appointment) is never a number of a person."""
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b", re.IGNORECASE
)
"""Written in groups of four, with spaces or dashes, in either case (the checksum decides)."""


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616's mod-97 check: the IBAN's four first characters moved to its end."""
    compact = _compact(iban)
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_numbers(text: str) -> list[Found]:
    """The cards, bank accounts, SSNs and phone numbers among the number runs of ``text``.

    A run the caller corrects ("five two three four five, sorry, five two three ...",
    "... nine, no, eight eight") is one value with its correction: the part said
    before or after it is as personal as the rest.
    """
    found: list[Found] = []
    previous: tuple[NumberRun, Kind | None] | None = None
    for run in number_runs(text):
        keyword, distance = _keyword(text, run.start)
        kind = _classify(run, keyword or _said_after(text, run.end), distance)
        if previous is not None and _corrects(text, previous[0].end, run.start):
            if previous[1] is None and kind is not None:
                run = NumberRun(run.digits, previous[0].start, run.end, run.written)
            elif previous[1] is not None:
                kind = kind or previous[1]
                run = NumberRun(run.digits, found.pop().start, run.end, run.written)
        previous = (run, kind)
        if kind is None:
            continue
        end = run.end
        if kind == "phone" and (extension := _EXTENSION.match(text, end)):
            end = extension.end()
            end -= len(text[run.end : end]) - len(text[run.end : end].rstrip())
        found.append(Found(kind, run.start, end, run.digits))
    return found


def find_ibans(text: str) -> list[Found]:
    """IBANs whose checksum holds: written, or spelled ("g b eight two w e s t ...")."""
    found = [
        Found("bank", m.start(), m.end(), _compact(m.group()))
        for m in _IBAN.finditer(text)
        if iban_valid(m.group())
    ]
    for m in _SPOKEN_IBAN.finditer(text):
        tokens = list(_SPOKEN_PART.finditer(text, m.start(), m.end()))
        chars = [_DIGIT_WORDS.get(t.group().lower(), t.group().upper()) for t in tokens]
        # The country may follow other letters ("i b a n e s seven nine ..."): it is the
        # two letters before the first two digits.
        first = next((i for i in range(len(chars) - 3) if _digits(chars[i + 2 : i + 4])), 0)
        if value := _longest_valid(chars[first:]):
            end = tokens[first + len(value) - 1].end()
            found.append(Found("bank", tokens[first].start(), end, "".join(value)))
    return found


def _compact(iban: str) -> str:
    return iban.replace(" ", "").replace("-", "").upper()


def _digits(chars: list[str]) -> bool:
    return "".join(chars).isdigit()


def _longest_valid(chars: list[str]) -> list[str]:
    """The longest prefix of ``chars`` that is a valid IBAN (none: empty)."""
    for n in range(len(chars), 14, -1):
        if iban_valid("".join(chars[:n])):
            return chars[:n]
    return []


_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SPOKEN_PART = re.compile(rf"\b(?:{'|'.join(_DIGIT_WORDS)}|[a-z]|\d)\b", re.IGNORECASE)
_SPOKEN_IBAN = re.compile(
    rf"\b[a-z]\s+[a-z](?:\s+(?:{'|'.join(_DIGIT_WORDS)}|[a-z]|\d)\b){{13,34}}", re.IGNORECASE
)
"""A country's two letters, then letters and digits one by one: an IBAN spelled out."""


def _corrects(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` takes back the run before it and nothing else."""
    return (
        end - start <= _CONTEXT
        and _CORRECTION.fullmatch(text, start, end) is not None
        and _TAKE_BACK_WORD.search(text, start, end) is not None
    )


def _keyword(text: str, start: int) -> tuple[str | None, int]:
    """The nearest label before ``start`` and how many characters lie between them."""
    last = None
    for last in _KEYWORDS.finditer(text, max(0, start - _CONTEXT), start):  # noqa: B007
        pass
    return (None, _CONTEXT) if last is None else (last.lastgroup, start - last.end())


def _said_after(text: str, end: int) -> str | None:
    """A keyword said right after the number ("... that's my social")."""
    match = _AFTER.match(text, end)
    return None if match is None else match.lastgroup


def _classify(run: NumberRun, keyword: str | None, distance: int) -> Kind | None:
    digits = run.digits
    n = len(digits)
    if _DATE_SHAPE.search(run.written):
        return None
    if run.written[:4].lower() in ("plus", "+") or run.written.startswith("+"):
        return "phone" if 8 <= n <= 15 else None
    if 13 <= n <= 19 and (keyword == "card" or (keyword != "other" and luhn_valid(digits))):
        return "card"
    if keyword == "ssn" and (n in (9, 4) or (distance <= _NEAR and 3 <= n <= 12)):
        return "ssn"  # the whole number, its last four, or a part said and corrected
    if _SSN_SHAPE.match(run.written) and keyword != "other":
        return "ssn"
    if keyword == "bank" and 6 <= n <= 17:
        return "bank"
    if keyword == "phone" and 7 <= n <= 15:
        return "phone"
    if keyword in ("other", "amount"):
        return None
    if _phone_shape(digits):
        return "phone"
    if keyword == "measure":
        return None
    if n == 9:
        return "ssn"
    if n == 10 or (n == 11 and digits[0] in "01"):
        return "phone"
    return None


def _phone_shape(digits: str) -> bool:
    """A North American number (area code and exchange not 0 or 1, a trunk "1" allowed)
    or an international one dialled with ``00`` or ``011``."""
    if digits.startswith(("00", "011")):
        return 10 <= len(digits) <= 17
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01"
