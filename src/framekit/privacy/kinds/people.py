"""Names, found only where the caller says what they are.

A name is redacted where it is introduced as one ("my name is ...", "this is ...",
"name's ..."): names in general cannot be told from words without a model, and
the caller's name usually reaches a call only this way.
"""

from __future__ import annotations

import re

from framekit.privacy.kinds import Found, alternation, words
from framekit.privacy.kinds.places import find_addresses

__all__ = ["find_names"]

_STOP = alternation(
    words(
        "and or nor if than then by via into i i'm im calling here speaking from with about"
        " my the a an to on in at is was but so just please thanks thank hi hello hey yes yeah"
        " no ringing phoning for of it it's this that sorry not your our plus warranty review"
        " way order account booking me you zero oh one two three four five six seven eight"
        " nine ten twenty thirty forty fifty sixty seventy eighty ninety hundred born email"
        " phone call again still now late regarding re as spelled all also actually really"
        " very too quite pretty fine good great ok okay sure right wrong correct done ready"
        " open closed available broken damaged missing early urgent upset angry happy unhappy"
        " confused worried afraid glad interested new back home out away there what who how"
        " when where why which same different nothing something everything been gonna going"
        " having getting who's customer wondering waiting hoping trying looking moving"
        " finished true possible weird strange important alright perfect number name under"
        " over some any ordered bought returned received first last middle someone somebody"
        " anyone anybody manager supervisor agent representative rep human person billing"
        " support sales help service team department operator will would can could should has"
        " had have said says wants needs called asked told did does bye everyone folks guys"
        " itself himself herself themselves yourself myself him her his their them us each"
        " social ssn security iban dob address zip postcode um uh er erm uhm kind sort down never"
        " already always often ever once even send ship deliver bring take drop post mail move"
        " change update parcel package required optional unknown none null blank empty"
    )
)
"""Words of a sentence, numbers and value words: never a name's (as a trie: tried before
every word of a name, a flat alternation of 248 words is slow)."""
_LETTERS = r"[^\W\d_]"
_NOT_NAME = rf"(?:{_STOP}\b|{_LETTERS}{{4,}}ing\b|{_LETTERS}{{2,}}(?:ous|ful|able|ible|less)\b)"
"""Common words, and the endings of a verb or an adjective ("calling", "ridiculous")."""
_WORD = rf"(?!{_NOT_NAME}){_LETTERS}(?:{_LETTERS}|['-]{_LETTERS})+(?!\w|[.:/@]\w)"
"""A name's word: letters in any script, with ' and - inside (O'Brien, Anna-Maria); not
an identifier of code ("lookup_order", "voice2", "base.en")."""
_PARTICLE = r"(?:de|da|di|del|della|van|von|der|den|le|la|al|el|bin|ibn|mc|st\.?)"
_SPELLED = r"(?:,?\s+(?:spelled|that's|that\s+is))?(?:[\s,-]+[a-z]\b){2,}"
"""The name spelled after it, letter by letter: "garcia g a r c i a", "smith, spelled s-m-i-t-h"."""
_TITLE_WORD = r"(?:mr|mrs|ms|miss|mx|dr|doctor|prof|mister|missus)"
_TITLE = rf"(?:{_TITLE_WORD}\.?\s+)"
_SPOKEN_TITLES = frozenset({"mr", "mrs", "ms", "mx", "mister", "missus"})
"""Titles that say a name follows in a transcript too ("miss", "doctor" are also words:
"i miss deliveries", "a doctor appointment"); typed, any title before a capital does."""
_INITIAL = r"(?![iI]\b|(?-i:a)\b)[a-z]\.?\s+(?=[^\W\d_]{2})"
"""A middle initial ("dwayne p carter", "John Q. Public"); not "i" nor a spoken "a"."""
_HESITATION = r"(?:(?:um|uh|er|erm|uhm),?\s+)"
_NAME_WORDS = (
    rf"(?:{_TITLE}?{_WORD}(?:\s+{_HESITATION}?(?:{_PARTICLE}\s+|{_INITIAL})?{_WORD}){{0,2}}"
    rf"(?:{_SPELLED})?"
    r"|[a-z](?:\s+[a-z]\b)+)"
)
_NUMBER_START = (
    r"(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b"
)
"""A number's first word: after "at", a price, a time or a house, not a workplace."""
_TOLD = (
    r"(?:(?:my|his|her|their|our)\s+(?:\w+\s+)?(?:social|ssn|e-?mail|number|phone|cell|mobile"
    r"|card|birthday|date\s+of\s+birth|dob|address|account|zip|postcode)"
    r"|last\s+(?:four|4)|born|date\s+of\s+birth|dob|social|you\s+can\s+(?:call|reach|text|email))\b"
)
"""What a caller says of a person's values right after naming them ("this is brenda my
email ...", "it's for nadia her birthday is ...", "this is rebecca stoll last four of my
social ..."): the words before are a name."""
_VALUE_WORD = (
    r"(?:e-?mail|card|phone|tel|cell|mobile|ssn|social|iban|dob|date\s+of\s+birth|born"
    r"|account|checking|savings)\b"
)
"""A value's label right after a name ("rahul mehta email ...", "Benjamin Osei - card
...", "it's becky the card is ..."): a record's next field, so the words before are a name."""
_LEADS = (
    r"(?:the\s+(?:name|card)|(?:in|on)\s+(?:the\s+name|behalf)|i\s+(?:am|go)|it\s+is|we\s+go"
    r"|"
    + alternation(
        words(
            "my your his her their our account acct full first last sur given family middle"
            " maiden customer contact caller patient card cardholder cardholder's holder"
            " holder's name name's names call calls speak speaking talking under goes known"
            " surname client recipient guest passenger attendee ship deliver send mail this"
            " it's its i'm im attn attention c thanks thank regards kind best cheers sincerely"
            " many beneficiary applicant addressee policy down spoke spoken talk talked from dear"
            " spelled spelt spelling booked ordered placed submitted reserved requested"
        )
    )
    + r")"
)
"""The first words of every lead-in: elsewhere than at the text's start, the long pattern
is tried only where one of them starts (three times faster)."""
_NAME = re.compile(
    rf"(?<!\w)(?:(?<![\s\S])(?=\w|\")|(?=(?:{_LEADS})\b|\"))(?:"
    # Introduced as a name, whatever follows.
    r"(?:(?:\b(?:(?:my|the|your|his|her|their|account|full|first|last|sur|given|family|middle"
    r"|maiden|customer|contact|caller|patient|card\s*holder's|cardholder's|holder's)\s*)?"
    r"(?:name\s+(?:is|(?:would|will|should|'d|'ll)\s+be)|name's|(?<=my\s)names|name\s*[:=\u2013-]"
    r"|name)"
    r"|\b(?:calls?\s+me|(?:speak(?:ing)?|spoke|spoken|talk(?:ing|ed)?)\s+(?:to|with)"
    r"|under(?:\s+the\s+name(?:\s+of)?)?|(?:i'm|i\s+am|im)\s+called"
    r"|(?:in|on)\s+the\s+name\s+of|the\s+name\s+on\s+the\s+\w+\s+is|on\s+behalf\s+of"
    r"|(?:i|we)\s+go\s+by|goes\s+by|known\s+as|surname(?:\s+is|'s|:)?"
    r"|(?:account|acct|card)\s*holder(?:\s+is|:)?"
    r"|name\s+on\s+(?:it|(?:the\s+|my\s+)?\w+)(?:\s+is|:)?"
    r"|(?:(?<=\bme\s)|(?<=\bus\s)|(?<=\bit\s)|(?<=name\s))down\s+(?:as|under)))\s+"
    r"|\"(?:\w*name|\w*holder|caller|customer|recipient|contact|patient|guest"
    r"|passenger)\":\s*\")"
    rf"{_HESITATION}?(?P<name>{_NAME_WORDS}(?:\s+(?:and|&)\s+{_WORD}\s+{_WORD}"
    r"(?=\s*(?:[.,!?]|$|please\b|thanks\b)))?)"
    # A person's role before the name: typed, a capital says it is one ("Patient: Ana Lima",
    # not "per caller: erasures"); said, a name's usual next words ("my son robert will").
    r"|\b(?:(?:my|our|his|her)\s+(?:husband|wife|partner|son|daughter|mother|mom|mum|father"
    r"|dad|brother|sister|boss|colleague|friend|neighbou?r|fianc[eé]e?|girlfriend|boyfriend"
    r"|nephew|niece|uncle|aunt|cousin|grand(?:son|daughter|mother|father|ma|pa)|landlord"
    r"|landlady|tenant|roommate|flatmate|housemate|assistant|employee|coworker),?"
    r"|(?:booked|ordered|placed|submitted|reserved|requested)\s+by:?"
    r"|(?:patient|customer|client|caller|recipient|guest|passenger|contact(?:\s+person)?"
    r"|attendee|from"
    rf"|(?:ship|deliver|send|mail)\s+(?:it\s+)?to)\s*:"
    r"|(?:patient|customer|client|caller|recipient|guest|passenger|attendee|applicant"
    r"|beneficiary|addressee|(?:account|card|policy)\s*holder)\s+(?:is|was))"
    rf"\s+(?P<role>{_NAME_WORDS})"
    r"(?=\s*(?:,|$|\b(?:will|is|was|has|had|and|who|said|called|can|could|would|should|says"
    rf"|wants|needs|just|also|born|social|ssn|iban|dob)\b|{_TOLD})"
    rf"|\s+at\s+(?P<at_home>{_NUMBER_START})"
    rf"|\s+(?P<did>{_LETTERS}{{2,}}ed)\b"
    r"|(?P<typed_role>))"
    # Said as "this is X", "it's X": only where a name's usual next words follow.
    rf"|\b(?:this\s+is|(?:it's|its|it\s+is)(?P<for>\s+for)?|i'm|im|i\s+am)\s+"
    rf"(?P<intro>{_NAME_WORDS})"
    r"(?=\s+(?:calling|speaking|here|again|from|and|but|about|with|regarding"
    rf"|at\s+(?P<intro_at>(?={_NUMBER_START}))?\w+\s+\w+\s+\w+)"
    r"\b|\s*[.!?]?\s*$|(?P<comma>,|\s+[-\u2013]\s|\s*\()|(?P<spelt>(?<=\s[a-z])(?=\s))"
    rf"|(?P<told>\s+{_TOLD})|(?P<clause>\s+(?:i|we|my|i've|i'd)\b)"
    rf"|(?P<valued>\s*[.,]?\s+(?:(?:and|the|my)\s+)?{_VALUE_WORD})"
    r"|(?P<then>\s+(?:(?:send|ship|deliver|mail)\b"
    r"|the\s+(?:parcel|package|order|delivery|refund)\b)))"
    # Greeted, then introduced: "hi this is X ...", "Hi, I'm X." whatever follows.
    r"|^(?:(?:hi|hello|hey|good\s+(?:morning|afternoon|evening))[,.!\s]+)+"
    rf"(?:this\s+is|it's|its|i'm|im|i\s+am)\s+(?P<greeted>{_NAME_WORDS})"
    # A list that starts with the name: "Khan, 243 Maple Ln", "helen ali born ...", and an
    # address's first line: "Ship to: Grace Kim, 500 Market St".
    r"|(?:^|\b(?:(?:ship|deliver|send|mail)\s+(?:it\s+)?to|attn|attention|recipient|c/o)\.?:?\s+)"
    rf"(?P<first>{_NAME_WORDS})"
    r"(?=(?:,|[ \t]*\n|\s+[-\u2013\u2014|])\s*(?:\d|\+|\(|[\w.+-]+@)"
    r"|,\s*(?:account|acct|card|phone|tel|mobile|cell|e-?mail|dob|ssn|social|iban|sort\s+code)\b"
    rf"|\s*[-\u2013\u2014|/]\s+{_VALUE_WORD}|(?P<labelled>\s+{_VALUE_WORD})"
    rf"|(?P<housed>\s+(?=\d|{_NUMBER_START}))"
    r"|\s+(?:is|was)\s+(?:the|my|our)\s+(?:(?:card|account|policy)\s*)?(?:holder|owner|patient"
    r"|customer|recipient|beneficiary)\b"
    r"|\s*\((?:(?:account|card|policy)\s*)?(?:holder|owner|customer|patient|primary|caller)\))"
    # "Olga Petrova here", "hi, Olga here".
    r"|^(?:(?:hi|hello|hey|yes|yeah|oh|um|uh|so|ok|okay|good\s+(?:morning|afternoon|evening))"
    rf"(?:\s+there)?[,.!\s]+)*(?P<here>{_NAME_WORDS})(?=\s+(?:here|speaking)\b"
    r"|(?P<hailed>(?<=\w)(?=\s+(?:calling|and\s+(?:i'm|im|i\s+am)\s+calling)\b)))"
    # Typed, greeted at the start: "Dear Ana Lima,", "Hi Ana,".
    rf"|^(?:dear|hi|hello|hey)\s+(?P<dear>{_NAME_WORDS})(?=\s*,)"
    # Spelled alone: "spelled l i m a".
    r"|\b(?:spelled|spelt|spelling(?:\s+is)?|that's\s+spelled)[:,]?\s+"
    r"(?P<letters>[a-z](?:[\s,-]+[a-z]\b){2,})"
    # Typed, signed at the end: "Thanks, Olga Petrova", "Regards,\nTom".
    r"|\b(?:thanks|thank\s+you|regards|kind\s+regards|best\s+regards|best|cheers|sincerely"
    rf"|many\s+thanks)[,!.]?\s+(?P<sign>{_NAME_WORDS})(?=\s*[.!]?\s*$))",
    re.IGNORECASE,
)
_NAMED_AFTER = re.compile(
    r"\s*,?\s+(?:is|that's|thats|that\s+is|it's|its)\s+(?:my|the)\s+"
    r"(?:(?:first|last|full|sur|given|middle|maiden|family)\s*)?name\b",
    re.IGNORECASE,
)
_SAID_BEFORE = re.compile(
    rf"(?<!\w)(?P<said>{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{0,2}})\Z", re.IGNORECASE
)
"""A name said before the word: "ana lima, that's my name" (as a date before "my date of
birth")."""
_TITLED = re.compile(
    rf"(?=[mdp])(?<!\w)(?P<title>{_TITLE_WORD})\.?\s+{_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_WORD}){{0,2}}",
    re.IGNORECASE,
)
"""A title says a name follows: "for Mrs Patel", "ask for mister okafor"."""
_CAPITALIZED = r"(?-i:[A-Z])[^\W\d_]+(?:['-][^\W\d_]+)*"
_BOOKED_FOR = re.compile(
    r"\b(?i:book|booked|booking|reserve|reserved|reservation|appointment|appt|table|tickets?"
    r"|order|ordered|delivery|parcel|package|gift|room|seat|it|one|application|account|policy"
    r"|claim|form|registration|subscription|membership)\b[^.?!\n]{0,24}?\bfor\s+"
    rf"(?:(?P<name>{_CAPITALIZED}(?:\s+(?:{_PARTICLE}\s+)?{_CAPITALIZED}){{1,2}})(?!\w)"
    rf"|(?-i:(?P<said>{_WORD}\s+{_WORD}))(?=\s+(?:please|thanks|thank\s+you|social|ssn"
    r"|born|dob|iban|date\s+of\s+birth)\b|\s*[.!?]?\s*$))",
)
"""What is booked or sent "for" a first and last name: typed, capitalized ("book it for
Fiona MacLeod"); said, two words that end the request ("book it for lars eriksson
please"), none a word of a date, a time or a count."""
_NOT_PEOPLE = words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april"
    " may june july august september october november december today tomorrow tonight next"
    " this new christmas easter thanksgiving halloween black cyber boxing the one two three"
    " four five six seven eight nine ten morning afternoon evening night lunch dinner"
    " breakfast noon midday week weekend month year time later now delivery pickup"
    " collection refund return exchange repair payment renewal cancellation shipping"
    " installation"
)
"""Words of a date, a holiday or a service, never a person's ("for Next Monday", "it's
for delivery")."""


_KINDS_OF = words(
    "gift credit debit prepaid store american express master business corporate company home"
    " work office personal joint savings checking current bank primary secondary main backup"
    " reward rewards loyalty member membership"
)
"""Words that say which card, account or phone ("business account"), never a name's."""


GROUPS = ("name", "intro", "greeted", "role", "first", "here", "sign", "dear", "letters")
_PAST = re.compile(r"\b[a-z]{2,}ed\b")
_ADVERB = re.compile(r"[a-z]{3,}ly\b", re.IGNORECASE)
"""A word a name is seldom: "finally", "nearly" ("my wife finally ordered")."""


def find_names(text: str) -> list[Found]:
    """Names said as such: "my name is Jane Doe", "this is Jane calling", "under Rossi"."""
    found = []
    typed = not text.islower()
    for m in _NAME.finditer(text):
        group = next(g for g in GROUPS if m.group(g))
        words = m.group(group)
        if group == "role" and not typed and m.group("typed_role") is not None:
            words = _did(words) or ""  # "my wife ana lima placed ...": a verb after the name
        elif (group == "sign" and not typed) or (group == "role" and not _role(m, typed)):
            continue
        if not words:
            continue
        if group == "intro" and not _introduced(m, words):
            continue
        if (
            group == "intro"
            and m.group("for")
            and not _NOT_PEOPLE.isdisjoint(words.lower().split())
        ):
            continue  # "it's for delivery my address is ..."
        if m.group("housed") is not None and not _before_address(text, m.end("housed"), words):
            continue
        if m.group("labelled") is not None and not _named_record(words):
            continue  # "gift card code is ...", "american express card ..."
        if (group == "here" and m.group("hailed") is not None and not m.start("here")) and (
            len(words.split()) < 2
        ):
            continue  # "X calling": after a greeting, or a first and a last name
        if group == "dear" and not typed:
            continue
        # Said in passing ("this is X", "I'm X,"): typed text capitalizes a name, so a
        # lowercase word there is not one ("It's fine, thanks", "it's late.").
        if group == "first" and not typed and (_PAST.search(words) or _ADVERB.search(words)):
            continue  # "charged twice, 502.61 ...": a verb, not a record's name
        if group != "name" and (typed or m.group("comma")) and not words[0].isupper():
            continue
        # Typed, a bare "name" before a lowercase word is prose about names ("with their
        # name or ..."), not one given: a typed name after a bare "name" is capitalized.
        if group == "name" and typed and not words[0].isupper() and _bare_name(text, m):
            continue
        found.append(Found("name", m.start(group), m.start(group) + len(words), _normal(words)))
    if "name" in text:
        for after in _NAMED_AFTER.finditer(text):  # the name's end first: a short search
            said = _SAID_BEFORE.search(text, max(0, after.start() - 60), after.start())
            if said and (not typed or said["said"][0].isupper()):
                found.append(Found("name", said.start(), said.end(), _normal(said["said"])))
    if " for " in text:
        for m in _BOOKED_FOR.finditer(text):
            group = "name" if m.group("name") else "said"
            if (group == "name") == typed and _NOT_PEOPLE.isdisjoint(
                m.group(group).lower().split()
            ):
                found.append(Found("name", m.start(group), m.end(group), _normal(m.group(group))))
    for m in _TITLED.finditer(text):
        title = m.group("title")
        if _titled(title, m.group()[len(title) :].lstrip(". "), typed):
            found.append(Found("name", m.start(), m.end(), _normal(m.group())))
    return found


def _role(m: re.Match[str], typed: bool) -> bool:
    """Whether the words after a role are a name: capitalized after a colon (only typed
    text has one) or in typed text, else followed by a name's usual next words."""
    lead = m.string[m.start() : m.start("role")]
    if ":" in lead or typed:
        return m.group("role")[0].isupper()
    if lead.rstrip().endswith(" by"):  # "booked by ana lima", not "placed by mistake"
        return len(m.group("role").split()) > 1 and m.group("typed_role") is None
    if m.group("at_home") is not None:  # "my nephew caleb stone at nine hundred ..."
        return len(m.group("role").split()) > 1
    if m.group("did") is not None:  # "my wife ana placed the order", not "... finally ordered"
        return not _ADVERB.search(m.group("role"))
    return m.group("typed_role") is None


def _before_address(text: str, at: int, words: str) -> bool:
    """Whether a first and last name that opens ``text`` is followed by an address, as in
    a record said or typed: "ana lima twelve elm road" (an address's grammar decides)."""
    return len(words.split()) > 1 and any(f.start == at for f in find_addresses(text))


def _named_record(words: str) -> bool:
    """Whether the words before a value's label, with no comma or dash between, open a
    record with a first and a last name ("oliver fenwick email ..."), not name a kind of
    card, account or phone ("gift card", "american express card", "home phone")."""
    said = words.lower().split()
    return len(said) > 1 and _KINDS_OF.isdisjoint(said)


def _did(words: str) -> str | None:
    """``words`` without their last, when it is a verb in the past ("ana lima placed")."""
    head, _, last = words.rpartition(" ")
    return head if head and _PAST.fullmatch(last) and not _ADVERB.search(head) else None


def _introduced(m: re.Match[str], words: str) -> bool:
    """Whether "this is X", "it's X" gives a name: spelled after it ("mei m e i"), and
    before "at" and a number (a house, not a price: "it's listed at fifteen ninety nine")
    a first and a last name."""
    if m.group("spelt") is not None:
        return _spells_itself(words)
    if m.group("clause") is not None or m.group("then") is not None:
        # "this is X Y i rang", "it's X Y send it to ...": a first and a last name
        return len(words.split()) > 1 and not _ADVERB.search(words)
    if m.group("valued") is not None:  # "it's becky the card is", not "it's declined card"
        return not (_PAST.search(words) or _ADVERB.search(words))
    return m.group("intro_at") is None or len(words.split()) > 1


def _spells_itself(words: str) -> bool:
    """Whether a word among ``words`` is followed by its own letters ("mei m e i"): the
    caller spells a name."""
    said = words.lower().replace(",", " ").replace("-", " ").split()
    return any(
        len(word) > 1 and said[i + 1 : i + 1 + len(word)] == list(word)
        for i, word in enumerate(said)
    )


def _bare_name(text: str, m: re.Match[str]) -> bool:
    """Whether the words before the name are only "name" (no "is", "'s", ":" after it; a
    dash is no more: "name - required")."""
    return text[m.start() : m.start("name")].rstrip(" -\u2013").lower().endswith("name")


def _titled(title: str, name: str, typed: bool) -> bool:
    """Whether a title starts a name: typed, both capitalized ("Miss Jones", not "I miss
    Paris"); said, only a title that is no other word ("mrs patel", not "i miss paris")."""
    if typed:
        return title[0].isupper() and name[0].isupper()
    return title.lower() in _SPOKEN_TITLES


def _normal(words: str) -> str:
    return " ".join(words.lower().split())
