"""Run the tools a model asks for, safely through interruptions: :class:`ToolRunner`.

Put it right after the LLM: ``[..., context, llm, ToolRunner(registry), tts, ...]``.

**Design: each request starts as soon as the runner's worker reaches it.** The LLM
pushes ``FunctionCallRequestedFrame``\\ s into the runner's ordered queue; the
worker takes each in turn and starts the tool as its own task, owned by the call's
:class:`~framekit.tasks.TaskOwner`, without waiting for it. Several requests of
one response therefore overlap, and nothing depends on the response's end frame
arriving (an LLM that fails mid-stream cannot strand a request). Waiting for the
whole response before starting anything was rejected for that reason: it adds a
failure mode and no safety, because what must be safe is the *effect* on the call,
which is handled below.

A request is *started* at one precise instant: when the worker creates its task
(synchronously, with no ``await`` before it). That instant splits the rules, which
:data:`~framekit.interruptions.TOOL_CALL_RULES` states and the runner applies:

(a) **Not started -> never runs** (``ToolCallStage.QUEUED``). An
    :class:`~framekit.frames.InterruptionFrame` drops the request from the queue
    (the queued base does that to interruptible frames) and the runner reports it
    with a :class:`~framekit.frames.FunctionCallCancelledFrame`. A request that
    arrives *after* the interruption for a response the interruption discarded (an
    LLM that flushes late, ``ToolCallStage.LATE``) is cancelled on arrival, by its
    ``response_id``.
(b) **Started -> finishes, and its result is kept** (``ToolCallStage.RUNNING``). The
    tool's task is not the worker, so the interruption that cancels the worker's
    frame cannot reach it; the :class:`~framekit.frames.FunctionCallResultFrame`
    survives interruptions.
(c) **An end-call from a discarded generation never hangs up a live caller.**
    Tools act on the call through :class:`~framekit.tools.context.ToolContext`
    (``end_call``, ``transfer_call``), which only records the action. The runner
    carries it out after the tool returns and after the response that asked for it
    has passed the runner (so the goodbye is queued first), and only if no
    interruption arrived since the request did; otherwise the result says the
    action was not carried out. The hang-up frame itself is one an interruption
    drops (:data:`~framekit.interruptions.GENERATED_CALL_CONTROL`), so a barge-in
    while the goodbye is still queued for playback drops it too. The runner then
    tells the brain above with a
    :class:`~framekit.interruptions.GoodbyeTalkedOverFrame` (upstream): a caller
    whose words over the goodbye are only a farewell is hung up on with a short
    goodbye, without a second ``end_call``
    (:class:`~framekit.interruptions.TalkedOverGoodbye`).

Every request runs at most once: a second request with a ``call_id`` already seen
is ignored.

**Where results go.** Each result is pushed **upstream**, to the context aggregator
in front of the LLM (it records the call and its result and asks the model to go
on), and **downstream**, as a separate frame object, for what follows the LLM
(transcripts, observers, an assistant-side aggregator). A conversation context
should record results from one side only; framekit's convention is the upstream
copy. ``result_directions`` changes this. Cancellations go the same ways, so the
context can close every tool call the model opened. The requests themselves are
consumed: the result frame carries the call's name and arguments.

When the call ends gracefully, the end waits for running tools (each bounded by
its timeout) so no result is lost; a cancelled call cancels them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from loguru import logger

from framekit.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    GenerationHangUpFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
)
from framekit.frames.dispatch import FrameTypeMap
from framekit.interruptions import TOOL_CALL_RULES, GoodbyeTalkedOverFrame, ToolCallStage
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.queued import QueuedFrameProcessor
from framekit.tools.context import ToolContext
from framekit.tools.registry import ToolOutcome, ToolRegistry

__all__ = ["ToolRunner"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


class _Arrival(Enum):
    OTHER = 0
    REQUEST = 1
    RESPONSE_START = 2
    INTERRUPTION = 3


_ARRIVALS: FrameTypeMap[_Arrival] = FrameTypeMap(
    {
        FunctionCallRequestedFrame: _Arrival.REQUEST,
        LLMResponseStartFrame: _Arrival.RESPONSE_START,
        InterruptionFrame: _Arrival.INTERRUPTION,
        Frame: _Arrival.OTHER,
    }
)
"""What the runner notes when a frame of a type arrives (caller audio passing through
pays one dict lookup)."""
_ARRIVAL_CACHE = _ARRIVALS.cached


@dataclass(eq=False, slots=True)
class _Call:
    request: FunctionCallRequestedFrame
    epoch: int
    """How many interruptions the runner had seen when the request arrived."""


class ToolRunner(QueuedFrameProcessor):
    """Runs the registry's tools for the model's requests; see the module docstring."""

    def __init__(
        self,
        registry: ToolRegistry,
        *,
        result_directions: Sequence[FrameDirection] = (UPSTREAM, DOWNSTREAM),
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.registry = registry
        self._directions = tuple(result_directions)
        self._epoch = 0
        self._seen_calls: set[str] = set()
        self._pending: dict[int, _Call] = {}
        self._dropped: list[_Call] = []
        self._running: set[asyncio.Task[None]] = set()
        self._open: dict[str, asyncio.Event] = {}
        self._recent: set[str] = set()
        self._discarded: set[str] = set()
        self._hanging_up = False  # a tool's hang-up went out; an interruption talks over it

    @property
    def running(self) -> int:
        """Tools started and not finished yet."""
        return len(self._running)

    # --- arrival (in the sender's task, in arrival order) -----------------------------------

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        kind = _ARRIVAL_CACHE.get(type(frame))
        if kind is None:
            kind = _ARRIVALS.resolve(type(frame))
        if kind is not _Arrival.OTHER and direction is DOWNSTREAM:
            if kind is _Arrival.REQUEST:
                assert isinstance(frame, FunctionCallRequestedFrame)
                if not await self._accept(frame):
                    return
            elif kind is _Arrival.RESPONSE_START:
                assert isinstance(frame, LLMResponseStartFrame)
                if frame.response_id:
                    self._recent.add(frame.response_id)
                    self._open.setdefault(frame.response_id, asyncio.Event())
            else:
                self._begin_interruption()
        await super().receive(frame, direction)

    async def _accept(self, frame: FunctionCallRequestedFrame) -> bool:
        if frame.call_id:
            if frame.call_id in self._seen_calls:
                logger.warning(f"{self.name}: duplicate request for {frame.call_id}; ignored")
                return False
            self._seen_calls.add(frame.call_id)
        if frame.response_id in self._discarded and not TOOL_CALL_RULES[ToolCallStage.LATE].runs:
            logger.info(
                f"{self.name}: {frame.function_name} ({frame.call_id}) came from a response the "
                "caller interrupted; not run"
            )
            await self._report_cancelled(frame)
            return False
        if frame.response_id:
            self._recent.add(frame.response_id)
        self._pending[frame.id] = _Call(frame, self._epoch)
        return True

    def _begin_interruption(self) -> None:
        """Runs just before the queued base drops the queue: no ``await`` in between."""
        self._epoch += 1
        for event in self._open.values():
            event.set()
        self._open.clear()
        self._discarded |= self._recent
        self._recent.clear()
        if not TOOL_CALL_RULES[ToolCallStage.QUEUED].runs:
            self._dropped.extend(self._pending.values())
            self._pending.clear()

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        if self._hanging_up:
            self._hanging_up = False
            await self.push_frame(GoodbyeTalkedOverFrame(), UPSTREAM)
        dropped, self._dropped = self._dropped, []
        for call in dropped:
            logger.info(f"{self.name}: {call.request.function_name} dropped by an interruption")
            await self._report_cancelled(call.request)

    # --- the worker (in order) --------------------------------------------------------------

    @on_frame(FunctionCallRequestedFrame)
    async def _on_request(
        self, frame: FunctionCallRequestedFrame, direction: FrameDirection
    ) -> None:
        if direction is UPSTREAM:
            await self.push_frame(frame, direction)
            return
        call = self._pending.pop(frame.id, None)
        if call is None:
            return
        request = call.request
        task = self.context.tasks.create_task(
            self._run(call), f"{self.name}:tool:{request.function_name}:{request.call_id}"
        )
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    @on_frame(LLMResponseEndFrame)
    async def _on_response_end(self, frame: LLMResponseEndFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if direction is DOWNSTREAM:
            event = self._open.pop(frame.response_id, None)
            if event is not None:
                event.set()

    async def on_end(self, frame: EndFrame) -> None:
        for event in self._open.values():
            event.set()
        self._open.clear()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._pending.clear()
        running = list(self._running)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)

    # --- one tool call (its own task) -------------------------------------------------------

    async def _run(self, call: _Call) -> None:
        request = call.request
        context = ToolContext.bound(
            request.call_id,
            request.function_name,
            request.arguments,
            push=self.push_frame,
            interrupted=lambda: self._epoch != call.epoch,
            response_id=request.response_id,
        )
        started = self.clock.now()
        outcome = await self.registry.execute(
            request.function_name, request.arguments, context=context, clock=self.clock
        )
        await self.report_metric("tool", self.clock.now() - started, model=request.function_name)
        if outcome.error is None and context.actions:
            closing = self._open.get(request.response_id)
            if closing is not None:
                await closing.wait()
        await self._deliver(call, outcome, context)

    async def _deliver(self, call: _Call, outcome: ToolOutcome, context: ToolContext) -> None:
        error = outcome.error
        rule = TOOL_CALL_RULES[ToolCallStage.RUNNING] if call.epoch != self._epoch else None
        if rule is not None and not rule.result_kept:
            await self._report_cancelled(call.request)
            return
        actions: list[Frame] = []
        if outcome.error is None:
            actions, note = context.due_actions()
            if note is not None:
                logger.info(f"{self.name}: {call.request.function_name} {note}")
                error = note
        request = call.request
        for direction in self._directions:
            result = FunctionCallResultFrame(
                call_id=request.call_id,
                function_name=request.function_name,
                arguments=dict(request.arguments),
                result=outcome.result,
                error=error,
            )
            await self.push_frame(result, direction)
        if actions:
            self._hanging_up = all(isinstance(a, GenerationHangUpFrame) for a in actions)
        for action in actions:
            await self.push_frame(action, DOWNSTREAM)

    async def _report_cancelled(self, request: FunctionCallRequestedFrame) -> None:
        for direction in self._directions:
            cancelled = FunctionCallCancelledFrame(
                call_id=request.call_id, function_name=request.function_name
            )
            await self.push_frame(cancelled, direction)
