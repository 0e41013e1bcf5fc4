"""The ICE servers a WebRTC call uses: none by default (loopback and a local network need none).

Behind NAT, a browser and the bot find each other through STUN (their public
addresses) and, when a firewall blocks direct paths, relay through TURN. The same
list goes to the server's peer connections and, from ``GET /webrtc/config`` (behind
the token), to the page's, so both ends gather the same kinds of candidates.

From the environment (:func:`ice_servers`)::

    WEBRTC_ICE_SERVERS=stun:stun.example.com:3478,turn:turn.example.com:3478?transport=udp
    WEBRTC_TURN_USERNAME=bot
    WEBRTC_TURN_PASSWORD=...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from aiortc import RTCConfiguration

__all__ = ["IceServer", "WebRTCSettings", "ice_servers"]

_SCHEMES: Final = ("stun:", "stuns:", "turn:", "turns:")
_MAX_SERVERS: Final = 8


@dataclass(frozen=True, slots=True)
class IceServer:
    """One STUN or TURN server; TURN needs ``username`` and ``credential``."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("an ICE server needs at least one URL")
        for url in self.urls:
            if not url.startswith(_SCHEMES):
                raise ValueError(f"ICE server URL must start with stun:, turn: (or s): {url!r}")
            if url.startswith(("turn:", "turns:")) and not (self.username and self.credential):
                raise ValueError(f"TURN server {url!r} needs a username and a credential")

    def __repr__(self) -> str:  # never the credential
        return f"IceServer(urls={self.urls!r}, username={self.username!r})"

    def to_json(self) -> dict[str, Any]:
        """The browser's ``RTCIceServer`` dictionary."""
        out: dict[str, Any] = {"urls": list(self.urls)}
        if self.username is not None:
            out["username"] = self.username
        if self.credential is not None:
            out["credential"] = self.credential
        return out


def ice_servers(
    urls: str | None, username: str | None = None, credential: str | None = None
) -> tuple[IceServer, ...]:
    """The servers of a comma-separated URL list (``WEBRTC_ICE_SERVERS``); empty: none.

    The STUN URLs make one server; the TURN URLs another, with ``username`` and
    ``credential`` (``WEBRTC_TURN_USERNAME``, ``WEBRTC_TURN_PASSWORD``: the password
    lives in its own variable, so it is treated as the secret it is). Raises
    ``ValueError`` naming what is wrong.
    """
    listed = [url.strip() for url in (urls or "").split(",") if url.strip()]
    if len(listed) > _MAX_SERVERS:
        raise ValueError(f"at most {_MAX_SERVERS} ICE server URLs")
    stun = tuple(url for url in listed if not url.startswith(("turn:", "turns:")))
    turn = tuple(url for url in listed if url.startswith(("turn:", "turns:")))
    servers = []
    if stun:
        servers.append(IceServer(stun))
    if turn:
        servers.append(IceServer(turn, username or None, credential or None))
    return tuple(servers)


@dataclass(frozen=True, slots=True)
class WebRTCSettings:
    """What the WebRTC endpoints need: the token that guards them and the ICE servers."""

    api_token: str
    """``Authorization: Bearer <token>`` on the signalling routes; never logged."""
    ice_servers: tuple[IceServer, ...] = ()

    def __post_init__(self) -> None:
        if not self.api_token:
            raise ValueError("the WebRTC signalling needs an API token")

    def __repr__(self) -> str:
        return f"WebRTCSettings(ice_servers={self.ice_servers!r})"

    def rtc_configuration(self) -> RTCConfiguration:
        """aiortc's configuration: these servers only (aiortc's default STUN server is not used)."""
        from aiortc import RTCConfiguration, RTCIceServer

        return RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
                for s in self.ice_servers
            ]
        )
