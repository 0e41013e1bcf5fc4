"""One call's view of the shared Silero engine: the stage's speech stream.

:class:`SileroVADStream` is what :meth:`SileroVADEngine.open_stream` hands a call; it
is a :class:`~framekit.processors.vad.service.SpeechStream`, so
:class:`~framekit.processors.vad.processor.VADProcessor` awaits its windows directly
(no adapter between the stage and the model: one await per window, as before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self, TypeAlias

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from framekit.services.silero.engine import SileroVADEngine

__all__ = ["SileroVADStream", "VADChunk"]

VADChunk: TypeAlias = npt.NDArray[np.float32] | npt.NDArray[np.int16] | bytes | bytearray
"""One window of mono audio: float32 in [-1, 1], int16 samples, or PCM16 little-endian bytes."""

_F32 = npt.NDArray[np.float32]


def _to_float32(chunk: VADChunk, window: int) -> _F32:
    """One window as float32; bytes are PCM16 little-endian, the pipeline's working encoding."""
    if isinstance(chunk, bytes | bytearray):
        samples: npt.NDArray[Any] = np.frombuffer(chunk, dtype="<i2")
    else:
        samples = np.asarray(chunk)
    if samples.dtype == np.int16 or samples.dtype == np.dtype("<i2"):
        audio = samples.astype(np.float32) * np.float32(1.0 / 32768.0)
    elif samples.dtype.kind == "f":
        audio = samples.astype(np.float32, copy=False)
    else:
        raise TypeError(f"VAD audio must be float32, int16 or PCM16 bytes, got {samples.dtype}")
    if audio.shape != (window,):
        raise ValueError(f"VAD window must be {window} mono samples, got shape {audio.shape}")
    return audio


class SileroVADStream:
    """One call's view of the shared model: its own recurrent state and audio context.

    Feed consecutive windows of one audio stream, one at a time: a stream is a
    sequence, so asking for a second window before the first has been scored is
    an error. A window whose ``await`` is cancelled before its run starts is not
    consumed; once its run has started, it is.
    """

    __slots__ = ("_busy", "_closed", "_engine", "_slot")

    def __init__(self, engine: SileroVADEngine, slot: int) -> None:
        self._engine = engine
        self._slot = slot
        self._busy = False
        self._closed = False

    @property
    def engine(self) -> SileroVADEngine:
        """The shared engine this stream scores on."""
        return self._engine

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    async def probability(self, chunk: VADChunk) -> float:
        """Speech probability of the next window, batched with other calls' windows."""
        audio = self._claim(chunk)
        try:
            return await self._engine._batcher().submit(self._slot, audio)
        finally:
            self._busy = False

    def probability_sync(self, chunk: VADChunk) -> float:
        """Speech probability of the next window, run alone in the calling thread."""
        audio = self._claim(chunk)
        try:
            slots = np.array([self._slot], dtype=np.intp)
            return float(self._engine._infer(slots, audio[np.newaxis])[0])
        finally:
            self._busy = False

    def reset(self) -> None:
        """Forget all audio heard so far, as if the stream had just been opened."""
        if not self._closed:
            self._engine._reset_slot(self._slot)

    def close(self) -> None:
        """Give the stream's slot back to the engine; idempotent."""
        if not self._closed:
            self._closed = True
            self._engine._release_slot(self._slot)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _claim(self, chunk: VADChunk) -> _F32:
        if self._closed or self._engine.closed:
            raise RuntimeError("VAD stream or its engine is closed")
        if self._busy:
            raise RuntimeError("VAD stream already has a window being scored")
        audio = _to_float32(chunk, self._engine.window_samples)
        self._busy = True
        return audio
