"""The caller's audio on its way to the decoder: each packet at once, none held back.

Why not aiortc's own receive buffer: for audio it holds four packets before it
releases the oldest (``JitterBuffer(capacity=16, prefetch=4)``), so every word
the caller says reaches the pipeline 80 ms late, for the whole call; and a lost
packet stalls it until 16 packets (320 ms) have piled up behind the gap. That
buffer is meant for playout, which must be smooth. A bot's ear is not a loudspeaker:
the VAD and the recognizer take the audio as it comes, and a missing 20 ms is
better skipped than waited for, since every millisecond waited here is added to the
caller's wait for the answer.

So :class:`ArrivalOrderBuffer` hands each packet to the Opus decoder as it arrives.
A packet older than one already handed over (reordered or duplicated by the
network) is dropped and counted: the decoder cannot go back, and on the networks a
browser calls from reordering is rare. Each Opus packet is one frame, so nothing
needs reassembling.

:func:`receive_at_once` puts one in an audio receiver of aiortc. It reaches into
the receiver's private attribute (aiortc has no setting for it); a version of
aiortc without that attribute keeps its own buffer, with a warning.
"""

from __future__ import annotations

from typing import Final

from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket
from loguru import logger

__all__ = ["ArrivalOrderBuffer", "receive_at_once"]

_HALF: Final = 0x8000
"""Half the 16-bit sequence space: a packet "behind" by less than this is an old one."""
_ATTRIBUTE: Final = "_RTCRtpReceiver__jitter_buffer"


class ArrivalOrderBuffer(JitterBuffer):
    """aiortc's receive buffer interface without the wait: each newer packet goes to the decoder."""

    def __init__(self) -> None:
        super().__init__(capacity=2)
        self._last: int | None = None
        self.dropped = 0
        """Packets dropped as older than one already decoded (reordered, or duplicates)."""

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        sequence = packet.sequence_number
        if self._last is not None:
            ahead = (sequence - self._last) & 0xFFFF
            if ahead == 0 or ahead >= _HALF:
                self.dropped += 1
                return False, None
        self._last = sequence
        data: bytes = packet._data  # type: ignore[attr-defined]  # set by aiortc's depayloader
        return False, JitterFrame(data=data, timestamp=packet.timestamp)


def receive_at_once(receiver: RTCRtpReceiver) -> ArrivalOrderBuffer | None:
    """Give an audio ``receiver`` an :class:`ArrivalOrderBuffer`; None where aiortc differs."""
    current = getattr(receiver, _ATTRIBUTE, None)
    if not isinstance(current, JitterBuffer):
        logger.warning(
            "webrtc: this aiortc has no receive buffer to replace; the caller's "
            "audio keeps aiortc's 80 ms prefetch"
        )
        return None
    buffer = ArrivalOrderBuffer()
    setattr(receiver, _ATTRIBUTE, buffer)
    return buffer
