"""Faults a fake LLM server injects into a streamed answer, for the Anthropic and OpenAI fakes.

Each fault imitates a failure seen from real providers, at the transport level, so the client
under test meets it through the official SDK exactly as in production: a reset connection, a
stream that goes silent, a slow first token, an error event in the middle of a stream, tool
arguments that are not valid JSON. HTTP status errors (429, 500, 529) are script steps instead
(`HttpError`), because they replace the whole answer.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

from aiohttp import web

__all__ = [
    "Fault",
    "MalformedToolArguments",
    "Pace",
    "ResetAfter",
    "SlowFirstToken",
    "SseEvent",
    "StallAfter",
    "StreamErrorAfter",
    "write_events",
]


@dataclass(frozen=True)
class ResetAfter:
    """Reset the TCP connection (RST) after `events` stream events were sent."""

    events: int


@dataclass(frozen=True)
class StallAfter:
    """Stop sending after `events` stream events but keep the connection open, as a hung
    upstream does; only the client's read timeout (or the server closing) ends it."""

    events: int


@dataclass(frozen=True)
class SlowFirstToken:
    """Wait `delay` seconds before the first content event (the response headers and the
    stream's opening events go out at once, as from a real provider that is slow to think)."""

    delay: float


@dataclass(frozen=True)
class Pace:
    """Wait `interval` seconds between content events, to imitate a given tokens-per-second."""

    interval: float


@dataclass(frozen=True)
class StreamErrorAfter:
    """Send the provider's in-stream error event after `events` events, then end the stream.

    Anthropic does this with `event: error` when it becomes overloaded mid-answer; OpenAI and
    compatible servers send a `data: {"error": ...}` chunk.
    """

    events: int
    error_type: str = "overloaded_error"
    message: str = "Overloaded (fake)"


@dataclass(frozen=True)
class MalformedToolArguments:
    """Stream tool-call arguments that are not valid JSON.

    `replacement` is sent instead of the arguments; by default the first key loses its colon
    (`{"order_id" "A17"}`), an error a JSON parser finds in the middle of the stream.
    """

    replacement: str | None = None

    def corrupt(self, arguments_json: str) -> str:
        """The broken form of `arguments_json`."""
        if self.replacement is not None:
            return self.replacement
        if ":" in arguments_json:
            return arguments_json.replace(":", "", 1)
        return arguments_json + '{"'


Fault: TypeAlias = (
    ResetAfter | StallAfter | SlowFirstToken | Pace | StreamErrorAfter | MalformedToolArguments
)


@dataclass(frozen=True)
class SseEvent:
    """One encoded server-sent event; `content` marks events that carry generated tokens."""

    data: bytes
    content: bool = False


def _first(faults: Sequence[Fault], kind: type[Fault]) -> Fault | None:
    return next((fault for fault in faults if isinstance(fault, kind)), None)


def malformed_of(faults: Sequence[Fault]) -> MalformedToolArguments | None:
    """The malformed-arguments fault among `faults`, if any."""
    fault = _first(faults, MalformedToolArguments)
    return fault if isinstance(fault, MalformedToolArguments) else None


def reset_connection(request: web.BaseRequest) -> None:
    """Abort the request's connection with a TCP RST, so the client sees a reset, not an EOF."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def write_events(
    request: web.BaseRequest,
    response: web.StreamResponse,
    events: Sequence[SseEvent],
    faults: Sequence[Fault],
    *,
    closing: asyncio.Event,
    error_event: SseEvent | None = None,
) -> bool:
    """Write `events` to an open SSE response, injecting `faults` on the way.

    Returns False when a fault ended the stream early (the caller must not finish the response),
    True when every event went out. `closing` is set when the server shuts down; a stalled
    stream waits for it. `error_event` is the provider's in-stream error for `StreamErrorAfter`.
    """
    reset = _first(faults, ResetAfter)
    stall = _first(faults, StallAfter)
    slow = _first(faults, SlowFirstToken)
    pace = _first(faults, Pace)
    error = _first(faults, StreamErrorAfter)
    first_content = True
    for index, event in enumerate(events):
        if isinstance(reset, ResetAfter) and index == reset.events:
            reset_connection(request)
            return False
        if isinstance(stall, StallAfter) and index == stall.events:
            await closing.wait()
            return False
        if isinstance(error, StreamErrorAfter) and index == error.events and error_event:
            await response.write(error_event.data)
            return True
        if event.content:
            if first_content and isinstance(slow, SlowFirstToken):
                await asyncio.sleep(slow.delay)
            elif not first_content and isinstance(pace, Pace):
                await asyncio.sleep(pace.interval)
            first_content = False
        await response.write(event.data)
    return True
