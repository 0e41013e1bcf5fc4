"""What an HTTP voice asks its service, and how long it waits: validated once, when made."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

__all__ = ["DEFAULT_BODY_TEMPLATE", "HTTPVoiceSettings"]

DEFAULT_BODY_TEMPLATE: Final[Mapping[str, Any]] = MappingProxyType(
    {"text": "{text}", "voice": "{voice}", "sample_rate": "{sample_rate}"}
)
"""The JSON body sent for each sentence, before its placeholders are filled in."""


@dataclass(frozen=True, slots=True)
class HTTPVoiceSettings:
    """An HTTP TTS service's address, request and deadlines (see :mod:`framekit.services.http_tts`).

    ``url`` (empty) defaults to ``$TTS_API_URL`` and ``api_key`` to ``$TTS_API_KEY`` (sent as
    ``Authorization: Bearer``); ``headers`` are added to each request. ``voice`` and
    ``sample_rate`` fill the ``{voice}`` and ``{sample_rate}`` placeholders of
    ``body_template`` (``sample_rate=None``: the call's output rate, so no resampling
    is needed when the service honours it). Timeouts are in seconds:
    ``connect_timeout`` to open the connection, ``first_audio_timeout`` from the
    request to the first audio byte, ``read_timeout`` the longest silence between two
    chunks, ``total_timeout`` one sentence from request to last byte.
    """

    url: str = ""
    voice: str | None = None
    sample_rate: int | None = None
    api_key: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    body_template: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_BODY_TEMPLATE)
    connect_timeout: float = 3.0
    first_audio_timeout: float = 5.0
    read_timeout: float = 5.0
    total_timeout: float = 30.0

    def __post_init__(self) -> None:
        url = self.url or os.environ.get("TTS_API_URL")
        if not url:
            raise ValueError("HTTPVoiceSettings needs a url, or TTS_API_URL in the environment")
        key = self.api_key or os.environ.get("TTS_API_KEY") or None
        object.__setattr__(self, "url", url)
        object.__setattr__(self, "api_key", key)
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
