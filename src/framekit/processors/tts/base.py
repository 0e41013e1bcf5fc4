"""The TTS stage: text in, the frames of any :class:`~framekit.processors.tts.voice.Voice` out.

Why one stage for every voice: Piper, an HTTP service and espeak-ng differ only in
how one sentence becomes audio. Everything around it must behave the same for the
rest of the pipeline, whichever voice speaks (and a fallback voice may switch
vendor mid-call), so :class:`TTSProcessor` does it once and drives a voice:

* streamed :class:`~framekit.frames.TextFrame` chunks are cut into sentences by a
  :class:`~framekit.processors.tts.sentences.SentenceAggregator`, and each complete
  sentence is spoken at once, so the caller hears the first sentence while the LLM
  is still writing the rest;
* each sentence becomes :class:`~framekit.frames.TTSStartedFrame`, audio frames and
  :class:`~framekit.frames.TTSStoppedFrame`; the sentences of one response share a
  ``context_id``; the started frame carries the sentence as cut here and the id of
  the LLM response it belongs to (learnt from :class:`~framekit.frames.LLMResponseStartFrame`
  and :class:`~framekit.frames.LLMTextFrame`), so the output transport can report
  what the caller heard of it;
* audio leaves at the pipeline's output rate (``StartFrame.audio_out_sample_rate``),
  converted by one :class:`~framekit.audio.AudioConverter` per sentence from whatever
  format the voice declares (which may change between chunks: a fallback that
  switches voice mid-sentence starts a new converter);
* an interruption cancels the sentence in progress (the queued base cancels the
  worker; the voice's stream is closed at once, so a subprocess is killed or a
  connection dropped) and forgets the half-received sentence;
* a sentence that fails to synthesize is reported as a non-fatal
  :class:`~framekit.frames.ErrorFrame` and still ends with ``TTSStoppedFrame``; the
  next sentences are tried again (a dead service must not end the call).

Fixed phrases (:class:`~framekit.frames.TTSSpeakFrame`: greetings, prompts) are
replayed from a shared :class:`~framekit.processors.tts.phrases.PhraseCache` when one
is given and the voice names itself (:attr:`Voice.phrase_key`), so the same sentence
is synthesized once per process; :meth:`TTSProcessor.warm_up` prepares the voice and
fills the cache before the first call. With ``repeated_sentences=True`` the sentences a
brain writes are replayed too, from their second request in the process on (templated
answers: see :mod:`~framekit.processors.tts.phrases`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING

from loguru import logger

from framekit.audio.format import AudioFormat, audio_format
from framekit.frames import (
    EndFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    StartFrame,
    TextFrame,
    TTSAudioFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.frames.speech import InterruptionFrame
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.queued import QueuedFrameProcessor
from framekit.processors.tts.phrases import PhraseCache
from framekit.processors.tts.sentences import DEFAULT_ABBREVIATIONS, SentenceAggregator
from framekit.processors.tts.voice import Voice

if TYPE_CHECKING:
    from framekit.audio.convert import AudioConverter

__all__ = ["TTSProcessor"]

_context_ids = itertools.count(1)


class TTSProcessor(QueuedFrameProcessor):
    """Speaks text frames one sentence at a time with ``voice``.

    * :class:`~framekit.frames.TextFrame` and :class:`~framekit.frames.LLMTextFrame`
      are aggregated into sentences, and passed on downstream unchanged (so that a
      context aggregator after the TTS still sees what the bot said) unless
      ``push_text_frames`` is false;
    * :class:`~framekit.frames.TTSSpeakFrame` is spoken as is (after any pending text);
    * :class:`~framekit.frames.LLMResponseEndFrame` speaks the unfinished rest.

    ``phrase_cache`` replays fixed phrases (and, with ``repeated_sentences``, any
    sentence requested before in the process) instead of synthesizing them again.
    ``abbreviations`` are the words whose period does not end a sentence (a voice's
    own list when it reads more of them aloud). The stage prepares the voice when
    each call starts and closes it when the call ends.
    """

    def __init__(
        self,
        voice: Voice,
        *,
        phrase_cache: PhraseCache | None = None,
        repeated_sentences: bool = False,
        abbreviations: frozenset[str] = DEFAULT_ABBREVIATIONS,
        push_text_frames: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.voice = voice
        """What speaks each sentence."""
        self._phrase_cache = phrase_cache
        self._repeated_sentences = repeated_sentences
        self._push_text_frames = push_text_frames
        self._sentences = SentenceAggregator(abbreviations)
        self._out_format: AudioFormat | None = None
        self._context_id: str | None = None
        self._response_id = ""
        self.first_audio_seconds: list[float] = []
        """Seconds from the start of each sentence's synthesis to its first audio, in order."""

    async def warm_up(self, phrases: Sequence[str] = (), sample_rate: int = 16000) -> None:
        """Prepare the voice and speak ``phrases`` into the phrase cache, outside any call.

        A server calls it before it listens, so that its first caller neither waits
        for the voice to load nor for the greeting to be synthesized. Problems the
        voice reports meanwhile are logged.
        """
        self._out_format = audio_format(sample_rate)
        voice = self.voice
        await voice.prepare(self._out_format, _log_problem)
        cache, key = self._phrase_cache, voice.phrase_key
        if cache is None or key is None:
            return
        for text in phrases:
            if cache.get(key, sample_rate, text) is not None:
                continue
            out = _AudioOut(self._out_format)
            parts = []
            async with aclosing(voice.synthesize(text)) as chunks:
                async for data, fmt in chunks:
                    parts.append(out.convert(data, fmt))
            parts.append(out.flush())
            if voice.last_cacheable():
                cache.put(key, sample_rate, text, b"".join(parts))

    # --- the frame protocol ------------------------------------------------------------------

    @property
    def output_format(self) -> AudioFormat:
        """Format of the audio frames this processor pushes (the pipeline's output rate)."""
        if self._out_format is None:
            raise RuntimeError(f"{self.name} has not started: its output rate is unknown yet")
        return self._out_format

    async def on_start(self, frame: StartFrame) -> None:
        self._out_format = audio_format(frame.audio_out_sample_rate)
        await self.voice.prepare(self._out_format, self._report_problem)

    async def cleanup(self) -> None:
        await self.voice.close()

    async def on_end(self, frame: EndFrame) -> None:
        await self._speak_rest()

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._sentences.reset()
        self._context_id = None
        self._response_id = ""

    @on_frame(LLMResponseStartFrame)
    async def _on_response_start(
        self, frame: LLMResponseStartFrame, direction: FrameDirection
    ) -> None:
        if direction is FrameDirection.DOWNSTREAM:
            await self._speak_rest()  # what came before belongs to what came before
            self._response_id = frame.response_id
        await self.push_frame(frame, direction)

    @on_frame(LLMTextFrame)
    async def _on_llm_text(self, frame: LLMTextFrame, direction: FrameDirection) -> None:
        if frame.response_id != self._response_id:
            await self._speak_rest()
            self._response_id = frame.response_id
        await self._on_text(frame, direction)

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
        response_id, self._response_id = self._response_id, ""
        await self._speak(frame.text, fixed=True)
        self._response_id = response_id
        self._context_id = None

    @on_frame(LLMResponseEndFrame)
    async def _on_response_end(self, frame: LLMResponseEndFrame, direction: FrameDirection) -> None:
        await self._speak_rest()
        self._context_id = None
        self._response_id = ""
        await self.push_frame(frame, direction)

    async def _report_problem(self, message: str) -> None:
        await self.push_error(f"{self.name}: {message}")

    async def _speak_rest(self) -> None:
        rest = self._sentences.flush()
        if rest is not None:
            await self._speak(rest)

    async def _speak(self, text: str, *, fixed: bool = False) -> None:
        """Synthesize ``text`` and push it as started, audio frames, stopped.

        A ``fixed`` phrase (a :class:`TTSSpeakFrame`) is replayed from the phrase
        cache when it is there, and kept in it once spoken in full; so is any other
        sentence with ``repeated_sentences``, from its second request on.
        """
        if not text.strip():
            return
        voice = self.voice
        cache = self._phrase_cache if fixed or self._repeated_sentences else None
        key = voice.phrase_key if cache is not None else None
        rate = self.output_format.sample_rate
        if self._context_id is None:
            self._context_id = f"{self.name}:{next(_context_ids)}"
        context_id = self._context_id
        await self.push_frame(
            TTSStartedFrame(context_id=context_id, text=text, response_id=self._response_id)
        )
        cached = cache.get(key, rate, text) if cache is not None and key is not None else None
        if cached is not None:
            await self._first_audio(0.0)
            await self._push_audio(cached, context_id)
            await self.push_frame(TTSStoppedFrame(context_id=context_id))
            return
        if not fixed and cache is not None and key is not None:
            key = key if cache.repeated(key, rate, text) else None
        out = _AudioOut(self.output_format)
        spoken: list[bytes] | None = [] if key is not None else None
        started = self.clock.now()
        first = True
        try:
            async with aclosing(voice.synthesize(text)) as chunks:
                async for data, fmt in chunks:
                    if first and data:
                        first = False
                        await self._first_audio(self.clock.now() - started)
                    audio = out.convert(data, fmt)
                    if spoken is not None:
                        spoken.append(audio)
                    await self._push_audio(audio, context_id)
        except Exception as exc:
            spoken = None
            message = f"{self.name} could not speak {_clip(text)}: {exc}"
            await self.push_error(message, exception=exc)
        tail = out.flush()
        await self._push_audio(tail, context_id)
        if spoken is not None and cache is not None and key is not None and voice.last_cacheable():
            cache.put(key, rate, text, b"".join(spoken) + tail)
        await self.push_frame(TTSStoppedFrame(context_id=context_id))

    async def _first_audio(self, seconds: float) -> None:
        self.first_audio_seconds.append(seconds)
        await self.report_metric("ttfb", seconds, model=self.voice.model_name)

    async def _push_audio(self, audio: bytes, context_id: str) -> None:
        if audio:
            frame = TTSAudioFrame(audio=audio, format=self.output_format, context_id=context_id)
            await self.push_frame(frame)


class _AudioOut:
    """One sentence's audio on its way to the output format, whatever formats it comes in."""

    def __init__(self, dst: AudioFormat) -> None:
        self._dst = dst
        self._converter: AudioConverter | None = None
        self._carry = b""

    def convert(self, data: bytes, fmt: AudioFormat) -> bytes:
        converter = self._converter
        out = b""
        if converter is None or converter.src != fmt:
            out = self.flush()
            from framekit.audio.convert import AudioConverter

            converter = self._converter = AudioConverter(fmt, self._dst)
        if self._carry:
            data = self._carry + data
        cut = len(data) - len(data) % fmt.bytes_per_frame
        self._carry = data[cut:]
        whole = data[:cut] if self._carry else data
        return out + converter.convert(whole) if whole else out

    def flush(self) -> bytes:
        converter, self._converter = self._converter, None
        if self._carry:
            logger.debug(f"TTS audio ended inside a sample: {len(self._carry)} byte(s) dropped")
            self._carry = b""
        return converter.flush() if converter is not None else b""


def _clip(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


async def _log_problem(message: str) -> None:
    logger.warning(message)
