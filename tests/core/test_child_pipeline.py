"""A child pipeline: frames enter and leave through it, lifecycle frames included."""

from __future__ import annotations

from pathlib import Path

from doc_examples import check_example
from framekit.frames import EndFrame, Frame, StartFrame, TextFrame
from framekit.pipeline import ChildPipeline, Pipeline
from framekit.processors import FrameDirection, FrameProcessor
from framekit.testing import run_processor

from core.helpers import Gate, Recorder, texts


class Upper(FrameProcessor):
    """Upper-cases text going down; sends ``up:<text>`` upstream for each one."""

    def __init__(self) -> None:
        super().__init__()
        self.started_before: list[str] = []

    async def on_start(self, frame: StartFrame) -> None:
        self.started_before.append("on_start")

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, TextFrame) and direction is FrameDirection.DOWNSTREAM:
            await self.push_frame(TextFrame(text=f"up:{frame.text}"), FrameDirection.UPSTREAM)
            await self.push_frame(TextFrame(text=frame.text.upper()), direction)
        else:
            await self.push_frame(frame, direction)


class Only(ChildPipeline):
    """Lets out lifecycle frames and the texts ``keep`` accepts: a fallback's choice."""

    def __init__(self, processors: list[FrameProcessor], keep: str) -> None:
        super().__init__(processors)
        self.keep = keep

    async def leave(self, frame: Frame, direction: FrameDirection) -> None:
        if not isinstance(frame, TextFrame) or frame.text.startswith(self.keep):
            await super().leave(frame, direction)


async def test_frames_go_through_the_child_both_ways_and_leave_through_it() -> None:
    before, upper, after = Recorder(), Upper(), Recorder()
    child = ChildPipeline([upper, Recorder()])
    out = await run_processor(Pipeline([before, child, after]), [TextFrame(text="hi")])
    assert texts(after.seen) == ["HI"]
    assert texts(out.downstream) == ["HI"]
    assert texts(out.upstream) == ["up:hi"]
    assert texts(before.seen) == ["hi", "up:hi"]
    # The neighbours are linked to the child pipeline itself, not to what is inside it.
    assert before._next is child
    assert after._prev is child
    assert upper.started_before == ["on_start"]


async def test_lifecycle_frames_cross_the_child_once_in_order() -> None:
    gate = Gate()
    gate.opened.set()
    child = ChildPipeline([gate])
    out = await run_processor(
        Pipeline([child, Recorder()]), [TextFrame(text=str(i)) for i in range(50)]
    )
    kinds = out.downstream_types(lifecycle=True)
    assert kinds.count(StartFrame) == 1
    assert kinds.count(EndFrame) == 1
    assert isinstance(out.downstream[0], StartFrame)
    assert isinstance(out.downstream[-1], EndFrame)  # after the queued child drained
    assert texts(out.downstream) == [str(i) for i in range(50)]


async def test_leave_chooses_what_comes_out() -> None:
    child = Only([Upper()], keep="A")
    out = await run_processor(child, [TextFrame(text="apple"), TextFrame(text="pear")])
    assert out.downstream_types(lifecycle=True) == [StartFrame, TextFrame, EndFrame]
    assert texts(out.downstream) == ["APPLE"]
    assert texts(out.upstream) == []  # "up:apple" and "up:pear" were kept in


async def test_the_task_sets_up_every_processor_inside() -> None:
    inner = Recorder()
    child = ChildPipeline(Pipeline([inner]))
    assert list(child.processors()) == [child, inner]
    await run_processor(child, [TextFrame(text="x")])
    assert inner.context is child.context


def test_the_example_in_the_architecture_page_prints_what_it_says(tmp_path: Path) -> None:
    check_example("architecture.md", "## Child pipelines", tmp_path)
