"""A whole call without a network: the caller is a WAV file, the bot is recorded to one.

Why: tests, examples and benchmarks need to run a conversation offline and check
what the bot said. :class:`WavFileTransport` gives the two ends of a pipeline,
like a network transport does::

    transport = WavFileTransport("question.wav", "answer.wav", end_when_done=True)
    pipeline = Pipeline([transport.input(), vad, stt, llm, tts, transport.output()])

* :meth:`WavFileTransport.input` plays the file as the caller's microphone (any WAV
  :func:`~framekit.audio.read_wav` reads), followed by ``trailing_silence`` seconds
  of silence so that a VAD hears the caller stop, then optionally ends the call.
* :meth:`WavFileTransport.output` records the bot's audio and writes the WAV when
  the call ends, however it ends.

Two clocks, one choice:

* ``realtime=True`` (the default) paces both ends on the call's clock (the real
  one, or a :class:`~framekit.clock.ManualClock` in tests), as a phone line would.
  The recording is then a *timeline*: the silences between the bot's utterances
  are written too, so sample *n* of the output plays at the same instant as
  sample *n* of the input, and the file lasts as long as the call.
* ``realtime=False`` runs as fast as the pipeline can: the input is fed without
  waiting, and the recording holds the bot's utterances back to back (there is no
  meaningful time between them), so ``timeline=True`` is refused there.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from framekit.audio import (
    AudioFormat,
    WavError,
    audio_format,
    encode_wav,
    read_wav,
    silence,
    write_wav,
)
from framekit.frames import CancelFrame, EndFrame, StartFrame
from framekit.privacy.envelope import KeyRing, encrypt_bytes
from framekit.processors.base import FrameDirection
from framekit.transports.base.input import InputTransport
from framekit.transports.base.output import OutputTransport
from framekit.transports.base.transport import TransportPair

__all__ = ["WavFileInput", "WavFileOutput", "WavFileTransport"]

PathLike = str | os.PathLike[str]


class WavFileInput(InputTransport):
    """Plays a WAV file into the pipeline as the caller's audio, from one owned reader task.

    The file is read when the call starts (a missing or unreadable file fails the
    start), and played from the moment the whole pipeline has started.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        realtime: bool = True,
        trailing_silence: float = 0.0,
        end_when_done: bool = False,
        chunk_ms: int = 20,
        name: str | None = None,
    ) -> None:
        super().__init__(chunk_ms=chunk_ms, name=name)
        if trailing_silence < 0:
            raise ValueError(f"trailing_silence must be >= 0, got {trailing_silence}")
        self._path = Path(path)
        self._realtime = realtime
        self._trailing_silence = trailing_silence
        self._end_when_done = end_when_done
        self._reader: asyncio.Task[None] | None = None
        self._audio: tuple[bytes, AudioFormat] = (b"", audio_format(16000))
        self._done = asyncio.Event()

    @property
    def done(self) -> bool:
        """True once the whole file (and its trailing silence) has been fed."""
        return self._done.is_set()

    async def wait_done(self) -> None:
        """Wait until the whole file (and its trailing silence) has been fed."""
        await self._done.wait()

    async def on_start(self, frame: StartFrame) -> None:
        await super().on_start(frame)
        self._done.clear()
        try:
            data, fmt = await asyncio.to_thread(read_wav, self._path)
        except (OSError, WavError) as exc:
            raise type(exc)(f"cannot play {self._path} as the caller: {exc}") from exc
        self._audio = (data + silence(fmt, fmt.bytes_for(self._trailing_silence)), fmt)

    async def on_pipeline_started(self) -> None:
        data, fmt = self._audio
        self._audio = (b"", fmt)
        self._reader = self.context.tasks.create_task(self._read(data, fmt), "wav-input")

    async def on_end(self, frame: EndFrame) -> None:
        await super().on_end(frame)
        await self._stop_reader()

    async def on_cancel(self, frame: CancelFrame) -> None:
        await super().on_cancel(frame)
        await self._stop_reader()

    async def _read(self, data: bytes, fmt: AudioFormat) -> None:
        try:
            await self._play(data, fmt)
        except Exception as exc:
            # Without the caller's audio the call cannot go on.
            await self.push_error(
                f"{self.name} failed to play {self._path}: {exc!r}", fatal=True, exception=exc
            )

    async def _play(self, data: bytes, fmt: AudioFormat) -> None:
        """Feed ``data`` piece by piece, each when its last sample has been "spoken".

        A microphone or a phone line delivers 20 ms of audio once those 20 ms have
        passed, so piece *n* arrives at ``start + (n + 1) * 20 ms``, computed from the
        start every time (no drift), and the last one exactly when the file ends.
        """
        bpf = fmt.bytes_per_frame
        step = max(1, round(fmt.sample_rate * self.chunk_ms / 1000)) * bpf
        rate_bytes = fmt.sample_rate * bpf
        clock = self.clock
        start = clock.now()
        for offset in range(0, len(data), step):
            piece = data[offset : offset + step]
            if self._realtime:
                delay = start + (offset + len(piece)) / rate_bytes - clock.now()
                if delay > 0:
                    await clock.sleep(delay)
            else:
                await asyncio.sleep(0)  # let the rest of the call run between pieces
            await self.feed_audio(piece, fmt)
        await self.end_of_audio()
        self._done.set()
        if self._end_when_done:
            await self.push_frame(EndFrame(reason="input file done"), FrameDirection.UPSTREAM)

    async def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done() and reader is not asyncio.current_task():
            reader.cancel()
            await asyncio.wait([reader])


class WavFileOutput(OutputTransport):
    """Records the bot's audio and writes it to a WAV file when the call ends.

    ``output_format`` is the file's format (``None``: PCM16 mono at the pipeline's
    output rate). With ``timeline`` (the default when ``realtime``) silence fills
    the gaps between utterances and runs to the end of the call, so the file is
    aligned in time with the caller's input. With ``keys`` the file is written
    encrypted (:mod:`framekit.privacy.envelope`): the audio is only ever in clear in memory.
    """

    def __init__(
        self,
        path: PathLike,
        *,
        output_format: AudioFormat | None = None,
        realtime: bool = True,
        timeline: bool | None = None,
        chunk_ms: int = 20,
        keys: KeyRing | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(wire_format=output_format, realtime=realtime, chunk_ms=chunk_ms, name=name)
        self._keys = keys
        if timeline is None:
            timeline = realtime
        if timeline and not realtime:
            raise ValueError("timeline=True needs realtime=True: without a clock there are no gaps")
        self._path = Path(path)
        self._timeline = timeline
        self._buffer = bytearray()
        self._started_at = 0.0
        self._saved = False

    @property
    def path(self) -> Path:
        """Where the recording is written."""
        return self._path

    @property
    def audio(self) -> bytes:
        """The recording so far, in :attr:`wire_format`."""
        return bytes(self._buffer)

    async def write_audio(self, chunk: bytes) -> None:
        self._buffer += chunk

    async def on_utterance_start(self, at: float) -> None:
        if self._timeline:
            self._pad_to(at)

    async def on_start(self, frame: StartFrame) -> None:
        await super().on_start(frame)
        self._buffer.clear()
        self._started_at = self.clock.now()
        self._saved = False

    async def on_end(self, frame: EndFrame) -> None:
        await super().on_end(frame)
        await self._save()

    async def on_cancel(self, frame: CancelFrame) -> None:
        await super().on_cancel(frame)
        await self._save()

    async def cleanup(self) -> None:
        await self._save()

    def _pad_to(self, at: float) -> None:
        target = self.wire_format.bytes_for(max(0.0, at - self._started_at))
        missing = target - len(self._buffer)
        if missing > 0:
            self._buffer += silence(self.wire_format, missing)

    async def _save(self) -> None:
        if self._saved:
            return
        self._saved = True
        if self._timeline:
            self._pad_to(self.clock.now())
        if self._keys is None:
            await asyncio.to_thread(write_wav, self._path, bytes(self._buffer), self.wire_format)
            return
        wav = encode_wav(bytes(self._buffer), self.wire_format)
        await asyncio.to_thread(encrypt_bytes, self._path, wav, self._keys)


class WavFileTransport(TransportPair[WavFileInput, WavFileOutput]):
    """The two ends of an offline call: a WAV file as the caller, a WAV file as the bot's line.

    Either path may be ``None`` to use only one end. :meth:`input` and
    :meth:`output` return the same processor every time, so a pipeline is built
    as with any network transport. There is no connection to read: the input
    plays its own file.
    """

    def __init__(
        self,
        input_path: PathLike | None = None,
        output_path: PathLike | None = None,
        *,
        realtime: bool = True,
        trailing_silence: float = 0.0,
        end_when_done: bool = False,
        output_format: AudioFormat | None = None,
        timeline: bool | None = None,
        chunk_ms: int = 20,
    ) -> None:
        super().__init__(
            WavFileInput(
                input_path,
                realtime=realtime,
                trailing_silence=trailing_silence,
                end_when_done=end_when_done,
                chunk_ms=chunk_ms,
            )
            if input_path is not None
            else None,
            WavFileOutput(
                output_path,
                output_format=output_format,
                realtime=realtime,
                timeline=timeline,
                chunk_ms=chunk_ms,
            )
            if output_path is not None
            else None,
        )
