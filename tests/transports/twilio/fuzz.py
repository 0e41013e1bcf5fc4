"""Random and mutated Media Streams messages, reproducible from a seed.

Three kinds, mixed: a well-formed message of every event; one whose fields are
replaced by hostile JSON values (numbers past Python's 4,300-digit limit, deep
nesting, lone surrogates, ``NaN``, huge or negative counters, wrong types); and
text mutations of a well-formed one (characters flipped, cut, repeated). Every
message stays under the transport's size limit unless it is one of the few that
test that limit.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from typing import Any

from framekit.transports.twilio.protocol import MAX_MESSAGE_CHARS

__all__ = ["fuzz_messages"]

STREAM = "MZ" + "f" * 32
CALL = "CA" + "f" * 32

_PAYLOAD = base64.b64encode(b"\xff" * 160).decode()

# Raw JSON text spliced in as a value: what json.dumps cannot write.
_HOSTILE_RAW = [
    "1" * 4301,
    "-" + "9" * 5000,
    "[" * 3000 + "]" * 3000,
    '{"a":' * 1500 + "1" + "}" * 1500,
    "NaN",
    "-Infinity",
    "1e400",
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\u0000"',
    "18446744073709551616",
    "-1",
    "0.5",
    "true",
    "null",
    "[]",
    "{}",
    '"' + "x" * 300 + '"',
    '"\\u0663"',  # an Arabic-Indic digit: str.isdecimal() says yes
    '"12345678901234567890"',
    '"' + "9" * 4400 + '"',
]


def _templates() -> list[dict[str, Any]]:
    return [
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": STREAM,
            "start": {
                "streamSid": STREAM,
                "callSid": CALL,
                "accountSid": "AC" + "0" * 32,
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": {"from": "+15551230000"},
            },
        },
        {
            "event": "media",
            "sequenceNumber": "3",
            "streamSid": STREAM,
            "media": {"track": "inbound", "chunk": "2", "timestamp": "40", "payload": _PAYLOAD},
        },
        {"event": "dtmf", "streamSid": STREAM, "dtmf": {"track": "inbound_track", "digit": "5"}},
        {"event": "mark", "streamSid": STREAM, "mark": {"name": "fk1.5"}},
        {"event": "stop", "streamSid": STREAM, "stop": {"callSid": CALL}},
        {"event": "future-thing", "x": 1},
    ]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value in a JSON tree (keys of objects, indexes of lists)."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


_MARK = "\x00HOSTILE\x00"


def _with_value(message: dict[str, Any], path: tuple[Any, ...], raw: str) -> str:
    """``message`` as JSON with the value at ``path`` replaced by the raw JSON ``raw``."""
    copy = json.loads(json.dumps(message))
    if not path:
        return raw
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = _MARK
    return json.dumps(copy).replace(json.dumps(_MARK), raw, 1)


def _mutate_text(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        at = rng.randrange(len(chars) + 1)
        if kind == 0 and chars:  # flip a character
            chars[min(at, len(chars) - 1)] = chr(
                rng.choice([0, 34, 92, 123, 125, rng.randrange(0x110000)])
            )
        elif kind == 1:  # cut
            chars = chars[:at]
        elif kind == 2:  # insert JSON punctuation
            chars[at:at] = rng.choice(['"', "\\", "{", "}", "[", "]", ",", ":", "\\u", "\\ud800"])
        elif kind == 3 and chars:  # repeat a slice
            end = min(len(chars), at + rng.randint(1, 40))
            chars[at:at] = chars[at:end] * rng.randint(1, 20)
        else:  # delete a slice
            del chars[at : at + rng.randint(1, 10)]
    text = "".join(chars)
    return "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)  # a str a socket can carry


def fuzz_messages(seed: int, count: int) -> Iterator[str | bytes]:
    """``count`` messages from ``seed``: the same ones every run."""
    rng = random.Random(seed)
    templates = _templates()
    for _ in range(count):
        template = rng.choice(templates)
        roll = rng.random()
        if roll < 0.15:
            message: str | bytes = json.dumps(template)
        elif roll < 0.65:
            path = rng.choice(list(_paths(template)))
            message = _with_value(template, path, rng.choice(_HOSTILE_RAW))
        elif roll < 0.97:
            message = _mutate_text(rng, json.dumps(template))
        elif roll < 0.99:
            message = rng.randbytes(rng.randint(0, 64))
        else:
            message = json.dumps({**template, "pad": "x" * MAX_MESSAGE_CHARS})
        yield message
