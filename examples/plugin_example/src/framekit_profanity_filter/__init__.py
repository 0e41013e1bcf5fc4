"""framekit-profanity-filter: mask listed words in what the bot is about to say.

Place it between the LLM and the TTS, so that nothing masked is ever synthesized::

    Pipeline([..., llm, ProfanityFilter(), tts, ...])

Why it holds text back: an LLM streams its answer in chunks cut anywhere, even
inside a word (``"da"``, ``"rn"``), and a word can only be judged once the
whitespace after it has arrived. The filter passes on everything up to the last
whitespace at once and keeps the unfinished word until the next chunk, the end of
the response, or an interruption (which drops it: the caller barged in, so it
must not be said).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from framekit.frames import (
    EndFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TextFrame,
    TTSSpeakFrame,
)
from framekit.processors import FrameDirection, FrameProcessor, on_frame

__all__ = ["DEFAULT_WORDS", "ProfanityFilter"]

DEFAULT_WORDS: tuple[str, ...] = ("darn", "frick", "heck")


def _end_of_last_whole_word(text: str) -> int:
    """Where the unfinished word at the end of ``text`` begins (``len(text)`` if none)."""
    if not text or text[-1].isspace():
        return len(text)
    return len(text) - len(text.split()[-1])


class ProfanityFilter(FrameProcessor):
    """Masks each listed word (whole words, any case) in the text the bot will say.

    It handles :class:`LLMTextFrame` (streamed, see the module docstring), other
    :class:`TextFrame` kinds and :class:`TTSSpeakFrame` (complete texts). Every
    other frame, including the caller's transcriptions, passes through untouched.
    """

    def __init__(
        self, words: Iterable[str] = DEFAULT_WORDS, *, mask: str = "*", name: str | None = None
    ) -> None:
        super().__init__(name=name)
        listed = sorted({w for w in words if w}, key=len, reverse=True)
        if not listed:
            raise ValueError("ProfanityFilter needs at least one word to mask")
        self._pattern = re.compile(
            r"\b(?:" + "|".join(map(re.escape, listed)) + r")\b", re.IGNORECASE
        )
        self._mask = mask
        self._held = ""
        self._held_response_id = ""

    def clean(self, text: str) -> str:
        """``text`` with every listed word replaced by as many ``mask`` characters."""
        return self._pattern.sub(lambda match: self._mask * len(match.group()), text)

    @on_frame(LLMTextFrame)
    async def _streamed_text(self, frame: LLMTextFrame, direction: FrameDirection) -> None:
        text = self._held + frame.text
        cut = _end_of_last_whole_word(text)
        self._held, self._held_response_id = text[cut:], frame.response_id
        if cut:
            ready = LLMTextFrame(text=self.clean(text[:cut]), response_id=frame.response_id)
            await self.push_frame(ready, direction)

    @on_frame(LLMResponseEndFrame)
    async def _response_end(self, frame: LLMResponseEndFrame, direction: FrameDirection) -> None:
        await self._flush()
        await self.push_frame(frame, direction)

    @on_frame(TextFrame, TTSSpeakFrame)
    async def _whole_text(
        self, frame: TextFrame | TTSSpeakFrame, direction: FrameDirection
    ) -> None:
        cleaned = self.clean(frame.text)
        same = cleaned == frame.text
        await self.push_frame(frame if same else replace(frame, text=cleaned), direction)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._held = ""

    async def on_end(self, frame: EndFrame) -> None:
        # A response cut off without its end frame: say its last word before the call ends.
        await self._flush()

    async def _flush(self) -> None:
        if self._held:
            held, self._held = self._held, ""
            await self.push_frame(
                LLMTextFrame(text=self.clean(held), response_id=self._held_response_id)
            )
