"""A voice and a line whose timing is known exactly, for tests of "what was heard".

The voice speaks silence, 50 ms per character, at once; the line plays it in real
time on the test's clock. So after ``t`` seconds the caller has heard the first
``t / SECONDS_PER_CHARACTER`` characters, and a test can interrupt anywhere.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from framekit.audio import AudioFormat, audio_format
from framekit.frames import Frame, LLMResponseEndFrame, LLMResponseStartFrame, LLMTextFrame
from framekit.processors.tts import TTSProcessor, Voice
from framekit.transports.base.output import OutputTransport

__all__ = [
    "CHUNKS",
    "FIRST",
    "SECOND",
    "SECONDS_PER_CHARACTER",
    "SilentLine",
    "TimedVoice",
    "response",
    "timed_tts",
]

SECONDS_PER_CHARACTER = 0.05
FIRST = "Your order A17 shipped on Monday."  # 33 characters: 1.65 s
SECOND = "It will arrive on Friday by noon."  # 33 characters: 1.65 s
CHUNKS = ("Your order A17 ", "shipped on Monday. It will", " arrive on Friday by noon.")
"""``FIRST`` and ``SECOND`` as an LLM streams them: cut across the sentence border."""


class TimedVoice(Voice):
    """Speaks silence, 50 ms per character, at once."""

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        samples = round(len(text) * SECONDS_PER_CHARACTER * 16000)
        yield b"\x00\x00" * samples, audio_format(16000)


def timed_tts() -> TTSProcessor:
    """The TTS stage speaking with a :class:`TimedVoice`."""
    return TTSProcessor(TimedVoice())


class SilentLine(OutputTransport):
    """A phone line that plays in real time (on the test's clock) and keeps nothing."""

    async def write_audio(self, chunk: bytes) -> None:
        return None


def response(response_id: str, *chunks: str) -> list[Frame]:
    """An LLM response: start, one text frame per chunk, end."""
    return [
        LLMResponseStartFrame(response_id=response_id),
        *(LLMTextFrame(text=chunk, response_id=response_id) for chunk in chunks),
        LLMResponseEndFrame(response_id=response_id),
    ]
