"""Piper as a voice: one sentence in, its audio out in growing windows.

Why the text is *not* cut further (at commas, after a few words): the engine
streams within a sentence instead (:mod:`framekit.services.piper.engine`): the whole
sentence is phonemized and its durations and intonation computed at once, then its
audio leaves in windows of ~0.28 s, 0.56 s, 1.1 s... So the first audio comes after
one small window whatever the sentence's length, numbers and abbreviations are read
as espeak-ng reads the whole sentence, and no seam, pause or restarted intonation
is added. Each window is handed on before the next one is computed; an interruption
closes the stream and the engine stops after the current Piper chunk.

Licence: Piper (``piper-tts``) is GPL-3.0-or-later; it stays behind the optional
``framekit[piper]`` extra.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

from framekit.audio import AudioFormat
from framekit.processors.tts.voice import Voice
from framekit.services.piper.engine import PiperEngine

__all__ = ["PiperVoice"]


class PiperVoice(Voice):
    """Speaks with a loaded Piper engine and this voice's settings.

    ``engine`` is the loaded model: the application loads it once per process
    (``await PiperEngine.shared_async(voice)``, or :class:`PiperEngine` directly) and
    passes it to every call's voice, so no call waits for a load and a test speaks
    with the model it chose. ``length_scale`` above 1 speaks slower; ``volume``
    scales the samples. ``name`` defaults to ``piper/<model>``.
    """

    def __init__(
        self,
        engine: PiperEngine,
        *,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or f"piper/{engine.name}")
        self.engine = engine
        """The model this voice speaks with."""
        self._length_scale = length_scale
        self._speaker_id = speaker_id
        self._volume = volume

    @property
    def model_name(self) -> str | None:
        return self.engine.name

    @property
    def phrase_key(self) -> str | None:
        settings = (self._length_scale, self._speaker_id, self._volume)
        return f"piper:{self.engine.name}:{settings}"

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        engine = self.engine
        chunks = engine.synthesize_async(
            text, length_scale=self._length_scale, speaker_id=self._speaker_id, volume=self._volume
        )
        async with aclosing(chunks):  # closed at once when we are: no window computed for nothing
            async for pcm in chunks:
                yield pcm, engine.audio_format
