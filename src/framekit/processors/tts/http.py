"""A client for a text-to-speech service you already run, over plain HTTP (``framekit[http]``).

The service API this client expects (every part is configurable):

* ``POST {url}`` (``url`` or the ``TTS_API_URL`` environment variable), JSON body
  ``{"text": "...", "voice": "...", "sample_rate": 16000}``; change it with
  ``body_template``, where the strings ``"{text}"``, ``"{voice}"`` and
  ``"{sample_rate}"`` are replaced (a value that *is* a placeholder gets the typed
  value: ``sample_rate`` stays a number);
* headers: ``Authorization: Bearer {api_key}`` when ``api_key`` (or
  ``TTS_API_KEY``) is set, plus any ``headers`` given;
* the answer streams audio as the service synthesizes it, one of:

  - ``audio/wav`` (or ``audio/x-wav``, ``audio/wave``): a WAV file, header first;
    a data size of 0 or about 2 GiB means "until the body ends";
  - ``audio/L16; rate=24000; channels=1``: raw 16-bit PCM, big-endian as RFC 2586
    says;
  - ``audio/pcm`` or ``application/octet-stream``: raw little-endian 16-bit PCM;
  - ``audio/PCMU`` or ``audio/basic``: 8-bit mu-law.

  Raw audio's rate is the ``rate`` parameter of the content type, else an
  ``X-Sample-Rate`` header, else the rate that was asked for.

* any status from 400 up is an error; the first bytes of its body go into the
  error message.

Timeouts: ``connect_timeout`` (to open the TCP connection), ``first_audio_timeout``
(from sending the request to the first audio byte), ``read_timeout`` (the longest
silence between two chunks of the body) and ``total_timeout`` (one sentence, from
request to last byte). A failure raises :class:`~framekit.processors.tts.base.TTSError`,
which the base turns into a non-fatal :class:`~framekit.frames.ErrorFrame`: the call
goes on, and a :class:`~framekit.processors.tts.fallback.FallbackTTSProcessor` can
speak the sentence with another voice.

Sessions: pass ``session`` to share one :class:`aiohttp.ClientSession` (and its
connection pool) between all calls of a process; it is yours to close. Without it
each processor opens its own session when the call starts and closes it when the
call ends, so nothing outlives the call. An interruption closes the response in
progress, which drops its connection: the service sees the client leave and can
stop synthesizing.
"""

from __future__ import annotations

import array
import asyncio
import os
import sys
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Final, Protocol

from framekit.audio.format import AudioEncoding, AudioFormat, audio_format
from framekit.processors.tts._wavstream import WavStreamDecoder
from framekit.processors.tts.base import SentenceTTSProcessor, TTSError
from framekit.processors.tts.sentences import DEFAULT_ABBREVIATIONS

try:
    import aiohttp
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("HTTPTTSProcessor needs aiohttp: pip install 'framekit[http]'") from exc

__all__ = ["DEFAULT_BODY_TEMPLATE", "HTTPTTSProcessor"]

DEFAULT_BODY_TEMPLATE: Final[Mapping[str, Any]] = {
    "text": "{text}",
    "voice": "{voice}",
    "sample_rate": "{sample_rate}",
}
"""The JSON body sent for each sentence, before its placeholders are filled in."""

_WAV_TYPES: Final = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
_L16_TYPES: Final = frozenset({"audio/l16"})
_PCM_TYPES: Final = frozenset({"audio/pcm", "audio/raw", "application/octet-stream"})
_MULAW_TYPES: Final = frozenset({"audio/pcmu", "audio/basic"})
_SUPPORTED: Final = "audio/wav, audio/L16, audio/pcm, application/octet-stream or audio/PCMU"
_ACCEPT: Final = "audio/wav, audio/L16, audio/pcm, application/octet-stream"
_READ_SIZE: Final = 16 * 1024


class HTTPTTSProcessor(SentenceTTSProcessor):
    """Speaks text frames through an HTTP TTS service, one request per sentence.

    Frames in and out are those of :class:`~framekit.processors.tts.base.SentenceTTSProcessor`;
    the service's API and the options are described in :mod:`framekit.processors.tts.http`.
    ``sample_rate`` is the rate asked for (``None``: the pipeline's output rate, so
    that no resampling is needed when the service honours it).
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        voice: str | None = None,
        sample_rate: int | None = None,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        body_template: Mapping[str, Any] = DEFAULT_BODY_TEMPLATE,
        session: aiohttp.ClientSession | None = None,
        connect_timeout: float = 3.0,
        first_audio_timeout: float = 5.0,
        read_timeout: float = 5.0,
        total_timeout: float = 30.0,
        push_text_frames: bool = True,
        abbreviations: frozenset[str] = DEFAULT_ABBREVIATIONS,
        name: str | None = None,
    ) -> None:
        super().__init__(push_text_frames=push_text_frames, abbreviations=abbreviations, name=name)
        resolved = url or os.environ.get("TTS_API_URL")
        if not resolved:
            raise ValueError("HTTPTTSProcessor needs a url, or TTS_API_URL in the environment")
        self.url = resolved
        self._voice = voice
        self._sample_rate = sample_rate
        self._rate = sample_rate
        self._headers = {"Accept": _ACCEPT, **(headers or {})}
        key = api_key or os.environ.get("TTS_API_KEY")
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._template = body_template
        self._shared_session = session
        self._session: aiohttp.ClientSession | None = session
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_connect=connect_timeout
        )
        self._first_audio_timeout = first_audio_timeout
        self._read_timeout = read_timeout
        self._total_timeout = total_timeout

    @property
    def model_name(self) -> str:
        return f"http-tts/{self._voice}" if self._voice else "http-tts"

    async def prepare(self, output: AudioFormat) -> None:
        self._rate = self._sample_rate or output.sample_rate
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def cleanup(self) -> None:
        session, self._session = self._session, self._shared_session
        if session is not None and session is not self._shared_session:
            await session.close()

    def request_body(self, text: str) -> Any:
        """The JSON body sent to speak ``text`` (the template with its placeholders filled)."""
        values: dict[str, Any] = {
            "{text}": text,
            "{voice}": self._voice,
            "{sample_rate}": self._rate,
        }
        return _fill(self._template, values)

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        session = self._session
        if session is None:
            raise RuntimeError(f"{self.name} has not started: no HTTP session yet")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._total_timeout
        response: aiohttp.ClientResponse | None = None
        finished = False
        waiting_for = f"no audio within {self._first_audio_timeout:g} s"
        try:
            async with asyncio.timeout(min(self._first_audio_timeout, self._total_timeout)):
                response = await session.post(
                    self.url, json=self.request_body(text), headers=self._headers
                )
                await _check_status(response, self.url)
                body = self._decoder(response)
                pcm, chunk = b"", b"-"
                while chunk and not pcm:
                    chunk = await response.content.read(_READ_SIZE)
                    pcm = body.feed(chunk) if chunk else b""
            if not pcm:
                body.finish()
                raise TTSError(f"{self.url} answered {response.status} with no audio")
            while chunk:
                if pcm:
                    yield pcm, body.format
                left = deadline - loop.time()
                waiting_for = f"the audio stalled for {self._read_timeout:g} s"
                if left < self._read_timeout:
                    waiting_for = f"the sentence took over {self._total_timeout:g} s"
                async with asyncio.timeout(max(0.0, min(self._read_timeout, left))):
                    chunk = await response.content.read(_READ_SIZE)
                    if loop.time() >= deadline:
                        raise TimeoutError
                pcm = body.feed(chunk) if chunk else b""
            body.finish()
            finished = True
        except TimeoutError as exc:
            raise TTSError(f"{self.url}: {waiting_for}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise TTSError(f"the answer from {self.url} broke off: {exc}") from exc
        except aiohttp.ClientConnectionError as exc:
            raise TTSError(f"cannot reach the TTS service at {self.url}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise TTSError(f"request to {self.url} failed: {exc!r}") from exc
        finally:
            if response is not None:
                if finished:
                    response.release()
                else:
                    response.close()  # drops the connection: the service stops for nothing

    def _decoder(self, response: aiohttp.ClientResponse) -> _BodyDecoder:
        """How to turn this response's body into samples, by its content type."""
        kind = response.content_type.lower()
        params = _content_type_params(response.headers.get("Content-Type", ""))
        if kind in _WAV_TYPES:
            return WavStreamDecoder(f"the answer from {self.url}")
        if kind in _L16_TYPES | _PCM_TYPES | _MULAW_TYPES:
            default_rate = 8000 if kind in _MULAW_TYPES else self._rate
            rate = params.get("rate") or response.headers.get("X-Sample-Rate") or default_rate
            channels = params.get("channels", "1")
            encoding = AudioEncoding.MULAW if kind in _MULAW_TYPES else AudioEncoding.PCM16
            try:
                fmt = audio_format(int(rate or 0), int(channels), encoding)
            except ValueError as exc:
                raise TTSError(f"{self.url} sent {kind} at rate {rate!r}: {exc}") from exc
            return _RawDecoder(fmt, big_endian=kind in _L16_TYPES)
        raise TTSError(f"{self.url} sent {response.content_type!r}; framekit reads {_SUPPORTED}")


class _BodyDecoder(Protocol):
    """Turns a response body into samples, chunk by chunk."""

    @property
    def format(self) -> AudioFormat: ...

    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> None: ...


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


async def _check_status(response: aiohttp.ClientResponse, url: str) -> None:
    if response.status < 400:
        return
    try:
        body = (await response.content.read(300)).decode(errors="replace").strip()
    except aiohttp.ClientError:
        body = ""
    detail = f": {body}" if body else ""
    raise TTSError(f"{url} answered {response.status} {response.reason}{detail}")


def _content_type_params(header: str) -> dict[str, str]:
    """``audio/L16; rate=24000; channels=1`` -> ``{"rate": "24000", "channels": "1"}``."""
    params: dict[str, str] = {}
    for part in header.split(";")[1:]:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return params


def _fill(template: Any, values: Mapping[str, Any]) -> Any:
    """``template`` with every placeholder string replaced, typed where a value is one."""
    if isinstance(template, str):
        if template in values:
            return values[template]
        for placeholder, value in values.items():
            if placeholder in template:
                template = template.replace(placeholder, "" if value is None else str(value))
        return template
    if isinstance(template, Mapping):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [_fill(value, values) for value in template]
    return template
