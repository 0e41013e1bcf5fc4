"""Kept so older imports work: the WER helpers live in :mod:`accuracy.wer`."""

from __future__ import annotations

from accuracy.wer import normalize_words, word_error_rate

__all__ = ["normalize_words", "word_error_rate"]
