"""How an HTTP TTS answer's body becomes samples, by its content type.

* ``audio/wav`` (or ``audio/x-wav``, ``audio/wave``): a WAV file, header first; a
  data size of 0 or about 2 GiB means "until the body ends";
* ``audio/L16; rate=24000; channels=1``: raw 16-bit PCM, big-endian as RFC 2586 says;
* ``audio/pcm`` or ``application/octet-stream``: raw little-endian 16-bit PCM;
* ``audio/PCMU`` or ``audio/basic``: 8-bit mu-law.

Raw audio's rate is the ``rate`` parameter of the content type, else an
``X-Sample-Rate`` header, else the rate that was asked for.
"""

from __future__ import annotations

import array
import sys
from collections.abc import Mapping
from typing import Final, Protocol

from framekit.audio.format import AudioEncoding, AudioFormat, audio_format
from framekit.processors.tts.voice import TTSError
from framekit.processors.tts.wavstream import WavStreamDecoder

__all__ = ["ACCEPT", "BodyDecoder", "body_decoder"]

ACCEPT: Final = "audio/wav, audio/L16, audio/pcm, application/octet-stream"
"""The ``Accept`` header of every request."""

_WAV_TYPES: Final = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
_L16_TYPES: Final = frozenset({"audio/l16"})
_PCM_TYPES: Final = frozenset({"audio/pcm", "audio/raw", "application/octet-stream"})
_MULAW_TYPES: Final = frozenset({"audio/pcmu", "audio/basic"})
_SUPPORTED: Final = "audio/wav, audio/L16, audio/pcm, application/octet-stream or audio/PCMU"


class BodyDecoder(Protocol):
    """Turns a response body into samples, chunk by chunk."""

    @property
    def format(self) -> AudioFormat: ...

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> None: ...


def body_decoder(
    content_type: str, headers: Mapping[str, str], *, asked_rate: int, source: str
) -> BodyDecoder:
    """The decoder for a body of ``content_type`` (its media type, lower or upper case).

    ``headers`` are the response's (for the full ``Content-Type`` and ``X-Sample-Rate``);
    ``source`` names the service in error messages.
    """
    kind = content_type.lower()
    params = _content_type_params(headers.get("Content-Type", ""))
    if kind in _WAV_TYPES:
        return WavStreamDecoder(f"the answer from {source}")
    if kind in _L16_TYPES | _PCM_TYPES | _MULAW_TYPES:
        default_rate = 8000 if kind in _MULAW_TYPES else asked_rate
        rate = params.get("rate") or headers.get("X-Sample-Rate") or default_rate
        channels = params.get("channels", "1")
        encoding = AudioEncoding.MULAW if kind in _MULAW_TYPES else AudioEncoding.PCM16
        try:
            fmt = audio_format(int(rate or 0), int(channels), encoding)
        except ValueError as exc:
            raise TTSError(f"{source} sent {kind} at rate {rate!r}: {exc}") from exc
        return _RawDecoder(fmt, big_endian=kind in _L16_TYPES)
    raise TTSError(f"{source} sent {content_type!r}; framekit reads {_SUPPORTED}")


class _RawDecoder:
    """Raw samples; big-endian 16-bit ones (``audio/L16``) are swapped, across chunks."""

    def __init__(self, fmt: AudioFormat, *, big_endian: bool) -> None:
        self.format = fmt
        self._swap = big_endian and sys.byteorder == "little"
        self._odd = b""

    def feed(self, data: bytes) -> bytes:
        if not self._swap:
            return data
        data = self._odd + data
        cut = len(data) - len(data) % 2
        self._odd = data[cut:]
        samples = array.array("h", data[:cut])
        samples.byteswap()
        return samples.tobytes()

    def finish(self) -> None:
        pass


def _content_type_params(header: str) -> dict[str, str]:
    """``audio/L16; rate=24000; channels=1`` -> ``{"rate": "24000", "channels": "1"}``."""
    params: dict[str, str] = {}
    for part in header.split(";")[1:]:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return params
