"""How the utterance stage cuts and decodes, and what it counts: its settings and stats.

A module of its own so that :mod:`framekit.processors.stt.utterance` holds the
stage's work only; both names are exported from there too. ``speculative`` and
``pause_seconds`` are explained in that module's docstring, with the work they shape;
the others here.

Why ``pre_roll``: the VAD confirms speech only after hearing some of it, so the
start event arrives late, and the first syllable would be lost. The stage keeps
the last :data:`MAX_LOOKBACK` seconds of audio and puts in front of the utterance
everything from ``pre_roll`` seconds before the onset: the event's ``started_at``
(the time speech really began, as the VAD computed it), or the event itself when
``started_at`` is not given.

Why ``expect``: after the bot asks for an order number, a misheard digit costs the
caller a whole turn. The dialogue says what it asked for with an upstream
:class:`~framekit.frames.ExpectedSpeechFrame`; the processor hands it to the engine
with every decode until the next one, and an engine that can be biased uses it
(Moonshine favours number words when digits are expected).

``interim_results`` pushes each early decode's words as an
:class:`~framekit.frames.InterimTranscriptionFrame`, and also decodes the growing
utterance every ``interim_interval`` seconds of audio for them (a live caption).
``interim_interval=None`` makes no decode of its own: the interims are then the
decodes at pauses only, which is all an end-of-turn policy reads (it counts words
that cover the end of speech, :mod:`framekit.processors.vad.turn_end`). A phone call
has no caption to show, and those decodes were most of the recognizer's work per turn
(``docs/benchmarks.md``).

``written_forms`` (on by default): every transcript leaves in
:func:`~framekit.text.written_form`, so "four two seven one" is "4271" whichever
engine heard it; ``False`` keeps the engine's own text.

Why ``max_utterance_seconds``: a caller who talks for two minutes (or music on the
line, which a VAD takes for speech) would grow one utterance without limit, and its
decode would cost seconds of the recognizer that every call shares. At the limit the
utterance is cut: what was said so far is decoded and pushed as a final
:class:`~framekit.frames.TranscriptionFrame` with ``cut=True`` (the conversation can
answer it, or ask the caller to be brief), and the rest of that stretch of speech is
not kept, until the VAD reports the end of it. Memory per call is so bounded too.

Why ``last_words_timeout``: a caller who says something and hangs up at once ends
the call with a :class:`~framekit.frames.CancelFrame` (cause
``caller_hung_up``), which would discard the utterance still being decoded, and
the call record would lose the caller's last words. On such a cancel the processor
finishes the pending utterance first (at most ``last_words_timeout`` seconds) and
pushes its final transcript ahead of the cancel, so a record point after this stage
keeps it. Other cancels (an error, a shutdown) pass at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_MAX_UTTERANCE_SECONDS",
    "MAX_LOOKBACK",
    "UtteranceOptions",
    "UtteranceSTTStats",
]

MAX_LOOKBACK = 2.0
"""Seconds of audio kept from before a start event (the pre-roll cannot reach further)."""
MIN_UTTERANCE_SECONDS = 0.1
"""Shorter stretches (a click the VAD took for speech) are not decoded."""
DEFAULT_MAX_UTTERANCE_SECONDS = 15.0
"""Longer than a caller's question or answer; a decode of it costs ~0.3 s and ~30 MB."""


@dataclass(slots=True)
class UtteranceSTTStats:
    """What the processor's worker has done in this call (for tests and benchmarks)."""

    decodes: int = 0
    """Model runs, early and final."""
    early_decodes: int = 0
    """Runs on an unfinished utterance (at a pause, or for interim results)."""
    early_audio_until: float = -math.inf
    """Clock time at which the newest audio of the latest early decode arrived."""
    abandoned: int = 0
    """Early decodes stopped as stale: the caller spoke again after their pause, or the
    stop placed the end of speech past their audio (the utterance is decoded whole)."""
    reused: int = 0
    """Final transcripts taken from an early decode, with no decode after the stop event."""
    final_latencies: list[float] = field(default_factory=list)
    """Seconds from each stop event to its final transcript being pushed, in order."""
    cut: int = 0
    """Utterances cut at ``max_utterance_seconds``."""


@dataclass(frozen=True, slots=True)
class UtteranceOptions:
    """How an utterance is cut and decoded, whatever the recognizer (see the module docstring).

    Validated when made, so a bad setting fails where it is written, not mid-call.
    """

    language: str | None = "en"
    """An ISO code; ``None`` lets a recognizer that can (Whisper) detect it per utterance."""
    prompt: str | None = None
    """Vocabulary to bias toward, where the recognizer supports it."""
    user_id: str = ""
    pre_roll: float = 0.3
    """Seconds of audio kept from before the VAD's start (at most :data:`MAX_LOOKBACK` more)."""
    speculative: bool = True
    """Decode at the first pause of ``pause_seconds``, before the VAD's stop."""
    pause_seconds: float = 0.2
    max_utterance_seconds: float = DEFAULT_MAX_UTTERANCE_SECONDS
    interim_results: bool = False
    interim_interval: float | None = 1.0
    """Seconds of audio between two interim decodes; ``None``: interims at pauses only."""
    written_forms: bool = True
    last_words_timeout: float = 3.0
    """Seconds a caller's hang-up waits for their last utterance's transcript (0: none)."""

    def __post_init__(self) -> None:
        if self.max_utterance_seconds <= MIN_UTTERANCE_SECONDS:
            raise ValueError(
                f"max_utterance_seconds must be > 0.1, got {self.max_utterance_seconds}"
            )
        for setting in ("pre_roll", "pause_seconds", "last_words_timeout"):
            if getattr(self, setting) < 0:
                raise ValueError(f"{setting} must be >= 0, got {getattr(self, setting)}")
        if self.interim_interval is not None and self.interim_interval <= 0:
            raise ValueError(f"interim_interval must be > 0, got {self.interim_interval}")
