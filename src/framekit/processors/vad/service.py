"""What a speech detector is to the VAD stage that drives it.

The same split as the LLM, speech-recognition and TTS stages: a vendor implements a
small interface (:mod:`framekit.services.silero`, or a plugin's own folder), and one
stage processor, :class:`~framekit.processors.vad.processor.VADProcessor`, turns any
detector into speaking events: windows, the state machine, the level gate, the end of
the turn, interruptions. A detector knows nothing of frames; it only answers how likely
a window of audio is speech.

A detector is loaded once per process by the application and shared by every call;
each call opens its own :class:`SpeechStream` (its model state), so what is costly is
paid once and what is per call is cheap.
"""

from __future__ import annotations

from typing import Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["SpeechDetector", "SpeechStream", "SpeechWindow"]

SpeechWindow: TypeAlias = npt.NDArray[np.float32]
"""One window of mono audio: :attr:`SpeechDetector.window_samples` float32 samples in [-1, 1]."""


class SpeechStream(Protocol):
    """One call's stream of consecutive windows, scored in order.

    A stream is a sequence: the stage awaits each window's score before it sends the
    next, and a window's score depends on the windows heard before it.
    """

    async def probability(self, window: SpeechWindow, /) -> float:
        """How likely the next window is speech, from 0 to 1.

        ``window`` is the stage's kept buffer, refilled once the score is back: a
        stream that keeps a window past its score copies it.
        """
        ...

    def reset(self) -> None:
        """Forget all audio heard so far, as if the stream had just been opened."""
        ...

    def close(self) -> None:
        """Release what the stream holds; idempotent."""
        ...


class SpeechDetector(Protocol):
    """A speech model at one sample rate that scores fixed windows of audio.

    :class:`~framekit.services.silero.SileroVADEngine` is one. The stage consumes
    PCM16 mono at :attr:`sample_rate` and cuts it into :attr:`window_samples`
    windows, which must last a multiple of 8 ms (the blocks in which the stage
    measures the audio's level to date the end of speech).
    """

    @property
    def sample_rate(self) -> int:
        """Rate of the audio every stream must be given."""
        ...

    @property
    def window_samples(self) -> int:
        """Samples in each window a stream scores."""
        ...

    def open_stream(self) -> SpeechStream:
        """A fresh stream (nothing heard yet) for one call."""
        ...
