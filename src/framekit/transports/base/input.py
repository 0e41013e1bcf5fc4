"""The input transport: where the caller's audio enters a pipeline.

Whatever the wire carries (8 kHz mu-law from a phone line, 48 kHz stereo from a
browser, a WAV file), the processors after the input transport see one format:
PCM16 mono at the pipeline's input rate (``StartFrame.audio_in_sample_rate``), in
frames of exactly ``chunk_ms`` milliseconds. Conversion happens here, once, in one
:class:`~framekit.audio.AudioConverter`, so VAD and STT never guess a format.

How audio gets in: a subclass calls :meth:`InputTransport.feed_audio` from
whatever task reads the wire (a WebSocket handler, a reader task the transport
starts in ``on_start`` from ``self.context.tasks``). Each call pushes the whole
frames now available downstream as :class:`~framekit.frames.InputAudioFrame`\\ s,
in the feeding task: caller audio is a system frame and never waits in a queue.
"""

from __future__ import annotations

from framekit.audio import AudioChunker, AudioConverter, AudioFormat, audio_format
from framekit.frames import InputAudioFrame, StartFrame
from framekit.processors.base import FrameDirection, FrameProcessor

__all__ = ["InputTransport"]


class InputTransport(FrameProcessor):
    """First processor of a pipeline: turns wire audio into pipeline audio frames.

    Subclasses open their connection or file in ``on_start`` (calling
    ``super().on_start(frame)`` first, which fixes the pipeline format) and call
    :meth:`feed_audio` as audio arrives, then :meth:`end_of_audio` when the
    stream ends, so the last partial frame is not lost.
    """

    def __init__(self, *, chunk_ms: int = 20, name: str | None = None) -> None:
        super().__init__(name=name)
        self._chunk_ms = chunk_ms
        self._format = audio_format(16000)
        self._chunker = AudioChunker(self._format, chunk_ms)
        self._converter: AudioConverter | None = None

    @property
    def input_format(self) -> AudioFormat:
        """The pipeline's input format (PCM16 mono at ``StartFrame.audio_in_sample_rate``)."""
        return self._format

    @property
    def chunk_ms(self) -> int:
        """Length of every :class:`InputAudioFrame` this transport pushes, in milliseconds."""
        return self._chunk_ms

    async def on_start(self, frame: StartFrame) -> None:
        self._format = audio_format(frame.audio_in_sample_rate)
        self._chunker = AudioChunker(self._format, self._chunk_ms)
        self._converter = None

    async def feed_audio(self, raw: bytes, fmt: AudioFormat) -> None:
        """Convert ``raw`` (audio in ``fmt``) and push every whole frame it completes.

        Call it from one task at a time: the converter and the chunker keep the
        stream's state between calls. A change of ``fmt`` starts a new stream.
        """
        converter = self._converter
        if converter is None or (converter.src is not fmt and converter.src != fmt):
            converter = self._converter = AudioConverter(fmt, self._format)
        await self._push_chunks(self._chunker.push(converter.convert(raw)))

    async def end_of_audio(self) -> None:
        """The stream ended: push what the converter and chunker still hold (padded)."""
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

    async def _push_chunks(self, chunks: list[bytes]) -> None:
        fmt = self._format
        for chunk in chunks:
            await self.push_frame(
                InputAudioFrame(audio=chunk, format=fmt), FrameDirection.DOWNSTREAM
            )
