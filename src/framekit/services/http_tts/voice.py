"""A voice from a text-to-speech service you already run, over plain HTTP (``framekit[http]``).

The service API this voice expects (every part is configurable in
:class:`~framekit.services.http_tts.settings.HTTPVoiceSettings`):

* ``POST {url}`` (``url`` or the ``TTS_API_URL`` environment variable), JSON body
  ``{"text": "...", "voice": "...", "sample_rate": 16000}``; change it with
  ``body_template``, where the strings ``"{text}"``, ``"{voice}"`` and
  ``"{sample_rate}"`` are replaced (a value that *is* a placeholder gets the typed
  value: ``sample_rate`` stays a number);
* headers: ``Authorization: Bearer {api_key}`` when ``api_key`` (or
  ``TTS_API_KEY``) is set, plus any ``headers`` given;
* the answer streams audio as the service synthesizes it, as WAV, L16, raw PCM or
  mu-law (:mod:`~framekit.services.http_tts.body`);
* any status from 400 up is an error; the first bytes of its body go into the
  error message.

A failure (a status, a refused connection, a deadline passed) raises
:class:`~framekit.processors.tts.voice.TTSError`, which the TTS stage turns into a
non-fatal :class:`~framekit.frames.ErrorFrame`: the call goes on, and a
:class:`~framekit.processors.tts.fallback.FallbackVoice` can speak the sentence
with another voice.

Sessions: pass ``session`` to share one :class:`aiohttp.ClientSession` (and its
connection pool) between all calls of a process; it is yours to close. Without it
each voice opens its own session when the call starts and closes it when the call
ends, so nothing outlives the call. An interruption closes the response in
progress, which drops its connection: the service sees the client leave and can
stop synthesizing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Final

from framekit.audio.format import AudioFormat
from framekit.processors.tts.voice import ReportProblem, TTSError, Voice
from framekit.services.http_tts.body import ACCEPT, body_decoder
from framekit.services.http_tts.settings import HTTPVoiceSettings

try:
    import aiohttp
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("HTTPVoice needs aiohttp: pip install 'framekit[http]'") from exc

__all__ = ["HTTPVoice"]

_READ_SIZE: Final = 16 * 1024


class HTTPVoice(Voice):
    """Speaks through an HTTP TTS service, one request per sentence.

    ``settings``: the service's address, request and deadlines (the module says
    what the service must answer). ``session``: an :class:`aiohttp.ClientSession`
    shared by the process's calls (left open); without it the voice opens its own
    when the call starts and closes it with the call. ``name`` defaults to
    ``http-tts/<voice>``.
    """

    def __init__(
        self,
        settings: HTTPVoiceSettings,
        *,
        session: aiohttp.ClientSession | None = None,
        name: str | None = None,
    ) -> None:
        self.settings = settings
        model = f"http-tts/{settings.voice}" if settings.voice else "http-tts"
        super().__init__(name=name or model)
        self._model = model
        self.url = settings.url
        self._rate = settings.sample_rate
        self._headers = {"Accept": ACCEPT, **settings.headers}
        if settings.api_key:
            self._headers["Authorization"] = f"Bearer {settings.api_key}"
        self._shared_session = session
        self._session: aiohttp.ClientSession | None = session
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=settings.connect_timeout, sock_connect=settings.connect_timeout
        )

    def __repr__(self) -> str:
        return f"HTTPVoice({self.name!r}, {self.url!r})"

    @property
    def model_name(self) -> str:
        return self._model

    async def prepare(self, output: AudioFormat, report: ReportProblem) -> None:
        self._rate = self.settings.sample_rate or output.sample_rate
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        session, self._session = self._session, self._shared_session
        if session is not None and session is not self._shared_session:
            await session.close()

    def request_body(self, text: str) -> Any:
        """The JSON body sent to speak ``text`` (the template with its placeholders filled)."""
        values: dict[str, Any] = {
            "{text}": text,
            "{voice}": self.settings.voice,
            "{sample_rate}": self._rate,
        }
        return _fill(self.settings.body_template, values)

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        session = self._session
        if session is None:
            raise RuntimeError(f"{self.name} has not started: no HTTP session yet")
        settings = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.total_timeout
        response: aiohttp.ClientResponse | None = None
        finished = False
        waiting_for = f"no audio within {settings.first_audio_timeout:g} s"
        try:
            async with asyncio.timeout(min(settings.first_audio_timeout, settings.total_timeout)):
                response = await session.post(
                    self.url, json=self.request_body(text), headers=self._headers
                )
                await _check_status(response, self.url)
                body = body_decoder(
                    response.content_type,
                    response.headers,
                    asked_rate=self._rate or 0,
                    source=self.url,
                )
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
                waiting_for = f"the audio stalled for {settings.read_timeout:g} s"
                if left < settings.read_timeout:
                    waiting_for = f"the sentence took over {settings.total_timeout:g} s"
                async with asyncio.timeout(max(0.0, min(settings.read_timeout, left))):
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


async def _check_status(response: aiohttp.ClientResponse, url: str) -> None:
    if response.status < 400:
        return
    try:
        body = (await response.content.read(300)).decode(errors="replace").strip()
    except aiohttp.ClientError:
        body = ""
    detail = f": {body}" if body else ""
    raise TTSError(f"{url} answered {response.status} {response.reason}{detail}")


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
