"""The output transport: where the bot's audio leaves a pipeline, paced as the caller hears it.

Why a queued processor: the bot's audio must reach the wire at the pace the caller
plays it, while the LLM and TTS run ahead. Audio frames therefore wait in this
processor's queue, and its one worker writes them out chunk by chunk. An
interruption then needs no special machinery: the queued base drops the audio not
yet played and cancels the frame in progress (see :mod:`framekit.interruptions`),
so output stops within the chunk being written.

What the worker does with each :class:`~framekit.frames.OutputAudioFrame`:
converts it to the wire format and cuts it into ``chunk_ms`` chunks
(:mod:`framekit.transports.base.wire`), then calls :meth:`OutputTransport.write_audio`
for each at its instant on an absolute schedule
(:mod:`framekit.transports.base.pacing`: a late wake-up never delays the chunks
after it). ``realtime=False`` writes as fast as possible (tests, offline runs).

Speaking state follows what the caller hears, not what was queued:

* the first chunk after silence starts an *utterance*:
  :class:`~framekit.frames.BotStartedSpeakingFrame` goes downstream and upstream;
* the utterance ends when the last written chunk has finished playing, no more
  audio is queued and no sentence is still being synthesized: a
  :class:`~framekit.frames.PlayedUpToFrame` (how many seconds the caller heard)
  goes upstream, then :class:`~framekit.frames.BotStoppedSpeakingFrame` goes both
  ways. Audio that runs dry inside a sentence (a TTS slower than real time, as a
  streaming voice on a loaded CPU can be) leaves the caller a gap, not the end of
  the answer, so the bot stays speaking until the sentence's
  :class:`~framekit.frames.TTSStoppedFrame` has passed and its audio has played;
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

from framekit.audio import AudioFormat, audio_format
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
from framekit.transports.base.pacing import MAX_LAG_SECONDS, PacingSchedule
from framekit.transports.base.played import PlayedSentences
from framekit.transports.base.wire import WireAudio

__all__ = ["MAX_LAG_SECONDS", "OutputTransport"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


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
        self._chunk_ms = chunk_ms
        self._pace = PacingSchedule(chunk_ms / 1000, send_ahead)
        self._set_wire(wire_format or audio_format(16000))
        self._speaking = False
        self._generation = 0
        self._heard_bytes = 0  # of the wire audio accepted, played before the current utterance

    def _set_wire(self, wire: AudioFormat) -> None:
        self._wire_audio = WireAudio(wire, self._chunk_ms)
        self._sentences = PlayedSentences(self._wire_audio.bytes_per_second)

    # --- what subclasses see ---------------------------------------------------------------

    @property
    def wire_format(self) -> AudioFormat:
        """The format :meth:`write_audio` receives (fixed when the call starts)."""
        return self._wire_audio.format

    @property
    def realtime(self) -> bool:
        """True when chunks are paced on the clock; False when written as fast as possible."""
        return self._realtime

    @property
    def send_ahead(self) -> float:
        """Seconds each chunk is written before it plays (0: at its playing instant)."""
        return self._pace.send_ahead

    @property
    def chunk_seconds(self) -> float:
        """Length of each chunk given to :meth:`write_audio`, in seconds."""
        return self._pace.chunk_s

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
        pace = self._pace
        written = pace.audio_bytes / self._wire_audio.bytes_per_second
        if not self._realtime:
            return written
        return max(0.0, min(self.clock.now() - pace.anchor, written))

    async def wait_until_played(self) -> None:
        """Write what is held back, wait until the caller has heard it, end the utterance."""
        generation = self._generation
        if self._wire_audio.held:
            await self._write_tail()
        if generation != self._generation:
            return
        if self._speaking:
            await self.wait_until_heard(self._pace.playout_end())
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
            (self._speaking or self._wire_audio.held)
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
        await self._write_chunks(self._wire_audio.push(frame.audio, frame.format))

    @on_frame(TTSStartedFrame)
    async def _on_sentence_start(self, frame: TTSStartedFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            self._sentences.started(frame.text, frame.response_id, self._wire_audio.accepted)
        await self.push_frame(frame, direction)

    @on_frame(TTSStoppedFrame)
    async def _on_sentence_stop(self, frame: TTSStoppedFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            accepted = self._wire_audio.accepted
            self._sentences.stopped(accepted)
            if not self._speaking and not self._wire_audio.held:
                # All of its audio (if it had any) has played already.
                await self._report_sentences(self._sentences.finished(accepted, self.clock.now()))
        await self.push_frame(frame, direction)

    @on_frame(HangUpFrame, TransferCallFrame)
    async def _on_call_control(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            await self.wait_until_played()
        await self.push_frame(frame, direction)

    @on_frame(MarkFrame)
    async def _on_mark(self, frame: MarkFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            if self._wire_audio.held:
                await self._write_tail()  # the mark comes after every byte queued before it
            played = 0.0
            if self._speaking:
                await self.wait_until_heard(self._pace.playout_end())
                played = self.played_seconds()
            await self.push_frame(PlayedUpToFrame(mark=frame.mark, played_seconds=played), UPSTREAM)
        await self.push_frame(frame, direction)

    # --- the worker's audio path -----------------------------------------------------------

    async def _write_chunks(self, chunks: list[bytes], last_audio_bytes: int = -1) -> None:
        """Write ``chunks`` at their instants; ``last_audio_bytes`` excludes the last's padding."""
        generation = self._generation
        clock = self.clock
        pace = self._pace
        last = len(chunks) - 1
        for index, chunk in enumerate(chunks):
            started = not self._speaking
            if started:
                self._speaking = True
                pace.begin(clock.now())
                await self.on_utterance_start(pace.anchor)
            elif self._realtime:
                due = pace.next_due()
                now = clock.now()
                if due > now:
                    await clock.sleep(due - now)
                    now = clock.now()
                pace.keep_pace(now, due)
            if generation != self._generation:
                return
            await self.write_audio(chunk)
            if generation != self._generation:
                return
            pace.wrote(last_audio_bytes if index == last and last_audio_bytes >= 0 else len(chunk))
            if started:
                await self.push_frame(BotStartedSpeakingFrame(), DOWNSTREAM)
                await self.push_frame(BotStartedSpeakingFrame(), UPSTREAM)

    async def _write_tail(self) -> None:
        """Write the audio the converter and chunker hold back, padded to a whole chunk."""
        chunks, audio_bytes = self._wire_audio.tail()
        await self._write_chunks(chunks, audio_bytes)

    async def _end_if_dry(self) -> None:
        """Nothing is queued: write the tail at its slot, then end the utterance once heard.

        Not while a sentence is open (its started frame passed, its stopped frame not
        yet): the TTS is still producing it, so running dry is a gap inside the
        sentence. The utterance goes on, and the schedule restarts from the next
        chunk if the gap outlasts :data:`MAX_LAG_SECONDS`.

        Why wait for the next chunk's slot (``send_ahead`` before the written audio has
        played) and no longer: audio that arrives by then continues the utterance without
        a padded gap, and the tail, like any chunk, must leave at its slot. Waiting until
        the end of playout sent the tail ``send_ahead`` late and let the far end's buffer
        run dry before the last syllable.
        """
        generation = self._generation
        pace = self._pace
        if self._speaking:
            await self._sleep_until(pace.playout_end() - pace.send_ahead)
            if self.queued or generation != self._generation:
                return
        if self._sentences.open:
            return  # more of this sentence is coming: what is held waits for it, unpadded
        if self._wire_audio.held:
            await self._write_tail()
            if generation != self._generation:
                return
        if self._speaking:
            await self.wait_until_heard(pace.playout_end())
        if self._speaking and not self.queued and generation == self._generation:
            await self._end_utterance()

    async def _end_utterance(self) -> None:
        """The utterance played to its end: so did every byte accepted, and its sentences."""
        played = self.played_seconds()
        accepted = self._heard_bytes = self._wire_audio.accepted
        await self._report_sentences(self._sentences.finished(accepted, self.clock.now()))
        await self._stop_speaking(played)

    async def _cut_sentences(self, played: float) -> None:
        """The stream stops after ``played`` seconds of the utterance: report every sentence."""
        if self._sentences:
            heard = self._heard_bytes + round(played * self._wire_audio.bytes_per_second)
            now = self.clock.now()
            await self._report_sentences(self._sentences.cut(heard, self._wire_audio.accepted, now))
        self._wire_audio.accepted = self._heard_bytes = 0

    async def _report_sentences(self, reports: list[SentencePlayedFrame]) -> None:
        for report in reports:
            await self.push_frame(report, UPSTREAM)

    async def _stop_speaking(self, played: float) -> None:
        self._speaking = False
        self._pace.end()
        await self.push_frame(PlayedUpToFrame(played_seconds=played), UPSTREAM)
        await self.push_frame(BotStoppedSpeakingFrame(), DOWNSTREAM)
        await self.push_frame(BotStoppedSpeakingFrame(), UPSTREAM)

    async def _sleep_until(self, deadline: float) -> None:
        if self._realtime:
            delay = deadline - self.clock.now()
            if delay > 0:
                await self.clock.sleep(delay)

    def _reset_stream(self) -> None:
        self._wire_audio.reset()
