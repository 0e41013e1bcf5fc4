"""Callers who speak a language the bot does not serve: told so in their language.

Place a :class:`LanguageGate` right after speech recognition. When a final
transcript's ``language`` (Whisper's identification) is not one the bot serves, the
caller hears a short notice in their own language, spoken by espeak-ng, and is put
through to a person or invited to go on in English; the brain never sees the words.

* :mod:`~framekit.processors.language.notices`: what is said, by language;
* :mod:`~framekit.processors.language.filter`: what the gate decides, per call;
* :mod:`~framekit.processors.language.voice`: how a notice is spoken and cached;
* :mod:`~framekit.processors.language.gate`: both processors, placed as one.

See ``docs/languages.md``.
"""

from framekit.processors.language.filter import LanguageFilter
from framekit.processors.language.gate import LanguageGate
from framekit.processors.language.notices import (
    DEFAULT_NOTICES,
    ENGLISH_NOTICES,
    LanguageNotices,
    Notice,
    base_language,
)
from framekit.processors.language.voice import (
    NOTICE_AUDIO,
    LanguageNoticeFrame,
    NoticeVoice,
    synthesize_notice,
)

__all__ = [
    "DEFAULT_NOTICES",
    "ENGLISH_NOTICES",
    "NOTICE_AUDIO",
    "LanguageFilter",
    "LanguageGate",
    "LanguageNoticeFrame",
    "LanguageNotices",
    "Notice",
    "NoticeVoice",
    "base_language",
    "synthesize_notice",
]
