"""Speech to text by whole utterances: the caller's utterances in, their words out.

Whisper and Moonshine transcribe whole utterances, not a stream, so this processor
keeps the caller's audio from :class:`~framekit.frames.UserStartedSpeakingFrame` to
:class:`~framekit.frames.UserStoppedSpeakingFrame` and then pushes one final
:class:`~framekit.frames.TranscriptionFrame`. Every frame passes on at once. The
model is any :class:`~framekit.processors.stt.service.Recognizer`
(``transcribe_async(audio, language, prompt=...)`` returning a
:class:`~framekit.processors.stt.transcript.Transcript`), loaded by the caller and
passed in: this processor never loads a model, so a server loads each one once,
before it listens, and every call shares it. How an utterance is cut and decoded is
an :class:`UtteranceOptions`.

Why it keeps the call's own rate and converts each decode's audio: every batch
recognizer hears 16 kHz PCM16 mono (:data:`~framekit.processors.stt.transcript.SAMPLE_RATE`),
but a phone line is 8 kHz, and bringing every 20 ms frame to 16 kHz at the input transport
was 15 % of a call node's event loop (issue 18, ``docs/benchmarks.md``) for audio that is
mostly never decoded. So the stage consumes :class:`~framekit.frames.InputAudioFrame` as
PCM16 mono at the call's input rate (:attr:`UtteranceSTTProcessor.audio_caps`; the VAD
runs at that rate too), keeps the utterance in it, and brings each decode's audio to
16 kHz once (:func:`~framekit.processors.stt._utterance_audio.to_recognizer`); at 16 kHz
(a browser call) the audio goes to the recognizer as it is. Audio in another format (frames
fed past the call's start check) is reported once per call and not kept.

Why a worker task: a decode takes tens to hundreds of milliseconds of CPU in a
thread, and caller audio must keep flowing meanwhile. Audio and speaking events are
handled in the sender's task and only append to a buffer; one worker owned by the
call (``self.context.tasks``) runs the decodes, one at a time, in utterance order.

Why decode before the caller has finished (``speculative``): the VAD reports the
end of speech only after a silence window (typically 0.3-0.8 s). So when the tail of
the utterance goes quiet for ``pause_seconds``, the worker decodes what it has at
once, during the VAD's silence window. When the stop event then arrives with
``stopped_at`` (the time speech really ended) and that early decode's audio
reaches ``stopped_at`` (within the turn-end policy's tolerance), it already covers every
word and becomes the final transcript without a second decode. Otherwise (no
``stopped_at``, or the caller spoke again after the pause) the whole utterance is
decoded afresh. The cost is one extra decode per pause in the caller's speech, and a
decode made stale is stopped: when the caller speaks again
(:data:`~framekit.processors.stt._utterance_audio.RESUMED_SECONDS` of loud audio after its
pause), or when the stop places the end of speech past its audio, the worker cancels it and
Moonshine drops it at its next decoder step (~20 ms), so it neither costs the rest
of its tokens nor holds back the decode that matters. With Whisper (whose encoder
always sees 30 s) the early decode often still runs when the stop arrives; with
Moonshine (cost grows with the audio, ~0.1 s for 3 s of speech) it is usually done,
and the final transcript leaves as the stop event arrives.

Early decodes are marked not urgent, so another caller's final transcript overtakes
them in the shared engine's queue (:mod:`framekit.models.scheduling`), and none is
made past the first 10 s of an utterance, where each would decode the whole growing
utterance again.

The other settings (``pre_roll``, ``expect``, ``interim_results``, ``written_forms``,
``max_utterance_seconds``, ``last_words_timeout``) are explained with them
(:mod:`~framekit.processors.stt.utterance_options`); the utterance's buffers are
:mod:`~framekit.processors.stt._utterance_audio`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

import numpy as np

from framekit.audio import AudioCaps, PipelineFormat, audio_format
from framekit.audio.misfit import AudioMisfit, audio_misfit
from framekit.frames import (
    CancelFrame,
    EndCause,
    EndFrame,
    ExpectedSpeech,
    ExpectedSpeechFrame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.stt._utterance_audio import (
    EarlyDecode,
    PreRoll,
    Sizes,
    Utterance,
    to_recognizer,
)
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.transcript import SAMPLE_RATE, Transcript
from framekit.processors.stt.utterance_options import (
    DEFAULT_MAX_UTTERANCE_SECONDS,
    MAX_LOOKBACK,
    UtteranceOptions,
    UtteranceSTTStats,
)
from framekit.text import written_form

__all__ = [
    "DEFAULT_MAX_UTTERANCE_SECONDS",
    "MAX_LOOKBACK",
    "UtteranceOptions",
    "UtteranceSTTProcessor",
    "UtteranceSTTStats",
]

_HEARS = audio_format(SAMPLE_RATE)
"""What every batch recognizer hears: PCM16 mono at 16 kHz."""


class UtteranceSTTProcessor(FrameProcessor):
    """Transcribes each utterance of the caller with a loaded ``recognizer``.

    Consumes caller audio as PCM16 mono at the call's input rate (:attr:`audio_caps`);
    each decode's audio is brought to 16 kHz once.
    """

    audio_caps = AudioCaps(consumes={InputAudioFrame: PipelineFormat.INPUT})

    def __init__(
        self,
        recognizer: Recognizer,
        options: UtteranceOptions | None = None,
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.options = options = options if options is not None else UtteranceOptions()
        self._skipping = False  # the rest of a cut utterance, until the VAD's stop
        self.recognizer = recognizer
        self._expect: ExpectedSpeech | None = None
        self._sizes = Sizes.of(options, _HEARS)  # until a call starts at its own rate
        self._format_reported = False  # audio in another format: reported once per call
        self._pre_roll = PreRoll(self._sizes.lookback_bytes)
        self._utterance: Utterance | None = None
        self._finals: deque[Utterance] = deque()
        self._early: EarlyDecode | None = None
        self._wake = asyncio.Event()
        self.stats = UtteranceSTTStats()

    async def warm_up(self) -> None:
        """Decode one second of quiet, outside any call.

        A model's first decode also sets up its runtime's kernels and buffers; a
        server does this before it listens so that its first caller is not slower
        than its tenth.
        """
        quiet = np.zeros(SAMPLE_RATE, dtype=np.float32)
        await self.recognizer.transcribe_async(quiet, self.options.language)

    # --- lifecycle -----------------------------------------------------------------------

    async def on_start(self, frame: StartFrame) -> None:
        fmt = audio_format(frame.audio_in_sample_rate)
        if fmt != self._sizes.fmt:
            self._sizes = Sizes.of(self.options, fmt)
            self._pre_roll = PreRoll(self._sizes.lookback_bytes)
        self._utterance = None
        self._expect = None
        self._finals.clear()
        self._pre_roll.clear()
        self._format_reported = False
        self.context.tasks.create_task(self._work(), f"{self.name}:transcribe")

    async def on_end(self, frame: EndFrame) -> None:
        """Transcribe what the caller said before the end, then let the end frame go."""
        if self._utterance is not None:
            self._stop_utterance(None)
        while self._finals:
            await self._finals[-1].done.wait()

    async def on_cancel(self, frame: CancelFrame) -> None:
        """A caller who hung up right after speaking: their last words go out first."""
        if frame.cause is not EndCause.CALLER_HUNG_UP or self.options.last_words_timeout <= 0:
            return
        if self._utterance is not None:
            self._stop_utterance(None)
        if self._finals:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._finals[-1].done.wait(), self.options.last_words_timeout
                )

    # --- frames from the caller's side ---------------------------------------------------

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        pcm = frame.audio
        misfit = audio_misfit(pcm, frame.format, self._sizes.fmt)
        if misfit is not None:
            await self._report_misfit(frame, misfit)
            return
        if not pcm:
            return
        utterance = self._utterance
        if utterance is None:
            if not self._skipping:
                self._pre_roll.keep(pcm)
            return
        utterance.audio += pcm
        if len(utterance.audio) >= self._sizes.max_utterance_bytes:
            utterance.cut = True
            self._skipping = True
            self._stop_utterance(None)
            return
        utterance.received_at = self.clock.now()
        utterance.hear(pcm)
        early = self._early
        if (
            early is not None
            and early.utterance is utterance
            and early.at_pause
            and self._sizes.resumed(utterance)
        ):
            self._abandon(early)  # the caller spoke again: its words are not the end
        if self._sizes.due(utterance):
            self._wake.set()

    @on_frame(UserStartedSpeakingFrame)
    async def _on_started(self, frame: UserStartedSpeakingFrame, direction: FrameDirection) -> None:
        if self._utterance is None and not self._skipping:
            before_event = self.options.pre_roll
            if frame.started_at is not None:
                before_event += max(0.0, self.clock.now() - frame.started_at)
            keep = min(self._sizes.fmt.bytes_for(before_event), self._sizes.lookback_bytes)
            self._utterance = Utterance(audio=bytearray(self._pre_roll.take(keep)))
        await self.push_frame(frame, direction)

    @on_frame(UserStoppedSpeakingFrame)
    async def _on_stopped(self, frame: UserStoppedSpeakingFrame, direction: FrameDirection) -> None:
        self._skipping = False
        if self._utterance is not None:
            self._stop_utterance(frame.stopped_at)
        await self.push_frame(frame, direction)

    @on_frame(ExpectedSpeechFrame)
    async def _on_expected(self, frame: ExpectedSpeechFrame, direction: FrameDirection) -> None:
        """Remember what the dialogue asked for: the next utterances are decoded with it."""
        self._expect = frame.expect
        await self.push_frame(frame, direction)

    def _stop_utterance(self, stopped_at: float | None) -> None:
        utterance, self._utterance = self._utterance, None
        assert utterance is not None
        utterance.stopped_at = stopped_at
        utterance.ended_at = now = self.clock.now()
        if stopped_at is not None:
            # The VAD dated the end as "now, less the audio heard since": undo that here,
            # at the same instant, and the end is a place in the audio, whatever the delays.
            since = self._sizes.fmt.bytes_for(max(0.0, now - stopped_at))
            utterance.end_bytes = max(0, len(utterance.audio) - since)
        early = self._early
        if (
            early is not None
            and early.utterance is utterance
            and not utterance.covers_end(early.audio_bytes, self._sizes.fmt)
        ):
            self._abandon(early)  # the utterance is decoded whole next: start it now
        self._finals.append(utterance)
        self._wake.set()

    async def _report_misfit(self, frame: InputAudioFrame, misfit: AudioMisfit) -> None:
        """A corrupt frame each time; another format (the start check would have refused
        it) once per call. Both non-fatal."""
        if not misfit.wrong_format:
            await self.push_error(f"{self.name}: {frame.name} {misfit.reason}; frame ignored")
            return
        if self._format_reported:
            return
        self._format_reported = True
        await self.push_error(
            f"{self.name}: {frame.name} {misfit.reason} this stage consumes; not transcribed "
            "(convert before the STT: AudioConverterProcessor)"
        )

    # --- the worker ----------------------------------------------------------------------

    async def _work(self) -> None:
        """Decode finished utterances first, in order; otherwise the unfinished one if due."""
        while True:
            if self._finals:
                finished = self._finals[0]
                try:
                    await self._finalize(finished)
                except Exception as exc:
                    await self._report_decode_failure(exc)
                finally:
                    self._finals.popleft()
                    finished.done.set()
                continue
            current = self._utterance
            if current is not None and self._sizes.due(current):
                await self._decode_partial(current)
                continue
            self._wake.clear()
            await self._wake.wait()

    async def _transcribe(self, audio: bytes, *, urgent: bool = True) -> Transcript:
        self.stats.decodes += 1
        return await self.recognizer.transcribe_async(
            to_recognizer(audio, self._sizes.fmt, _HEARS),
            self.options.language,
            prompt=self.options.prompt,
            urgent=urgent,
            expect=self._expect,
        )

    async def _decode_partial(self, utterance: Utterance) -> None:
        """Decode the utterance so far, in a task that :meth:`_abandon` may cancel."""
        audio = bytes(utterance.audio)
        received_at = utterance.received_at
        self.stats.early_decodes += 1
        at_pause = self._sizes.at_pause(utterance)
        task = self.context.tasks.create_task(self._early_transcript(audio), f"{self.name}:early")
        self._early = EarlyDecode(utterance, len(audio), at_pause, task)
        try:
            await asyncio.wait([task])
        finally:
            self._early = None
            task.cancel()  # the worker itself was cancelled: so is its decode
        if task.cancelled():
            self.stats.abandoned += 1
            return
        transcript = task.result()
        if isinstance(transcript, Exception):
            await self._report_decode_failure(transcript)
            utterance.decoded_bytes = len(audio)  # do not retry the same audio at once
            return
        utterance.decoded = transcript
        utterance.decoded_bytes = len(audio)
        self.stats.early_audio_until = received_at
        text = self._written(transcript.text)
        if (
            self.options.interim_results
            and self._utterance is utterance
            and text
            and text != utterance.last_interim
        ):
            utterance.last_interim = text
            await self.push_frame(
                InterimTranscriptionFrame(
                    text=text,
                    user_id=self.options.user_id,
                    timestamp=received_at,
                    language=transcript.language,
                )
            )

    async def _early_transcript(self, audio: bytes) -> Transcript | Exception:
        """An early decode's result, or its failure (reported once, by the worker)."""
        try:
            return await self._transcribe(audio, urgent=False)
        except Exception as exc:
            return exc

    def _abandon(self, early: EarlyDecode) -> None:
        """Stop a stale early decode: the engine drops it at its next step (Moonshine)."""
        if not early.task.done():
            early.task.cancel()

    async def _finalize(self, utterance: Utterance) -> None:
        if len(utterance.audio) < self._sizes.min_utterance_bytes:
            return
        transcript = utterance.reusable(self._sizes.fmt)
        if transcript is not None:
            self.stats.reused += 1
        else:
            try:
                transcript = await self._transcribe(bytes(utterance.audio))
            except Exception as exc:
                await self._report_decode_failure(exc)
                return
        if not transcript.text:
            return
        stopped_at = utterance.stopped_at
        await self.push_frame(
            TranscriptionFrame(
                text=self._written(transcript.text),
                user_id=self.options.user_id,
                timestamp=stopped_at if stopped_at is not None else utterance.ended_at,
                language=transcript.language,
                confidence=transcript.confidence,
                cut=utterance.cut,
            )
        )
        if utterance.cut:
            self.stats.cut += 1
        latency = self.clock.now() - utterance.ended_at
        self.stats.final_latencies.append(latency)
        await self.report_metric("ttfb", latency, model=self.recognizer.name)

    def _written(self, text: str) -> str:
        return written_form(text) if self.options.written_forms else text

    async def _report_decode_failure(self, exc: Exception) -> None:
        await self.push_error(f"{self.name}: transcription failed: {exc!r}", exception=exc)
