"""A call's tool invocations: timed where they happen, stored where they pass a record point.

A tool call gives the record two kinds of facts, and they are taken at two places:

* **when** it ran: the request's first hop starts it, the result's (or
  cancellation's) first hop ends it, wherever in the pipeline that is. A result
  that then waits in a queue before the record point (behind the bot's sentences in
  a TTS stage) did not take longer to run;
* **what** it was given and gave back (the arguments, the result, the error): taken
  from the result as it travels **downstream** into a record point, so a stage
  before the point that rewrites them (redaction) decides what is stored. A tool
  runner sends each result both ways as separate frames (the upstream copy is the
  model's, for its context); the downstream copy is the one stored, and the copy
  that goes up is never.

Each call id is stored once, however many copies or points it crosses. A tool call
whose result finished but never reached a point downstream (the call was cancelled
while the result waited in a queue before it, or no point is placed below the tool
runner) is still stored when the call's record closes, by name and times only: its
words never passed a point, so none are stored.

The outcome of the call (:class:`~framekit.storage.outcome.OutcomeTracker`) is noted
when a result is first seen: whether a tool answered the caller does not depend on
where its result is stored, and the decision stores no words.
"""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames import FunctionCallCancelledFrame, FunctionCallResultFrame
from framekit.storage._builder import CallRecords
from framekit.storage.outcome import OutcomeTracker

__all__ = ["NOT_CARRIED", "ToolCalls"]

CANCELLED = "cancelled before it ran"
NOT_CARRIED = "not stored: the call ended before its result reached a record point"
"""The error of a tool call whose words never reached a record point (name and times only)."""


@dataclass(slots=True)
class _Call:
    name: str
    started: float | None = None
    ended: float | None = None
    stored: bool = False


class ToolCalls:
    """The tool calls of one call, written to ``records``; see the module docstring."""

    def __init__(self, records: CallRecords, outcomes: OutcomeTracker) -> None:
        self._records = records
        self._outcomes = outcomes
        self._calls: dict[str, _Call] = {}

    def requested(self, call_id: str, name: str, now: float) -> None:
        """A request's first hop (the tool starts): only the time is taken from it."""
        if call_id:
            call = self._calls.setdefault(call_id, _Call(name))
            if call.started is None:
                call.started = now

    def finished(
        self, frame: FunctionCallResultFrame | FunctionCallCancelledFrame, now: float
    ) -> None:
        """A result's or cancellation's first hop (the tool is done): the time, and the outcome."""
        if not frame.call_id:
            if isinstance(frame, FunctionCallResultFrame):
                self._outcomes.tool_finished(frame.function_name, frame.result, frame.error)
            return
        call = self._calls.setdefault(frame.call_id, _Call(frame.function_name))
        if call.ended is not None:
            return  # another copy of the same result (a tool runner sends one each way)
        call.ended = now
        if isinstance(frame, FunctionCallResultFrame):
            self._outcomes.tool_finished(frame.function_name, frame.result, frame.error)

    def stored(
        self, frame: FunctionCallResultFrame | FunctionCallCancelledFrame, now: float
    ) -> None:
        """The result or cancellation entered a record point going downstream: store its words."""
        call = self._calls.get(frame.call_id) if frame.call_id else None
        if call is not None:
            if call.stored:
                return
            call.stored = True
        started = call.started if call is not None else None
        ended = call.ended if call is not None and call.ended is not None else now
        if isinstance(frame, FunctionCallCancelledFrame):
            self._records.tool(
                frame.call_id, frame.function_name, {}, started, ended, error=CANCELLED
            )
            return
        self._records.tool(
            frame.call_id,
            frame.function_name,
            frame.arguments,
            started,
            ended,
            result=frame.result,
            error=frame.error,
        )

    def close(self) -> None:
        """The record closes: store the finished calls whose words never reached a point."""
        for call_id, call in self._calls.items():
            if call.ended is not None and not call.stored:
                call.stored = True
                self._records.tool(
                    call_id, call.name, {}, call.started, call.ended, error=NOT_CARRIED
                )
