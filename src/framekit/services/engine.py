"""What every in-process recognizer engine shares: its threads and its process-wide cache.

Why here and not in a vendor folder: Whisper and Moonshine both run a loaded model
on a pool of worker threads, shared by every call, and a vendor folder never imports
another vendor. What a recognizer takes and answers is the stage's
(:mod:`framekit.processors.stt.transcript`); this module is only how a local model
decodes without blocking the event loop and is loaded once per process.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from framekit.frames.speech import ExpectedSpeech
from framekit.models.batching import BatchQueue
from framekit.models.scheduling import EARLY, FINAL, FairExecutor
from framekit.processors.stt.transcript import (
    SAMPLE_RATE,
    RecognitionRequest,
    SpeechAudio,
    Transcript,
)

__all__ = ["RecognizerEngine", "audio_seconds", "model_key", "to_float32", "usable_cores"]


def to_float32(audio: SpeechAudio) -> npt.NDArray[np.float32]:
    """The models' input: mono float32 in [-1, 1]."""
    if isinstance(audio, bytes | bytearray | memoryview):
        raw = memoryview(audio).cast("B")
        if raw.nbytes % 2:
            raise ValueError(f"PCM16 audio must have an even byte count, got {raw.nbytes}")
        audio = np.frombuffer(raw, dtype="<i2")
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio (1-D), got shape {audio.shape}")
    if audio.dtype.kind == "i" and audio.dtype.itemsize == 2:
        return np.multiply(audio, 1.0 / 32768.0, dtype=np.float32)
    if audio.dtype == np.float32:
        return np.asarray(audio, dtype=np.float32)
    raise TypeError(f"expected int16 or float32 samples, got {audio.dtype}")


def audio_seconds(audio: SpeechAudio) -> float:
    """Length of ``audio`` in seconds (what a decode's cost grows with)."""
    if isinstance(audio, bytes | bytearray | memoryview):
        return memoryview(audio).nbytes / (2 * SAMPLE_RATE)
    return len(audio) / SAMPLE_RATE


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def model_key(model: str | Path) -> str:
    """One spelling per model: a folder by its resolved path, a name as given."""
    path = Path(model).expanduser()
    return str(path.resolve()) if path.is_dir() else str(model)


_E = TypeVar("_E", bound="RecognizerEngine")


class RecognizerEngine:
    """A loaded model shared by every call, decoding on its own pool of worker threads.

    Subclasses load their model, implement :meth:`transcribe` (blocking,
    thread-safe) and get their process-wide instance through :meth:`_shared`.
    :meth:`transcribe_async` runs decodes on ``workers`` threads, so at most that
    many utterances decode at once and the rest queue instead of fighting over
    the cores. The queue is a :class:`~framekit.models.scheduling.FairExecutor`:
    final transcripts before speculative ones, the shortest audio first, so one
    caller's long utterance never holds another caller's answer.

    :meth:`transcribe_batch` is the batch entry point (one decode for several
    callers' utterances). An engine whose :attr:`max_batch` is above 1 gathers the
    requests that wait at the same moment into one call of it
    (:class:`~framekit.models.batching.BatchQueue`); the others decode one by one.
    """

    max_batch: int = 1
    """Most utterances in one :meth:`transcribe_batch` run from :meth:`transcribe_async`."""
    coalesce: float = 0.0
    """Seconds a lone request waits for others before its run (:mod:`framekit.models.batching`)."""

    _instances: ClassVar[dict[tuple[type, Hashable], RecognizerEngine]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, *, name: str, device: str, compute_type: str, workers: int, load_seconds: float
    ) -> None:
        self.name = name
        self.device = device
        self.compute_type = compute_type
        self.workers = workers
        self.load_seconds = load_seconds
        prefix = type(self).__name__.removesuffix("Engine").lower()
        self._executor = FairExecutor(workers, name=f"framekit-{prefix}")
        self.batches: BatchQueue[RecognitionRequest, Transcript] = BatchQueue(
            self._executor,
            self.transcribe_batch,
            max_batch=self.max_batch,
            fits=self._fits,
            coalesce=self.coalesce,
        )
        """The queue :meth:`transcribe_async` runs through (its ``runs`` and ``requests``
        give the mean batch size)."""

    @classmethod
    def _shared(cls: type[_E], key: Hashable, load: Callable[[], _E]) -> _E:
        """The process's engine for ``key``, made by ``load`` on first use (once)."""
        with RecognizerEngine._instances_lock:
            engine = RecognizerEngine._instances.get((cls, key))
            if engine is None:
                engine = load()
                RecognizerEngine._instances[(cls, key)] = engine
            assert isinstance(engine, cls)
            return engine

    def transcribe(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        beam_size: int = 1,
        timestamps: bool = False,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        """Transcribe one utterance of 16 kHz mono audio (blocking; thread-safe).

        ``expect`` is what the dialogue asked for; an engine that can be biased
        toward it does so, the others ignore it.
        """
        raise NotImplementedError

    def transcribe_batch(self, requests: Sequence[RecognitionRequest]) -> list[Transcript]:
        """Transcribe several utterances (blocking; thread-safe): one result per request, in order.

        The entry point for anything that gathers many callers' utterances (the
        engine's own queue, a model server). Here each is decoded alone; an engine
        that can decode rows together (Moonshine) overrides it with one run.
        """
        return [
            self.transcribe(
                r.audio,
                r.language,
                prompt=r.prompt,
                beam_size=r.beam_size,
                timestamps=r.timestamps,
                expect=r.expect,
            )
            for r in requests
        ]

    def _fits(self, first: RecognitionRequest, other: RecognitionRequest) -> bool:
        """Whether ``other`` may share a :meth:`transcribe_batch` run with ``first``."""
        return True

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        beam_size: int = 1,
        timestamps: bool = False,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        """:meth:`transcribe` on the engine's worker pool, leaving the event loop free.

        ``urgent=False`` marks work that only helps if it finishes early (a
        speculative or interim decode): every urgent decode overtakes it. ``expect``
        goes to :meth:`transcribe`. Cancelling
        the awaiting task drops a decode that has not started; one that already
        started is marked abandoned (:attr:`RecognitionRequest.abandoned`): Moonshine
        stops it at its next decoder step, Whisper lets it finish in its thread.
        """
        abandoned = threading.Event()
        request = RecognitionRequest(
            audio, language, prompt, beam_size, timestamps, expect, abandoned
        )
        rank = FINAL if urgent else EARLY
        try:
            return await self.batches.run(request, rank=rank, cost=audio_seconds(audio))
        except asyncio.CancelledError:
            abandoned.set()
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.device}/{self.compute_type})"
