"""The output transport: where the bot's audio leaves a pipeline, paced as the caller hears it.

Why a queued processor: the bot's audio must reach the wire at the pace the caller
plays it, while the LLM and TTS run ahead. Audio frames therefore wait in this
processor's queue, and its one worker writes them out chunk by chunk. An
interruption then needs no special machinery: the queued base drops the audio not
yet played and cancels the frame in progress (see :mod:`framekit.interruptions`),
so output stops within the chunk being written.

What the worker does with each :class:`~framekit.frames.OutputAudioFrame`:

1. converts it to the wire format, once (one :class:`~framekit.audio.AudioConverter`
   per source format: a 22,050 Hz voice into an 8 kHz mu-law line is one step);
2. cuts it into ``chunk_ms`` chunks and calls :meth:`OutputTransport.write_audio`
   for each at its instant on an absolute schedule: chunk *n* of an utterance is
   due at ``t0 + n * chunk``, so a late wake-up never delays the chunks after it
   and pacing jitter does not accumulate. ``realtime=False`` writes as fast as
   possible (tests, offline runs).

Speaking state follows what the caller hears, not what was queued:

* the first chunk after silence starts an *utterance*:
  :class:`~framekit.frames.BotStartedSpeakingFrame` goes downstream and upstream;
* the utterance ends when the last written chunk has finished playing and no more
  audio is queued: a :class:`~framekit.frames.PlayedUpToFrame` (how many seconds
  the caller heard) goes upstream, then
  :class:`~framekit.frames.BotStoppedSpeakingFrame` goes both ways;
* an interruption ends it at once, with the seconds heard so far, after
  :meth:`OutputTransport.clear_output` has told the far end to drop what it holds.

What the caller heard, sentence by sentence: each
:class:`~framekit.frames.TTSStartedFrame` / :class:`~framekit.frames.TTSStoppedFrame`
span passes the queue in order with its audio, so the transport knows which audio
is which sentence. One :class:`~framekit.frames.SentencePlayedFrame` per sentence
goes upstream when the utterance that played it ends (before its
``PlayedUpToFrame``), or, with the words heard, when an interruption or a cancel
cuts it (see :mod:`framekit.transports.base.played`).

:class:`~framekit.frames.HangUpFrame`, :class:`~framekit.frames.TransferCallFrame`
and the :class:`~framekit.frames.EndFrame` are queued behind the audio and wait
until it has played, so the caller hears the last words before the line goes.
A :class:`~framekit.frames.MarkFrame` is answered, once the audio before it has
played, with a :class:`~framekit.frames.PlayedUpToFrame` naming the mark.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Final

from framekit.audio import AudioChunker, AudioConverter, AudioFormat, audio_format, silence
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    EndFrame,
    Frame,
    HangUpFrame,
    InterruptionFrame,
    MarkFrame,
    OutputAudioFrame,
    PlayedUpToFrame,
    SentencePlayedFrame,
    StartFrame,
    SystemFrame,
    TransferCallFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.queued import QueuedFrameProcessor
from framekit.transports.base.played import PlayedSentences

__all__ = ["MAX_LAG_SECONDS", "OutputTransport"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

MAX_LAG_SECONDS: Final = 0.2
"""A chunk later than this behind its instant restarts the schedule from now.

Small delays (a busy event loop) are caught up by writing the next chunks at once,
so the pace never drifts; a longer stall has already left the caller a gap of
silence, and bursting the backlog would only flood the far end's buffer.
"""


class OutputTransport(QueuedFrameProcessor, ABC):
    """Last processor of a pipeline: writes the bot's audio to the wire at real-time pace.

    Subclasses implement :meth:`write_audio`, and may override :meth:`clear_output`
    (drop audio the far end holds), :meth:`wait_until_heard` and
    :meth:`played_seconds` (when the far end reports playback) and
    :meth:`on_utterance_start`. Overrides of ``on_start``, ``on_end``,
    ``on_interruption``, ``on_cancel`` and ``process_frame`` must call ``super()``.

    ``wire_format`` is the format :meth:`write_audio` receives; ``None`` means
    PCM16 mono at the pipeline's output rate (``StartFrame.audio_out_sample_rate``).
    ``send_ahead`` writes each chunk that many seconds before it plays, so that
    network jitter does not starve the far end's buffer; the speaking state and the
    played seconds still follow when the caller hears the audio, and
    :meth:`clear_output` must drop what was sent ahead.
    """

    def __init__(
        self,
        *,
        wire_format: AudioFormat | None = None,
        realtime: bool = True,
        send_ahead: float = 0.0,
        chunk_ms: int = 20,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if send_ahead < 0:
            raise ValueError(f"send_ahead must be >= 0, got {send_ahead}")
        self._wire_arg = wire_format
        self._realtime = realtime
        self._send_ahead = send_ahead
        self._chunk_ms = chunk_ms
        self._chunk_s = chunk_ms / 1000
        self._set_wire(wire_format or audio_format(16000))
        self._converters: dict[AudioFormat, AudioConverter] = {}
        self._last_src: AudioFormat | None = None
        self._last_converter: AudioConverter | None = None
        self._dirty = False
        self._speaking = False
        self._anchor = 0.0
        self._chunks = 0
        self._audio_bytes = 0
        self._generation = 0
        self._stream_bytes = 0  # wire audio accepted since the last cut
        self._heard_bytes = 0  # of which played before the current utterance

    def _set_wire(self, wire: AudioFormat) -> None:
        self._wire = wire
        self._chunker = AudioChunker(wire, self._chunk_ms)
        self._bytes_per_second = wire.bytes_per_frame * wire.sample_rate
        self._sentences = PlayedSentences(self._bytes_per_second)

    # --- what subclasses see ---------------------------------------------------------------

    @property
    def wire_format(self) -> AudioFormat:
        """The format :meth:`write_audio` receives (fixed when the call starts)."""
        return self._wire

    @property
    def realtime(self) -> bool:
        """True when chunks are paced on the clock; False when written as fast as possible."""
        return self._realtime

    @property
    def send_ahead(self) -> float:
        """Seconds each chunk is written before it plays (0: at its playing instant)."""
        return self._send_ahead

    @property
    def chunk_seconds(self) -> float:
        """Length of each chunk given to :meth:`write_audio`, in seconds."""
        return self._chunk_s

    @property
    def is_speaking(self) -> bool:
        """True from the first chunk of an utterance until it has played or was cut."""
        return self._speaking

    @abstractmethod
    async def write_audio(self, chunk: bytes) -> None:
        """Send one chunk (``chunk_ms`` of :attr:`wire_format` audio) to the wire.

        Called on this processor's worker at the chunk's playing instant (less
        :attr:`send_ahead`); the last chunk of an utterance is padded with silence
        to a whole chunk.
        """

    async def clear_output(self) -> None:
        """Tell the far end to drop audio it holds but has not played (Twilio's ``clear``).

        Called on every interruption, before the speaking state is reported.
        """

    async def on_utterance_start(self, at: float) -> None:
        """An utterance begins; its first chunk is written at clock time ``at``.

        A recorder can use it to fill the silence since the previous utterance.
        """

    async def wait_until_heard(self, deadline: float) -> None:
        """Wait until the caller has heard all the audio written so far.

        ``deadline`` is the clock time at which the local schedule says the last
        written chunk has finished playing; the base sleeps until then (not at all
        when not :attr:`realtime`). A transport whose far end reports playback
        (Twilio echoes marks) overrides this to wait for the report instead.
        """
        await self._sleep_until(deadline)

    def played_seconds(self) -> float:
        """Seconds of the current utterance the caller has heard.

        The base counts on the clock (the time since the utterance began, at most
        the audio written). A transport that learns it from the far end (Twilio's
        mark echoes) overrides this.
        """
        written = self._audio_bytes / self._bytes_per_second
        if not self._realtime:
            return written
        return max(0.0, min(self.clock.now() - self._anchor, written))

    async def wait_until_played(self) -> None:
        """Write what is held back, wait until the caller has heard it, end the utterance."""
        generation = self._generation
        if self._dirty:
            await self._write_tail()
        if generation != self._generation:
            return
        if self._speaking:
            await self.wait_until_heard(self._playout_end())
            if self._speaking and generation == self._generation:
                await self._end_utterance()

    # --- lifecycle -------------------------------------------------------------------------

    async def on_start(self, frame: StartFrame) -> None:
        self._set_wire(self._wire_arg or audio_format(frame.audio_out_sample_rate))
        self._reset_stream()

    async def on_end(self, frame: EndFrame) -> None:
        await self.wait_until_played()
        await self._cut_sentences(0.0)  # a sentence the TTS never stopped

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._generation += 1
        played = self.played_seconds() if self._speaking else 0.0
        self._reset_stream()
        await self.clear_output()
        await self._cut_sentences(played)
        if self._speaking:
            await self._stop_speaking(played)

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._generation += 1
        played = self.played_seconds() if self._speaking else 0.0
        self._reset_stream()
        await self._cut_sentences(played)
        if self._speaking:
            await self._stop_speaking(played)

    # --- frames ----------------------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        # After each ordered frame, on the worker: did the audio run dry?
        if (
            (self._speaking or self._dirty)
            and not self.queued
            and not isinstance(frame, SystemFrame)
        ):
            await self._end_if_dry()

    @on_frame(OutputAudioFrame)
    async def _on_audio(self, frame: OutputAudioFrame, direction: FrameDirection) -> None:
        if direction is UPSTREAM:
            await self.push_frame(frame, direction)
            return
        if len(frame.audio) % frame.format.bytes_per_frame:
            # Playing it would shift every later sample by a byte: loud noise.
            await self.push_error(
                f"{frame.name} dropped: {len(frame.audio)} bytes is not a whole number "
                f"of {frame.format} sample instants"
            )
            return
        self._dirty = True
        audio = self._convert(frame)
        self._stream_bytes += len(audio)
        await self._write_chunks(self._chunker.push(audio))

    @on_frame(TTSStartedFrame)
    async def _on_sentence_start(self, frame: TTSStartedFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            self._sentences.started(frame.text, frame.response_id, self._stream_bytes)
        await self.push_frame(frame, direction)

    @on_frame(TTSStoppedFrame)
    async def _on_sentence_stop(self, frame: TTSStoppedFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            self._sentences.stopped(self._stream_bytes)
            if not self._speaking and not self._dirty:
                # All of its audio (if it had any) has played already.
                await self._report_sentences(
                    self._sentences.finished(self._stream_bytes, self.clock.now())
                )
        await self.push_frame(frame, direction)

    @on_frame(HangUpFrame, TransferCallFrame)
    async def _on_call_control(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            await self.wait_until_played()
        await self.push_frame(frame, direction)

    @on_frame(MarkFrame)
    async def _on_mark(self, frame: MarkFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            if self._dirty:
                await self._write_tail()  # the mark comes after every byte queued before it
            played = 0.0
            if self._speaking:
                await self.wait_until_heard(self._playout_end())
                played = self.played_seconds()
            await self.push_frame(PlayedUpToFrame(mark=frame.mark, played_seconds=played), UPSTREAM)
        await self.push_frame(frame, direction)

    # --- the worker's audio path -----------------------------------------------------------

    def _convert(self, frame: OutputAudioFrame) -> bytes:
        src = frame.format
        converter = self._last_converter
        if src is self._last_src and converter is not None:
            return converter.convert(frame.audio)
        previous = converter
        converter = self._converters.get(src)
        if converter is None:
            converter = self._converters[src] = AudioConverter(src, self._wire)
        self._last_src, self._last_converter = src, converter
        # A new source format: what the previous converter held back comes first.
        held = previous.flush() if previous is not None else b""
        converted = converter.convert(frame.audio)
        return held + converted if held else converted

    async def _write_chunks(self, chunks: list[bytes], last_audio_bytes: int = -1) -> None:
        """Write ``chunks`` at their instants; ``last_audio_bytes`` excludes the last's padding."""
        generation = self._generation
        clock = self.clock
        chunk_s = self._chunk_s
        last = len(chunks) - 1
        for index, chunk in enumerate(chunks):
            started = not self._speaking
            if started:
                self._speaking = True
                self._anchor = clock.now()
                self._chunks = 0
                self._audio_bytes = 0
                await self.on_utterance_start(self._anchor)
            elif self._realtime:
                due = self._anchor + self._chunks * chunk_s - self._send_ahead
                now = clock.now()
                if due > now:
                    await clock.sleep(due - now)
                    now = clock.now()
                if now - due > MAX_LAG_SECONDS:
                    self._anchor = now + self._send_ahead - self._chunks * chunk_s
            if generation != self._generation:
                return
            await self.write_audio(chunk)
            if generation != self._generation:
                return
            self._chunks += 1
            if index == last and last_audio_bytes >= 0:
                self._audio_bytes += last_audio_bytes
            else:
                self._audio_bytes += len(chunk)
            if started:
                await self.push_frame(BotStartedSpeakingFrame(), DOWNSTREAM)
                await self.push_frame(BotStartedSpeakingFrame(), UPSTREAM)

    async def _write_tail(self) -> None:
        """Write the audio the converter and chunker hold back, padded to a whole chunk."""
        self._dirty = False
        converter = self._last_converter
        held = converter.flush() if converter is not None else b""
        self._stream_bytes += len(held)
        chunker = self._chunker
        chunks = chunker.push(held) if held else []
        tail = chunker.flush()
        if not tail:
            await self._write_chunks(chunks)
            return
        audio_bytes = len(tail)
        chunks.append(tail + silence(self._wire, chunker.frame_bytes - audio_bytes))
        await self._write_chunks(chunks, audio_bytes)

    async def _end_if_dry(self) -> None:
        """Nothing is queued: write the tail at its slot, then end the utterance once heard.

        Why wait for the next chunk's slot (``send_ahead`` before the written audio has
        played) and no longer: audio that arrives by then continues the utterance without
        a padded gap, and the tail, like any chunk, must leave at its slot. Waiting until
        the end of playout sent the tail ``send_ahead`` late and let the far end's buffer
        run dry before the last syllable.
        """
        generation = self._generation
        if self._speaking:
            await self._sleep_until(self._playout_end() - self._send_ahead)
            if self.queued or generation != self._generation:
                return
        if self._dirty:
            await self._write_tail()
            if generation != self._generation:
                return
        if self._speaking:
            await self.wait_until_heard(self._playout_end())
        if self._speaking and not self.queued and generation == self._generation:
            await self._end_utterance()

    async def _end_utterance(self) -> None:
        """The utterance played to its end: so did every byte accepted, and its sentences."""
        played = self.played_seconds()
        self._heard_bytes = self._stream_bytes
        await self._report_sentences(self._sentences.finished(self._stream_bytes, self.clock.now()))
        await self._stop_speaking(played)

    async def _cut_sentences(self, played: float) -> None:
        """The stream stops after ``played`` seconds of the utterance: report every sentence."""
        if self._sentences:
            heard = self._heard_bytes + round(played * self._bytes_per_second)
            now = self.clock.now()
            await self._report_sentences(self._sentences.cut(heard, self._stream_bytes, now))
        self._stream_bytes = self._heard_bytes = 0

    async def _report_sentences(self, reports: list[SentencePlayedFrame]) -> None:
        for report in reports:
            await self.push_frame(report, UPSTREAM)

    async def _stop_speaking(self, played: float) -> None:
        self._speaking = False
        self._chunks = 0
        self._audio_bytes = 0
        await self.push_frame(PlayedUpToFrame(played_seconds=played), UPSTREAM)
        await self.push_frame(BotStoppedSpeakingFrame(), DOWNSTREAM)
        await self.push_frame(BotStoppedSpeakingFrame(), UPSTREAM)

    def _playout_end(self) -> float:
        return self._anchor + self._chunks * self._chunk_s

    async def _sleep_until(self, deadline: float) -> None:
        if self._realtime:
            delay = deadline - self.clock.now()
            if delay > 0:
                await self.clock.sleep(delay)

    def _reset_stream(self) -> None:
        self._dirty = False
        self._chunker.reset()
        for converter in self._converters.values():
            converter.reset()
