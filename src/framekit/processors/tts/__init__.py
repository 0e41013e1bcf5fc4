"""Text-to-speech processors and the sentence cutting they share.

Every TTS processor derives from :class:`SentenceTTSProcessor` (sentences, frames,
conversion to the output rate, interruptions) and implements ``synthesize``.
Voices live in their own modules: ``framekit.processors.tts.piper``
(``framekit[piper]``), ``framekit.processors.tts.http`` (``framekit[http]``),
``framekit.processors.tts.espeak`` (the Debian ``espeak-ng`` binary) and
``framekit.processors.tts.fallback`` (one voice after another).
"""

from framekit.processors.tts.base import SentenceTTSProcessor, TTSError
from framekit.processors.tts.sentences import (
    DEFAULT_ABBREVIATIONS,
    SentenceAggregator,
    split_sentences,
)

__all__ = [
    "DEFAULT_ABBREVIATIONS",
    "SentenceAggregator",
    "SentenceTTSProcessor",
    "TTSError",
    "split_sentences",
]
