"""The bot's track: the audio the caller heard, placed when it played.

The recorder's bot tap sits just before the output transport, so it sees every
:class:`~framekit.frames.OutputAudioFrame` the transport will try to play, and the
transport's reports on their way back up:

* ``BotStartedSpeakingFrame`` (upstream): an utterance's first chunk was written
  now; the utterance is placed at this instant on the timeline;
* ``PlayedUpToFrame``: the caller has heard ``played_seconds`` of the utterance
  (from the local schedule, or from Twilio's mark echoes); with an empty ``mark``
  it ends the utterance;
* an interruption or a cancel passing down: the audio sent so far will never be
  played beyond what the transport reports next ("cut").

Audio waits here, as references to the frames' own bytes (no copy), until a
report says it was heard; only then is it converted and added to the track.
Audio dropped by a barge-in is never added. While the bot speaks, the recorder
also asks the transport it was handed (``played_seconds()``) how much was heard so
far, so long utterances reach the disk as they play.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from framekit.audio import AudioConverter, AudioFormat
from framekit.processors.recording._disk import TrackBuffer
from framekit.processors.recording.timeline import BotSegment

__all__ = ["BotTrack"]

END_TOLERANCE = 0.025
"""At an utterance's natural end, frames that fit within the seconds heard plus this
much belong to it: the transport pads its last 20 ms chunk, and Twilio counts the
padded chunk as heard."""


class _Piece:
    __slots__ = ("audio", "fmt", "offset")

    def __init__(self, audio: bytes, fmt: AudioFormat) -> None:
        self.audio = audio
        self.fmt = fmt
        self.offset = 0  # bytes already added to the track

    @property
    def remaining(self) -> float:
        return self.fmt.duration_of(len(self.audio) - self.offset)


@dataclass(slots=True)
class _Utterance:
    written_index: int  # where its first chunk was written, on the timeline
    start_index: int = -1  # where it is placed (-1: not yet, no audio heard so far)
    heard: float = 0.0  # seconds of its audio added to the track
    reported: float = 0.0  # the most the transport has reported heard
    cut: bool = False


class BotTrack:
    """What the bot said that the caller heard, as a track of ``fmt`` (PCM16 mono)."""

    def __init__(self, fmt: AudioFormat) -> None:
        self.fmt = fmt
        self.track = TrackBuffer()
        self.segments: list[BotSegment] = []
        self._pieces: deque[_Piece] = deque()
        self._cut_count = 0  # leading pieces that an interruption dropped from playback
        self._cutting = False
        self._utterance: _Utterance | None = None
        self._converter: AudioConverter | None = None
        self.delay: int | None = None  # far-end playout delay, in samples (see heard())

    @property
    def speaking(self) -> bool:
        return self._utterance is not None

    @property
    def held_seconds(self) -> float:
        """Seconds of audio sent to the transport and not yet heard or dropped."""
        return sum(piece.remaining for piece in self._pieces)

    def sent(self, audio: bytes, fmt: AudioFormat) -> None:
        """The tap passed this audio on to the output transport."""
        if audio:
            self._pieces.append(_Piece(audio, fmt))

    def begin_cut(self) -> None:
        """An interruption or cancel is about to reach the transport: what it holds is lost."""
        self._cutting = True
        self._cut_count = len(self._pieces)
        if self._utterance is not None:
            self._utterance.cut = True

    def end_cut(self) -> None:
        """The transport has handled the cut and reported what was heard: drop the rest."""
        self._cutting = False
        if self._utterance is not None and self._utterance.cut:
            self.finish()
        self._drop_cut()

    def started(self, index: int) -> None:
        """The first chunk of an utterance was written at sample ``index`` of the timeline."""
        if self._utterance is not None:
            self.finish()
        self._utterance = _Utterance(written_index=index, cut=self._cutting)

    def heard(self, seconds: float, now_index: int | None = None) -> None:
        """The caller has heard ``seconds`` of the current utterance (as of ``now_index``).

        A report that grows tells how far behind the local schedule the far end
        plays: the audio up to ``seconds`` was due at ``written + seconds`` and was
        reported heard at ``now``. On Twilio that is the jitter buffer plus the round
        trip of a mark, the same for every chunk of the call; locally it is zero.
        The smallest such lag of the call shifts the bot track, so it lines up with
        the caller's track as the caller experienced it.
        """
        utterance = self._utterance
        if utterance is None:
            return
        if now_index is not None and seconds > utterance.reported:
            due = utterance.written_index + round(seconds * self.fmt.sample_rate)
            lag = max(0, now_index - due)
            self.delay = lag if self.delay is None else min(self.delay, lag)
        utterance.reported = max(utterance.reported, seconds)
        if seconds > utterance.heard:
            self._add(utterance, seconds - utterance.heard, whole_pieces=False)

    def ended(self, seconds: float, now_index: int) -> None:
        """The utterance ended (naturally or cut) after ``seconds`` heard."""
        utterance = self._utterance
        if utterance is None:
            return
        if utterance.cut:
            self.heard(seconds)
        else:
            self.heard(seconds, now_index)
            # Its frames were all played: take whole frames, so no rounding leaves a
            # sliver of this utterance to be played at the start of the next one.
            self._add(utterance, seconds + END_TOLERANCE - utterance.heard, whole_pieces=True)
        self.finish()

    def finish(self) -> None:
        """Close the current utterance: the converter's tail goes in, a segment is noted."""
        utterance, self._utterance = self._utterance, None
        if utterance is None:
            return
        converter, self._converter = self._converter, None
        if converter is not None:
            self.track.append(converter.flush())
        if utterance.cut:
            self._drop_cut()
        if utterance.start_index < 0:
            return  # nothing of it was heard
        rate = self.fmt.sample_rate
        self.segments.append(
            BotSegment(
                start=utterance.start_index / rate,
                duration=(self.track.end - utterance.start_index) / rate,
                interrupted=utterance.cut,
            )
        )

    def drop_all(self) -> None:
        """The call is over: nothing still held will ever be played."""
        self._pieces.clear()
        self._cut_count = 0

    def _drop_cut(self) -> None:
        for _ in range(min(self._cut_count, len(self._pieces))):
            self._pieces.popleft()
        self._cut_count = 0

    def _add(self, utterance: _Utterance, seconds: float, *, whole_pieces: bool) -> None:
        """Move ``seconds`` of held audio into the track (only cut pieces while cut)."""
        pieces = self._pieces
        limit = self._cut_count if utterance.cut else len(pieces)
        if utterance.start_index < 0 and pieces and limit > 0:
            start = max(utterance.written_index + (self.delay or 0), self.track.end)
            self.track.pad_to(start)
            utterance.start_index = start
        while seconds > 0 and pieces and limit > 0:
            piece = pieces[0]
            left = piece.remaining
            if whole_pieces:
                if left > seconds:
                    break
                take = len(piece.audio) - piece.offset
            else:
                take = min(piece.fmt.bytes_for(seconds), len(piece.audio) - piece.offset)
                if take <= 0:
                    break
            chunk = piece.audio[piece.offset : piece.offset + take]
            piece.offset += take
            taken = piece.fmt.duration_of(take)
            seconds -= taken
            utterance.heard += taken
            self.track.append(self._convert(chunk, piece.fmt))
            if piece.offset >= len(piece.audio):
                pieces.popleft()
                limit -= 1
                if self._cut_count:
                    self._cut_count -= 1

    def _convert(self, audio: bytes, fmt: AudioFormat) -> bytes:
        converter = self._converter
        if converter is None or converter.src != fmt:
            held = converter.flush() if converter is not None else b""
            converter = self._converter = AudioConverter(fmt, self.fmt)
            return held + converter.convert(audio)
        return converter.convert(audio)
