"""A :class:`~framekit.processors.stt.service.Recognizer` whose model runs in the model tier.

The call node sends each utterance to ``POST {url}/stt`` and reads the transcript
back (:mod:`.protocol`); the tier decodes it in a batch with other calls'
utterances. The utterance stage drives it like a local engine, and a
:class:`~framekit.processors.stt.fallback.FallbackRecognizer` puts a local model (or
nothing) behind it for when the tier is down.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from framekit.audio.pcm import float32_to_pcm16
from framekit.frames.speech import ExpectedSpeech
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.services.model_tier.client import ModelTierClient
from framekit.services.model_tier.protocol import (
    BATCH_HEADER,
    REPLICA_HEADER,
    STT_PATH,
    ModelTierError,
    RecognitionQuery,
    transcript_from_json,
)

__all__ = ["RemoteRecognizer"]


class RemoteRecognizer:
    """Transcribes each utterance in the model tier that ``client`` reaches.

    ``client``: the process's (one connection pool for every call). ``name`` keys the
    recognizer's circuit breaker in a fallback and names it in metrics.
    """

    def __init__(self, client: ModelTierClient, *, name: str | None = None) -> None:
        self.client = client
        self.name = name or f"model-tier:{client.url}"
        self.batch_sizes: Counter[int] = Counter()
        """How many of this recognizer's utterances were decoded in batches of each size."""
        self.replicas: Counter[str] = Counter()
        """How many of this recognizer's utterances each replica decoded."""

    def __repr__(self) -> str:
        return f"RemoteRecognizer({self.client.url!r})"

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        query = RecognitionQuery(language, prompt, urgent, expect).to_query()
        async with self.client.post(STT_PATH, data=_pcm16(audio), params=query) as response:
            try:
                transcript = transcript_from_json(await response.json())
            except ValueError as exc:
                raise ModelTierError(f"{self.client.url}{STT_PATH}: {exc}") from exc
            self.replicas[response.headers.get(REPLICA_HEADER, "?")] += 1
            batch = response.headers.get(BATCH_HEADER, "")
            if batch.isdigit():
                self.batch_sizes[int(batch)] += 1
        return transcript


def _pcm16(audio: SpeechAudio) -> bytes:
    """The request body: 16 kHz mono PCM16 little-endian, whatever form ``audio`` has."""
    if isinstance(audio, bytes | bytearray | memoryview):
        return bytes(audio)
    if audio.dtype == np.float32:
        return float32_to_pcm16(audio.astype(np.float32, copy=False))
    return np.asarray(audio, dtype="<i2").tobytes()
