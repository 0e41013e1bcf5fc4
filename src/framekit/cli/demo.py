"""``framekit demo``: an offline call on the core framework, printed as it happens.

Until the voice stack lands, the caller's turns enter as final transcriptions and
the bot answers in text; the pipeline, task, queued worker, interruption and
metrics are the real ones a voice call uses.
"""

from __future__ import annotations

import asyncio
from typing import TextIO

from framekit.frames import (
    BotStartedSpeakingFrame,
    Frame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor, on_frame

__all__ = ["run_demo"]

_ANSWERS = {
    "hours": "We are open from nine to six, Monday to Saturday.",
    "order": "Your order 4271 shipped yesterday and arrives on Friday.",
    "human": "Let me transfer you to a colleague.",
}
_SCRIPT = [
    "Hi, what are your opening hours?",
    "Where is my order?",
    "Can I talk to a human please?",
]


class KeywordResponder(QueuedFrameProcessor):
    """Answers each final transcription with a canned sentence chosen by keyword."""

    @on_frame(TranscriptionFrame)
    async def _answer(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        text = frame.text.lower()
        answer = next((a for k, a in _ANSWERS.items() if k in text), "Sorry, can you repeat?")
        await self.push_frame(LLMResponseStartFrame(response_id=str(frame.id)))
        await self.push_frame(BotStartedSpeakingFrame())
        for word in answer.split(" "):
            await self.push_frame(LLMTextFrame(text=word + " ", response_id=str(frame.id)))
        await self.push_frame(LLMResponseEndFrame(response_id=str(frame.id)))


class ConsolePrinter(FrameProcessor):
    """Prints the conversation as it leaves the pipeline."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out
        self._line: list[str] = []

    @on_frame(TranscriptionFrame)
    async def _caller(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        self._out.write(f"caller: {frame.text}\n")
        await self.push_frame(frame, direction)

    @on_frame(LLMTextFrame)
    async def _bot_text(self, frame: LLMTextFrame, direction: FrameDirection) -> None:
        self._line.append(frame.text)
        await self.push_frame(frame, direction)

    @on_frame(LLMResponseEndFrame)
    async def _bot_done(self, frame: Frame, direction: FrameDirection) -> None:
        self._out.write(f"bot:    {''.join(self._line).strip()}\n")
        self._line.clear()
        await self.push_frame(frame, direction)


async def run_demo(out: TextIO) -> int:
    """Run the scripted call turn by turn and print the transcript and per-turn latency."""
    task = PipelineTask(
        Pipeline([KeywordResponder(), ConsolePrinter(out)]),
        params=PipelineParams(enable_metrics=True, idle_timeout=10.0),
    )
    answered = asyncio.Event()

    def on_exit(frame: Frame) -> None:
        if isinstance(frame, LLMResponseEndFrame):
            answered.set()

    task.on_downstream_exit(on_exit)
    call = asyncio.ensure_future(task.run())
    for text in _SCRIPT:
        answered.clear()
        await task.queue_frame(UserStoppedSpeakingFrame(stopped_at=task.clock.now()))
        await task.queue_frame(TranscriptionFrame(text=text, user_id="caller"))
        await answered.wait()
    await task.stop_when_done()
    await call
    latencies = task.metrics.turn_latencies
    out.write(f"call {task.call_id} ended ({task.end_reason}) after {len(latencies)} turns")
    if latencies:
        out.write(f"; worst turn latency {max(latencies) * 1000:.2f} ms")
    out.write("\n")
    return 0
