"""The utterance stage's audio: the caller's utterance, its early decode, the pre-roll.

What :class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor` keeps per call,
apart from the frames and the worker that drive it: the bytes of the utterance and
the level of its tail (a pause, or the caller speaking again), the audio from before
the VAD's start event, and where the VAD's end of speech lies in the bytes.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field

from framekit.audio import AudioConverter, AudioFormat
from framekit.processors.stt._level import pcm16_rms
from framekit.processors.stt.transcript import Transcript
from framekit.processors.stt.utterance_options import (
    MAX_LOOKBACK,
    MIN_UTTERANCE_SECONDS,
    UtteranceOptions,
)
from framekit.processors.vad.pause import QUIET_RATIO
from framekit.processors.vad.turn_end import COVERS_END_TOLERANCE

__all__ = ["EarlyDecode", "PreRoll", "Sizes", "Utterance", "to_recognizer"]

EARLY_DECODES_UP_TO = 10.0
"""Seconds of utterance past which no early decode is made: each would re-decode the whole
growing utterance (quadratic work), for a turn whose final can wait a few tenths."""
RESUMED_SECONDS = 0.06
"""Loud audio after a pause that makes the decode made at that pause stale: a word said
again (a lone "no" or "and" lasts 100 ms or more), not a click or a breath's edge."""


@dataclass(slots=True, eq=False)
class Utterance:
    """One stretch of caller speech and what the worker knows about it."""

    audio: bytearray
    peak_rms: float = 0.0
    quiet_bytes: int = 0
    """Length of the run of quiet chunks at the end of ``audio``."""
    loud_bytes: int = 0
    """Length of the run of chunks that are not quiet at the end of ``audio``."""
    received_at: float = -math.inf
    """Clock time at which the newest audio in ``audio`` arrived."""
    stopped_at: float | None = None
    end_bytes: int | None = None
    """Where ``stopped_at`` lies in ``audio``, reckoned when the stop event arrived."""
    ended_at: float = 0.0
    """Clock time at which the stop event arrived."""
    decoded: Transcript | None = None
    decoded_bytes: int = 0
    last_interim: str = ""
    cut: bool = False
    """Stopped at ``max_utterance_seconds``, not by the VAD."""
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def hear(self, pcm: bytes) -> None:
        """Count ``pcm`` (already appended) into the quiet or the loud run of the tail."""
        level = pcm16_rms(pcm)
        self.peak_rms = max(self.peak_rms, level)
        if level < QUIET_RATIO * self.peak_rms:
            self.quiet_bytes += len(pcm)
            self.loud_bytes = 0
        else:
            self.quiet_bytes = 0
            self.loud_bytes += len(pcm)

    def reusable(self, fmt: AudioFormat) -> Transcript | None:
        """The early decode, when its audio reaches the caller's end of speech."""
        if self.decoded is None or not self.covers_end(self.decoded_bytes, fmt):
            return None
        return self.decoded

    def covers_end(self, decoded_bytes: int, fmt: AudioFormat) -> bool:
        """Whether a decode of the first ``decoded_bytes`` heard every word.

        Compared as places in the utterance's audio, not as clock times: on a busy
        machine the caller's frames reach the stage late and in bursts, and the VAD,
        which dates the end as "now, less the audio heard since", then dates it late by
        the backlog, while the early decode was stamped when its audio arrived. In
        browser calls at load 9 the end was dated 150-270 ms after the page's, the early
        decode of the whole question refused, and the question decoded again: 1.4 s.
        Within :data:`~framekit.processors.vad.turn_end.COVERS_END_TOLERANCE`, as the
        turn-end policy counts it: the VAD's end and the stage's pause place the end
        of the last word's faint decay apart by up to ±20 ms, while any word said after
        the decode moves the end past it by 100 ms or more (``docs/benchmarks.md``).
        """
        end = self.end_bytes
        return end is not None and decoded_bytes >= end - fmt.bytes_for(COVERS_END_TOLERANCE)


@dataclass(slots=True, eq=False)
class EarlyDecode:
    """The worker's decode of an unfinished utterance, while it runs."""

    utterance: Utterance
    audio_bytes: int
    at_pause: bool
    """Made at a pause (not for a caption's interval): stale once the caller speaks again."""
    task: asyncio.Task[Transcript | Exception]


@dataclass(frozen=True, slots=True)
class Sizes:
    """The stage's settings in bytes of the call's audio: what it keeps, when it decodes early.

    Reckoned when a call starts, at the call's input format.
    """

    fmt: AudioFormat
    lookback_bytes: int
    max_utterance_bytes: int
    min_utterance_bytes: int
    speculative: bool
    pause_bytes: int
    interim_bytes: int | None
    early_limit_bytes: int
    resumed_bytes: int

    @classmethod
    def of(cls, options: UtteranceOptions, fmt: AudioFormat) -> Sizes:
        interval = options.interim_interval if options.interim_results else None
        return cls(
            fmt=fmt,
            lookback_bytes=fmt.bytes_for(MAX_LOOKBACK + options.pre_roll),
            max_utterance_bytes=fmt.bytes_for(options.max_utterance_seconds),
            min_utterance_bytes=fmt.bytes_for(MIN_UTTERANCE_SECONDS),
            speculative=options.speculative,
            pause_bytes=fmt.bytes_for(options.pause_seconds),
            interim_bytes=None if interval is None else fmt.bytes_for(interval),
            early_limit_bytes=fmt.bytes_for(EARLY_DECODES_UP_TO),
            resumed_bytes=fmt.bytes_for(RESUMED_SECONDS),
        )

    def due(self, utterance: Utterance) -> bool:
        """Whether the worker should decode the unfinished utterance now.

        For interim results: every ``interim_interval`` of new audio (if set).
        Speculatively: once per pause, when every chunk of the last ``pause_seconds``
        was quiet.
        """
        size = len(utterance.audio)
        if size > self.early_limit_bytes:
            return False
        every = self.interim_bytes
        if every is not None and size - utterance.decoded_bytes >= every:
            return True
        quiet = utterance.quiet_bytes
        return (
            self.speculative
            and quiet >= self.pause_bytes
            and utterance.decoded_bytes <= size - quiet  # not decoded since the pause began
        )

    def at_pause(self, utterance: Utterance) -> bool:
        """Whether the utterance's tail is a pause (its decode is stale if speech resumes)."""
        return utterance.quiet_bytes >= self.pause_bytes

    def resumed(self, utterance: Utterance) -> bool:
        """Whether the caller has spoken again after a pause (enough loud audio at the tail)."""
        return utterance.loud_bytes >= self.resumed_bytes


class PreRoll:
    """The last ``lookback_bytes`` (or a chunk more) of audio heard outside an utterance."""

    __slots__ = ("_chunks", "_lookback_bytes", "_size")

    def __init__(self, lookback_bytes: int) -> None:
        self._lookback_bytes = lookback_bytes
        self._chunks: deque[bytes] = deque()
        self._size = 0

    def keep(self, pcm: bytes) -> None:
        """Add ``pcm``; drop the oldest chunks the lookback no longer reaches."""
        self._chunks.append(pcm)
        self._size += len(pcm)
        while self._size - len(self._chunks[0]) >= self._lookback_bytes:
            self._size -= len(self._chunks.popleft())

    def take(self, keep: int) -> bytes:
        """The newest ``keep`` bytes, emptying the buffer."""
        pre_roll = b"".join(self._chunks)
        self.clear()
        return pre_roll[max(0, len(pre_roll) - keep) :]

    def clear(self) -> None:
        self._chunks.clear()
        self._size = 0


def to_recognizer(audio: bytes, fmt: AudioFormat, hears: AudioFormat) -> bytes:
    """An utterance's audio, kept in ``fmt``, in the format the recognizer ``hears``.

    Once per decode, over the whole utterance: a phone line's 8 kHz becomes 16 kHz here
    instead of frame by frame at the input transport (issue 18, ``docs/benchmarks.md``).
    The samples are those the per-frame converter gives over the same stretch, but at its
    two edges (the filter's half length, under 4 ms): here the filter starts on silence
    and ends on padding, where the per-frame one had the line's audio on either side.
    """
    if fmt == hears:
        return audio
    converter = AudioConverter(fmt, hears)
    return converter.convert(audio) + converter.flush()
