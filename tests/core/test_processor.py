"""Plain processors: order, dispatch, lifecycle hooks and errors."""

from __future__ import annotations

from framekit.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    LLMTextFrame,
    StartFrame,
    TextFrame,
    TranscriptionFrame,
)
from framekit.pipeline import Pipeline
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.testing import run_processor

from core.helpers import Explode, Recorder, texts


class Shout(FrameProcessor):
    @on_frame(TextFrame)
    async def _text(self, frame: TextFrame, direction: FrameDirection) -> None:
        await self.push_frame(TextFrame(text=frame.text.upper()), direction)


class Reply(FrameProcessor):
    """Turns a transcription into an upstream echo and a downstream answer."""

    @on_frame(TranscriptionFrame)
    async def _heard(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        await self.push_frame(TextFrame(text=f"echo {frame.text}"), FrameDirection.UPSTREAM)
        await self.push_frame(TextFrame(text=f"answer {frame.text}"))


async def test_frames_arrive_in_order_through_a_chain() -> None:
    frames = [TextFrame(text=str(i)) for i in range(200)]
    out = await run_processor([Recorder() for _ in range(5)], frames)
    assert texts(out.downstream) == [str(i) for i in range(200)]
    assert out.downstream[0].__class__ is StartFrame
    assert isinstance(out.downstream[-1], EndFrame)


async def test_handlers_dispatch_by_type_including_subclasses() -> None:
    out = await run_processor(Shout(), [TextFrame(text="a"), LLMTextFrame(text="b")])
    assert texts(out.downstream) == ["A", "B"]


async def test_frames_without_a_handler_pass_through_unchanged() -> None:
    heard = TranscriptionFrame(text="hello")
    out = await run_processor(Shout(), [heard])
    assert out.downstream_of(TranscriptionFrame) == [heard]


async def test_push_goes_both_ways() -> None:
    out = await run_processor(Reply(), [TranscriptionFrame(text="hi")])
    assert texts(out.upstream) == ["echo hi"]
    assert texts(out.downstream) == ["answer hi"]


async def test_nested_pipelines_link_straight_through() -> None:
    inner = Pipeline([Shout(), Recorder()])
    recorder = Recorder()
    out = await run_processor(Pipeline([Recorder(), inner, recorder]), [TextFrame(text="x")])
    assert texts(out.downstream) == ["X"]
    assert texts(recorder.seen) == ["X"]
    assert len(list(Pipeline([Recorder(), inner, recorder]).processors())) == 4


async def test_a_raising_processor_reports_an_error_upstream_and_the_call_goes_on() -> None:
    errors: list[ErrorFrame] = []
    explode = Explode()
    frames = [TextFrame(text="one"), TextFrame(text="boom"), TextFrame(text="two")]
    out = await run_processor([Recorder(), explode, Recorder()], frames)
    errors = out.upstream_of(ErrorFrame)
    assert len(errors) == 1
    assert errors[0].processor == explode.name
    assert not errors[0].fatal
    assert isinstance(errors[0].exception, ValueError)
    assert texts(out.downstream) == ["one", "two"]
    assert out.task.end_reason == "completed"


class Hooks(FrameProcessor):
    """Records its lifecycle hooks and, on purpose, forwards nothing itself."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def on_start(self, frame: StartFrame) -> None:
        self.calls.append("start")

    async def on_end(self, frame: EndFrame) -> None:
        self.calls.append("end")

    async def cleanup(self) -> None:
        self.calls.append("cleanup")

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        self.calls.append(type(frame).__name__)


async def test_lifecycle_frames_reach_hooks_and_always_move_on() -> None:
    hooks = Hooks()
    out = await run_processor(hooks, [TextFrame(text="swallowed")])
    assert hooks.calls == ["start", "TextFrame", "end", "cleanup"]
    assert [type(f) for f in out.downstream] == [StartFrame, EndFrame]


class BrokenStart(FrameProcessor):
    async def on_start(self, frame: StartFrame) -> None:
        raise ConnectionError("model server unreachable")


async def test_a_failed_start_is_fatal_and_cancels_the_call() -> None:
    out = await run_processor(BrokenStart(), [TextFrame(text="never handled")])
    (error,) = out.upstream_of(ErrorFrame)
    assert error.fatal
    assert out.task.end_reason is not None
    assert out.task.end_reason.startswith("fatal error")
