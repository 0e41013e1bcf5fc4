"""The language gate: the language filter and the voice of its notices, placed as one processor.

Why one object: the filter's notices are meant for the voice right after it and
for no other (the bot's English voice must never read them), so an application
places both at once, right after speech recognition::

    input -> VAD -> STT -> LanguageGate -> keypad -> brain -> call flow -> TTS -> output

Like any :class:`~framekit.pipeline.Pipeline`, it adds no hop of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from framekit.pipeline.pipeline import Pipeline
from framekit.processors.language.filter import LanguageFilter
from framekit.processors.language.notices import DEFAULT_NOTICES, ENGLISH_NOTICES, LanguageNotices
from framekit.processors.language.voice import (
    NOTICE_AUDIO,
    NOTICE_WORDS_PER_MINUTE,
    NoticeVoice,
)
from framekit.processors.tts.phrases import PhraseCache

__all__ = ["LanguageGate"]


class LanguageGate(Pipeline):
    """Tells a caller in their own language that the line serves ``languages`` only.

    ``languages``, ``transfer_to``, ``max_notices``, ``notices`` and ``fallback``
    are the :class:`~framekit.processors.language.filter.LanguageFilter`'s;
    ``phrase_cache`` and ``words_per_minute`` the
    :class:`~framekit.processors.language.voice.NoticeVoice`'s.
    """

    def __init__(
        self,
        *,
        languages: Collection[str] = ("en",),
        transfer_to: str = "",
        max_notices: int = 2,
        notices: Mapping[str, LanguageNotices] = DEFAULT_NOTICES,
        fallback: LanguageNotices = ENGLISH_NOTICES,
        phrase_cache: PhraseCache = NOTICE_AUDIO,
        words_per_minute: int = NOTICE_WORDS_PER_MINUTE,
        name: str | None = None,
    ) -> None:
        self.voice = NoticeVoice(phrase_cache=phrase_cache, words_per_minute=words_per_minute)
        self.filter = LanguageFilter(
            languages=languages,
            transfer_to=transfer_to,
            max_notices=max_notices,
            voice=self.voice,
            notices=notices,
            fallback=fallback,
        )
        self._notices = notices
        self._fallback = fallback
        super().__init__([self.filter, self.voice], name=name)

    @property
    def notices_said(self) -> int:
        """Notices said in this call."""
        return self.filter.notices_said

    @property
    def transfer_asked(self) -> bool:
        """Whether this call's one transfer has been asked for."""
        return self.filter.transfer_asked

    @property
    def phrases(self) -> tuple[str, ...]:
        """What the bot's own voice may say for the gate (to fill its phrase cache)."""
        return (self._fallback.stay.text, self._fallback.transfer.text)

    async def warm_up(self, sample_rate: int = 16000) -> None:
        """Synthesize every notice into the process's cache, so no caller waits for one.

        About 70 ms a notice (2 s for all 32 on a 2-core machine, 7 MiB at 16 kHz);
        a server awaits it before it listens.
        """
        said = [self._fallback, *self._notices.values()]
        await self.voice.warm_up(
            [notice for notices in said for notice in (notices.stay, notices.transfer)],
            sample_rate,
        )
