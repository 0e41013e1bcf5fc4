"""Twilio Media Streams messages: typed parsing of what Twilio sends, builders for what we send.

Why a module of its own: the WebSocket carries JSON written by a peer we do not
control, so every field is checked here, once, and the transport only ever sees
typed messages or a :class:`ProtocolError` with a machine-readable ``code``.

Wire facts (Twilio's documentation, also what ``streamdouble`` simulates):

* Twilio sends ``connected``, ``start`` (``streamSid``, ``callSid``,
  ``accountSid``, ``tracks``, ``mediaFormat``, ``customParameters``), ``media``
  (``track``, ``chunk``, ``timestamp``, ``payload``: base64 of mu-law, 160 bytes
  for 20 ms), ``dtmf`` (``digit``), ``mark`` (the echo of a mark we sent, once the
  audio before it has played, or when a ``clear`` dropped it) and ``stop``.
* ``sequenceNumber``, ``chunk`` and ``timestamp`` are JSON *strings*.
* We send ``media`` (``payload``), ``mark`` (``name``) and ``clear``, each with the
  ``streamSid``.

Payload size: Twilio always sends 160 bytes. mu-law has one byte per sample, so
any size is a whole number of samples and the input transport re-chunks exactly;
payloads of 1 to :data:`MAX_MEDIA_PAYLOAD_BYTES` bytes are therefore accepted,
and an empty or larger one is refused (``bad_payload_size``).

:func:`parse_message` is total: whatever text or bytes arrive, it returns a message
or raises :class:`ProtocolError`, never another exception. JSON that Python's own
decoder refuses past the decoding (an integer of more than 4,300 digits, nesting
deeper than the recursion limit, ``NaN``) is ``malformed_json``; a string with a lone
surrogate (``"\\ud800"``, which no UTF-8 writer downstream could store) or a SID
that is not printable ASCII is ``bad_field``. ``tests/transports/twilio/test_fuzz.py``
holds it to that with thousands of random and mutated messages.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "DTMF_DIGITS",
    "MAX_COUNTER",
    "MAX_MEDIA_PAYLOAD_BYTES",
    "MAX_MESSAGE_CHARS",
    "ConnectedMessage",
    "DTMFMessage",
    "InboundMessage",
    "MarkMessage",
    "MediaMessage",
    "ProtocolError",
    "StartMessage",
    "StopMessage",
    "UnknownEventMessage",
    "build_clear",
    "build_mark",
    "build_media",
    "parse_message",
]

MAX_MESSAGE_CHARS: Final = 16_384
"""Largest text message accepted. A 20 ms ``media`` message is about 400 characters;
a ``start`` with many custom parameters stays well below this."""

MAX_COUNTER: Final = 2**53 - 1
"""Largest ``chunk`` or ``timestamp`` accepted: what a JSON double holds exactly."""

MAX_MEDIA_PAYLOAD_BYTES: Final = 1600
"""Largest decoded ``media`` payload accepted: 200 ms of 8 kHz mu-law (Twilio sends 160)."""

DTMF_DIGITS: Final = frozenset("0123456789*#ABCD")
"""Keys a ``dtmf`` message may carry."""

_MAX_PAYLOAD_CHARS: Final = (MAX_MEDIA_PAYLOAD_BYTES + 2) // 3 * 4


class ProtocolError(ValueError):
    """A message that breaks the Media Streams protocol; ``code`` names the rule it broke.

    Codes: ``binary_message``, ``oversized``, ``malformed_json``, ``not_an_object``,
    ``missing_event``, ``missing_field``, ``bad_field``, ``bad_media_format``,
    ``bad_base64``, ``bad_payload_size``, ``bad_digit``. It is the only exception
    :func:`parse_message` raises.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ConnectedMessage:
    """The first message on the socket: Twilio has connected (no stream yet)."""

    protocol: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class StartMessage:
    """The stream begins; it names the call and carries the TwiML ``<Parameter>``\\ s."""

    stream_sid: str
    call_sid: str
    account_sid: str
    tracks: tuple[str, ...] = ("inbound",)
    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000
    channels: int = 1
    custom_parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MediaMessage:
    """A piece of the caller's audio: decoded mu-law bytes (usually 160, i.e. 20 ms)."""

    stream_sid: str
    track: str
    chunk: int
    timestamp_ms: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class DTMFMessage:
    """The caller pressed a key."""

    stream_sid: str
    digit: str


@dataclass(frozen=True, slots=True)
class MarkMessage:
    """Twilio echoes a mark we sent: the audio before it has played (or was cleared)."""

    stream_sid: str
    name: str


@dataclass(frozen=True, slots=True)
class StopMessage:
    """The stream has ended: the call hung up or moved on to the next TwiML verb."""

    stream_sid: str
    call_sid: str = ""


@dataclass(frozen=True, slots=True)
class UnknownEventMessage:
    """A well-formed message whose ``event`` this module does not know (kept, not raised:
    a new Twilio event must not end calls)."""

    event: str


InboundMessage = (
    ConnectedMessage
    | StartMessage
    | MediaMessage
    | DTMFMessage
    | MarkMessage
    | StopMessage
    | UnknownEventMessage
)
"""Any message Twilio sends, parsed."""


def parse_message(raw: str | bytes) -> InboundMessage:
    """Parse one WebSocket message from Twilio; raises :class:`ProtocolError` if it is bad.

    Never raises anything else, whatever ``raw`` holds.
    """
    if isinstance(raw, bytes):
        raise ProtocolError("binary_message", f"binary message of {len(raw)} bytes; expected JSON")
    if len(raw) > MAX_MESSAGE_CHARS:
        raise ProtocolError(
            "oversized", f"message of {len(raw)} characters (limit {MAX_MESSAGE_CHARS})"
        )
    try:
        data = _DECODER.decode(raw)
    except (ValueError, RecursionError) as exc:
        # ValueError: JSONDecodeError, and also an integer past Python's 4,300-digit limit.
        raise ProtocolError("malformed_json", f"not JSON: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise ProtocolError("not_an_object", f"JSON {type(data).__name__}, expected an object")
    event = data.get("event")
    if not isinstance(event, str):
        raise ProtocolError("missing_event", "no string 'event' field")
    parser = _PARSERS.get(event)
    if parser is None:
        return UnknownEventMessage(event=_printable(event[:64]))
    try:
        return parser(data)
    except ProtocolError:
        raise
    except (ValueError, TypeError, LookupError, RecursionError) as exc:  # pragma: no cover
        # A check this module lacks: still a defined outcome, never a crashed reader.
        raise ProtocolError("bad_field", f"'{event}': {type(exc).__name__}: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
"""One decoder for every message: ``json.loads`` with an option builds a new one each
call, a third of the decoding time of a 20 ms media message, 50 times a second a call."""


def _printable(text: str) -> str:
    """``text`` safe to log: lone surrogates escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _short(value: Any) -> str:
    """A peer's value for a log line: its type when it is a container, else its repr, cut."""
    if isinstance(value, dict | list):
        return f"<{type(value).__name__}>"
    return _printable(repr(value)[:40])


def _utf8(text: str) -> bool:
    """False for a string with a lone surrogate (JSON allows ``"\\ud800"``, UTF-8 does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProtocolError("missing_field", f"'{data['event']}' has no '{key}' object")
    return value


def _text(data: dict[str, Any], key: str, *, required: bool = True, limit: int = 256) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ProtocolError("missing_field", f"'{key}' must be a non-empty string")
    if len(value) > limit:
        raise ProtocolError("bad_field", f"'{key}' is {len(value)} characters (limit {limit})")
    if not _utf8(value):
        raise ProtocolError("bad_field", f"'{key}' is not valid Unicode (a lone surrogate)")
    return value


def _sid(data: dict[str, Any], key: str, *, required: bool = True) -> str:
    """A Twilio SID (``MZ...``, ``CA...``): printable ASCII, no spaces, at most 64 characters."""
    value = _text(data, key, required=required, limit=64)
    if value and not (value.isascii() and value.isprintable() and " " not in value):
        raise ProtocolError("bad_field", f"'{key}' is not a SID: {value[:64]!r}")
    return value


def _number(data: dict[str, Any], key: str) -> int:
    """Twilio sends counters as strings of digits; numbers are accepted too."""
    value = data.get(key, "0")
    if isinstance(value, bool):
        raise ProtocolError("bad_field", f"'{key}' is a boolean")
    if isinstance(value, int) and 0 <= value <= MAX_COUNTER:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 15:
        return int(value)
    raise ProtocolError("bad_field", f"'{key}' is not a counter: {_printable(str(value)[:20])!r}")


def _parse_connected(data: dict[str, Any]) -> ConnectedMessage:
    return ConnectedMessage(
        protocol=_text(data, "protocol", required=False),
        version=_text(data, "version", required=False),
    )


def _parse_start(data: dict[str, Any]) -> StartMessage:
    start = _object(data, "start")
    stream_sid = _sid(start, "streamSid", required=False) or _sid(data, "streamSid")
    tracks = start.get("tracks", ["inbound"])
    if (
        not isinstance(tracks, list)
        or len(tracks) > 4
        or not all(isinstance(t, str) and len(t) <= 32 and _utf8(t) for t in tracks)
    ):
        raise ProtocolError("bad_field", "'tracks' must be a list of up to 4 short strings")
    media_format = start.get("mediaFormat", {})
    if not isinstance(media_format, dict):
        raise ProtocolError("bad_media_format", "'mediaFormat' must be an object")
    encoding = media_format.get("encoding", "audio/x-mulaw")
    rate = media_format.get("sampleRate", 8000)
    channels = media_format.get("channels", 1)
    if encoding != "audio/x-mulaw" or rate != 8000 or channels != 1:
        raise ProtocolError(
            "bad_media_format",
            f"media format {_short(encoding)} {_short(rate)} Hz {_short(channels)} ch; "
            "only audio/x-mulaw 8000 Hz mono is supported",
        )
    params = start.get("customParameters", {})
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _utf8(k) and _utf8(v)
        for k, v in params.items()
    ):
        raise ProtocolError("bad_field", "'customParameters' must map strings to strings")
    return StartMessage(
        stream_sid=stream_sid,
        call_sid=_sid(start, "callSid"),
        account_sid=_sid(start, "accountSid", required=False),
        tracks=tuple(tracks),
        custom_parameters=dict(params),
    )


def _parse_media(data: dict[str, Any]) -> MediaMessage:
    media = _object(data, "media")
    payload_text = media.get("payload")
    if not isinstance(payload_text, str):
        raise ProtocolError("missing_field", "'media.payload' must be a string")
    if len(payload_text) > _MAX_PAYLOAD_CHARS:
        raise ProtocolError(
            "bad_payload_size",
            f"payload of {len(payload_text)} base64 characters "
            f"(limit {MAX_MEDIA_PAYLOAD_BYTES} bytes decoded)",
        )
    try:
        # Strict: only the alphabet, padding only at the end (b64decode's ``validate``
        # checks the alphabet with a regular expression first: 0.3 us of a 20 ms frame).
        payload = binascii.a2b_base64(payload_text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError("bad_base64", f"'media.payload' is not base64: {exc}") from None
    if not payload or len(payload) > MAX_MEDIA_PAYLOAD_BYTES:
        raise ProtocolError(
            "bad_payload_size",
            f"media payload of {len(payload)} bytes (1 to {MAX_MEDIA_PAYLOAD_BYTES} accepted)",
        )
    return MediaMessage(
        stream_sid=_sid(data, "streamSid"),
        track=_text(media, "track", required=False) or "inbound",
        chunk=_number(media, "chunk"),
        timestamp_ms=_number(media, "timestamp"),
        payload=payload,
    )


def _parse_dtmf(data: dict[str, Any]) -> DTMFMessage:
    digit = _text(_object(data, "dtmf"), "digit", limit=1)
    if digit not in DTMF_DIGITS:
        raise ProtocolError("bad_digit", f"DTMF digit {digit!r} is not a keypad key")
    return DTMFMessage(stream_sid=_sid(data, "streamSid"), digit=digit)


def _parse_mark(data: dict[str, Any]) -> MarkMessage:
    return MarkMessage(
        stream_sid=_sid(data, "streamSid"), name=_text(_object(data, "mark"), "name")
    )


def _parse_stop(data: dict[str, Any]) -> StopMessage:
    stop = data.get("stop")
    call_sid = _sid(stop, "callSid", required=False) if isinstance(stop, dict) else ""
    return StopMessage(stream_sid=_sid(data, "streamSid", required=False), call_sid=call_sid)


_PARSERS: dict[str, Callable[[dict[str, Any]], InboundMessage]] = {
    "connected": _parse_connected,
    "start": _parse_start,
    "media": _parse_media,
    "dtmf": _parse_dtmf,
    "mark": _parse_mark,
    "stop": _parse_stop,
}


def build_media(stream_sid: str, payload: bytes) -> str:
    """A ``media`` message carrying mu-law ``payload`` to be played to the caller."""
    return f'{_media_head(stream_sid)}{base64.b64encode(payload).decode("ascii")}"}}}}'


@functools.lru_cache(maxsize=1024)
def _media_head(stream_sid: str) -> str:
    """Everything of a ``media`` message before its payload: written once per stream, not
    50 times a second (half the cost of building a message)."""
    return f'{{"event":"media","streamSid":{json.dumps(stream_sid)},"media":{{"payload":"'


def build_mark(stream_sid: str, name: str) -> str:
    """A ``mark`` message: Twilio echoes ``name`` once the audio sent before it has played."""
    return (
        f'{{"event":"mark","streamSid":{json.dumps(stream_sid)},'
        f'"mark":{{"name":{json.dumps(name)}}}}}'
    )


def build_clear(stream_sid: str) -> str:
    """A ``clear`` message: Twilio drops the audio it holds and returns the pending marks."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})
