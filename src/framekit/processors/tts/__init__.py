"""Text-to-speech processors and the sentence cutting they share.

Vendor processors live in their own modules behind optional extras:
``framekit.processors.tts.piper`` (``framekit[piper]``).
"""

from framekit.processors.tts.sentences import (
    DEFAULT_ABBREVIATIONS,
    SentenceAggregator,
    split_sentences,
)

__all__ = ["DEFAULT_ABBREVIATIONS", "SentenceAggregator", "split_sentences"]
