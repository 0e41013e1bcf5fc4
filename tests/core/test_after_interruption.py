"""FrameProcessor.after_interruption: runs once the frame has passed every processor below."""

from __future__ import annotations

from framekit.frames import CancelFrame, ErrorFrame, InterruptionFrame, SentencePlayedFrame
from framekit.processors import FrameDirection, FrameProcessor, QueuedFrameProcessor, on_frame
from framekit.testing import LiveCall


class Reporter(QueuedFrameProcessor):
    """Stands for the output transport: reports upstream while it handles the frame."""

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        await self.push_frame(SentencePlayedFrame(text="Hi.", heard="Hi"), FrameDirection.UPSTREAM)

    async def on_cancel(self, frame: CancelFrame) -> None:
        await self.push_frame(SentencePlayedFrame(text="Bye."), FrameDirection.UPSTREAM)


class Watcher(FrameProcessor):
    """Notes, at each hook, the reports that have arrived so far."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[str] = []
        self.seen: list[tuple[str, str, list[str]]] = []

    @on_frame(SentencePlayedFrame)
    async def _report(self, frame: SentencePlayedFrame, direction: FrameDirection) -> None:
        self.reports.append(frame.text)
        await self.push_frame(frame, direction)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self.seen.append(("on", type(frame).__name__, list(self.reports)))

    async def after_interruption(self, frame: InterruptionFrame | CancelFrame) -> None:
        self.seen.append(("after", type(frame).__name__, list(self.reports)))


async def test_the_hook_sees_every_report_sent_while_the_frame_passed_below() -> None:
    watcher = Watcher()
    async with LiveCall([watcher, FrameProcessor(), Reporter()]) as call:
        await call.send(InterruptionFrame())
        await call.cancel()
    assert watcher.seen == [
        ("on", "InterruptionFrame", []),
        ("after", "InterruptionFrame", ["Hi."]),
        ("after", "CancelFrame", ["Hi.", "Bye."]),
    ]


async def test_a_failing_hook_is_reported_and_the_frame_still_goes_on() -> None:
    class Broken(FrameProcessor):
        async def after_interruption(self, frame: InterruptionFrame | CancelFrame) -> None:
            raise RuntimeError("boom")

    async with LiveCall([Broken(), Reporter()]) as call:
        await call.send(InterruptionFrame())
        await call.end()
    assert call.downstream_of(InterruptionFrame)
    (error,) = call.upstream_of(ErrorFrame)
    assert "boom" in error.error
