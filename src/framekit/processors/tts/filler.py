"""Finishes, off every call's path, the cached sentences that an interruption cut.

Why: a sentence enters the :class:`~framekit.processors.tts.phrases.PhraseCache` only
once it has been spoken in full. When callers talk over the bot (a contact center's
usual turn), the sentence being synthesized is cut with the caller's stream, so a
templated answer is never kept and every later request synthesizes it again: under
such a load the voice was 40-54 % of a server's CPU with 13 of 128 syntheses
finished. A :class:`PhraseFiller` speaks such a sentence once more, in full, into the
cache, so the next request replays it.

Why it lives beside the cache and speaks with the warm-up's voice: a call's voice
speaks one text at a time and belongs to its call (a fallback voice tracks which of
its voices is speaking; a call closes its voice when it ends), so the filler cannot
borrow it. :meth:`TTSProcessor.warm_up` already speaks texts into the cache outside
any call with a voice of its own; it hands that voice to one filler per cache
(:attr:`PhraseCache.filler`), which prepares it before a run of fills and closes it
after, as the warm-up does, and keeps what the voice says is cacheable
(:meth:`Voice.last_cacheable`: a fallback's stand-in is never kept).

Why it can never slow a call down more than the re-request it saves: it speaks one
sentence at a time, from a small queue (extras and duplicates are dropped), and only
while no call is synthesizing: between two chunks it waits until every live sentence
on this cache has finished (:meth:`PhraseFiller.live`). Its task ends when the queue
is empty; :meth:`PhraseFiller.aclose` ends it at shutdown. Failures are logged.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from loguru import logger

from framekit.tasks import TaskOwner

if TYPE_CHECKING:
    from framekit.audio.format import AudioFormat
    from framekit.processors.tts.phrases import PhraseCache
    from framekit.processors.tts.voice import Voice

__all__ = ["DEFAULT_FILL_QUEUE", "PhraseFiller"]

DEFAULT_FILL_QUEUE: Final = 8
"""Cut sentences waiting to be finished, at most; later ones are dropped (asked again later)."""


class PhraseFiller:
    """Speaks cut sentences into ``cache`` with ``voice`` (never used by a call), one at a time.

    ``fmt`` is the audio format the cache keeps for this voice (the warm-up's);
    :meth:`offer` ignores sentences of another voice or rate.
    """

    def __init__(
        self,
        cache: PhraseCache,
        voice: Voice,
        fmt: AudioFormat,
        *,
        max_queued: int = DEFAULT_FILL_QUEUE,
    ) -> None:
        self.cache = cache
        self.voice = voice
        self.format = fmt
        self.max_queued = max_queued
        self.filled = 0
        """Sentences spoken into the cache so far."""
        self.dropped = 0
        """Sentences offered while the queue was full."""
        self._queue: OrderedDict[str, None] = OrderedDict()
        self._live = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks = TaskOwner("phrase-filler")
        self._task: asyncio.Task[None] | None = None

    @property
    def queued(self) -> list[str]:
        """The sentences waiting, oldest first (not the one being spoken)."""
        return list(self._queue)

    @contextmanager
    def live(self) -> Iterator[None]:
        """Marks a call's synthesis in progress: the filler waits until none is."""
        self._live += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._live -= 1
            if not self._live:
                self._idle.set()

    def offer(self, key: str, sample_rate: int, text: str) -> bool:
        """Queue ``text`` to be finished into the cache; False when it is not taken.

        Never waits: a sentence of another voice or rate, one cached or queued
        already, or one past the queue's bound is not taken.
        """
        text = text.strip()
        if key != self.voice.phrase_key or sample_rate != self.format.sample_rate:
            return False
        if text in self._queue or self.cache.has(key, sample_rate, text):
            return False
        if len(self._queue) >= self.max_queued:
            self.dropped += 1
            return False
        self._queue[text] = None
        if self._task is None or self._task.done():
            self._task = self._tasks.create_task(self._fill(), "fill")
        return True

    async def aclose(self) -> None:
        """Stop: forget the queue and end the sentence in progress (at process shutdown)."""
        self._queue.clear()
        await self._tasks.close()
        self._tasks = TaskOwner("phrase-filler")
        self._task = None

    async def _fill(self) -> None:
        """Speak the queue in order until it is empty (also of what came while closing)."""
        while self._queue:
            await self._run()

    async def _run(self) -> None:
        """Prepare the voice, speak what is queued, close the voice."""
        from framekit.processors.tts.base import speak_into

        voice, fmt = self.voice, self.format
        try:
            await voice.prepare(fmt, _log_problem)
            while self._queue:
                text, _ = self._queue.popitem(last=False)
                await self._idle.wait()
                if self.cache.has(str(voice.phrase_key), fmt.sample_rate, text):
                    continue
                try:
                    if await speak_into(self.cache, voice, fmt, text, self._idle.wait):
                        self.filled += 1
                except Exception:
                    logger.exception(f"phrase filler: {voice.name} could not speak {text!r}")
        except Exception:
            self._queue.clear()  # a voice that cannot be prepared fills nothing now
            logger.exception(f"phrase filler: {voice.name} could not be prepared")
        finally:
            try:
                await voice.close()
            except Exception:
                logger.exception(f"phrase filler: closing {voice.name} failed")


async def _log_problem(message: str) -> None:
    logger.warning(f"phrase filler: {message}")
