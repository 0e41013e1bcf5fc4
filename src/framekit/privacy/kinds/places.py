"""Street addresses, found by an address's grammar rather than by phrasings.

An address is a house number (digits, "221B", "84/92", or said: "one oh one", "eighty
one forty seven", "twelve b"), up to four words of the street's name, and a street
type (:mod:`.streets`: the USPS suffixes and their abbreviations, the British, Irish,
Canadian and Australian types), then what follows as far as the words look like it:
a direction, a unit ("#05-67", "Unit 12", "m. 15"), the town, the state or province,
the ZIP or postcode (US, UK, Canadian, Irish, Dutch, Polish, six-digit ones, written or
said letter by letter). Other orders are forms of the same grammar: a unit before the
house ("Flat 6, 27 Dock Road", "Blk 123 ..."), a street type said before the name
("15 Rue de la Paix", "two oh five calle de alcala", "ul. Marszałkowska 84/92",
"Calle Mayor 12"), one glued to it ("Hauptstraße 12"), a street without a type known
by the postcode or the unit after it ("29 Llys y Coed, Pontypridd CF37 1EG"), a house
after "my address is" or "I live at", P.O. boxes, rural routes ("route one box
nineteen"), "General Delivery," and a highway with a postcode after it ("Highway 16 West,
Km 12, Smithers BC V0J 2N0"), a named building after its unit ("apartment two riverside
court"), "the" before the type ("nine the crescent"), and a ZIP or postcode said as one's
own, with its four more ("... dash two three one oh") or as a record's field
(``"zip": "97214"``): only the code is then the value. A street without a
house number ("the store on Elm Road") is not an address: it does not locate a person.
A type that is also a noun ("park", "view") needs more: capitals, a unit, a comma or
a code after it, or "to", "at" or "is" before the house ("ship it to four albans park"):
"3 kids in the park" stays.
"""

from __future__ import annotations

import re
from itertools import chain

from framekit.privacy.kinds import Found, alternation, words
from framekit.privacy.kinds.address_joins import joined
from framekit.privacy.kinds.postcodes import find_code_after_house
from framekit.privacy.kinds.said_codes import (
    CODE_WORDS_SAID,
    DIGIT,
    LETTER,
    NUMBER_WORD,
    NUMBER_WORDS,
    ONE_DIGIT,
    POSTCODE,
    SAID_CODE,
    SAID_ZIP,
    SPOKEN_POSTCODE,
    WRITTEN_POSTCODE,
    code_said_in,
    named_twice,
)
from framekit.privacy.kinds.streets import (
    GLUED,
    HOUSE_HEADS,
    REGIONS,
    STREET_FIRST,
    STRONG,
    UNIT_BEFORE,
    UNIT_WORDS,
    WEAK,
)

__all__ = ["find_addresses"]

_SAID = rf"(?:(?:double|triple)\s+)?{NUMBER_WORD}"
_SAID_ON = rf"(?:{_SAID}|(?:for|to|too|won|ate|o)\b)"
_SAID_FIRST = rf"(?:{_SAID}|(?:won|ate)(?=[\s-]+{_SAID_ON}))"
_BOX_NUMBER = rf"(?:{_SAID_FIRST}|(?:for|to|too)(?=\s+{_SAID_ON}))(?:\s+(?:and\s+)?{_SAID_ON})*"
"""A number said digit by digit as a recognizer writes it: "double seven", and after
its first digit the words heard for one ("six for", "three won two two", "five o"); a
box's number may start with one too ("box too three six")."""
_TYPED_HOUSE = (
    r"\d{1,6}(?:[/-]\d{1,4}\b|\s[-\u2013]\s\d{1,6}\b|-(?-i:[IVX]{1,3}|[a-z]{1,3})\b)?[A-Za-z]?"
    r"(?:\s?\u00bd|\s1/2\b|\s+and\s+a\s+half\b)?"
)
_HOUSE = (
    rf"(?:(?:lot|plot|house(?:\s+(?:number|no\.?))?|h\.?\s?no\.?|no\.|number)\s*"
    rf"(?=\d|{NUMBER_WORD}))?"
    rf"(?>{_TYPED_HOUSE}|(?-i:[A-Z])-\d{{1,5}}\b|{_SAID_FIRST}"
    rf"(?:[\s-]+(?:and\s+|slash\s+|stroke\s+)?{_SAID_ON}){{0,6}}"
    r"(?:\s+and\s+a\s+half\b)?(?:\s+[a-h](?=\s))?)"
)
"""Typed ("221B", "84/92", "12-14", "Lot 7", "B-204", "218 1/2", a unit before the house
as Canadians write it: "306 - 1040", a floor after it: "210-II") or said ("twelve b", "one
oh one", "two eighteen and a half", "twelve slash forty five"); atomic, as long as it goes
(a run of number words tried every way would cost milliseconds)."""
_UNIT_AFTER = rf"(?:{alternation(UNIT_WORDS)})\.?\s*(?:#?\d\w{{0,4}}|[A-Za-z])\b"
_EVIDENCE = (
    rf"\.?(?:\s*,|\s+\d|\s+{_UNIT_AFTER}"
    rf"|(?:\s+[^\W\d_]+){{0,3}}(?:\s+{NUMBER_WORD}){{3}}"
    rf"|(?:\s+[^\W\d_]{{2,}}){{0,3}}\s+{SPOKEN_POSTCODE})"
)
_TYPE = (
    rf"(?:{alternation(STRONG)}\b|(?<=[^\W\d_]\s)(?:(?=(?-i:[A-Z])){alternation(WEAK)}\b"
    rf"|{alternation(WEAK)}\b(?={_EVIDENCE})))\.?"
)
"""A strong type, or a weak one after a name's word, capitalized as typed or with a
comma, a number or a unit after it ("3 kids in the park" stays)."""
_ALONE = (
    r"(?:broadway|esplanade|boardwalk|promenade|embankment|strand)\b|(?:highway|hwy|route|rte"
    rf"|county\s+road|state\s+route|interstate|road|street|lane|sector|block|soi)"
    rf"(?=\s+(?:\d|{NUMBER_WORD}))"
)
"""Streets named by their type alone: "1585 Broadway", "12345 Highway 9", "House 12, Road
5"; any other type
follows a name."""
_FIRST = STREET_FIRST - {w for w in STREET_FIRST if len(w) < 3}
_STREET_FIRST = rf"(?:{alternation(_FIRST)}\b|{alternation(STREET_FIRST - _FIRST)}\.|c/)\.?"
"""Short types before the name ("ul.", "al.", "c/") only with their dot."""
_GLUED = rf"[^\W\d_]{{3,}}{alternation(GLUED)}"
_STOP_WORDS = words(
    "please thanks thank and but for to by on in my the it is so ok okay right because since"
    " with or if then that that's this today tomorrow instead now yes no from at was were we"
    " i you he she they should ship send deliver call email phone order card born birth"
    " date name our your its it's can could would will also near next store shop branch"
    " location outlet showroom pls plz thx cheers"
)
_STOP = alternation(_STOP_WORDS)
"""Words of an ordinary sentence: an address's tail ends before them."""
_NAME_STOP = alternation(
    words(
        "to of at on in for and from by near i you we they he she it is are was were be my"
        " your our their his her its a or but so if then that this these those who which"
        " what please thanks with per each every more less than also just all any some no not"
        " get got have has had do did will would can could should need want ordered bought"
        " paid times minutes hours days weeks months years am pm x sorry wait actually zip"
        " postcode eircode"
    )
    | NUMBER_WORDS
)
"""Words of a sentence and numbers, never a word of a street's name ("The" is, typed:
"5 The Crescent")."""
_ORDINAL = (
    r"(?:(?:one|two|three|four|five|six|seven|eight|nine)\s+hundred\s+(?:and\s+)?)?"
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-]+)?(?:first|second"
    r"|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|[a-z]+teenth"
    r"|twentieth|thirtieth|fortieth|fiftieth|sixtieth|seventieth|eightieth|ninetieth"
    r"|hundredth)\b"
)
"""A street's number said: "forty second street", "fifth avenue", "one hundred and
twelfth street"."""
_NAME_WORD = (
    rf"(?:(?!(?:{_NAME_STOP}|(?-i:t)he)\b)"
    r"(?:(?:st|mt|ft|jr|sr|dr|[^\W\d_])\.|[^\W\d_](?:[^\W_]|['.-](?=[^\W_]))*"
    r"|\d{1,3}(?:st|nd|rd|th))"
    rf"|{_ORDINAL})"
)
"""A word of a street's name: "Martin", "O'Neil", "42nd", "Marszałkowska"; not an
identifier of code ("call_analyses") nor a word of a sentence."""
_UNIT = (
    rf"(?:(?:{alternation(UNIT_BEFORE)})\.?\s*#?\s*(?:(?=\d+/\d)|(?:[A-Za-z\d][\w-]{{0,5}}"
    rf"(?:\s[A-Za-z]\b)?|{NUMBER_WORD}(?:\s+{NUMBER_WORD})*(?:\s+[a-z]\b)?),?\s+"
    r"(?:at\s+|(?:slash|stroke)\s+|[-\u2013]\s+)?)"
    r"|(?:blk|block)\.?\s+(?=\d|[A-Za-z]-?\d)|\d{1,2}(?:st|nd|rd|th)\s+(?:floor|fl)\.?,?\s+)"
)
"""A unit said before the house: "Flat 6, 27 Dock Road", "Blk 123 Ang Mo Kio Ave 3",
"apartment four at twelve elm road", "Apt 1207 - 88 Harbour St"."""
_HOUSE_NAME = (
    r"(?:(?:(?-i:[A-Z])[\w'-]+\s+){1,2}(?-i:C|H|F|L|V|B|G|M)(?:ottage|ouse|arm|armhouse|odge"
    r"|illa|arn|all|range|anor),\s+)"
)
"""A house's name before its number: "Rosebank Cottage, 3 Mill Lane"."""
_CODE_AFTER = (
    r"\s*,?\s*(?:(?:that's|that\s+is|is|was|it's)\s+)?"
    r"(?:(?:my|the|our|his|her|their)\s+zip\b|zip\s*code|post\s*code|postal\s+code|eircode)"
)
"""A code's label said after it ("seven eight seven oh one that's my zip code")."""
_TAIL_WORD = (
    r"(?:#?\d{1,6}(?:-\d{1,4})?(?:[A-Za-z]|[ºª°])?\b(?![\d-]|\.\d)"  # unit, ZIP, floor 3º
    r"|[A-Za-z]{1,2}\d[A-Za-z\d]?\b|\d[A-Za-z]{2}\b|\d[A-Za-z]\d\b"  # UK, Canada
    r"|(?=[A-Za-z]*\d)[A-Za-z\d]{4}\b"  # an Eircode's second half: T12 X2C4
    r"|(?-i:[A-Z]{2})\b"  # a state: OR, IN, ME as written
    rf"|(?!{_STOP}\b)[^\W\d_]+(?:['.-][^\W\d_]+)*\.?|{NUMBER_WORD}"
    rf"|(?<=hundred\s)and(?=\s+{NUMBER_WORD})"
    rf"|the(?=(?:\s+[^\W\d_]+){{1,2}},?\s+(?:{alternation(REGIONS)}|(?-i:[A-Z]{{2,3}}))\b))"
)
"""A word of what follows the street; "the" only in a town before its state ("the
woodlands texas", "The Rocks NSW"): else it starts the sentence after ("... the blue
door")."""
_TAIL = rf"(?:(?:(?:\.(?=,))?[,\s]+|\s+[-\u2013]\s+){_TAIL_WORD}){{0,14}}"
_NAME = rf"(?:{_NAME_WORD}\s+)"
_HEAD = rf"{alternation(HOUSE_HEADS)}\b"
_TRADE_WORDS = words(
    "order item tracking reference ref confirmation number account invoice ticket case card"
    " phone code pin id shop store pub cafe restaurant bar hotel tour sale"
)
_TRADE = alternation(_TRADE_WORDS)
_PLAIN_NAME = rf"(?!(?:{_TRADE})\b){_NAME_WORD}"
"""A word of a street's name where nothing else says address: not an identifier's or a
trade's ("two via courier tracking one two three four five", "the farm shop lane tour")."""
_FILLERS = words("uh um er erm hmm ah eh actually")
_FILLER = alternation(_FILLERS)
_CODE_NAME = rf"(?!(?:(?:{_TRADE})s?|{_STOP}|{NUMBER_WORD}|{_FILLER})\b)[^\W\d_]+"
"""A word between a house and a said code: not an identifier's (one or more: "two orders
three oh nine eight one"), a sentence's, a number or a hesitation ("two nine eight uh two
nine eight seven one four")."""
_UNNAMED = _STOP_WORDS | _TRADE_WORDS | {f"{w}s" for w in _TRADE_WORDS} | _FILLERS | NUMBER_WORDS
"""The words :data:`_CODE_NAME` never reads: a said code right after one ends no street."""
_CODED_STREET = re.compile(
    rf"(?<!\w)(?=[\w#])(?:{_UNIT}|(?:{alternation(UNIT_BEFORE)})\.?\s+|[a-z]\s+)?{_HOUSE},?\s+"
    rf"(?:{_CODE_NAME},?\s+){{1,6}}?{SAID_CODE}$",
    re.IGNORECASE,
)
"""A five- or six-digit postcode said digit by digit after the town (a US ZIP, an Italian,
French, Spanish or German code, India's PIN: :data:`SAID_CODE`) makes a street of any
words one ("twenty two via roma milano two oh one two one", "b two oh four lotus towers
juhu mumbai four double oh oh four nine"), with the unit or its letter before the house;
tried only where such a code follows a word (:data:`_CODE_SAID_IN`), and
ending there: the words between are read plainly (a street's name's pattern, tried word by
word back from the code, would cost a tenth of a millisecond)."""
_CODE_REACH = 72
"""How far before its code such a street's house may be: the pattern is tried there only."""
_CODE_SAID_IN = re.compile(rf"(?<![a-z])(?!{NUMBER_WORD})[a-z]+\s+{SAID_CODE}")
_ADDRESS = re.compile(
    r"(?<!\w)(?=[\w#])(?:"  # tried at a word's start only: twice as fast
    rf"(?:{_HOUSE_NAME}?{_UNIT}?{_HOUSE},?\s+(?:(?:{_NAME_WORD},?\s+){{1,4}}?{_TYPE}|{_ALONE}"
    rf"|the\s+(?:{_NAME_WORD}\s+)?{_TYPE})"
    rf"|{_UNIT}(?:the\s+)?(?:{_NAME_WORD},?\s+){{1,4}}?{_TYPE}"
    # Said after "to", "at" or "is", a house and a name make even a weak type a street's.
    rf"|(?:(?<=\bto\s)|(?<=\bat\s)|(?<=\bis\s)){_HOUSE}\s+(?:{_NAME_WORD}\s+){{1,3}}?"
    rf"{alternation(WEAK)}\b"
    rf"|{_HOUSE},?\s+{_STREET_FIRST}\s+{_NAME}{{0,3}}{_NAME_WORD}"
    rf"|(?:{_STREET_FIRST}|(?-i:Via))\s+{_NAME}{{0,3}}{_NAME_WORD},?\s+{_HOUSE}(?!\w)"
    rf"|{_GLUED}\s+{_HOUSE}(?!\w)"
    r"|(?-i:Box)\s+\d{1,6}(?=,\s+(?-i:[A-Z]))|(?-i:General\s+Delivery)(?=,)"
    rf"|(?-i:Highway|Hwy|Route|Rte)\s+\d{{1,4}}(?=(?:\s+\w+)?,[^.?!]{{0,40}}?{WRITTEN_POSTCODE})"
    # A street without its type, known by the unit or the postcode after it.
    rf"|\d{{1,6}}[A-Za-z]?\s+(?:(?-i:[A-Z])[\w'-]+\s+){{0,2}}(?-i:[A-Z])[\w'-]+"
    rf"(?=,\s*{_UNIT_AFTER})"
    rf"|{_UNIT}?{_HOUSE},?\s+(?:{_NAME_WORD},?\s+){{1,5}}?{POSTCODE}"
    rf"|(?:\b(?:address(?:\s+is|:|'s)?|(?:live|living|lives|reside|residing|stay|staying)\s+at"
    r"|(?:my|our)\s+(?:house|place|home)\s+is(?:\s+at)?)\s+)"
    rf"(?P<led>{_HOUSE}\s+(?:the\s+)?{_NAME_WORD}(?:,?\s+{_NAME_WORD}){{1,3}})"
    rf"|box\s+(?:\d+|{_BOX_NUMBER}),?\s+star\s+route\b"
    rf"|(?:(?:p\.?\s?o\.?|post\s+office|gpo|locked)\s+box|private\s+bag|rural\s+route"
    rf"|(?:(?:box|site|comp)\s+(?:\d+|{_SAID_FIRST}(?:\s+(?:and\s+)?{_SAID_ON})*),?\s+){{1,2}}"
    r"(?:rural\s+route|star\s+route|highway\s+contract\s+route|h\.?\s?c\.?|r\.?\s?r\.?)"
    r"|r\.?\s?r\.?|psc|cmr|(?:highway\s+contract\s+route|star\s+route|h\.?\s?c\.?(?:\s?r\.?)?|route|rte"
    rf"|highway|hwy)\s+(?:\d+|{NUMBER_WORD}(?:\s+{NUMBER_WORD})*),?\s+box)"
    rf"\s+(?:\d+\b|{_BOX_NUMBER}))"
    rf"{_TAIL}"
    r"|\b(?:zip|post[\s_]?code|postal[\s_]+code|eircode)(?:[\s_]?code)?"
    r"(?:(?:\s+[^\W\d_]+){1,3}?(?=\s+is\b))?"  # "zip code on the card is", "... there is"
    r"(?:\s+is|'s|\"?\s*[:=])?\s*\"?\s*(?<=[\s\"=:])"
    rf"(?P<zip>\d{{4,6}}(?:-\d{{4}})?\b|\d(?:\s\d){{3,5}}\b|{SAID_CODE}(?:\s+(?:dash|hyphen|-)\s+"
    rf"{ONE_DIGIT}(?:\s+{ONE_DIGIT}){{3}})?|{SAID_ZIP}|{POSTCODE}"
    rf"|{NUMBER_WORD}(?:\s+{NUMBER_WORD}){{3}}(?!\s+{NUMBER_WORD})"
    rf"|{LETTER}(?:\s+{DIGIT}){{2}}(?:\s+(?:{LETTER}|{DIGIT})){{4}}(?!\s+(?:[a-z]|{DIGIT})\b)))",
    re.IGNORECASE,
)
"""The last form, a ZIP or postcode said as one's own: only the code is the value."""
_CODE_BEFORE = re.compile(
    rf"(?<!\w)(?:\d{{5}}(?:-\d{{4}})?|{SAID_ZIP})(?={_CODE_AFTER})", re.IGNORECASE
)
"""A ZIP said before its label ("seven eight seven oh one that's my zip code"); tried only
where a code's word is."""
_CODE_WORDS = frozenset({"zip", "zipcode", "code", "postcode", "eircode"})
_TYPES = frozenset(w for w in STRONG | WEAK if w.isalpha())
_NAMED_STREET = re.compile(
    rf"(?<!\w)(?:the\s+)?(?:{_NAME_WORD},?\s+){{1,5}}?{_TYPE}"
    rf"(?:[,\s]+{_TAIL_WORD}){{0,4}}?[,\s]+{POSTCODE}",
    re.IGNORECASE,
)
"""A street without a house number, known by the postcode after it, and the house's name
before it ("The Old Rectory, Church Lane, Little Dunmow CM6 3HX"): tried only where a
postcode is."""
_NAMED_HOUSE = re.compile(
    rf"(?<!\w)(?:(?=(?:{alternation(UNIT_BEFORE)})\.?\s*#?\s*(?:\d|{NUMBER_WORD})){_UNIT}"
    rf"(?:the\s+)?(?:{_NAME_WORD}\s+){{0,2}}{_HEAD}"
    rf"|(?=(?:[^\W\d_]+\s+){{1,3}}{_HEAD})"  # the head near, before the names are read
    rf"(?:the\s+(?:{_NAME_WORD}\s+){{0,2}}|(?:{_NAME_WORD}\s+){{1,2}}){_HEAD},?\s+"
    rf"(?:{_PLAIN_NAME},?\s+){{1,3}}?{alternation(STRONG)}\b\.?(?!\s+{_TRADE})){_TAIL}",
    re.IGNORECASE,
)
"""A house's name instead of its number, after its unit ("apartment nine the maltings")
or before its street ("the old forge mill lane", "Rose Cottage, Elm Rd"): tried only
where a house's name's head is."""
_PLACE = r"(?:(?:Co\.?|County)\s+)?(?-i:[A-Z])[\w'-]+(?:\s+(?-i:[A-Z])[\w'-]+){0,2}"
_PLACES = re.compile(rf"(?<!\w){_PLACE}(?:,\s+{_PLACE}){{1,4}},?\s+{WRITTEN_POSTCODE}")
"""Places said before a written postcode, a comma between each, and no street ("Ardmore,
Kilmacanogue, Co. Wicklow, A98 X7T2": a house's name, its townland, county): an address
by its shape; tried only where a postcode is."""
_HINTS = frozenset(
    re.findall(
        r"[a-z]+",
        f"{' '.join(w for w in STRONG | WEAK | STREET_FIRST | UNIT_WORDS if w.isascii())} box bag"
        " zip postcode post postal eircode address live living lives reside residing route rr via"
        " stay staying home site"
        " lot plot house pmb psc cmr",
    )
)
"""An address holds one of these words, a postcode or a type glued to the street's name:
texts without any skip the long pattern (a set of words, 15 times faster than a
pattern of them; "sráid" and "allée" count by their plain spellings)."""
_WORD = re.compile(r"[a-z]+")
_WRITTEN_CODE = re.compile(rf"\b{WRITTEN_POSTCODE}")
_SPOKEN_CODE = re.compile(rf"(?<!\w){SPOKEN_POSTCODE}")
_CAPITAL_DIGIT = re.compile(r"[A-Z]\s?\d")
"""Every written postcode has a capital before a digit: most texts skip its search."""
_GLUED_IN = re.compile(alternation(GLUED))
_NOT_A_HOUSE = re.compile(
    r"(?:\b(?:order|item|sku|room|ticket|case|invoice|aisle|gate|qty|quantity|model)\s*(?:no\.?"
    r"|number)?|#|(?:store|shop|branch|location|outlet|showroom)(?:\s+is)?\s+(?:at|on|in)"
    r"|\b(?:ordered|bought|purchased|returned|received|sold|buy|get|got|need|needs|want|wants)"
    r"|\(\d{3}\))\s*$",
    re.IGNORECASE,
)
"""What before a number makes it an identifier ("Order 12 Main Street store"), a phone's
after its area code ("(326) 300-9312 when close"), a count ("i ordered 34 juniper road
bikes") or a shop's place ("the store at 12 Main Street"),
not where a person lives."""
_SHOP_AFTER = re.compile(r"\s*(?:store|shop|branch|location|outlet|showroom)\b", re.IGNORECASE)
_COUNT = re.compile(
    rf"(?=(?-i:[A-Z])){NUMBER_WORD}(?:[\s-]+(?:and\s+)?{NUMBER_WORD})*\s+(?-i:[a-z])",
    re.IGNORECASE,
)
"""A capitalized number word, then a lowercase one: a sentence that starts with a count
("One erasure row per caller"), not a house (typed: "One Infinite Loop"; said: "one
infinite loop")."""


def find_addresses(text: str) -> list[Found]:
    """Every street address in ``text`` but a shop's own."""
    found = find_code_after_house(text)
    words = _WORD.findall(text.lower())
    hinted = _may_hold(text, words)
    said_digits = sum(map(CODE_WORDS_SAID.__contains__, words)) >= 5 and code_said_in(
        words, _UNNAMED
    )
    if not (hinted or said_digits):
        return found
    coded_streets = (
        _CODED_STREET.finditer(text, max(0, code.start() - _CODE_REACH), code.end())
        for code in (_CODE_SAID_IN.finditer(text.lower()) if said_digits else ())
    )
    # A said postcode says address with no hint word ("b two oh four lotus towers ...").
    before = len(found)
    matches = chain(_ADDRESS.finditer(text) if hinted else (), *coded_streets)
    for m in matches:
        led = m.groupdict().get("led")
        if (
            (not hinted and not named_twice(m.group()))
            or _NOT_A_HOUSE.search(text, max(0, m.start() - 24), m.start("led" if led else 0))
            or _SHOP_AFTER.match(text, m.end())
            or _COUNT.match(text, m.start())
        ):
            continue
        group = "zip" if m.groupdict().get("zip") else 0
        start, end = m.start("led") if led else m.start(group), m.end(group)
        if led and (read := _ADDRESS.match(text, start)) and read.end() > end:
            end = read.end()  # "address 1705 Woodward Ave., Detroit": the house's own reading
        found.append(Found("address", start, end, " ".join(text[start:end].lower().split())))
    if not hinted:
        return joined(text, found) if len(found) > before else found
    coded = _CODE_BEFORE if not _CODE_WORDS.isdisjoint(words) else None
    patterns = [coded, _NAMED_HOUSE if _named_house_near(words) else None]
    if _has_postcode(text, words):
        patterns += [_PLACES, _NAMED_STREET if not _TYPES.isdisjoint(words) else None]
    for pattern in filter(None, patterns):
        found += [
            Found("address", m.start(), m.end(), " ".join(m.group().lower().split()))
            for m in pattern.finditer(text)
        ]
    return joined(text, found)


def _named_house_near(words: list[str]) -> bool:
    """Whether a house's name's head has a unit word just before it or a street type just
    after it: only then is :data:`_NAMED_HOUSE` tried ("my house is ..." skips it)."""
    for i, word in enumerate(words):
        if word in HOUSE_HEADS and (
            not UNIT_BEFORE.isdisjoint(words[max(0, i - 5) : i])
            or not STRONG.isdisjoint(words[i + 1 : i + 6])
        ):
            return True
    return False


def _may_hold(text: str, words: list[str]) -> bool:
    """Whether ``text`` (its lowercase ``words``) has a hint word, a type glued to a name
    or a postcode: the cheap tests first."""
    if not _HINTS.isdisjoint(words) or _GLUED_IN.search(text.lower()):
        return True
    return _has_postcode(text, words)


def _has_postcode(text: str, words: list[str]) -> bool:
    """Whether ``text`` holds a postcode: its pattern only where a capital precedes a digit
    or a lone letter is said."""
    if _CAPITAL_DIGIT.search(text) and _WRITTEN_CODE.search(text):
        return True
    spelled = any(len(w) == 1 and w not in "ai" for w in words)
    return spelled and _SPOKEN_CODE.search(text) is not None
