"""The ICE servers a WebRTC call uses: none by default (loopback and a local network need none).

Behind NAT, a browser and the bot find each other through STUN (their public
addresses) and, when a firewall blocks direct paths, relay through TURN. The same
list goes to the server's peer connections and, from ``GET /webrtc/config`` (behind
the token), to the page's, so both ends gather the same kinds of candidates.

The list is JSON in the browser's own shape (``RTCIceServer``)::

    [{"urls": "stun:stun.example.com:3478"},
     {"urls": ["turn:turn.example.com:3478?transport=udp"],
      "username": "bot", "credential": "secret"}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from aiortc import RTCConfiguration, RTCIceServer

__all__ = ["IceServer", "WebRTCSettings", "parse_ice_servers"]

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


def parse_ice_servers(text: str | None) -> tuple[IceServer, ...]:
    """The servers of a JSON list (``WEBRTC_ICE_SERVERS``); empty or ``None``: none.

    Raises ``ValueError`` naming what is wrong (never echoing a credential).
    """
    if not text or not text.strip():
        return ()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"WEBRTC_ICE_SERVERS is not JSON: {exc.msg}") from None
    if not isinstance(data, list) or len(data) > _MAX_SERVERS:
        raise ValueError(f"WEBRTC_ICE_SERVERS must be a JSON list of at most {_MAX_SERVERS}")
    servers = []
    for item in data:
        if not isinstance(item, dict):
            raise ValueError("each ICE server must be an object with 'urls'")
        urls = item.get("urls")
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise ValueError("an ICE server's 'urls' must be a string or a list of strings")
        username, credential = item.get("username"), item.get("credential")
        if not isinstance(username, str | None) or not isinstance(credential, str | None):
            raise ValueError("an ICE server's 'username' and 'credential' must be strings")
        servers.append(IceServer(tuple(urls), username, credential))
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
        return RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
                for s in self.ice_servers
            ]
        )
