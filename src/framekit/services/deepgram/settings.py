"""What a Deepgram stream is opened with: validated once, when the settings are made."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from framekit.audio import AudioFormat, audio_format
from framekit.processors.stt.session import SessionSettings

__all__ = ["DEEPGRAM_URL", "DeepgramSettings"]

DEEPGRAM_URL = "wss://api.deepgram.com"


@dataclass(frozen=True, slots=True)
class DeepgramSettings:
    """A Deepgram live stream's settings (``/v1/listen`` query parameters and the connection).

    ``api_key`` defaults to ``$DEEPGRAM_API_KEY``; ``url`` to ``$DEEPGRAM_URL`` or
    Deepgram's own (:data:`DEEPGRAM_URL`): point it at a self-hosted Deepgram or at
    :class:`~framekit.testing.fakes.deepgram_server.FakeDeepgramServer`.
    ``endpointing`` (ms, or ``False``), ``utterance_end_ms``, ``punctuate``,
    ``smart_format``, ``vad_events``, ``interim_results`` are Deepgram's query
    parameters; ``options`` adds any other one (``{"keyterm": "framekit"}``).
    ``session``: keep-alive, reconnect and buffer settings.
    """

    api_key: str | None = field(default=None, repr=False)
    url: str | None = None
    model: str = "nova-3"
    language: str = "en-US"
    sample_rate: int = 16000
    interim_results: bool = True
    endpointing: int | Literal[False] = 300
    utterance_end_ms: int | None = 1000
    punctuate: bool = True
    smart_format: bool = True
    vad_events: bool = False
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    session: SessionSettings = field(default_factory=SessionSettings)

    def __post_init__(self) -> None:
        key = self.api_key if self.api_key is not None else os.environ.get("DEEPGRAM_API_KEY")
        if not key:
            raise ValueError("DeepgramSettings needs api_key= or $DEEPGRAM_API_KEY")
        url = (self.url or os.environ.get("DEEPGRAM_URL") or DEEPGRAM_URL).rstrip("/")
        if not url.startswith(("ws://", "wss://")):
            raise ValueError(f"Deepgram url must be ws:// or wss://, got {url!r}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be > 0, got {self.sample_rate}")
        object.__setattr__(self, "api_key", key)
        object.__setattr__(self, "url", url)
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def audio_format(self) -> AudioFormat:
        """What the stream takes: ``linear16`` (PCM16) mono at :attr:`sample_rate`."""
        return audio_format(self.sample_rate)

    def query(self) -> dict[str, Any]:
        """The ``/v1/listen`` query parameters these settings name."""
        return {
            "model": self.model,
            "language": self.language,
            "encoding": "linear16",
            "sample_rate": self.sample_rate,
            "channels": 1,
            "interim_results": _flag(self.interim_results),
            "endpointing": "false" if self.endpointing is False else self.endpointing,
            "utterance_end_ms": self.utterance_end_ms,
            "punctuate": _flag(self.punctuate),
            "smart_format": _flag(self.smart_format),
            "vad_events": _flag(self.vad_events),
        }


def _flag(value: bool) -> str:
    return "true" if value else "false"
