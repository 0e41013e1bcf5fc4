"""When a stream of speech probabilities becomes an utterance: VAD parameters and states.

Kept apart from any model: the machine only sees ``(probability, samples)`` pairs,
one per scored window, and counts time in *samples of audio*, never on a wall
clock. That makes a decision land at the same point of the audio however fast the
model ran, and lets tests replay a recording and get exact, repeatable events.

The machine has two thresholds (hysteresis, as Silero's own ``get_speech_timestamps``):
a window must reach ``start_threshold`` to open an utterance, and speech goes on
until windows fall below ``stop_threshold``. Two durations filter the edges: an
onset must last ``min_speech_duration`` before it counts (coughs and clicks do
not interrupt the bot), and a pause must last ``min_silence_duration`` before the
turn is over (breaths between words do not end it)::

    QUIET --p >= start--> STARTING --held min_speech--> SPEAKING   (emit STARTED)
      ^                      |                             |  p < stop
      |                      +--p < stop--> QUIET          v
      +--------- silent min_silence (emit STOPPED) ---- STOPPING --p >= start--> SPEAKING
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

__all__ = ["SpeechStateMachine", "VADEvent", "VADParams", "VADState"]


@dataclass(frozen=True, slots=True)
class VADParams:
    """Thresholds and durations that turn speech probabilities into utterances."""

    start_threshold: float = 0.5
    """Probability a window must reach to open (or resume) an utterance."""
    stop_threshold: float = 0.35
    """Probability below which a window counts as silence once speech has begun."""
    min_speech_duration: float = 0.2
    """Seconds an onset must hold before the caller counts as speaking (and interrupts)."""
    min_silence_duration: float = 0.5
    """Seconds of silence after speech before the caller counts as stopped."""
    end_lookback: float = 0.4
    """How far before the model's end the energy envelope may place the true end of
    speech (see :mod:`framekit.processors.vad.endpoint`); 0 trusts the model as is.
    0.4 s: Silero's end lags a last word's loud part by its soft tail and then its own
    80-140 ms; on Piper's "... opening hours?" through Opus it lay 216-276 ms after the
    last 20 ms over -34 dBFS (0.25 s left the end in the tail on 2 turns of 6), and at
    8 kHz mu-law it lags even an abrupt end by more than 0.16 s."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.stop_threshold <= self.start_threshold <= 1.0:
            raise ValueError(
                "need 0 <= stop_threshold <= start_threshold <= 1, got "
                f"stop={self.stop_threshold} start={self.start_threshold}"
            )
        for name in ("min_speech_duration", "min_silence_duration", "end_lookback"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value}")


class VADState(Enum):
    """Where the caller is, as far as voice activity goes."""

    QUIET = "quiet"
    STARTING = "starting"
    """Speech heard, but not for ``min_speech_duration`` yet."""
    SPEAKING = "speaking"
    STOPPING = "stopping"
    """Silence heard after speech, but not for ``min_silence_duration`` yet."""


class VADEvent(Enum):
    """A confirmed change that the processor announces."""

    STARTED = "started"
    STOPPED = "stopped"


class SpeechStateMachine:
    """Hysteresis and minimum durations over windows of scored audio, timed in samples.

    Positions are sample indices from the start of the stream: :attr:`position` is
    how much audio has been scored, :attr:`speech_start` where the current (or
    last) utterance began, :attr:`speech_end` where the model heard it end (or,
    while stopping, where its silence began), and :attr:`end_of_speech` where the
    voice really ended.

    ``refine_end`` maps the model's end to the voice's, never later (the processor
    passes its energy envelope's, :mod:`framekit.processors.vad.endpoint`); it is
    asked on every window while stopping, with the window already heard. The silence
    that ends an utterance counts from its answer, so the model's own lag past the
    voice does not lengthen every turn.
    """

    __slots__ = (
        "_min_speech",
        "_refine_end",
        "_start",
        "_stop",
        "end_of_speech",
        "min_silence",
        "position",
        "sample_rate",
        "speech_end",
        "speech_start",
        "state",
    )

    def __init__(
        self,
        params: VADParams,
        sample_rate: int,
        refine_end: Callable[[int], int] | None = None,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        self.sample_rate = sample_rate
        self._start = params.start_threshold
        self._stop = params.stop_threshold
        self._min_speech = round(params.min_speech_duration * sample_rate)
        self.min_silence = round(params.min_silence_duration * sample_rate)
        """Samples of silence that end an utterance; an end-of-turn policy may change it
        between updates (:mod:`framekit.processors.vad.turn_end`)."""
        self.state = VADState.QUIET
        self.position = 0
        self.speech_start = 0
        self.speech_end = 0
        self.end_of_speech = 0
        self._refine_end = refine_end

    @property
    def speaking(self) -> bool:
        """True between a STARTED event and the next STOPPED event."""
        return self.state is VADState.SPEAKING or self.state is VADState.STOPPING

    def seconds(self, samples: int) -> float:
        """``samples`` of this stream in seconds."""
        return samples / self.sample_rate

    def update(self, probability: float, samples: int) -> VADEvent | None:
        """Account for the next ``samples`` of audio, scored ``probability``; return any event."""
        begin = self.position
        end = self.position = begin + samples
        state = self.state
        if state is VADState.QUIET:
            if probability >= self._start:
                self.speech_start = begin
                return self._confirm_start(end)
        elif state is VADState.STARTING:
            if probability < self._stop:
                self.state = VADState.QUIET
            else:
                return self._confirm_start(end)
        elif state is VADState.SPEAKING:
            if probability < self._stop:
                self.speech_end = begin
                return self._confirm_stop(end)
        elif probability >= self._start:
            self.state = VADState.SPEAKING
        else:
            return self._confirm_stop(end)
        return None

    def reset(self) -> None:
        """Back to quiet at the current position (the stream restarted)."""
        self.state = VADState.QUIET

    def _confirm_start(self, end: int) -> VADEvent | None:
        if end - self.speech_start >= self._min_speech:
            self.state = VADState.SPEAKING
            return VADEvent.STARTED
        self.state = VADState.STARTING
        return None

    def _confirm_stop(self, end: int) -> VADEvent | None:
        refine = self._refine_end
        self.end_of_speech = self.speech_end if refine is None else refine(self.speech_end)
        if end - self.end_of_speech >= self.min_silence:
            self.state = VADState.QUIET
            return VADEvent.STOPPED
        self.state = VADState.STOPPING
        return None
