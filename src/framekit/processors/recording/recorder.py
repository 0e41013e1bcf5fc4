"""Two-track call recording: what the caller said and what the caller heard, aligned in time.

Use::

    recorder = CallAudioRecorder()  # ./.framekit/recordings/{call_id}.wav, 16 kHz stereo
    output = transport.output()
    pipeline = Pipeline([
        transport.input(), recorder.caller_tap(),   # right after the input transport
        vad, stt, llm, tts,
        recorder.bot_tap(output), output,           # right before the output transport
    ])
    ...
    recording = await recorder.wait_recording()     # paths and timeline, once the call ended

Both tracks are timelines that start when the call starts (the ``StartFrame``),
on the call's clock; gaps are silence, so sample *n* of each track is the same
instant. The caller's track is written as its audio arrives; the bot's track
holds only what the output transport reports as heard, placed when it played
(see :mod:`framekit.processors.recording._bot`). The caller's audio is converted to
the recording's format once per ``flush_seconds`` (a gap, a sensitive entry's window or
the end convert what waits at once): per 20 ms frame, the resampler's fixed cost was
most of the recorder's work on the event loop (``docs/benchmarks.md``, issue 18), and a
stream converted in any pieces gives the same samples. Samples reach disk about once a
second through one writer thread; each file's header is patched after every
write and the files are closed when the call ends, however it ends, from the
taps' ``cleanup`` (which the pipeline task always runs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Protocol

from loguru import logger

from framekit.audio import AudioCaps, AudioConverter, PipelineFormat, audio_format
from framekit.audio.chunker import silence
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    Frame,
    InputAudioFrame,
    InterruptionFrame,
    OutputAudioFrame,
    PlayedUpToFrame,
    SensitiveWindowEndFrame,
    SensitiveWindowStartFrame,
    StartFrame,
)
from framekit.privacy.envelope import KeyRing
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.processors.recording._bot import BotTrack
from framekit.processors.recording._disk import DiskWriter, TrackBuffer
from framekit.processors.recording.timeline import Recording, RecordingTimeline
from framekit.processors.recording.upload import NoUpload, RecordingUploader

__all__ = ["DEFAULT_DIRECTORY", "ENCRYPTED_SUFFIX", "CallAudioRecorder", "Playback"]

DEFAULT_DIRECTORY: Final = Path(".framekit/recordings")
ENCRYPTED_SUFFIX: Final = ".enc"
"""Added to an encrypted recording's name: ``{call_id}.wav.enc``."""

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

_GAP_TOLERANCE = 0.25
"""Caller audio arriving this much later than the track's end leaves a gap of silence
(lost packets, a muted line); less is network jitter, and the audio goes on at the end."""
_SILENT_LINE_LAG = 0.5
"""With no caller audio arriving, the caller track is filled with silence up to this
long ago, so the bot's track (and memory) never waits on a silent line."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Playback(Protocol):
    """What the bot tap asks the output transport while the bot speaks.

    :class:`~framekit.transports.base.output.OutputTransport` has both; the recorder
    is handed its transport rather than finding it, so it imports no transport.
    """

    @property
    def is_speaking(self) -> bool:
        """True from the first chunk of an utterance until it has played or was cut."""
        ...

    def played_seconds(self) -> float:
        """Seconds of the current utterance the caller has heard."""
        ...


class CallAudioRecorder:
    """Records one call at a time to a stereo WAV (left: caller, right: bot) or two mono WAVs.

    ``sample_rate`` is the recording's rate (16 kHz default, 8 kHz for a phone
    line). ``stereo=False`` writes ``{call_id}.caller.wav`` and ``{call_id}.bot.wav``.
    ``flush_seconds`` is how much audio gathers before a write. ``uploader`` runs
    once the files are complete (S3-compatible storage, for instance). ``keys``
    encrypts the files as they are written (``{call_id}.wav.enc``, see
    ``docs/privacy.md``); nothing of the call reaches the disk in clear.
    """

    def __init__(
        self,
        directory: str | Path = DEFAULT_DIRECTORY,
        *,
        sample_rate: int = 16000,
        stereo: bool = True,
        flush_seconds: float = 1.0,
        uploader: RecordingUploader | None = None,
        call_id: str | None = None,
        keys: KeyRing | None = None,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be > 0, got {sample_rate}")
        if flush_seconds <= 0:
            raise ValueError(f"flush_seconds must be > 0, got {flush_seconds}")
        self.directory = Path(directory)
        self.format = audio_format(sample_rate)
        self.stereo = stereo
        self._flush_samples = max(1, round(flush_seconds * sample_rate))
        self._flush_seconds = flush_seconds
        self._uploader: RecordingUploader = uploader or NoUpload()
        self._call_id = call_id
        self._keys = keys
        self._playback: Playback | None = None
        self._caller_tap = _CallerTap(self)
        self._bot_tap = _BotTap(self)
        self._finished = asyncio.Event()
        self._reset()

    def _reset(self) -> None:
        self._started = False
        self._clock_start = 0.0
        self._wall_start = datetime.now(UTC)
        self._caller = TrackBuffer()
        self._caller_converter: AudioConverter | None = None
        self._unconverted: list[bytes] = []  # caller audio in the converter's source format
        self._unconverted_seconds = 0.0
        self._caller_withheld = False  # inside a sensitive entry's window (docs/privacy.md)
        self._bot = BotTrack(self.format)
        self._disk: DiskWriter | None = None
        self._paths: tuple[Path, ...] = ()
        self._result: Recording | None = None
        self._active_call_id = ""
        self._closing = False

    # --- public API ----------------------------------------------------------------------

    def caller_tap(self) -> FrameProcessor:
        """The processor to place right after the input transport (the same one each time)."""
        return self._caller_tap

    def bot_tap(self, output: Playback | None = None) -> FrameProcessor:
        """The processor to place right before the output transport ``output`` (the same each time).

        While the bot speaks the recorder asks ``output`` what was heard so far, so
        long utterances reach the disk as they play; without it, an utterance's audio
        is kept until the transport reports its end.
        """
        if output is not None:
            self._playback = output
        return self._bot_tap

    @property
    def recording(self) -> Recording | None:
        """The finished recording, once the call has ended and the files are closed."""
        return self._result

    @property
    def paths(self) -> tuple[Path, ...]:
        """Where this call is being recorded (empty before the call starts)."""
        return self._paths

    async def wait_recording(self) -> Recording:
        """Wait until the call has ended and its files are complete."""
        await self._finished.wait()
        assert self._result is not None
        return self._result

    # --- from the taps -------------------------------------------------------------------

    def _start(self, processor: FrameProcessor) -> None:
        if self._started:
            return
        self._reset()
        self._finished.clear()
        self._started = True
        self._clock = processor.clock
        self._clock_start = self._clock.now()
        self._wall_start = datetime.now(UTC)
        call_id = self._call_id or processor.context.call_id
        stem = _UNSAFE.sub("_", call_id).strip("._") or "call"
        suffix = ".wav" if self._keys is None else ".wav" + ENCRYPTED_SUFFIX
        names = (
            (f"{stem}{suffix}",)
            if self.stereo
            else (f"{stem}.caller{suffix}", f"{stem}.bot{suffix}")
        )
        self._paths = tuple(self.directory / name for name in names)
        self._disk = DiskWriter(self._paths, self.format.sample_rate, self._keys)
        self._disk.open()
        self._active_call_id = call_id

    def _index(self, at: float) -> int:
        return max(0, round((at - self._clock_start) * self.format.sample_rate))

    def _on_caller_audio(self, frame: InputAudioFrame) -> None:
        if not self._started or self._closing:
            return
        converter = self._caller_converter
        if converter is None or converter.src != frame.format:
            self._convert_caller()
            converter = self._caller_converter = AudioConverter(frame.format, self.format)
        track = self._caller
        begins = self._index(self._clock.now() - frame.duration)
        if begins - self._caller_end() > _GAP_TOLERANCE * self.format.sample_rate:
            self._convert_caller()
            track.pad_to(begins)
        if self._caller_withheld:  # a sensitive entry's window: its length, none of its sound
            self._convert_caller()
            track.append(silence(self.format, len(converter.convert(frame.audio))))
        else:
            self._unconverted.append(frame.audio)
            self._unconverted_seconds += frame.duration
        self._poll_bot()
        self._flush()

    def _caller_end(self) -> int:
        """The caller track's end once the audio waiting for conversion is in it."""
        return self._caller.end + round(self._unconverted_seconds * self.format.sample_rate)

    def _convert_caller(self) -> None:
        """Convert the caller's audio that waits, in one piece, onto the caller track."""
        if self._unconverted:
            assert self._caller_converter is not None
            self._caller.append(self._caller_converter.convert(b"".join(self._unconverted)))
            self._unconverted.clear()
            self._unconverted_seconds = 0.0

    def _poll_bot(self) -> None:
        """While the bot speaks, add what the transport says the caller has heard so far."""
        output = self._playback
        if output is not None and self._bot.speaking and output.is_speaking:
            self._bot.heard(output.played_seconds(), self._index(self._clock.now()))

    def _on_bot_started(self) -> None:
        if self._started and not self._closing:
            self._bot.started(self._index(self._clock.now()))

    def _on_played(self, frame: PlayedUpToFrame) -> None:
        if not self._started or self._closing:
            return
        now_index = self._index(self._clock.now())
        if frame.mark:
            self._bot.heard(frame.played_seconds, now_index)
        else:
            self._bot.ended(frame.played_seconds, now_index)
        self._flush()

    def _flush(self, *, final: bool = False) -> None:
        disk = self._disk
        if disk is None:
            return
        if final or self._unconverted_seconds >= self._flush_seconds:
            self._convert_caller()
        now_index = self._index(self._clock.now())
        caller, bot = self._caller, self._bot.track
        silent_line = now_index - round(_SILENT_LINE_LAG * self.format.sample_rate)
        if silent_line > self._caller_end() and not final:
            self._convert_caller()
            caller.pad_to(silent_line)
        if not self._bot.speaking:
            bot.pad_to(now_index)  # nothing will ever be placed before now
        if final:
            end = max(now_index, caller.end, bot.end)
            disk.write(caller.take(end), bot.take(end))
        elif self.stereo:
            upto = min(caller.end, bot.end)
            if upto - caller.start >= self._flush_samples:
                disk.write(caller.take(upto), bot.take(upto))
        else:
            for track, is_caller in ((caller, True), (bot, False)):
                if track.end - track.start >= self._flush_samples:
                    data = track.take(track.end)
                    disk.write(data, b"") if is_caller else disk.write(b"", data)

    async def _close(self) -> None:
        """End of the call: complete the files, however the call ended (idempotent)."""
        if not self._started or self._closing:
            return
        self._closing = True
        disk = self._disk
        assert disk is not None
        try:
            self._bot.finish()
            self._bot.drop_all()
            converter = self._caller_converter
            if converter is not None:
                self._convert_caller()
                self._caller.append(converter.flush())
            self._flush(final=True)
            await disk.close()
            timeline = RecordingTimeline(
                clock_start=self._clock_start,
                wall_start=self._wall_start,
                sample_rate=self.format.sample_rate,
                duration=self._caller.start / self.format.sample_rate,
                bot_segments=tuple(self._bot.segments),
                bot_delay=(self._bot.delay or 0) / self.format.sample_rate,
            )
            recording = Recording(
                call_id=self._active_call_id,
                paths=self._paths,
                stereo=self.stereo,
                timeline=timeline,
                error=disk.error,
            )
            try:
                remote = tuple(await self._uploader.upload(recording))
            except Exception as exc:
                logger.opt(exception=exc).error(f"uploading the recording {self._paths[0]} failed")
                remote = ()
            self._result = dataclasses.replace(recording, remote=remote)
        finally:
            self._started = False
            self._finished.set()


class _CallerTap(FrameProcessor):
    """Right after the input transport: the caller's audio goes to the recorder, and on."""

    audio_caps = AudioCaps(consumes={InputAudioFrame: PipelineFormat.ANY})  # re-encoded to file

    def __init__(self, recorder: CallAudioRecorder) -> None:
        super().__init__(name=f"CallerRecorderTap#{id(recorder):x}")
        self._recorder = recorder

    async def on_start(self, frame: StartFrame) -> None:
        self._recorder._start(self)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InputAudioFrame) and direction is DOWNSTREAM:
            self._recorder._on_caller_audio(frame)
        elif isinstance(frame, SensitiveWindowStartFrame | SensitiveWindowEndFrame):
            self._recorder._caller_withheld = isinstance(frame, SensitiveWindowStartFrame)
        await self.push_frame(frame, direction)

    async def cleanup(self) -> None:
        await self._recorder._close()


class _BotTap(FrameProcessor):
    """Right before the output transport: what is sent to it, and what it says was heard."""

    audio_caps = AudioCaps(consumes={OutputAudioFrame: PipelineFormat.ANY})  # re-encoded to file

    def __init__(self, recorder: CallAudioRecorder) -> None:
        super().__init__(name=f"BotRecorderTap#{id(recorder):x}")
        self._recorder = recorder

    async def on_start(self, frame: StartFrame) -> None:
        self._recorder._start(self)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._recorder._bot.begin_cut()

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._recorder._bot.begin_cut()

    async def after_interruption(self, frame: InterruptionFrame | CancelFrame) -> None:
        # The transport reported what was heard while it handled the frame.
        self._recorder._bot.end_cut()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        recorder = self._recorder
        if direction is DOWNSTREAM:
            if isinstance(frame, OutputAudioFrame):
                audio, fmt = frame.audio, frame.format
                if recorder._started and not len(audio) % fmt.bytes_per_frame:
                    recorder._bot.sent(audio, fmt)  # the transport drops partial samples too
        elif isinstance(frame, BotStartedSpeakingFrame):
            recorder._on_bot_started()
        elif isinstance(frame, PlayedUpToFrame):
            recorder._on_played(frame)
        elif isinstance(frame, BotStoppedSpeakingFrame) and recorder._bot.speaking:
            recorder._bot.finish()
        await self.push_frame(frame, direction)

    async def cleanup(self) -> None:
        await self._recorder._close()
