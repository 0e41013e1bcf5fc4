"""The LLM stage of a pipeline: :class:`LLMProcessor` drives any :class:`LLMService`.

Frames in: :class:`~framekit.frames.LLMContextFrame` (the usual way, from the user
context aggregator) or :class:`~framekit.frames.LLMMessagesFrame` (plain messages).
Frames out, downstream, for each run:

* :class:`~framekit.frames.LLMResponseStartFrame` with a fresh ``response_id``;
* :class:`~framekit.frames.LLMTextFrame` for each text delta *as soon as it
  arrives*, so the TTS can speak the first sentence while the rest is generated;
* once the stream has ended, one :class:`~framekit.frames.FunctionCallRequestedFrame`
  per tool call (held back until then so that a response that fails half-way never
  runs a tool), or, for a call whose arguments were not JSON, a
  :class:`~framekit.frames.FunctionCallResultFrame` carrying the error, so the model
  hears about it on the next run instead of the call crashing anything;
* :class:`~framekit.frames.LLMResponseEndFrame`, also after a failure, so that what
  follows (TTS, aggregators) always sees a closed response.

A provider failure becomes a non-fatal :class:`~framekit.frames.ErrorFrame` (the
call goes on; a fallback chain can react to it). An interruption cancels the
worker while it streams (the queued base does that); the service's generator is
closed in a ``finally``, which closes the HTTP stream, so nothing leaks. Since tool
calls are pushed only once the stream has ended, a response cut off mid-stream
requests none; what the interruption does to those already requested, and why the
LLM is not run again for the cut-off response, is in :mod:`framekit.interruptions`.

Metrics (when enabled): ``ttfb`` (request to first token), ``tokens_per_second``
(output tokens over the streaming time), ``tokens_in`` and ``tokens_out``.
"""

from __future__ import annotations

import itertools
from contextlib import aclosing

from loguru import logger

from framekit.conversation.context import LLMContext, estimate_tokens
from framekit.frames import (
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    LLMContextFrame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from framekit.llm.events import (
    LLMService,
    LLMServiceError,
    TextDelta,
    ToolCallEvent,
    UsageEvent,
)
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.queued import QueuedFrameProcessor

__all__ = ["LLMProcessor", "LLMRun"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
_response_ids = itertools.count(1)


class LLMRun:
    """What one run of the model produced (kept on the processor as ``last_run``)."""

    __slots__ = ("error", "input_tokens", "output_tokens", "response_id", "text", "tool_calls")

    def __init__(self, response_id: str) -> None:
        self.response_id = response_id
        self.text = ""
        self.tool_calls: list[ToolCallEvent] = []
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.error: LLMServiceError | None = None


class LLMProcessor(QueuedFrameProcessor):
    """Streams the answers of ``service`` into the pipeline; see the module docstring."""

    def __init__(self, service: LLMService, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.service = service
        self.last_run: LLMRun | None = None

    @on_frame(LLMContextFrame)
    async def _on_context(self, frame: LLMContextFrame, direction: FrameDirection) -> None:
        if frame.context is None:
            await self.push_error(f"{self.name}: {frame.name} carries no context")
            return
        await self.run_llm(frame.context)

    @on_frame(LLMMessagesFrame)
    async def _on_messages(self, frame: LLMMessagesFrame, direction: FrameDirection) -> None:
        await self.run_llm(LLMContext.from_messages(frame.messages))

    async def run_llm(self, context: LLMContext) -> LLMRun:
        """Stream one answer to ``context`` as frames; returns what it produced."""
        run = LLMRun(f"{self.name}:{next(_response_ids)}")
        self.last_run = run
        await self.push_frame(LLMResponseStartFrame(response_id=run.response_id), DOWNSTREAM)
        clock = self.clock
        started = clock.now()
        first_at: float | None = None
        try:
            async with aclosing(self.service.stream(context)) as events:
                async for event in events:
                    if isinstance(event, TextDelta):
                        if first_at is None:
                            first_at = clock.now()
                            await self.report_metric("ttfb", first_at - started, model=self._model)
                        run.text += event.text
                        frame = LLMTextFrame(text=event.text, response_id=run.response_id)
                        await self.push_frame(frame, DOWNSTREAM)
                    elif isinstance(event, ToolCallEvent):
                        if first_at is None:
                            first_at = clock.now()
                            await self.report_metric("ttfb", first_at - started, model=self._model)
                        run.tool_calls.append(event)
                    elif isinstance(event, UsageEvent):
                        run.input_tokens = event.input_tokens
                        run.output_tokens = event.output_tokens
        except LLMServiceError as exc:
            run.error = exc
            logger.warning(f"{self.name}: {exc}")
            await self.push_error(f"{self.name}: {exc.kind}: {exc}", exception=exc)
        except Exception as exc:
            run.error = LLMServiceError("stream", repr(exc), provider=self.service.provider)
            logger.opt(exception=exc).error(f"{self.name}: stream failed")
            await self.push_error(f"{self.name}: stream failed: {exc!r}", exception=exc)
        if run.error is None:
            await self._push_tool_calls(run)
            await self._report_usage(run, first_at)
        await self.push_frame(LLMResponseEndFrame(response_id=run.response_id), DOWNSTREAM)
        return run

    @property
    def _model(self) -> str:
        return self.service.model

    async def _push_tool_calls(self, run: LLMRun) -> None:
        for call in run.tool_calls:
            if call.error is not None:
                logger.warning(f"{self.name}: {call.name} ({call.call_id}): {call.error}")
                result = FunctionCallResultFrame(
                    call_id=call.call_id, function_name=call.name, error=call.error
                )
                await self.push_frame(result, DOWNSTREAM)
            else:
                request = FunctionCallRequestedFrame(
                    call_id=call.call_id,
                    function_name=call.name,
                    arguments=dict(call.arguments),
                    response_id=run.response_id,
                )
                await self.push_frame(request, DOWNSTREAM)

    async def _report_usage(self, run: LLMRun, first_at: float | None) -> None:
        if not self.metrics_enabled:
            return
        output = run.output_tokens
        if output is None:
            output = estimate_tokens(run.text)
        if run.input_tokens is not None:
            await self.report_metric("tokens_in", run.input_tokens, model=self._model)
        await self.report_metric("tokens_out", output, model=self._model)
        if first_at is not None:
            elapsed = self.clock.now() - first_at
            if elapsed > 0:
                await self.report_metric("tokens_per_second", output / elapsed, model=self._model)

    async def cleanup(self) -> None:
        await self.service.close()
