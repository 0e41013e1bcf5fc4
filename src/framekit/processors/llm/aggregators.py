"""Keep one :class:`~framekit.conversation.context.LLMContext` up to date as the call goes on.

Two small processors share the context; :func:`create_context_aggregators`
builds them together. Where they go, and why there::

    transport in -> VAD -> STT -> user -> LLM -> assistant -> ToolRunner
                 -> TTS -> transport out

* :class:`LLMUserAggregator` (before the LLM) joins the caller's final
  transcriptions of a turn, appends the user turn and pushes an
  :class:`~framekit.frames.LLMContextFrame` to run the LLM.
* :class:`LLMAssistantAggregator` (right after the LLM) records each response as
  it streams: text, tool calls, then the tools' results, which the
  :class:`~framekit.tools.ToolRunner` sends upstream to it (framekit's convention;
  results are uninterruptible, so none is lost). Once every call of a response has
  its result it runs the LLM again, by pushing the context frame upstream to it.
  It sits *right after* the LLM, not after the audio output, so that the context
  holds the whole response, in order, before any tool result can ask for the next
  run; recording at playback pace would let a fast tool overtake the words before it.
  It also keeps the turns true to what the caller heard: the output transport
  reports each sentence played or cut (:class:`~framekit.frames.SentencePlayedFrame`,
  upstream), and once an interruption has passed every processor below
  (:meth:`~framekit.processors.base.FrameProcessor.after_interruption`: the reports
  it caused have all arrived) each turn not yet heard in full is cut to the
  sentences heard. The model then never believes it said what the caller did not hear.

After a barge-in the assistant aggregator does not run the LLM again for the
interrupted response: the caller is speaking, and their next turn runs it, with
every tool result that arrived in the meantime already in the context.

One turn does not run it: the caller's farewell said over the model's goodbye (the
tool runner reports its hang-up talked over). The user aggregator records the turn
and ends the call with a short goodbye of its own, as
:class:`~framekit.interruptions.TalkedOverGoodbye` says, so the model is not asked
to call ``end_call`` a second time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from loguru import logger

from framekit.clock import TimerHandle
from framekit.conversation.context import AssistantTurn, LLMContext, ToolCallRecord, ToolCallState
from framekit.frames import (
    CancelFrame,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    SentencePlayedFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.interruptions import (
    FAREWELL_REPLY,
    GoodbyeTalkedOverFrame,
    TalkedOverGoodbye,
    farewell,
    may_rerun_llm,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = [
    "DEFAULT_AGGREGATION_TIMEOUT",
    "LLMAssistantAggregator",
    "LLMContextAggregators",
    "LLMUserAggregator",
    "create_context_aggregators",
]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM

DEFAULT_AGGREGATION_TIMEOUT = 0.3
"""Seconds to wait after a final transcription for another one of the same turn.

Speech recognizers may send a turn as several final pieces; running the LLM on the
first would answer half a sentence. 0.3 s is short next to a model's first token.
"""


class LLMUserAggregator(FrameProcessor):
    """Collects the caller's final transcriptions into a user turn and runs the LLM.

    A turn is sent when the caller is not speaking and no further transcription
    came for ``aggregation_timeout`` seconds (0: at once). Speech that starts again
    within the window keeps the turn open, so a pause mid-sentence does not split it.
    Transcriptions are passed on downstream (transcripts, observers).
    """

    def __init__(
        self,
        context: LLMContext,
        *,
        aggregation_timeout: float = DEFAULT_AGGREGATION_TIMEOUT,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.llm_context = context
        self.aggregation_timeout = aggregation_timeout
        self._pending: list[str] = []
        self._speaking = False
        self._timer: TimerHandle | None = None
        self._goodbye = TalkedOverGoodbye()
        self._farewells = itertools.count(1)
        self._farewell_out = False  # this aggregator's own hang-up is on its way
        self.farewell_reply = FAREWELL_REPLY
        """Said before hanging up when the caller's words over the goodbye were a farewell."""

    @on_frame(TranscriptionFrame)
    async def _on_transcription(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if direction is DOWNSTREAM and frame.text.strip():
            self._pending.append(frame.text.strip())
            if not self._speaking:
                await self._schedule()

    @on_frame(GoodbyeTalkedOverFrame)
    async def _on_goodbye_talked_over(
        self, frame: GoodbyeTalkedOverFrame, direction: FrameDirection
    ) -> None:
        self._goodbye.note()
        await self.push_frame(frame, direction)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        if self._farewell_out:  # the caller talked over the farewell too ("bye ... bye")
            self._farewell_out = False
            self._goodbye.note()

    @on_frame(UserStartedSpeakingFrame)
    async def _on_started(self, frame: UserStartedSpeakingFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if direction is DOWNSTREAM:
            self._speaking = True
            self._cancel_timer()

    @on_frame(UserStoppedSpeakingFrame)
    async def _on_stopped(self, frame: UserStoppedSpeakingFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if direction is DOWNSTREAM:
            self._speaking = False
            if self._pending:
                await self._schedule()

    async def _schedule(self) -> None:
        self._cancel_timer()
        if self.aggregation_timeout <= 0:
            await self.flush()
            return
        self._timer = self.clock.call_later(self.aggregation_timeout, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        try:
            self.context.tasks.create_task(self.flush(), f"{self.name}:flush")
        except RuntimeError:
            logger.debug(f"{self.name}: the call ended before the turn was sent")

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def flush(self) -> None:
        """Append the pending transcriptions as a user turn and run the LLM on the context."""
        self._cancel_timer()
        if not self._pending:
            return
        text = " ".join(self._pending)
        self._pending.clear()
        self.llm_context.add_user(text)
        if self._goodbye.ends_call(text):
            logger.info(f"{self.name}: the caller's farewell over the goodbye ends the call")
            self._farewell_out = True
            response_id = f"{self.name}:farewell-{next(self._farewells)}"
            for ending in farewell(response_id, self.farewell_reply):
                await self.push_frame(ending, DOWNSTREAM)
            return
        await self.push_frame(LLMContextFrame(context=self.llm_context), DOWNSTREAM)

    async def cleanup(self) -> None:
        self._cancel_timer()


@dataclass(eq=False, slots=True)
class _Response:
    turn: AssistantTurn
    ended: bool = False
    interrupted: bool = False
    calls: list[ToolCallRecord] = field(default_factory=list)


class LLMAssistantAggregator(FrameProcessor):
    """Records each LLM response, its tool calls and their results; re-runs the LLM.

    Put it right after the LLM (see the module docstring). ``run_llm_after_tools``
    switches the automatic re-run off (the application then pushes an
    :class:`~framekit.frames.LLMContextFrame` itself).
    """

    def __init__(
        self,
        context: LLMContext,
        *,
        run_llm_after_tools: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.llm_context = context
        self.run_llm_after_tools = run_llm_after_tools
        self._responses: dict[str, _Response] = {}
        self._current: _Response | None = None
        self._heard: dict[str, list[str]] = {}
        """What the caller heard of each response that a barge-in may still cut."""

    @on_frame(LLMResponseStartFrame)
    async def _on_start(self, frame: LLMResponseStartFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM:
            turn = self.llm_context.add_assistant(response_id=frame.response_id)
            self._current = self._responses[frame.response_id] = _Response(turn)
        await self.push_frame(frame, direction)

    @on_frame(LLMTextFrame)
    async def _on_text(self, frame: LLMTextFrame, direction: FrameDirection) -> None:
        response = self._responses.get(frame.response_id)
        if direction is DOWNSTREAM and response is not None and not response.interrupted:
            response.turn.text += frame.text
        await self.push_frame(frame, direction)

    @on_frame(FunctionCallRequestedFrame)
    async def _on_request(
        self, frame: FunctionCallRequestedFrame, direction: FrameDirection
    ) -> None:
        response = self._responses.get(frame.response_id)
        if direction is DOWNSTREAM and response is not None:
            self._add_call(response, frame.call_id, frame.function_name, dict(frame.arguments))
        await self.push_frame(frame, direction)

    @on_frame(FunctionCallResultFrame)
    async def _on_result(self, frame: FunctionCallResultFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        record = self.llm_context.tool_call(frame.call_id)
        if record is None:
            # A result for a call nobody requested through us: the LLM's own error
            # result for unparseable arguments belongs to the response in progress.
            response = self._current
            if response is None:
                logger.warning(f"{self.name}: result for unknown call {frame.call_id}; ignored")
                return
            record = self._add_call(response, frame.call_id, frame.function_name, {})
        if record.state == ToolCallState.DONE:
            return
        record.state = ToolCallState.DONE
        record.result = frame.result
        record.error = frame.error
        await self._maybe_run_llm()

    @on_frame(FunctionCallCancelledFrame)
    async def _on_cancelled(
        self, frame: FunctionCallCancelledFrame, direction: FrameDirection
    ) -> None:
        await self.push_frame(frame, direction)
        record = self.llm_context.tool_call(frame.call_id)
        if record is not None and record.state == ToolCallState.PENDING:
            record.state = ToolCallState.CANCELLED
            await self._maybe_run_llm()

    @on_frame(LLMResponseEndFrame)
    async def _on_end(self, frame: LLMResponseEndFrame, direction: FrameDirection) -> None:
        response = self._responses.get(frame.response_id)
        if direction is DOWNSTREAM and response is not None:
            response.ended = True
            if self._current is response:
                self._current = None
            self._settle_if_heard(frame.response_id)
        await self.push_frame(frame, direction)
        await self._maybe_run_llm()

    @on_frame(SentencePlayedFrame)
    async def _on_played(self, frame: SentencePlayedFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if frame.response_id:
            self._heard.setdefault(frame.response_id, []).append(frame.heard)
            if frame.complete:
                self._settle_if_heard(frame.response_id)

    def _settle_if_heard(self, response_id: str) -> None:
        """A response whose whole text was heard can no longer be cut by a barge-in."""
        response = self._responses.get(response_id)
        if response is not None and not response.ended:
            return
        turn = self.llm_context.response(response_id)
        if turn is None or turn.heard:
            self._heard.pop(response_id, None)
            return
        heard = self._heard.get(response_id, [])
        if "".join(turn.text.split()) == "".join("".join(heard).split()):
            self.llm_context.mark_heard(response_id)
            self._heard.pop(response_id, None)

    async def after_interruption(self, frame: InterruptionFrame | CancelFrame) -> None:
        """Every report of this cut is in: cut each turn not heard in full to what was."""
        for turn in list(self.llm_context.assistant_turns()):
            if turn.response_id is not None and not turn.heard:
                heard = self._heard.get(turn.response_id, [])
                text = " ".join(part.strip() for part in heard if part.strip())
                self.llm_context.trim_response(turn.response_id, text)
        self._heard.clear()

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        for response in self._responses.values():
            response.interrupted = True
        self._current = None

    def _add_call(
        self, response: _Response, call_id: str, name: str, arguments: dict[str, object]
    ) -> ToolCallRecord:
        record = ToolCallRecord(call_id=call_id, name=name, arguments=dict(arguments))
        response.turn.tool_calls.append(record)
        response.calls.append(record)
        return record

    async def _maybe_run_llm(self) -> None:
        """Forget settled responses; run the LLM for those whose tools all answered."""
        for response_id, response in list(self._responses.items()):
            if not response.ended and not response.interrupted:
                continue
            if any(call.state == ToolCallState.PENDING for call in response.calls):
                continue
            del self._responses[response_id]
            answered = any(call.answered for call in response.calls)
            rerun = may_rerun_llm(interrupted=response.interrupted, answered=answered)
            if rerun and self.run_llm_after_tools:
                await self.push_frame(LLMContextFrame(context=self.llm_context), UPSTREAM)


@dataclass(frozen=True, slots=True)
class LLMContextAggregators:
    """The processors that share one context; see the module docstring for where each goes."""

    context: LLMContext
    user: LLMUserAggregator
    assistant: LLMAssistantAggregator

    @property
    def pair(self) -> tuple[LLMUserAggregator, LLMAssistantAggregator]:
        """The user and assistant aggregators, in pipeline order."""
        return self.user, self.assistant


def create_context_aggregators(
    context: LLMContext | None = None,
    *,
    aggregation_timeout: float = DEFAULT_AGGREGATION_TIMEOUT,
    run_llm_after_tools: bool = True,
) -> LLMContextAggregators:
    """The user and assistant aggregators, sharing ``context``."""
    shared = context if context is not None else LLMContext()
    return LLMContextAggregators(
        context=shared,
        user=LLMUserAggregator(shared, aggregation_timeout=aggregation_timeout),
        assistant=LLMAssistantAggregator(shared, run_llm_after_tools=run_llm_after_tools),
    )
