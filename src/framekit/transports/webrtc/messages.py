"""The data channel's messages: JSON objects, one per message, with a ``type``.

From the page to the bot (anything else is logged and dropped; ``docs/webrtc.md``
has the table):

* ``{"type": "hangup"}``: the caller hangs up (the call ends as ``caller_hung_up``);
* ``{"type": "dtmf", "digit": "5"}``: a keypad press (``0-9``, ``*``, ``#``, ``A-D``).

From the bot to the page (:func:`event`):

* ``{"type": "speaking", "who": "bot"|"user", "speaking": true|false}``;
* ``{"type": "transcript", "role": "user", "text": ..., "final": true|false}``: what the
  recognizer heard (interim results have ``final`` false);
* ``{"type": "transcript", "role": "bot", "text": ..., "heard": ..., "complete": ...}``:
  one sentence of the bot once it played or was cut (``heard``: the words the
  caller heard, from the output transport's report);
* ``{"type": "tool", "name": ..., "phase": "started"|"finished"|"failed"|"cancelled"}``;
* ``{"type": "turn", "latency_ms": ...}``: from the end of the caller's speech to the
  bot's first audio, measured on the server's clock;
* ``{"type": "hangup", "cause": ...}``: the bot ends the call (the page closes it).

Every message carries ``t``: seconds on the server's monotonic clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MAX_MESSAGE_BYTES", "DTMFMessage", "HangUpMessage", "MessageError", "event", "parse"]

MAX_MESSAGE_BYTES: Final = 4096
"""Largest message accepted from the page (the valid ones are a few dozen bytes)."""

_DIGITS: Final = frozenset("0123456789*#ABCD")


class MessageError(ValueError):
    """A message from the page that is not JSON, too large, or of no known shape."""


@dataclass(frozen=True, slots=True)
class HangUpMessage:
    """The caller hung up from the page."""


@dataclass(frozen=True, slots=True)
class DTMFMessage:
    """The caller pressed a key on the page's keypad."""

    digit: str


def parse(raw: str | bytes) -> HangUpMessage | DTMFMessage:
    """One message from the page; raises :class:`MessageError` on anything else."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message of {len(raw)} bytes (at most {MAX_MESSAGE_BYTES})")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MessageError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MessageError("not a JSON object")
    kind = data.get("type")
    if kind == "hangup":
        return HangUpMessage()
    if kind == "dtmf":
        digit = data.get("digit")
        if not isinstance(digit, str) or digit not in _DIGITS or len(digit) != 1:
            raise MessageError(f"bad dtmf digit {str(digit)[:8]!r}")
        return DTMFMessage(digit)
    raise MessageError(f"unknown message type {str(kind)[:40]!r}")


def event(kind: str, t: float, **fields: Any) -> str:
    """One message to the page, as JSON text."""
    return json.dumps({"type": kind, "t": round(t, 3), **fields}, separators=(",", ":"))
