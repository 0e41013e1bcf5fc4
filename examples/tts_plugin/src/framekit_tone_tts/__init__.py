"""framekit-tone-tts: a text-to-speech voice written outside framekit.

A real vendor sends each sentence to its API or model; this toy one speaks a tone
per word (higher for longer words) and a short gap after it, so it needs no model
and no network. What makes it a voice is one subclass of
:class:`framekit.processors.tts.Voice`; framekit's TTS stage does the rest
(sentences, frames, conversion to the call's rate, the phrase cache, interruptions,
errors)::

    tts = TTSProcessor(ToneVoice())
"""

from __future__ import annotations

import asyncio
import math
import struct
from collections.abc import AsyncGenerator

from framekit.audio import AudioFormat, audio_format
from framekit.processors.tts import TTSError, Voice

__all__ = ["ToneVoice"]

RATE = 8000
_FORMAT = audio_format(RATE)
_LEVEL = 8000


class ToneVoice(Voice):
    """Speaks each word as ``word_seconds`` of tone, then ``gap_seconds`` of silence.

    The pitch is ``base_hz`` plus 50 Hz per letter, so a listener (or a test) can
    tell the words apart. The same text always gives the same audio, so the voice
    names itself for the phrase cache (:attr:`phrase_key`).
    """

    def __init__(
        self,
        *,
        base_hz: float = 300.0,
        word_seconds: float = 0.15,
        gap_seconds: float = 0.05,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or "tone")
        self.base_hz = base_hz
        self.word_seconds = word_seconds
        self.gap_seconds = gap_seconds

    @property
    def phrase_key(self) -> str:
        return f"tone:{self.base_hz}:{self.word_seconds}:{self.gap_seconds}"

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        words = [word for word in text.split() if any(c.isalnum() for c in word)]
        if not words:
            raise TTSError(f"nothing to say in {text!r}")  # the stage reports it, non-fatal
        gap = bytes(_FORMAT.bytes_for(self.gap_seconds))
        for word in words:
            await asyncio.sleep(0)  # where a real vendor awaits its API
            hz = self.base_hz + 50 * sum(c.isalnum() for c in word)
            yield _tone(hz, self.word_seconds) + gap, _FORMAT


def _tone(hz: float, seconds: float) -> bytes:
    n = round(RATE * seconds)
    step = 2 * math.pi * hz / RATE
    return struct.pack(f"<{n}h", *(round(_LEVEL * math.sin(step * i)) for i in range(n)))
