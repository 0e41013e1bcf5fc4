"""The text-to-speech stage and the voice interface its vendors implement.

:class:`TTSProcessor` cuts text into sentences and pushes the frames of any
:class:`Voice`; a vendor implements the voice in its own folder:
``framekit.services.piper`` (``framekit[piper]``), ``framekit.services.http_tts``
(``framekit[http]``), ``framekit.services.espeak`` (the Debian ``espeak-ng``
binary). ``framekit.processors.tts.fallback.FallbackVoice`` is one voice after another.
"""

from framekit.processors.tts.base import TTSProcessor
from framekit.processors.tts.sentences import (
    DEFAULT_ABBREVIATIONS,
    SentenceAggregator,
    split_sentences,
)
from framekit.processors.tts.voice import ReportProblem, TTSError, Voice

__all__ = [
    "DEFAULT_ABBREVIATIONS",
    "ReportProblem",
    "SentenceAggregator",
    "TTSError",
    "TTSProcessor",
    "Voice",
    "split_sentences",
]
