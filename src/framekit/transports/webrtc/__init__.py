"""WebRTC: one browser or app call over a peer connection, as a pipeline's two ends.

``WebRTCTransport`` (needs ``aiortc``: ``pip install 'framekit[webrtc]'``) owns one
``RTCPeerConnection`` per call: Opus in and out, a data channel for live events
(:mod:`~framekit.transports.webrtc.messages` lists them) and the page's hang-up and
keypad. The HTTP side (offer in, answer out, the softphone page) is a server, and
lives in :mod:`framekit.servers.webrtc`. See ``docs/webrtc.md``.
"""

try:
    import aiortc  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        f"framekit.transports.webrtc needs aiortc ({exc.name} is missing): "
        "pip install 'framekit[webrtc]'"
    ) from exc

from framekit.transports.webrtc.events import CallEvents, EventSink
from framekit.transports.webrtc.messages import MessageError
from framekit.transports.webrtc.output import WebRTCOutput
from framekit.transports.webrtc.tracks import WIRE_FORMAT, BotAudioTrack
from framekit.transports.webrtc.transport import OfferRefused, WebRTCInput, WebRTCTransport

__all__ = [
    "WIRE_FORMAT",
    "BotAudioTrack",
    "CallEvents",
    "EventSink",
    "MessageError",
    "OfferRefused",
    "WebRTCInput",
    "WebRTCOutput",
    "WebRTCTransport",
]
