"""A bounded fuzz of the Media Streams parser and transport: every message has a defined outcome.

5,000 random and mutated messages (``fuzz.py``, fixed seeds) go through
:func:`parse_message`, which must return a message or raise :class:`ProtocolError`
and nothing else; then through the real transport of a running call, whose reader
must drop them, or end the call for the reasons of the table in ``docs/twilio.md``
(1008, 1009, the peer's ``stop``), never with an internal error (1011).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque

from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.tasks import live_framekit_tasks
from framekit.transports.twilio import StreamLimits, TwilioMediaStreamTransport
from framekit.transports.twilio.protocol import (
    InboundMessage,
    ProtocolError,
    StartMessage,
    StopMessage,
    parse_message,
)
from transports.twilio.fuzz import CALL, STREAM, fuzz_messages

COUNT = 5000
START = json.dumps(
    {"event": "start", "streamSid": STREAM, "start": {"streamSid": STREAM, "callSid": CALL}}
)
STOP = json.dumps({"event": "stop", "streamSid": STREAM})
ALLOWED_ENDS = ("twilio stopped the stream", "oversized message", "unsupported stream")


def test_the_parser_returns_a_message_or_a_protocol_error_for_anything() -> None:
    codes: Counter[str] = Counter()
    parsed: Counter[str] = Counter()
    for raw in fuzz_messages(seed=11, count=COUNT):
        try:
            message: InboundMessage = parse_message(raw)
        except ProtocolError as exc:
            codes[exc.code] += 1
        else:
            parsed[type(message).__name__] += 1
    assert sum(codes.values()) + sum(parsed.values()) == COUNT
    # The fuzz reaches both sides and the hostile corners (not a fuzz of one error).
    assert {"malformed_json", "bad_field", "missing_field", "binary_message"} <= set(codes)
    assert {"MediaMessage", "StartMessage", "DTMFMessage"} <= set(parsed)


class _Inbox:
    """A socket whose peer has queued everything it sends; records how it was closed."""

    def __init__(self, messages: list[str | bytes]) -> None:
        self.inbox: deque[str | bytes] = deque(messages)
        self.closed_with: int | None = None

    async def receive(self) -> str | bytes | None:
        await asyncio.sleep(0)
        return self.inbox.popleft() if self.inbox and self.closed_with is None else None

    async def send(self, text: str) -> None:
        if self.closed_with is not None:
            raise ConnectionResetError("closed")

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed_with is None:
            self.closed_with = code


async def _one_call(messages: list[str | bytes]) -> tuple[str, int | None, list[str | bytes]]:
    """Run a call over ``messages`` (then ``stop``); its end reason, close code and the
    messages it did not read because it ended first."""
    socket = _Inbox([START, *messages, STOP])
    limits = StreamLimits(messages_per_second=1e6, burst=100_000, max_bad_messages=100_000)
    transport = TwilioMediaStreamTransport(socket, limits=limits)
    assert isinstance(await transport.handshake(), StartMessage)
    task = PipelineTask(
        Pipeline([transport.input(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    await asyncio.wait_for(task.run(), 10)
    assert transport.end_reason is not None
    unread = list(socket.inbox)
    return transport.end_reason, socket.closed_with, unread[:-1] if unread else []


async def test_the_transport_gives_every_fuzzed_message_a_defined_outcome() -> None:
    pending: list[str | bytes] = list(fuzz_messages(seed=12, count=COUNT))
    ends: Counter[str] = Counter()
    calls = 0
    async with asyncio.timeout(15):
        while pending:
            reason, code, pending = await _one_call(pending)
            calls += 1
            assert reason.startswith(ALLOWED_ENDS), reason
            assert code in (None, 1000, 1008, 1009), (code, reason)
            ends[reason.split(":")[0]] += 1
    assert calls > 1  # the fuzz did end calls (stop, oversized, bad media format)
    assert "the reader failed" not in ends
    assert live_framekit_tasks() == []


def test_a_stop_in_the_fuzz_parses_as_a_stop() -> None:
    assert isinstance(parse_message(STOP), StopMessage)
