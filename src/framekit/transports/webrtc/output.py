"""The bot's side of a WebRTC call: chunks to the outbound track, hang-up over the data channel.

Playback truth: the output transport writes each chunk at its playing instant
(``send_ahead`` 0) and the track hands it to the Opus encoder at once, so the
base's clock is what the caller heard (the network adds a fixed delay, not a
backlog). A barge-in flushes the chunks the encoder has not taken yet.

Call control: a browser call has no carrier, so this output carries out what
Twilio's call control does on the phone network. A
:class:`~framekit.frames.HangUpFrame` waits (in the base) until the caller has heard
the audio before it, then the page is told (``{"type": "hangup"}``) and the call ends
with the frame's cause. A :class:`~framekit.frames.TransferCallFrame` cannot be
carried out: it is answered with a failed
:class:`~framekit.frames.CallControlResultFrame`, so the bot can tell the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from framekit.frames import (
    CallControlResultFrame,
    EndFrame,
    Frame,
    HangUpFrame,
    TransferCallFrame,
)
from framekit.processors.base import FrameDirection, on_frame
from framekit.transports.base.output import OutputTransport
from framekit.transports.webrtc.messages import event
from framekit.transports.webrtc.tracks import WIRE_FORMAT, BotAudioTrack

if TYPE_CHECKING:
    from framekit.transports.webrtc.transport import WebRTCTransport

__all__ = ["WebRTCOutput"]

UPSTREAM = FrameDirection.UPSTREAM


class WebRTCOutput(OutputTransport):
    """Writes the bot's audio to the call's :class:`BotAudioTrack`; built by the transport."""

    def __init__(
        self,
        transport: WebRTCTransport,
        track: BotAudioTrack,
        *,
        realtime: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(wire_format=WIRE_FORMAT, realtime=realtime, chunk_ms=20, name=name)
        self._transport = transport
        self._track = track
        self._finished = False

    async def write_audio(self, chunk: bytes) -> None:
        self._track.write(chunk)

    async def clear_output(self) -> None:
        self._track.flush()

    @on_frame(HangUpFrame, TransferCallFrame)
    async def _on_call_control(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is UPSTREAM:
            await self.push_frame(frame, direction)
            return
        await self.wait_until_played()
        if self._finished:
            return
        if isinstance(frame, HangUpFrame):
            self._finished = True
            self._transport.bot_hung_up(event("hangup", self.clock.now(), cause=frame.cause.value))
            result = CallControlResultFrame(action="hang-up", succeeded=True)
            await self.push_frame(result, UPSTREAM)
            await self.push_frame(
                EndFrame(reason=f"hang-up: {frame.reason}", cause=frame.cause), UPSTREAM
            )
        elif isinstance(frame, TransferCallFrame):
            error = "a browser call cannot be transferred to a phone number"
            result = CallControlResultFrame(
                action="transfer", succeeded=False, target=frame.target, error=error
            )
            await self.push_frame(result, UPSTREAM)
