"""A :class:`~framekit.processors.tts.voice.Voice` whose model runs in the model tier.

Each sentence the TTS stage hands it goes to ``POST {url}/tts``; the tier streams
the sentence's audio back as the voice makes it (PCM16 at the ``X-Sample-Rate`` of
the answer, :mod:`.protocol`), so the caller hears the first words before the
sentence is synthesized to its end. A :class:`~framekit.processors.tts.fallback.FallbackVoice`
puts a local voice behind it for when the tier is down.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Final

import aiohttp

from framekit.audio.format import AudioFormat, audio_format
from framekit.processors.tts.voice import TTSError, Voice
from framekit.services.model_tier.client import ModelTierClient
from framekit.services.model_tier.protocol import RATE_HEADER, TTS_PATH, ModelTierError

__all__ = ["RemoteVoice"]

_READ_SIZE: Final = 8 * 1024


class RemoteVoice(Voice):
    """Speaks each sentence with the model tier's voice that ``client`` reaches.

    ``voice``: the tier's name for the voice (its ``phrase_key``: the tier speaks a
    text the same way every time, so fixed phrases are cached). Failing before the
    first audio (even after the client's retry) raises :class:`TTSError`, so a
    fallback voice speaks the sentence instead; a stream that breaks off later does
    too, and the fallback says the whole sentence again.
    """

    def __init__(
        self, client: ModelTierClient, *, voice: str = "piper", name: str | None = None
    ) -> None:
        super().__init__(name=name or f"model-tier:{voice}")
        self.client = client
        self.voice = voice

    def __repr__(self) -> str:
        return f"RemoteVoice({self.client.url!r}, {self.voice!r})"

    @property
    def phrase_key(self) -> str | None:
        return f"model-tier:{self.client.url}:{self.voice}"

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        try:
            async with self.client.post(TTS_PATH, json={"text": text}) as response:
                rate = response.headers.get(RATE_HEADER, "")
                if not rate.isdigit():
                    raise TTSError(f"{self.client.url}{TTS_PATH} named no {RATE_HEADER}")
                pcm = audio_format(int(rate))
                while chunk := await response.content.read(_READ_SIZE):
                    yield chunk, pcm
        except ModelTierError as exc:
            raise TTSError(str(exc)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            where = f"{self.client.url}{TTS_PATH}"
            raise TTSError(f"the audio from {where} broke off: {exc!r}") from exc
