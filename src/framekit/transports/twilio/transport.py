"""One Twilio call over a Media Streams WebSocket: the two ends of a framekit pipeline.

::

    transport = TwilioMediaStreamTransport(socket)
    start = await transport.handshake()          # reads `connected` and `start`
    pipeline = Pipeline([transport.input(), vad, stt, llm, tts, transport.output()])

* :meth:`TwilioMediaStreamTransport.read` is the call's reader (the
  :class:`~framekit.transports.base.transport.NetworkTransport` hook, run by
  :class:`TwilioInput` once the whole pipeline has started, so no processor hears
  audio before its model is open): ``media`` goes to
  :meth:`~framekit.transports.InputTransport.feed_audio` as 8 kHz mu-law (the base
  converts it once), ``dtmf`` becomes a :class:`~framekit.frames.DTMFFrame`,
  ``mark`` echoes go to the output.
* :class:`~framekit.transports.twilio.output.TwilioOutput` sends the bot's audio
  as ``media``, with marks, and ``clear`` on barge-in.

Every bad message has a defined outcome (``docs/twilio.md`` has the table): most
are logged and dropped; a flood, an oversized message, too many bad messages,
``stop`` or a dropped socket end the call with a :class:`~framekit.frames.CancelFrame`
(the far end is gone or not to be trusted: nothing more can be played to it), and
the call's task owner ends the reader with the call.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from loguru import logger

from framekit.audio import MULAW_8K
from framekit.frames import CancelFrame, DTMFFrame, EndCause
from framekit.processors.base import FrameDirection
from framekit.transports.base.transport import NetworkInput, NetworkTransport
from framekit.transports.twilio.limits import FloodGuard, StreamLimits
from framekit.transports.twilio.output import TwilioOutput
from framekit.transports.twilio.protocol import (
    ConnectedMessage,
    DTMFMessage,
    InboundMessage,
    MarkMessage,
    MediaMessage,
    ProtocolError,
    StartMessage,
    StopMessage,
    UnknownEventMessage,
    parse_message,
)

__all__ = [
    "CLOSE_INTERNAL_ERROR",
    "CLOSE_MESSAGE_TOO_BIG",
    "CLOSE_POLICY_VIOLATION",
    "MediaStreamSocket",
    "StreamRefused",
    "TwilioInput",
    "TwilioMediaStreamTransport",
]

CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_INTERNAL_ERROR = 1011


class MediaStreamSocket(Protocol):
    """The little a transport needs from a WebSocket (the server adapts aiohttp's)."""

    async def receive(self) -> str | bytes | None:
        """The next message; ``None`` once the socket is closed."""

    async def send(self, text: str) -> None:
        """Send one text message; raises ``ConnectionError`` when the socket is closed."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (idempotent)."""


class StreamRefused(Exception):
    """The peer broke the protocol before ``start``; the socket has been closed."""


class _EndCall(Exception):
    """Raised inside the reader: the call must end, with ``reason`` (and close code).

    Without a close code the far end left (``stop`` or a dropped socket): the caller
    hung up. With one, the far end broke the protocol and this side closes it.
    """

    def __init__(self, reason: str, close_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.close_code = close_code


class TwilioMediaStreamTransport(NetworkTransport["TwilioInput", TwilioOutput]):
    """The two ends of one Twilio call; :meth:`input` and :meth:`output` go in the pipeline.

    Both must be in the pipeline: the input starts the reader, which also takes the
    mark echoes the output waits for. ``limits`` bound what the peer may send.
    ``input_chunk_ms`` is the caller audio in each
    :class:`~framekit.frames.InputAudioFrame` (a multiple of Twilio's 20 ms): 40 ms halves
    the frames every stage after the input handles, for up to 20 ms more before the VAD
    hears the end of a window. The other options go to
    :class:`~framekit.transports.twilio.output.TwilioOutput`.
    """

    reader_name = "twilio-reader"

    def __init__(
        self,
        socket: MediaStreamSocket,
        *,
        limits: StreamLimits | None = None,
        send_ahead: float = 0.08,
        mark_every: int = 3,
        mark_timeout: float = 1.5,
        realtime: bool = True,
        chunk_ms: int = 40,
        input_chunk_ms: int = 20,
    ) -> None:
        if input_chunk_ms < 20 or input_chunk_ms % 20:
            raise ValueError(
                f"input_chunk_ms must be a positive multiple of 20, got {input_chunk_ms}"
            )
        self._socket = socket
        self.limits = limits or StreamLimits()
        self._guard = FloodGuard(self.limits)
        self._start: StartMessage | None = None
        self._closed = False
        self._bad_messages = 0
        self._started_at = 0.0
        self._unknown_events: set[str] = set()
        self.end_reason: str | None = None
        """Why the stream ended from the socket's side (``None`` while it runs)."""
        self._caller = TwilioInput(self, chunk_ms=input_chunk_ms)
        self._line = TwilioOutput(
            self,
            send_ahead=send_ahead,
            mark_every=mark_every,
            mark_timeout=mark_timeout,
            realtime=realtime,
            chunk_ms=chunk_ms,
        )
        super().__init__(self._caller, self._line)

    # --- public API ----------------------------------------------------------------------

    @property
    def start(self) -> StartMessage:
        """The ``start`` message: the call's SIDs and custom parameters."""
        if self._start is None:
            raise RuntimeError("the stream has not started; await handshake() first")
        return self._start

    @property
    def stream_sid(self) -> str:
        return self._start.stream_sid if self._start is not None else ""

    @property
    def closed(self) -> bool:
        """True once the socket is closed (by either side)."""
        return self._closed

    @property
    def bad_messages(self) -> int:
        """Messages dropped as malformed or out of place so far."""
        return self._bad_messages

    async def handshake(self) -> StartMessage:
        """Read messages up to ``start`` and return it (``connected`` is optional).

        Raises :class:`StreamRefused` (after closing the socket) when the peer
        closes, floods, sends too many bad messages or no ``start`` within
        ``limits.handshake_timeout``. Messages other than ``start`` are dropped.
        """
        try:
            async with asyncio.timeout(self.limits.handshake_timeout):
                while self._start is None:
                    message = await self._next_message()
                    if isinstance(message, StartMessage):
                        self._start = message
                        self._started_at = time.monotonic()
                        logger.info(
                            f"twilio stream {message.stream_sid} started (call {message.call_sid})"
                        )
                    elif message is not None and not isinstance(message, ConnectedMessage):
                        self._bad(f"{type(message).__name__} before 'start'")
        except TimeoutError:
            await self.close(CLOSE_POLICY_VIOLATION, "no start")
            raise StreamRefused(
                f"no 'start' within {self.limits.handshake_timeout}s; closed"
            ) from None
        except _EndCall as end:
            await self.close(end.close_code or CLOSE_POLICY_VIOLATION, end.reason[:100])
            raise StreamRefused(end.reason) from None
        return self._start

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (idempotent); waiters on mark echoes stop waiting."""
        self._mark_closed()
        try:
            await self._socket.close(code, reason)
        except (ConnectionError, RuntimeError) as exc:
            logger.debug(f"twilio stream {self.stream_sid}: close failed: {exc!r}")

    # --- shared by the two processors ----------------------------------------------------

    async def send(self, text: str) -> bool:
        """Send one message; False (and the socket counts as closed) when it is gone."""
        if self._closed:
            return False
        try:
            await self._socket.send(text)
        except (ConnectionError, RuntimeError) as exc:
            logger.info(f"twilio stream {self.stream_sid}: send failed, socket gone: {exc!r}")
            self._mark_closed()
            return False
        return True

    async def _next_message(self) -> InboundMessage | None:
        """The next well-formed message; ``None`` for a dropped bad one; raises _EndCall."""
        raw = await self._socket.receive()
        if raw is None:
            self._mark_closed()
            raise _EndCall("the socket closed")
        if not self._guard.allow():
            raise _EndCall("flood: messages beyond the rate limit", CLOSE_POLICY_VIOLATION)
        try:
            return parse_message(raw)
        except ProtocolError as exc:
            if exc.code == "oversized":
                raise _EndCall(f"oversized message: {exc}", CLOSE_MESSAGE_TOO_BIG) from None
            if exc.code == "bad_media_format":
                raise _EndCall(f"unsupported stream: {exc}", CLOSE_POLICY_VIOLATION) from None
            self._bad(f"{exc.code}: {exc}")
            return None

    def _bad(self, what: str) -> None:
        self._bad_messages += 1
        logger.warning(f"twilio stream {self.stream_sid or '?'}: dropped bad message ({what})")
        if self._bad_messages > self.limits.max_bad_messages:
            raise _EndCall(
                f"more than {self.limits.max_bad_messages} bad messages", CLOSE_POLICY_VIOLATION
            )

    def _mark_closed(self) -> None:
        if not self._closed:
            self._closed = True
            self._line.on_socket_closed()

    async def _dispatch(self, message: InboundMessage) -> None:
        """Route one parsed message of a started stream; raises _EndCall to end the call."""
        sid = self.stream_sid
        if isinstance(message, MediaMessage):
            if message.stream_sid != sid:
                self._bad(f"media for stream {message.stream_sid[:40]!r}")
            elif message.track == "inbound":
                await self._caller.feed_audio(message.payload, MULAW_8K)
        elif isinstance(message, MarkMessage):
            if message.stream_sid == sid:
                self._line.on_mark_echo(message.name)
            else:
                self._bad(f"mark for stream {message.stream_sid[:40]!r}")
        elif isinstance(message, DTMFMessage):
            if message.stream_sid != sid:
                self._bad(f"dtmf for stream {message.stream_sid[:40]!r}")
            else:
                await self._caller.push_frame(DTMFFrame(digit=message.digit))
        elif isinstance(message, StopMessage):
            raise _EndCall("twilio stopped the stream (the call ended)")
        elif isinstance(message, StartMessage):
            self._bad("a second 'start'")
        elif isinstance(message, UnknownEventMessage) and self._first_sight(message.event):
            logger.info(f"twilio stream {sid}: unknown event {message.event!r} ignored")
        # A late `connected` carries nothing: ignored.

    def _first_sight(self, event: str) -> bool:
        """True the first time an unknown event shows up (one log line per kind, bounded)."""
        if event in self._unknown_events or len(self._unknown_events) >= 32:
            return False
        self._unknown_events.add(event)
        return True

    async def read(self) -> None:
        """The call's reader: every message until the stream ends, then the call ends."""
        self._guard.allow_backlog(time.monotonic() - self._started_at)
        try:
            while True:
                message = await self._next_message()
                if message is not None:
                    await self._dispatch(message)
        except _EndCall as end:
            await self._end_call(end.reason, end.close_code)
        except Exception as exc:
            # Without its reader the call would go deaf and never notice a hang-up.
            logger.opt(exception=exc).error(f"twilio stream {self.stream_sid}: reader failed")
            await self._end_call(f"the reader failed: {exc!r}", CLOSE_INTERNAL_ERROR)

    async def _end_call(self, reason: str, close_code: int | None) -> None:
        self.end_reason = reason
        logger.info(f"twilio stream {self.stream_sid}: ending the call: {reason}")
        if close_code is not None:
            await self.close(close_code, reason[:100])
        else:
            self._mark_closed()
        await self._caller.end_of_audio()
        cause = EndCause.CALLER_HUNG_UP if close_code is None else EndCause.ERROR
        await self._caller.push_frame(
            CancelFrame(reason=f"twilio: {reason}", cause=cause), FrameDirection.UPSTREAM
        )


class TwilioInput(NetworkInput):
    """The caller's side of a Twilio call: its audio and keypad digits, read by the transport."""
