"""The input transport: where the caller's audio enters a pipeline.

Whatever the wire carries (8 kHz mu-law from a phone line, 48 kHz stereo from a
browser, a WAV file), the processors after the input transport see one format:
PCM16 mono at the pipeline's input rate (``StartFrame.audio_in_sample_rate``), in
frames of exactly ``chunk_ms`` milliseconds. Conversion happens here, once, in one
:class:`~framekit.audio.AudioConverter`, and the transport declares that format
(:attr:`InputTransport.audio_caps`), so the pipeline checks VAD and STT against it
when the call starts and they never convert or guess a format.

How audio gets in: a subclass calls :meth:`InputTransport.feed_audio` from
whatever task reads the wire (a WebSocket handler, or a reader task the transport
starts from ``self.context.tasks`` in :meth:`InputTransport.on_pipeline_started`, as
the input of a :class:`~framekit.transports.base.transport.NetworkTransport` does).
Each call pushes the whole frames now available downstream as
:class:`~framekit.frames.InputAudioFrame` objects, in the feeding task: caller
audio is a system frame and never waits in a queue.

When audio may flow: only once the :class:`~framekit.frames.StartFrame` has gone
through the *whole* pipeline, so no processor hears audio before it has opened its
model. Audio fed earlier (a phone line starts talking while the STT model loads)
is held, up to ``max_pending_seconds``, and pushed as soon as the pipeline has
started; audio fed after the call ended is dropped.
"""

from __future__ import annotations

from collections import deque

from loguru import logger

from framekit.audio import (
    AudioCaps,
    AudioChunker,
    AudioConverter,
    AudioFormat,
    PipelineFormat,
    audio_format,
)
from framekit.frames import CancelFrame, EndFrame, Frame, InputAudioFrame, StartFrame
from framekit.processors.base import FrameDirection, FrameProcessor

__all__ = ["InputTransport"]

_NOT_STARTED, _OPEN, _CLOSED = 0, 1, 2


class InputTransport(FrameProcessor):
    """First processor of a pipeline: turns wire audio into pipeline audio frames.

    Subclasses open their connection or file in ``on_start`` (calling
    ``super().on_start(frame)`` first, which fixes the pipeline format), start
    reading in :meth:`on_pipeline_started`, call :meth:`feed_audio` as audio
    arrives and :meth:`end_of_audio` when the stream ends, so the last partial
    frame is not lost.
    """

    audio_caps = AudioCaps(produces={InputAudioFrame: PipelineFormat.INPUT})

    def __init__(
        self, *, chunk_ms: int = 20, max_pending_seconds: float = 2.0, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self._chunk_ms = chunk_ms
        self._format = audio_format(16000)
        self._chunker = AudioChunker(self._format, chunk_ms)
        self._converter: AudioConverter | None = None
        self._state = _NOT_STARTED
        self._pending: deque[tuple[bytes, AudioFormat]] = deque()
        self._pending_seconds = 0.0
        self._max_pending_seconds = max_pending_seconds

    @property
    def input_format(self) -> AudioFormat:
        """The pipeline's input format (PCM16 mono at ``StartFrame.audio_in_sample_rate``)."""
        return self._format

    @property
    def chunk_ms(self) -> int:
        """Length of every :class:`InputAudioFrame` this transport pushes, in milliseconds."""
        return self._chunk_ms

    @property
    def is_open(self) -> bool:
        """True from the pipeline's start until the call ends: fed audio flows at once."""
        return self._state == _OPEN

    async def on_start(self, frame: StartFrame) -> None:
        self._format = audio_format(frame.audio_in_sample_rate)
        self._chunker = AudioChunker(self._format, self._chunk_ms)
        self._converter = None

    async def on_pipeline_started(self) -> None:
        """The whole pipeline has started: start reading the wire here."""

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        await super().receive(frame, direction)
        # Lifecycle frames are rare here; caller audio never passes through receive.
        if isinstance(frame, StartFrame):
            await self._open()
        elif isinstance(frame, EndFrame | CancelFrame):
            self._state = _CLOSED
            self._pending.clear()

    async def feed_audio(self, raw: bytes, fmt: AudioFormat) -> None:
        """Convert ``raw`` (audio in ``fmt``) and push every whole frame it completes.

        Call it from one task at a time: the converter and the chunker keep the
        stream's state between calls. A change of ``fmt`` starts a new stream.
        """
        if self._state != _OPEN:
            self._hold(raw, fmt)
            return
        converter = self._converter
        if converter is None or (converter.src is not fmt and converter.src != fmt):
            converter = self._converter = AudioConverter(fmt, self._format)
        await self._push_chunks(self._chunker.push(converter.convert(raw)))

    async def end_of_audio(self) -> None:
        """The stream ended: push what the converter and chunker still hold (padded)."""
        if self._state != _OPEN:
            return
        converter, self._converter = self._converter, None
        if converter is not None:
            await self._push_chunks(self._chunker.push(converter.flush()))
        tail = self._chunker.flush(pad=True)
        if tail:
            await self._push_chunks([tail])

    def reset_stream(self) -> None:
        """Forget partial audio (the wire reconnected, or a new stream begins)."""
        self._converter = None
        self._chunker.reset()

    async def _open(self) -> None:
        self._state = _OPEN
        pending, self._pending = self._pending, deque()
        self._pending_seconds = 0.0
        for raw, fmt in pending:
            await self.feed_audio(raw, fmt)
        await self.on_pipeline_started()

    def _hold(self, raw: bytes, fmt: AudioFormat) -> None:
        if self._state == _CLOSED:
            return
        self._pending.append((raw, fmt))
        self._pending_seconds += fmt.duration_of(len(raw))
        while self._pending_seconds > self._max_pending_seconds and self._pending:
            old, old_fmt = self._pending.popleft()
            self._pending_seconds -= old_fmt.duration_of(len(old))
            logger.debug(f"{self.name}: dropped caller audio fed long before the pipeline started")

    async def _push_chunks(self, chunks: list[bytes]) -> None:
        fmt = self._format
        for chunk in chunks:
            await self.push_frame(
                InputAudioFrame(audio=chunk, format=fmt), FrameDirection.DOWNSTREAM
            )
