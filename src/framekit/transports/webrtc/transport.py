"""One browser (or app) call over a WebRTC peer connection: the two ends of a framekit pipeline.

::

    pc = RTCPeerConnection(settings.rtc_configuration())   # a WebRTCSettings: ICE servers
    transport = WebRTCTransport(pc)
    answer = await transport.accept(offer_sdp)      # every server candidate in it
    pipeline = Pipeline([transport.input(), vad, stt, llm, tts, transport.output()])
    task = PipelineTask(pipeline, observers=[transport.events])

The transport owns the peer connection, one per call. Its reader
(:meth:`WebRTCTransport.read`, run by :class:`WebRTCInput` once the whole pipeline
has started) takes the caller's Opus frames, decoded by aiortc, to
:meth:`~framekit.transports.InputTransport.feed_audio` (48 kHz stereo, converted
once to the pipeline's rate), and the data channel's messages to the frames they
stand for. :class:`~framekit.transports.webrtc.output.WebRTCOutput` writes the bot's
audio to the outbound track; :attr:`WebRTCTransport.events` sends live transcripts,
speaking state and tool calls to the page.

How a call ends, and its cause:

* the page sends ``{"type": "hangup"}``, closes the connection, or its audio track
  ends: ``caller_hung_up``;
* the connection fails (the browser vanished: ICE consent checks stop being
  answered, :func:`consent_timeout` at most): ``caller_hung_up`` (the line dropped);
* the reader fails: ``error``;
* the bot hangs up: the output tells the page and ends the call.

Whatever ends it, :meth:`WebRTCTransport.close` (the server calls it when the task
has finished) closes the peer connection, which stops both tracks, the data
channel and the ICE and DTLS transports: no task or socket of the call outlives it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aioice import ice, stun
from aiortc import RTCIceCandidate, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcdatachannel import RTCDataChannel
from loguru import logger

from framekit.frames import CancelFrame, DTMFFrame, EndCause
from framekit.processors.base import FrameDirection
from framekit.transports.base.transport import NetworkInput, NetworkTransport
from framekit.transports.webrtc.events import CallEvents
from framekit.transports.webrtc.jitter import ArrivalOrderBuffer, receive_at_once
from framekit.transports.webrtc.messages import DTMFMessage, MessageError, parse
from framekit.transports.webrtc.output import WebRTCOutput
from framekit.transports.webrtc.tracks import BotAudioTrack, frame_audio

__all__ = ["OfferRefused", "WebRTCInput", "WebRTCTransport", "consent_timeout"]

_MAX_PENDING_EVENTS: Final = 64
"""Events kept until the data channel opens (the greeting starts before it does)."""
_MAX_BUFFERED_BYTES: Final = 256 * 1024
"""Events are dropped while the channel holds more than this unsent (a page not reading)."""
_MAX_BAD_MESSAGES: Final = 50
_TRACK_TIMEOUT: Final = 10.0
"""Seconds for the caller's audio track to arrive once the pipeline runs."""
_ENDING_STATES: Final = frozenset({"failed", "closed"})
_MAX_CONTROL: Final = 32
"""Key presses and ends waiting for the reader (more keys are dropped)."""


def consent_timeout() -> float:
    """Seconds at most from a browser's last sign of life to its connection failing.

    A browser that vanishes (killed, its network gone) sends no goodbye; aioice's
    consent checks (RFC 7675) notice it: one every ``CONSENT_INTERVAL`` seconds (up
    to 1.2 times that, randomized), each given one STUN timeout, and the connection
    fails after ``CONSENT_FAILURES`` unanswered in a row. The call then ends as the
    line dropping; this is the bound to wait for it (39 s with aioice 0.13's values).
    """
    return ice.CONSENT_FAILURES * (1.2 * ice.CONSENT_INTERVAL + stun.RETRY_RTO)


@dataclass(frozen=True, slots=True)
class _End:
    reason: str
    cause: EndCause


_Control = _End | DTMFMessage


class OfferRefused(Exception):
    """The offer cannot make a call (no audio, bad SDP); the peer connection was closed."""


class WebRTCTransport(NetworkTransport["WebRTCInput", WebRTCOutput]):
    """The two ends of one WebRTC call; :meth:`input` and :meth:`output` go in the pipeline.

    ``pc`` is a fresh peer connection, owned by the transport from here on (built
    with the ICE servers the deployment needs). ``realtime=False`` writes the bot's
    audio as fast as possible (tests).
    """

    reader_name = "webrtc-reader"

    def __init__(self, pc: RTCPeerConnection, *, realtime: bool = True) -> None:
        self._pc = pc
        self._track = BotAudioTrack()
        self._remote: MediaStreamTrack | None = None
        self._remote_arrived = asyncio.Event()
        self._connected = asyncio.Event()
        self._settled = asyncio.Event()  # connected, or failed or closed before it
        self._channel: RTCDataChannel | None = None
        self._pending: deque[str] = deque(maxlen=_MAX_PENDING_EVENTS)
        self._control: asyncio.Queue[_Control] = asyncio.Queue(maxsize=_MAX_CONTROL)
        self._closed = False
        self._bad_messages = 0
        self._bot_hung_up = False
        self.trickled = 0
        """Candidates the caller sent after its offer (:meth:`add_candidates`)."""
        self.receive_buffer: ArrivalOrderBuffer | None = None
        """The caller's audio's receive buffer (:mod:`~framekit.transports.webrtc.jitter`)."""
        self.end_reason: str | None = None
        """Why the call ended from the connection's side (``None`` while it runs)."""
        self.events = CallEvents(self)
        """The observer that sends live events to the page (add it to the call's task)."""
        self._caller = WebRTCInput(self)
        self._line = WebRTCOutput(self, self._track, realtime=realtime)
        super().__init__(self._caller, self._line)
        pc.on("track", self._on_track)
        pc.on("datachannel", self._on_datachannel)
        pc.on("connectionstatechange", self._on_connection_state)

    # --- public API ----------------------------------------------------------------------

    @property
    def connection_state(self) -> str:
        """The peer connection's state (``new``, ``connecting``, ``connected``, ...)."""
        return str(self._pc.connectionState)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def bad_messages(self) -> int:
        """Data channel messages dropped as malformed so far."""
        return self._bad_messages

    async def accept(self, sdp: str) -> RTCSessionDescription:
        """Answer the page's offer; returns the answer with every ICE candidate in it.

        aiortc gathers all candidates in ``setLocalDescription``, so the answer needs
        no trickle; the offer may (:meth:`add_candidates`). The caller's audio goes to
        the decoder as it arrives (:mod:`~framekit.transports.webrtc.jitter`). Raises
        :class:`OfferRefused` (the connection closed) when the offer is not valid SDP or
        has no audio.
        """
        pc = self._pc
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            audio = [t for t in pc.getTransceivers() if t.kind == "audio"]
            if not audio:
                raise OfferRefused("the offer has no audio")
            self.receive_buffer = receive_at_once(audio[0].receiver)
            pc.addTrack(self._track)
            await pc.setLocalDescription(await pc.createAnswer())
        except OfferRefused:
            await self.close()
            raise
        except Exception as exc:  # aiortc raises ValueError and others on bad SDP
            await self.close()
            raise OfferRefused(f"bad offer: {exc}") from None
        return pc.localDescription

    async def add_candidates(self, candidates: Sequence[RTCIceCandidate], *, end: bool) -> None:
        """The caller's ICE candidates sent after its offer (trickle ICE), and with ``end``
        its end-of-candidates: from then on the connection fails when no pair works.

        An offer without candidates is answered at once; ICE checks start with the
        first candidate that arrives (and with the caller's own checks, which need
        none). Ignored once the call is closed.
        """
        if self._closed:
            return
        for candidate in candidates:
            await self._pc.addIceCandidate(candidate)
        self.trickled += len(candidates)
        if end:
            await self._pc.addIceCandidate(None)

    async def wait_connected(self, within: float) -> bool:
        """Wait until media can flow; False when the connection failed, closed or took longer.

        The server starts the call's pipeline only then: audio written before the
        connection is up would be played to nobody (and then burst).
        """
        try:
            async with asyncio.timeout(within):
                await self._settled.wait()
        except TimeoutError:
            return False
        return self._connected.is_set()

    async def close(self) -> None:
        """Close the peer connection (idempotent): tracks, data channel, ICE and DTLS."""
        if self._closed:
            return
        self._closed = True
        self._settled.set()
        self._track.stop()
        try:
            await self._pc.close()
        except Exception as exc:
            logger.debug(f"webrtc: closing the peer connection failed: {exc!r}")

    def bot_hung_up(self, text: str) -> None:
        """The bot ends the call: tell the page (``text``, the hangup event).

        The page then closes the connection; that close is the bot's hang-up, not the
        caller's, so the reader ends the call with ``bot_hung_up`` if it sees it first.
        """
        self._bot_hung_up = True
        self.send_event(text)

    def send_event(self, text: str) -> None:
        """Send one event to the page; kept (bounded) until the channel opens."""
        channel = self._channel
        if channel is None or channel.readyState == "connecting":
            self._pending.append(text)
        elif channel.readyState == "open" and channel.bufferedAmount < _MAX_BUFFERED_BYTES:
            channel.send(text)

    # --- peer connection callbacks (synchronous: aiortc's event emitter) ------------------

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio" and self._remote is None:
            self._remote = track
            self._remote_arrived.set()

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if self._channel is not None:
            logger.info(f"webrtc: extra data channel {channel.label[:40]!r} ignored")
            return
        self._channel = channel
        channel.on("message", self._on_message)
        if channel.readyState == "open":
            self._flush_pending()
        else:
            channel.on("open", self._flush_pending)

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, deque(maxlen=_MAX_PENDING_EVENTS)
        for text in pending:
            self.send_event(text)

    def _on_connection_state(self) -> None:
        state = self._pc.connectionState
        logger.info(f"webrtc: connection {state}")
        if state == "connected":
            self._connected.set()
        if state == "connected" or state in _ENDING_STATES:
            self._settled.set()
        if state in _ENDING_STATES and not self._closed:
            self._end_soon(f"the connection {state}", EndCause.CALLER_HUNG_UP)

    def _on_message(self, raw: str | bytes) -> None:
        try:
            message = parse(raw)
        except MessageError as exc:
            self._bad_messages += 1
            logger.warning(f"webrtc: dropped bad data channel message ({exc})")
            if self._bad_messages > _MAX_BAD_MESSAGES:
                self._end_soon("too many bad data channel messages", EndCause.ERROR)
            return
        if isinstance(message, DTMFMessage):
            with contextlib.suppress(asyncio.QueueFull):  # a page pressing keys in a loop
                self._control.put_nowait(message)
        else:
            self._end_soon("the caller hung up from the page", EndCause.CALLER_HUNG_UP)

    def _end_soon(self, reason: str, cause: EndCause) -> None:
        control = self._control
        if control.full():  # an end always gets through: drop a waiting key press
            control.get_nowait()
        control.put_nowait(_End(reason, cause))

    # --- the reader ----------------------------------------------------------------------

    async def read(self) -> None:
        """The call's reader: the caller's audio until the call ends, then the call ends."""
        # Two loops, both owned here: whichever ends first ends the call, and the other
        # is cancelled and awaited before the reader returns.
        loops = (
            asyncio.ensure_future(self._read_audio()),
            asyncio.ensure_future(self._read_control()),
        )
        try:
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            end = done.pop().result()
        except Exception as exc:
            # Without its reader the call would go deaf and never notice a hang-up.
            logger.opt(exception=exc).error("webrtc: the reader failed")
            end = _End(f"the reader failed: {exc!r}", EndCause.ERROR)
        finally:
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
        await self._end_call(end.reason, end.cause)

    async def _read_control(self) -> _End:
        while True:
            item = await self._control.get()
            if isinstance(item, _End):
                return item
            await self._caller.push_frame(DTMFFrame(digit=item.digit))

    async def _read_audio(self) -> _End:
        try:
            async with asyncio.timeout(_TRACK_TIMEOUT):
                await self._remote_arrived.wait()
        except TimeoutError:
            return _End(f"no audio track within {_TRACK_TIMEOUT:.0f}s", EndCause.ERROR)
        track = self._remote
        assert track is not None
        caller = self._caller
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return _End("the caller's audio track ended", EndCause.CALLER_HUNG_UP)
            raw, fmt = frame_audio(frame)  # type: ignore[arg-type]  # recv() is typed for video too
            await caller.feed_audio(raw, fmt)

    async def _end_call(self, reason: str, cause: EndCause) -> None:
        if self._bot_hung_up and cause is EndCause.CALLER_HUNG_UP:
            reason, cause = f"{reason} after the bot hung up", EndCause.BOT_HUNG_UP
        self.end_reason = reason
        logger.info(f"webrtc: ending the call: {reason}")
        await self._caller.end_of_audio()
        await self._caller.push_frame(
            CancelFrame(reason=f"webrtc: {reason}", cause=cause), FrameDirection.UPSTREAM
        )


class WebRTCInput(NetworkInput):
    """The caller's side of a WebRTC call: the microphone and the page's keypad, read by the
    transport."""
