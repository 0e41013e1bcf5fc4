"""The voice of the language notices: espeak-ng in the caller's language, cached per process.

Why espeak-ng: the bot's own voice (Piper) speaks English only, and espeak-ng speaks
about a hundred languages from one Debian package with no model and no network, a
sentence in a few milliseconds. It is robotic, but a caller who hears their own
language understands that they were understood.

Why a processor of its own, right after the language filter
(:class:`~framekit.processors.language.filter.LanguageFilter`): a notice travels
between the two as a :class:`LanguageNoticeFrame`, a
:class:`~framekit.frames.TTSSpeakFrame`. The call recorder
(:mod:`framekit.storage.recorder`) sees that hop, so it keeps the notice's text as
the bot's words, and pairs it with the :class:`~framekit.frames.TTSStartedFrame`
span that :class:`NoticeVoice` pushes next, exactly as it pairs a greeting with the
TTS's span. The notice itself never goes further, so the bot's English voice never
reads it.

What leaves :class:`NoticeVoice` is what a TTS pushes for a fixed phrase
(``TTSStartedFrame``, one :class:`~framekit.frames.TTSAudioFrame` at the pipeline's
output rate, ``TTSStoppedFrame``): the output transport plays it, a barge-in drops
it, call records follow it, like any bot speech. The audio of each notice is
synthesized once per process (voice, output rate, text) in :data:`NOTICE_AUDIO`.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Final

from loguru import logger

from framekit.audio.convert import AudioConverter
from framekit.audio.format import AudioFormat, audio_format
from framekit.frames import (
    InterruptionFrame,
    StartFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.language.notices import Notice
from framekit.processors.tts.phrases import PhraseCache
from framekit.processors.tts.voice import TTSError
from framekit.services.espeak import EspeakVoice

__all__ = [
    "NOTICE_AUDIO",
    "NOTICE_WORDS_PER_MINUTE",
    "LanguageNoticeFrame",
    "NoticeVoice",
    "synthesize_notice",
]

NOTICE_AUDIO: Final = PhraseCache(max_bytes=16 * 1024 * 1024)
"""The process's notice audio: all 32 notices take about 7 MiB at 16 kHz, 3.5 MiB at 8 kHz."""

NOTICE_WORDS_PER_MINUTE: Final = 150
"""A little slower than espeak-ng's 175: a caller hears these words once, in a robotic voice."""

_ESPEAK = "espeak-ng"
_context_ids = itertools.count(1)


@dataclass(slots=True, eq=False)
class LanguageNoticeFrame(TTSSpeakFrame):
    """Say ``text`` in ``language`` with the espeak-ng ``voice``, reading ``spoken``.

    Pushed by the language filter to the :class:`NoticeVoice` right after it, which
    speaks it and does not pass it on. A :class:`~framekit.frames.TTSSpeakFrame` so
    that call records keep ``text`` as what the bot said.
    """

    language: str = ""
    voice: str = ""
    spoken: str = ""

    @classmethod
    def of(cls, notice: Notice) -> LanguageNoticeFrame:
        """The frame that says ``notice`` (which must name an espeak-ng voice)."""
        if notice.voice is None:
            raise ValueError(f"the {notice.language!r} notice names no espeak-ng voice")
        return cls(
            text=notice.text, language=notice.language, voice=notice.voice, spoken=notice.spoken
        )


async def synthesize_notice(
    voice: str,
    text: str,
    output: AudioFormat,
    *,
    words_per_minute: int = NOTICE_WORDS_PER_MINUTE,
    executable: str = _ESPEAK,
) -> bytes:
    """``text`` read by the espeak-ng ``voice``, as one buffer in ``output``'s format.

    The synthesis is :class:`~framekit.services.espeak.EspeakVoice`'s own
    (one ``espeak-ng`` process, text on stdin, killed if the caller cancels).
    Raises :class:`~framekit.processors.tts.TTSError` when espeak-ng fails.
    """
    speaker = EspeakVoice(voice=voice, words_per_minute=words_per_minute, executable=executable)
    parts: list[bytes] = []
    spoken: AudioFormat | None = None
    async with aclosing(speaker.synthesize(text)) as chunks:
        async for data, fmt in chunks:
            if spoken is not None and fmt != spoken:
                raise TTSError(f"espeak-ng changed its format mid-sentence: {spoken} -> {fmt}")
            spoken = fmt
            parts.append(data)
    if spoken is None:
        return b""
    converter = AudioConverter(spoken, output)
    return converter.convert(b"".join(parts)) + converter.flush()


class NoticeVoice(FrameProcessor):
    """Speaks each :class:`LanguageNoticeFrame` with espeak-ng, in the pipeline's output format.

    ``phrase_cache`` keeps each notice's audio for the process (default
    :data:`NOTICE_AUDIO`). :attr:`available` is false when espeak-ng is not
    installed; the filter before it then has the bot's own voice say the English
    notice instead. A notice that fails to synthesize is a non-fatal error and
    leaves an empty utterance (started, stopped), as a TTS's failed sentence does.

    A plain processor, not a queued one (no task per call for a rare event): the
    synthesis of a notice not yet cached (tens of milliseconds) runs in the
    recognizer's task, and a barge-in during it drops the notice.
    """

    def __init__(
        self,
        *,
        phrase_cache: PhraseCache = NOTICE_AUDIO,
        words_per_minute: int = NOTICE_WORDS_PER_MINUTE,
        executable: str = _ESPEAK,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._cache = phrase_cache
        self._words_per_minute = words_per_minute
        self._executable = executable
        self._output: AudioFormat | None = None
        self._interruptions = 0
        self.available = shutil.which(executable) is not None
        """Whether espeak-ng is installed (checked when built and at each call's start)."""

    async def on_start(self, frame: StartFrame) -> None:
        self._output = audio_format(frame.audio_out_sample_rate)
        self.available = shutil.which(self._executable) is not None
        if not self.available:
            logger.warning(
                f"{self.name}: {self._executable} is not installed (apt-get install espeak-ng): "
                "callers in other languages will hear the English notice"
            )

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._interruptions += 1

    async def warm_up(self, notices: Iterable[Notice], sample_rate: int = 16000) -> None:
        """Synthesize ``notices`` into the cache before the first call needs them."""
        output = audio_format(sample_rate)
        for notice in notices:
            if notice.voice is not None:
                await self._audio(notice.voice, notice.reading, output)

    @on_frame(LanguageNoticeFrame)
    async def _on_notice(self, frame: LanguageNoticeFrame, direction: FrameDirection) -> None:
        output = self._output
        if output is None:
            raise RuntimeError(f"{self.name} has not started: its output rate is unknown yet")
        interruptions = self._interruptions
        started = self.clock.now()
        try:
            audio = await self._audio(frame.voice, frame.spoken or frame.text, output)
        except Exception as exc:
            await self.push_error(f"{self.name} could not say the {frame.language!r} notice: {exc}")
            audio = b""
        if interruptions != self._interruptions:
            logger.debug(f"{self.name}: the caller barged in; the notice is dropped")
            return
        context_id = f"{self.name}:{next(_context_ids)}"
        await self.push_frame(TTSStartedFrame(context_id=context_id, text=frame.text))
        if audio:
            await self.report_metric(
                "ttfb", self.clock.now() - started, model=f"{_ESPEAK}/{frame.voice}"
            )
            await self.push_frame(TTSAudioFrame(audio=audio, format=output, context_id=context_id))
        await self.push_frame(TTSStoppedFrame(context_id=context_id))

    async def _audio(self, voice: str, text: str, output: AudioFormat) -> bytes:
        key = f"{_ESPEAK}/{voice}/{self._words_per_minute}"
        audio = self._cache.get(key, output.sample_rate, text)
        if audio is None:
            audio = await synthesize_notice(
                voice,
                text,
                output,
                words_per_minute=self._words_per_minute,
                executable=self._executable,
            )
            self._cache.put(key, output.sample_rate, text, audio)
        return audio
