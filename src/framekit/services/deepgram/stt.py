"""Deepgram live streaming speech recognition through ``deepgram-sdk``: the wire mapping.

Everything around the protocol (reconnects, resending unfinalized audio, keep-alive,
joining final pieces) is :class:`~framekit.processors.stt.session.ReconnectingSession`'s;
this module only says how to talk to ``/v1/listen`` and what its answers mean:

* audio goes out as ``linear16`` at the settings' ``sample_rate`` (the recognizer's
  ``audio_format``, which the stage declares it consumes); ``Finalize`` when
  the caller stops, ``KeepAlive`` while no audio flows, ``CloseStream`` at the end;
* Deepgram finalizes an utterance in pieces: each ``Results`` with ``is_final``
  holds the next stretch of words, and the utterance ends with ``speech_final``
  (its endpointing heard a pause), ``from_finalize`` (the answer to our
  ``Finalize``) or an ``UtteranceEnd`` message;
* ``Results`` without ``is_final`` are the interim tail; ``Error`` messages are
  reported; ``Metadata`` and ``SpeechStarted`` are only logged.
"""

from __future__ import annotations

import warnings
from contextlib import AbstractAsyncContextManager

from loguru import logger

from framekit.clock import Clock
from framekit.processors.stt.session import Heard, ReconnectingSession
from framekit.services.deepgram.settings import DeepgramSettings

try:
    with warnings.catch_warnings():
        # deepgram-sdk 7 imports websockets' deprecated legacy client; the warning is
        # about the SDK's internals, which framekit users cannot act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        from deepgram import AsyncDeepgramClient
        from deepgram.core.api_error import ApiError
        from deepgram.environment import DeepgramClientEnvironment
        from deepgram.listen.v1.raw_client import AsyncRawV1Client  # noqa: F401  (warns once)
        from deepgram.listen.v1.socket_client import AsyncV1SocketClient
        from deepgram.listen.v1.types import (
            ListenV1Error,
            ListenV1Metadata,
            ListenV1Results,
            ListenV1SpeechStarted,
            ListenV1UtteranceEnd,
        )
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
    raise ModuleNotFoundError(
        "framekit.services.deepgram needs deepgram-sdk: pip install 'framekit[deepgram]'"
    ) from exc

__all__ = ["DeepgramRecognizer", "DeepgramSession"]


class DeepgramRecognizer:
    """Deepgram live as a :class:`~framekit.processors.stt.service.StreamingRecognizer`.

    One per process is enough: it holds the SDK client, and each call opens its own
    :class:`DeepgramSession`.
    """

    def __init__(self, settings: DeepgramSettings) -> None:
        self.settings = settings
        self.name = settings.model
        self.audio_format = settings.audio_format
        """What the stage must send (``linear16`` at the settings' rate): it declares so."""
        base = str(settings.url)
        environment = DeepgramClientEnvironment(
            base=base.replace("wss://", "https://").replace("ws://", "http://"),
            production=base,
            agent=base,
            agent_rest=base,
        )
        self.client = AsyncDeepgramClient(api_key=settings.api_key, environment=environment)

    def open(self, clock: Clock) -> DeepgramSession:
        return DeepgramSession(self, clock)

    def __repr__(self) -> str:
        return f"DeepgramRecognizer({self.settings!r})"


class DeepgramSession(ReconnectingSession[AsyncV1SocketClient]):
    """One call's stream to ``/v1/listen``."""

    def __init__(self, recognizer: DeepgramRecognizer, clock: Clock) -> None:
        settings = recognizer.settings
        super().__init__(
            vendor="Deepgram",
            audio=recognizer.audio_format,
            language=settings.language,
            settings=settings.session,
            clock=clock,
        )
        self._client = recognizer.client
        self._query = settings.query()
        self._extra_query = dict(settings.options)

    def _connect(self) -> AbstractAsyncContextManager[AsyncV1SocketClient]:
        connection: AbstractAsyncContextManager[AsyncV1SocketClient] = (
            self._client.listen.v1.connect(
                **self._query, request_options={"additional_query_parameters": self._extra_query}
            )
        )
        return connection

    async def _send_audio(self, conn: AsyncV1SocketClient, pcm: bytes) -> None:
        await conn.send_media(pcm)

    async def _send_finalize(self, conn: AsyncV1SocketClient) -> None:
        await conn.send_finalize()

    async def _send_keep_alive(self, conn: AsyncV1SocketClient) -> None:
        await conn.send_keep_alive()

    async def _send_close(self, conn: AsyncV1SocketClient) -> None:
        await conn.send_close_stream()

    async def _receive(self, conn: AsyncV1SocketClient) -> object:
        return await conn.recv()

    def _interpret(self, message: object) -> Heard | None:
        if isinstance(message, ListenV1Results):
            alternatives = message.channel.alternatives
            best = alternatives[0] if alternatives else None
            text = best.transcript.strip() if best is not None else ""
            if not message.is_final:
                return Heard(text=text)
            return Heard(
                text=text,
                final=True,
                confidence=best.confidence if best is not None else 0.0,
                seconds=message.duration,
                end=message.start + message.duration,
                utterance_end=bool(message.speech_final or message.from_finalize),
            )
        if isinstance(message, ListenV1UtteranceEnd):
            return Heard(utterance_end=True)
        if isinstance(message, ListenV1Error):
            return Heard(error=message.description)
        if isinstance(message, ListenV1Metadata | ListenV1SpeechStarted):
            logger.debug(f"Deepgram: {message.type}")
        else:
            logger.debug(f"Deepgram: ignored message {message!r}")
        return None

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, ApiError):
            return f"HTTP {exc.status_code}: {exc.body}"
        return super()._describe(exc)
