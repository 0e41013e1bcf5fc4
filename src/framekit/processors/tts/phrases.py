"""A process-wide cache of fixed phrases, spoken once and replayed to every call.

Why: a greeting, a silence prompt or "please hold" is the same sentence on every
call. Synthesizing it again costs a voice's CPU on every call and, for a greeting,
the first audio the caller hears waits for it. A :class:`PhraseCache` keeps the
audio of :class:`~framekit.frames.TTSSpeakFrame` texts (what applications say
verbatim, not what an LLM writes) in the pipeline's output format, keyed by the
voice that spoke them, so the second call hears the phrase at once. It is bounded
in bytes and forgets the least recently used phrase first.

Sentences that a brain writes are kept too when the stage asks for it
(``TTSProcessor(repeated_sentences=True)``), but only from their second request
(:meth:`PhraseCache.repeated`): an offline intent engine answers "What are your
opening hours?" with the same templated sentences on every call, so the voice
speaks them once per process, while a sentence said once (an order's details)
never displaces the greeting.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

__all__ = ["DEFAULT_PHRASE_CACHE_BYTES", "PhraseCache"]

DEFAULT_PHRASE_CACHE_BYTES: Final = 16 * 1024 * 1024
"""16 MiB: about 8 minutes of 16 kHz speech, far more than an application's fixed phrases."""
_SEEN_SENTENCES: Final = 4096
"""Sentences whose first request :meth:`PhraseCache.repeated` remembers (the oldest forgotten)."""

_Key = tuple[str, int, str]


class PhraseCache:
    """Audio of fixed phrases by ``(voice, sample rate, text)``, at most ``max_bytes`` in all.

    Share one between the calls of a process (thread-safe). A voice without a stable
    identity (``phrase_key`` is ``None``) is never cached.
    """

    def __init__(self, max_bytes: int = DEFAULT_PHRASE_CACHE_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be > 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self._phrases: OrderedDict[_Key, bytes] = OrderedDict()
        self._bytes = 0
        self._seen: OrderedDict[_Key, None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._phrases)

    @property
    def size_bytes(self) -> int:
        """Bytes of audio held now."""
        return self._bytes

    def get(self, voice: str, sample_rate: int, text: str) -> bytes | None:
        """The phrase's audio, or ``None`` when it has not been spoken by that voice yet."""
        key = (voice, sample_rate, text.strip())
        with self._lock:
            audio = self._phrases.get(key)
            if audio is None:
                self.misses += 1
                return None
            self._phrases.move_to_end(key)
            self.hits += 1
            return audio

    def put(self, voice: str, sample_rate: int, text: str, audio: bytes) -> None:
        """Keep the phrase's audio (a phrase larger than the whole cache is not kept)."""
        if not audio or len(audio) > self.max_bytes:
            return
        key = (voice, sample_rate, text.strip())
        with self._lock:
            old = self._phrases.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._phrases[key] = audio
            self._bytes += len(audio)
            while self._bytes > self.max_bytes:
                _, dropped = self._phrases.popitem(last=False)
                self._bytes -= len(dropped)

    def repeated(self, voice: str, sample_rate: int, text: str) -> bool:
        """Note one request for a sentence; True when it was requested before.

        What decides whether a sentence that is not a fixed phrase is worth keeping:
        only repeated ones are. The first requests of the last few thousand sentences
        are remembered, not their audio.
        """
        key = (voice, sample_rate, text.strip())
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
            self._seen[key] = None
            if len(self._seen) > _SEEN_SENTENCES:
                self._seen.popitem(last=False)
            return False
