"""WebRTC's HTTP side: offer in, answer out, and the softphone page at ``/call``.

``WebRTCServer`` (:mod:`framekit.servers.webrtc.server`, needs ``aiohttp`` and
``aiortc``: ``pip install 'framekit[webrtc]'``) answers a page's SDP offer with one
:class:`~framekit.transports.webrtc.WebRTCTransport` and one pipeline per call,
behind the API token. ICE servers (STUN, TURN) come from
:class:`~framekit.servers.webrtc.settings.WebRTCSettings`. See ``docs/webrtc.md``.
"""

from framekit.servers.webrtc.server import Admission, PipelineFactory, WebRTCCall, WebRTCServer
from framekit.servers.webrtc.settings import IceServer, WebRTCSettings, ice_servers

__all__ = [
    "Admission",
    "IceServer",
    "PipelineFactory",
    "WebRTCCall",
    "WebRTCServer",
    "WebRTCSettings",
    "ice_servers",
]
