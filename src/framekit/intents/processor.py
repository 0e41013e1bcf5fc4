"""The intent engine as a pipeline processor: where an LLM would sit, with no LLM.

Why it speaks the LLM's frames: the processors after it (sentence splitting,
TTS, call records) already understand an LLM response (``LLMResponseStartFrame``,
``LLMTextFrame``, ``LLMResponseEndFrame``) and a tool's ``FunctionCallResultFrame``,
so swapping an LLM for the offline engine changes one processor and nothing
around it. A reply that ends the call is followed by a hang-up (goodbye) or a
transfer (a human was asked for, or the engine could not help): both are ordered,
so they take effect after the reply is spoken.

The conversation reopens when the end does not happen: the caller talked over
the goodbye (the hang-up is one that an interruption drops, as an LLM's is, so a
stale goodbye never cuts the caller off mid-sentence), or the carrier refused the
transfer (a :class:`~framekit.frames.CallControlResultFrame` comes back upstream).
Words said over the goodbye that are only a farewell of the caller's own end the
call with a short goodbye, without asking the engine again: the rule every brain
applies, :class:`~framekit.interruptions.TalkedOverGoodbye`.

Tools run with the same :class:`~framekit.tools.ToolContext` the LLM path gives
them (:meth:`ToolContext.bound` to this processor): a tool may push frames up or
down while it runs (the card payment opens a sensitive entry upstream and speaks
its prompt downstream), and the end or transfer it records is carried out after the
reply, unless the caller interrupted first (:meth:`ToolContext.due_actions`).

The recognizer's confidence goes with the words: the engine checks words it was
unsure of with the caller before acting on them ("did you say 4 7 2 9?").

After each reply it tells the recognizer upstream what the caller's answer holds
(:class:`~framekit.frames.ExpectedSpeechFrame`: digits after "what's your order
number?", yes or no after "shall I book it?"), so a recognizer that can be biased
listens for it.

It is a queued processor and the engine embeds in a worker thread: the few
milliseconds of model time never hold up the event loop that moves audio.
"""

from __future__ import annotations

import itertools
from typing import Any

from loguru import logger

from framekit.frames import (
    CallControlResultFrame,
    ExpectedSpeech,
    ExpectedSpeechFrame,
    Frame,
    FunctionCallResultFrame,
    GenerationHangUpFrame,
    GenerationTransferCallFrame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
)
from framekit.intents.calling import ContextMaker
from framekit.intents.dialogue import DialogueState, ToolCall
from framekit.intents.engine import IntentEngine
from framekit.interruptions import (
    FAREWELL_REPLY,
    GoodbyeTalkedOverFrame,
    TalkedOverGoodbye,
    farewell,
)
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.queued import QueuedFrameProcessor
from framekit.tools.context import ToolContext

__all__ = ["FAREWELL_REPLY", "LONG_TURN_REPLY", "IntentEngineProcessor"]

_TRANSFER_INTENT = "transfer_to_human"
LONG_TURN_REPLY = (
    "Sorry, I couldn't follow all of that. Could you tell me in a few words what you need?"
)


class IntentEngineProcessor(QueuedFrameProcessor):
    """Answers each final transcription with the engine's reply; one per call.

    ``transfer_to``: the number or SIP URI a ``TransferCallFrame`` names when the
    caller is handed to a human.
    """

    def __init__(
        self, engine: IntentEngine, *, transfer_to: str = "", name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self._engine = engine
        self._state = engine.new_state()
        self._transfer_to = transfer_to
        self._responses = itertools.count(1)
        self._ending = False  # a hang-up or transfer is on its way, not yet confirmed
        self._hanging_up = False  # the ending on its way is a hang-up, not a transfer
        self._goodbye = TalkedOverGoodbye()
        self._expecting: ExpectedSpeech | None = None  # told to the recognizer upstream
        self._interruptions = 0  # a tool's context refuses to act after the next one
        self.long_turn_reply = LONG_TURN_REPLY
        """Said to a turn the recognizer cut at its length limit (``cut=True``)."""
        self.farewell_reply = FAREWELL_REPLY
        """Said before hanging up when the caller's words over the goodbye were a farewell."""

    @property
    def state(self) -> DialogueState:
        """This call's conversation state (the request in progress, its slots)."""
        return self._state

    @on_frame(TranscriptionFrame)
    async def _on_transcription(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if not frame.text.strip() or self._state.ended:
            return
        response_id = f"intent-{next(self._responses)}"
        if self._goodbye.ends_call(frame.text):
            self._ending = self._hanging_up = self._state.ended = True
            for ending in farewell(response_id, self.farewell_reply):
                await self.push_frame(ending)
            logger.info(f"{self.name}: the caller's farewell over the goodbye ends the call")
            return
        if frame.cut:
            # The recognizer's utterance limit cut a caller who talked on and on (or music
            # on the line): ask for the gist instead of acting on a fragment.
            await self._say(self.long_turn_reply, response_id)
            return
        reply = await self._engine.respond(
            self._state,
            frame.text,
            confidence=frame.confidence,
            tool_contexts=self._contexts_for(response_id),
        )
        expect = self._engine.expectation(reply)
        if expect != self._expecting:
            self._expecting = expect
            await self.push_frame(ExpectedSpeechFrame(expect=expect), FrameDirection.UPSTREAM)
        actions: list[Frame] = []
        for n, call in enumerate(reply.tool_calls):
            await self.push_frame(
                FunctionCallResultFrame(
                    call_id=call.context.call_id if call.context else f"{response_id}-{n}",
                    function_name=call.name,
                    arguments=call.arguments,
                    result=call.result,
                    error=call.error,
                )
            )
            actions.extend(self._due_actions(call))
        if reply.text:
            await self._say(reply.text, response_id)
        if actions:  # what the tools asked for (a hang-up, a transfer), after the reply
            self._ending = True
            self._hanging_up = all(isinstance(a, GenerationHangUpFrame) for a in actions)
            for action in actions:
                await self.push_frame(action)
        elif reply.end_call:
            self._ending = True
            self._hanging_up = reply.intent != _TRANSFER_INTENT
            if reply.intent == _TRANSFER_INTENT:
                await self.push_frame(
                    GenerationTransferCallFrame(
                        target=self._transfer_to, reason="caller handed to a human"
                    )
                )
            else:
                await self.push_frame(GenerationHangUpFrame(reason="caller said goodbye"))

    @on_frame(CallControlResultFrame)
    async def _on_call_control(
        self, frame: CallControlResultFrame, direction: FrameDirection
    ) -> None:
        if frame.succeeded:
            self._ending = False
        elif self._ending:
            self._reopen(f"the {frame.action} failed")
        await self.push_frame(frame, direction)

    def _contexts_for(self, response_id: str) -> ContextMaker:
        """Makes the :class:`~framekit.tools.ToolContext` of each tool this turn calls,
        bound to this processor as the LLM path's are to its tool runner."""
        made = itertools.count()
        epoch = self._interruptions

        def make(name: str, arguments: dict[str, Any]) -> ToolContext:
            return ToolContext.bound(
                f"{response_id}-{next(made)}",
                name,
                arguments,
                push=self.push_frame,
                interrupted=lambda: self._interruptions != epoch,
                response_id=response_id,
            )

        return make

    def _due_actions(self, call: ToolCall) -> list[Frame]:
        """What ``call``'s tool asked to do to the call, if it succeeded and may still."""
        if call.context is None or call.error is not None:
            return []
        actions, note = call.context.due_actions()
        if note is not None:
            logger.info(f"{self.name}: {call.name} {note}")
        return actions

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self._interruptions += 1
        await super().on_interruption(frame)
        if self._ending:
            if self._hanging_up:
                self._goodbye.note()
            self._reopen("the caller talked over the goodbye")

    @on_frame(GoodbyeTalkedOverFrame)
    async def _on_goodbye_talked_over(
        self, frame: GoodbyeTalkedOverFrame, direction: FrameDirection
    ) -> None:
        self._goodbye.note()  # a hang-up generated below (a tool runner's) was talked over
        await self.push_frame(frame, direction)

    async def _say(self, text: str, response_id: str) -> None:
        await self.push_frame(LLMResponseStartFrame(response_id=response_id))
        await self.push_frame(LLMTextFrame(text=text, response_id=response_id))
        await self.push_frame(LLMResponseEndFrame(response_id=response_id))

    def _reopen(self, why: str) -> None:
        """The call goes on after all: listen to the caller again."""
        self._ending = False
        self._state.ended = False
        logger.info(f"{self.name}: conversation reopened: {why}")
