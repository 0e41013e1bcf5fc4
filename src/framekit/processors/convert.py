"""An explicit audio converter: the one visible place where caller audio changes format.

Consumers of caller audio (VAD, STT, recorders) declare the format they accept
(:class:`~framekit.audio.AudioCaps`) and never convert it themselves. Audio that
comes from somewhere other than an input transport (a test feeding a WAV file, an
application queuing frames) is converted here, once, before them::

    Pipeline([AudioConverterProcessor(), vad, stt, ...])  # to the pipeline input format

The pipeline checks, when the call starts, that what this processor produces is
what the processors after it accept.
"""

from __future__ import annotations

from framekit.audio import AudioCaps, AudioConverter, AudioFormat, PipelineFormat, audio_format
from framekit.frames import EndFrame, InputAudioFrame, StartFrame
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["AudioConverterProcessor"]


class AudioConverterProcessor(FrameProcessor):
    """Converts every :class:`~framekit.frames.InputAudioFrame` to one format.

    ``to`` is a concrete format, or :attr:`PipelineFormat.INPUT
    <framekit.audio.PipelineFormat.INPUT>` (the default): PCM16 mono at the
    call's ``audio_in_sample_rate``. Frames already in that format pass on
    untouched; a change of source format starts a new converter (a new stream).
    """

    def __init__(
        self, to: AudioFormat | PipelineFormat = PipelineFormat.INPUT, *, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        if to is PipelineFormat.ANY or to is PipelineFormat.OUTPUT:
            raise ValueError(f"caller audio converts to a format or the input format, not {to}")
        self._to = to
        self._format = to if isinstance(to, AudioFormat) else audio_format(16000)
        self._converter: AudioConverter | None = None
        self.audio_caps = AudioCaps(
            consumes={InputAudioFrame: PipelineFormat.ANY}, produces={InputAudioFrame: to}
        )

    @property
    def format(self) -> AudioFormat:
        """The format every frame leaves in (known once the call has started)."""
        return self._format

    async def on_start(self, frame: StartFrame) -> None:
        if self._to is PipelineFormat.INPUT:
            self._format = audio_format(frame.audio_in_sample_rate)
        self._converter = None

    async def on_end(self, frame: EndFrame) -> None:
        converter, self._converter = self._converter, None
        if converter is not None:
            tail = converter.flush()
            if tail:
                await self.push_frame(InputAudioFrame(audio=tail, format=self._format))

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        fmt = frame.format
        if fmt is self._format:
            await self.push_frame(frame, direction)
            return
        converter = self._converter
        if converter is None or converter.src != fmt:
            converter = self._converter = AudioConverter(fmt, self._format)
        audio = converter.convert(frame.audio)
        if audio:
            await self.push_frame(InputAudioFrame(audio=audio, format=self._format), direction)
