"""A simulated call for the storage tests: frames pushed in the order a real call makes them.

The frames go through a real :class:`~framekit.pipeline.PipelineTask` with the
recorder as its observer and its record point just before the line; the test
pushes them from one processor, so every hop is observed in exactly the order
written here. The line stands for the output transport: it follows the sentence
spans with the transport's own :class:`~framekit.transports.base.played.PlayedSentences`
and reports them the way the transport does.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from framekit.audio.format import PCM16_16K
from framekit.clock import Clock, ManualClock
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    OutputAudioFrame,
    TranscriptionFrame,
    TTSAudioFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.storage import CallRecorder
from framekit.storage.records import Record
from framekit.transports.base.played import PlayedSentences

UP = FrameDirection.UPSTREAM


class Emitter(FrameProcessor):
    """The head of the pipeline: the test pushes the call's frames out of it."""


class Pass(FrameProcessor):
    """Passes everything on: one more hop for every frame."""


_RATE = PCM16_16K.bytes_per_frame * PCM16_16K.sample_rate


class Line(FrameProcessor):
    """Stands for the output transport: reports each sentence heard, or cut at a barge-in."""

    def __init__(self) -> None:
        super().__init__()
        self.heard_at_barge_in = 0.0
        self._sentences = PlayedSentences(_RATE)
        self._written = 0

    @on_frame(TTSStartedFrame)
    async def _started(self, frame: TTSStartedFrame, direction: FrameDirection) -> None:
        self._sentences.started(frame.text, frame.response_id, self._written)
        await self.push_frame(frame, direction)

    @on_frame(OutputAudioFrame)
    async def _audio(self, frame: OutputAudioFrame, direction: FrameDirection) -> None:
        self._written += len(frame.audio)
        await self.push_frame(frame, direction)

    @on_frame(TTSStoppedFrame)
    async def _stopped(self, frame: TTSStoppedFrame, direction: FrameDirection) -> None:
        self._sentences.stopped(self._written)
        await self.push_frame(frame, direction)

    async def played_all(self) -> None:
        for report in self._sentences.finished(self._written, self.clock.now()):
            await self.push_frame(report, UP)
        self._written = 0  # the next utterance's seconds count from its start

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        heard = round(self.heard_at_barge_in * _RATE)
        for report in self._sentences.cut(heard, self._written, self.clock.now()):
            await self.push_frame(report, UP)
        self._written = 0
        await self.push_frame(BotStoppedSpeakingFrame(), UP)


@dataclass
class SimulatedCall:
    emitter: Emitter
    line: Line
    recorder: CallRecorder
    task: PipelineTask
    clock: Clock
    records: list[Record] = field(default_factory=list)
    _responses: int = 0

    async def push(
        self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM
    ) -> None:
        await self.emitter.push_frame(frame, direction)

    async def wait(self, seconds: float) -> None:
        if isinstance(self.clock, ManualClock):
            await self.clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)

    async def tool_ran(self, result: FunctionCallResultFrame) -> None:
        """A tool runner's result: one copy up (the model's), one down (the one stored)."""
        await self.push(result, UP)
        await self.push(dataclasses.replace(result), FrameDirection.DOWNSTREAM)

    async def user_says(self, text: str, seconds: float = 0.5) -> None:
        await self.push(UserStartedSpeakingFrame(started_at=self.clock.now()))
        await self.wait(seconds)
        await self.push(UserStoppedSpeakingFrame(stopped_at=self.clock.now()))
        await self.push(TranscriptionFrame(text=text))

    async def bot_says(
        self, sentences: list[str], *, seconds: float = 1.0, heard: float | None = None
    ) -> str:
        """Stream, synthesize and play ``sentences`` (``seconds`` of audio each).

        ``heard``: seconds played before the caller barges in (None: all of it).
        """
        self._responses += 1
        rid = f"r{self._responses}"
        await self.push(LLMResponseStartFrame(response_id=rid))
        for sentence in sentences:
            for word in sentence.split(" "):
                await self.push(LLMTextFrame(text=word + " ", response_id=rid))
        await self.push(LLMResponseEndFrame(response_id=rid))
        await self.wait(0.2)
        await self.push(BotStartedSpeakingFrame())
        for sentence in sentences:
            await self.push(TTSStartedFrame(context_id=rid, text=sentence, response_id=rid))
            audio = b"\x00" * int(PCM16_16K.bytes_per_frame * PCM16_16K.sample_rate * seconds)
            await self.push(TTSAudioFrame(audio=audio, format=PCM16_16K, context_id=rid))
            await self.push(TTSStoppedFrame(context_id=rid))
        total = seconds * len(sentences)
        if heard is None:
            await self.wait(total)
            await self.line.played_all()
        else:
            await self.wait(heard)
            self.line.heard_at_barge_in = heard
            await self.push(InterruptionFrame())
            return rid
        await self.push(BotStoppedSpeakingFrame())
        return rid


@asynccontextmanager
async def simulated_call(
    sink: Callable[[Record], None],
    *,
    clock: Clock | None = None,
    hops: int = 1,
    before_line: Sequence[FrameProcessor] = (),
    **call: str,
) -> AsyncIterator[SimulatedCall]:
    """A running call recorded into ``sink``; ended gracefully when the block exits.

    ``hops``: how many processors each frame crosses before the line (the emitter, then
    pass-throughs).
    """
    records: list[Record] = []

    def keep(record: Record) -> None:
        records.append(record)
        sink(record)

    clock = clock if clock is not None else ManualClock(100.0)
    emitter = Emitter()
    recorder = CallRecorder(keep, **call)
    line = Line()
    passes = (Pass() for _ in range(hops - 1))
    pipeline = Pipeline([emitter, *passes, *before_line, recorder.record_point(), line])
    task = PipelineTask(
        pipeline, params=PipelineParams(idle_timeout=None), observers=[recorder], clock=clock
    )
    runner = asyncio.ensure_future(task.run())
    try:
        await task.wait_started()
        yield SimulatedCall(emitter, line, recorder, task, clock, records)
        await task.stop_when_done()
        await runner
    finally:
        if not runner.done():
            runner.cancel()
            await asyncio.wait([runner])
