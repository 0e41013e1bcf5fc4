"""Keeps a caller's words in a language the bot does not serve away from its brain.

Why: an English intent engine or prompt given "¿Dónde está mi pedido?" answers
nonsense in English, or nothing the caller understands. Whisper names the
language of what it heard (a final :class:`~framekit.frames.TranscriptionFrame`'s
``language``); when that is not one the bot serves, the filter says so to the
caller in their language instead, and either puts them through to a person or lets
the conversation go on in English.

Rules, per call:

* a final transcript in a served language, or with no language (a recognizer that
  does not say, a keypad entry), passes untouched; so do interim transcripts;
* a final transcript in another language goes no further; a notice in that
  language is said instead (:mod:`~framekit.processors.language.notices`), at most
  ``max_notices`` times a call; after that such transcripts pass on to the brain,
  as if the filter were not there (a caller who keeps talking is not ignored);
* with a ``transfer_to`` number, the first notice says the caller is being put
  through and is followed by a :class:`~framekit.frames.TransferCallFrame`, once per
  call. It is the plain, uninterruptible transfer: a caller who talks over a notice
  in a language they may not follow still reaches the person. Words heard while it
  is on its way are dropped without another notice. If the carrier refuses it (a
  :class:`~framekit.frames.CallControlResultFrame` coming back), the call goes on,
  with the notices that invite the caller to speak English;
* a notice goes out as a :class:`~framekit.processors.language.voice.LanguageNoticeFrame`
  to the espeak-ng voice right after the filter; for a language with no notices of
  its own, or when espeak-ng is missing, the English notice is a plain
  :class:`~framekit.frames.TTSSpeakFrame` for the bot's own voice.

The recognizer already reported the caller's words to the call record (the record
keeps every hop's first sighting), so a transcript the filter holds back is still
recorded as what the caller said.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from loguru import logger

from framekit.frames import (
    CallControlResultFrame,
    TranscriptionFrame,
    TransferCallFrame,
    TTSSpeakFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.language.notices import (
    DEFAULT_NOTICES,
    ENGLISH_NOTICES,
    LanguageNotices,
    base_language,
)
from framekit.processors.language.voice import LanguageNoticeFrame, NoticeVoice

__all__ = ["LanguageFilter"]


class LanguageFilter(FrameProcessor):
    """Answers final transcripts in unserved languages with a notice (see the module docstring).

    ``languages``: the codes the bot serves (``"en"``, or ``"en-US"``: the part
    before the dash counts). ``transfer_to``: the number or SIP URI a person answers
    on ("": no transfer, the call goes on in English). ``voice``: the
    :class:`~framekit.processors.language.voice.NoticeVoice` placed right after this
    filter (``None``: every notice is the English one, in the bot's own voice).
    ``notices`` by language; ``fallback`` for the others.
    """

    def __init__(
        self,
        *,
        languages: Collection[str] = ("en",),
        transfer_to: str = "",
        max_notices: int = 2,
        voice: NoticeVoice | None = None,
        notices: Mapping[str, LanguageNotices] = DEFAULT_NOTICES,
        fallback: LanguageNotices = ENGLISH_NOTICES,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not languages:
            raise ValueError("languages must name at least one language the bot serves")
        if max_notices < 1:
            raise ValueError(f"max_notices must be >= 1, got {max_notices}")
        self.languages = frozenset(base_language(code) for code in languages)
        self.transfer_to = transfer_to
        self.max_notices = max_notices
        self._voice = voice
        self._notices = {base_language(code): said for code, said in notices.items()}
        self._fallback = fallback
        self.notices_said = 0
        """Notices said in this call."""
        self.transfer_asked = False
        """Whether this call's one transfer has been asked for."""
        self._transfer_pending = False

    def notices_for(self, language: str) -> LanguageNotices:
        """The notices said to a caller who speaks ``language`` (the fallback if none)."""
        return self._notices.get(base_language(language), self._fallback)

    def serves(self, language: str | None) -> bool:
        """Whether words in ``language`` go to the brain (``None``, unknown: they do)."""
        return language is None or not language.strip() or base_language(language) in self.languages

    @on_frame(TranscriptionFrame)
    async def _on_transcription(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        if self.serves(frame.language) or not frame.text.strip():
            await self.push_frame(frame, direction)
            return
        language = base_language(frame.language or "")
        if self._transfer_pending:
            logger.info(f"{self.name}: caller speaks {language!r}; the transfer is on its way")
            return
        if self.notices_said >= self.max_notices:
            logger.info(f"{self.name}: caller speaks {language!r}; notices spent, passed on")
            await self.push_frame(frame, direction)
            return
        self.notices_said += 1
        transfer = bool(self.transfer_to) and not self.transfer_asked
        said = self.notices_for(language)
        logger.info(
            f"{self.name}: caller speaks {language!r}, not served: notice "
            f"{self.notices_said}/{self.max_notices}{', then a transfer' if transfer else ''}"
        )
        await self.push_frame(self._speak(said, transfer))
        if transfer:
            self.transfer_asked = self._transfer_pending = True
            reason = f"the caller speaks {language!r}"
            await self.push_frame(TransferCallFrame(target=self.transfer_to, reason=reason))

    @on_frame(CallControlResultFrame)
    async def _on_call_control(
        self, frame: CallControlResultFrame, direction: FrameDirection
    ) -> None:
        if frame.action == "transfer":
            self._transfer_pending = False
        await self.push_frame(frame, direction)

    def _speak(self, said: LanguageNotices, transfer: bool) -> TTSSpeakFrame:
        notice = said.transfer if transfer else said.stay
        if notice.voice is None:
            return TTSSpeakFrame(text=notice.text)
        if self._voice is not None and self._voice.available:
            return LanguageNoticeFrame.of(notice)
        english = self._fallback.transfer if transfer else self._fallback.stay
        return TTSSpeakFrame(text=english.text)
