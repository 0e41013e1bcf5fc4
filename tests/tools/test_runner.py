"""ToolRunner in a call: results, errors, concurrency, exactly once, timeouts, end and cancel."""

from __future__ import annotations

import asyncio
import threading

from framekit.frames import (
    EndFrame,
    ErrorFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    TTSSpeakFrame,
)
from framekit.processors import FrameDirection
from framekit.tasks import live_framekit_tasks
from framekit.testing import Advance, LiveCall, run_processor
from framekit.tools import ToolContext, ToolRegistry, ToolRunner
from tools.helpers import request, response


def _results(frames: list[FunctionCallResultFrame]) -> list[tuple[str, object, str | None]]:
    return [(f.call_id, f.result, f.error) for f in frames]


async def test_a_result_goes_upstream_and_downstream_and_the_request_is_consumed() -> None:
    tools = ToolRegistry()

    @tools.tool
    def add(a: int, b: int) -> int:
        return a + b

    out = await run_processor(ToolRunner(tools), response("r1", request("c1", "add", a=2, b="3")))
    down = out.downstream_of(FunctionCallResultFrame)
    up = out.upstream_of(FunctionCallResultFrame)
    assert _results(down) == _results(up) == [("c1", 5, None)]
    assert down[0] is not up[0], "each direction gets its own frame"
    assert down[0].function_name == "add"
    assert down[0].arguments == {"a": 2, "b": "3"}
    assert out.downstream_of(FunctionCallRequestedFrame) == []
    assert out.downstream_types()[:2] == [LLMResponseStartFrame, LLMResponseEndFrame]


async def test_result_directions_can_be_narrowed() -> None:
    tools = ToolRegistry()

    @tools.tool
    def ping() -> str:
        return "pong"

    out = await run_processor(
        ToolRunner(tools, result_directions=[FrameDirection.UPSTREAM]), [request("c1", "ping")]
    )
    assert _results(out.upstream_of(FunctionCallResultFrame)) == [("c1", "pong", None)]
    assert out.downstream_of(FunctionCallResultFrame) == []


async def test_failures_go_back_to_the_model_and_the_call_goes_on() -> None:
    tools = ToolRegistry()

    @tools.tool
    async def lookup(order_number: int) -> str:
        raise LookupError(f"no order {order_number}")

    out = await run_processor(
        ToolRunner(tools),
        response(
            "r1",
            request("c1", "lookup", order_number="twelve"),
            request("c2", "lookup", order_number=12),
            request("c3", "refund"),
        ),
    )
    errors = {f.call_id: f.error for f in out.upstream_of(FunctionCallResultFrame)}
    assert errors == {
        "c1": "invalid arguments for lookup: argument 'order_number': expected an integer, "
        "got 'twelve'",
        "c2": "lookup failed: LookupError: no order 12",
        "c3": "unknown tool 'refund' (available: lookup)",
    }
    assert out.upstream_of(ErrorFrame) == []
    assert out.task.end_reason == "completed"


async def test_async_tools_of_one_response_really_overlap() -> None:
    tools = ToolRegistry()
    entered = {"a": asyncio.Event(), "b": asyncio.Event()}

    @tools.tool
    async def meet(me: str, other: str) -> str:
        entered[me].set()
        # Each waits for the other to be inside: run one after the other, they never meet.
        await asyncio.wait_for(entered[other].wait(), 5)
        return f"{me} met {other}"

    out = await run_processor(
        ToolRunner(tools),
        response(
            "r1", request("c1", "meet", me="a", other="b"), request("c2", "meet", me="b", other="a")
        ),
    )
    assert sorted(_results(out.upstream_of(FunctionCallResultFrame))) == [
        ("c1", "a met b", None),
        ("c2", "b met a", None),
    ]


async def test_sync_tools_overlap_in_worker_threads() -> None:
    tools = ToolRegistry()
    barrier = threading.Barrier(3, timeout=5)

    @tools.tool
    def blocking_lookup(n: int) -> int:
        barrier.wait()  # all three must be blocked here at the same time
        return n * 10

    out = await run_processor(
        ToolRunner(tools),
        response("r1", *(request(f"c{n}", "blocking_lookup", n=n) for n in range(3))),
    )
    assert sorted(_results(out.downstream_of(FunctionCallResultFrame))) == [
        ("c0", 0, None),
        ("c1", 10, None),
        ("c2", 20, None),
    ]


async def test_each_call_id_runs_exactly_once() -> None:
    tools = ToolRegistry()
    runs: list[str] = []

    @tools.tool
    def charge(amount: int, context: ToolContext) -> str:
        runs.append(context.call_id)
        return "charged"

    out = await run_processor(
        ToolRunner(tools),
        [
            *response("r1", request("c1", "charge", amount=5), request("c1", "charge", amount=5)),
            *response(
                "r2",
                request("c1", "charge", "r2", amount=5),
                request("c2", "charge", "r2", amount=1),
            ),
        ],
    )
    assert sorted(runs) == ["c1", "c2"]
    assert sorted(f.call_id for f in out.upstream_of(FunctionCallResultFrame)) == ["c1", "c2"]
    assert sorted(f.call_id for f in out.downstream_of(FunctionCallResultFrame)) == ["c1", "c2"]


async def test_a_slow_tool_times_out_into_an_error_result() -> None:
    tools = ToolRegistry()
    cancelled = asyncio.Event()

    @tools.tool(timeout=2.0)
    async def slow() -> str:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        return "never"

    out = await run_processor(ToolRunner(tools), [request("c1", "slow"), Advance(2.5)])
    assert _results(out.upstream_of(FunctionCallResultFrame)) == [
        ("c1", None, "slow did not finish within 2 s")
    ]
    assert cancelled.is_set()
    assert out.task.end_reason == "completed"


async def test_a_tool_can_push_frames_while_it_works() -> None:
    tools = ToolRegistry()

    @tools.tool
    async def lookup(context: ToolContext) -> str:
        assert await context.push_frame(TTSSpeakFrame(text="One moment."))
        return "found"

    out = await run_processor(ToolRunner(tools), [request("c1", "lookup")])
    kinds = [
        type(f) for f in out.downstream if isinstance(f, TTSSpeakFrame | FunctionCallResultFrame)
    ]
    assert kinds == [TTSSpeakFrame, FunctionCallResultFrame]


async def test_a_graceful_end_waits_for_running_tools() -> None:
    tools = ToolRegistry()
    entered = asyncio.Event()
    release = asyncio.Event()

    @tools.tool
    async def slow_lookup() -> str:
        entered.set()
        await release.wait()
        return "found"

    runner = ToolRunner(tools)
    call = LiveCall([runner])
    await call.start()
    await call.send(request("c1", "slow_lookup"))
    await entered.wait()
    await call.task.stop_when_done()
    await call.advance(0)  # let the end frame reach the runner and wait there
    assert runner.queued == 0
    assert not call.task.has_finished()
    assert runner.running == 1
    release.set()
    await call.end()
    kinds = [type(f) for f in call.downstream if isinstance(f, FunctionCallResultFrame | EndFrame)]
    assert kinds == [FunctionCallResultFrame, EndFrame]
    assert runner.running == 0


async def test_a_cancelled_call_leaves_no_tool_running() -> None:
    tools = ToolRegistry()
    entered = asyncio.Event()
    cancelled = asyncio.Event()

    @tools.tool(timeout=600)
    async def forever() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runner = ToolRunner(tools)
    call = LiveCall([runner])
    await call.start()
    await call.send(*response("r1", request("c1", "forever"), request("c2", "forever")))
    await entered.wait()
    assert runner.running == 2
    assert any(":tool:forever:" in t.get_name() for t in live_framekit_tasks())
    await call.cancel()
    assert cancelled.is_set()
    assert runner.running == 0
    assert live_framekit_tasks() == []
    assert call.downstream_of(FunctionCallResultFrame) == []
