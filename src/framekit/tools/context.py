"""What a running tool may know about its call and do to it: :class:`ToolContext`.

A tool that declares a parameter annotated ``ToolContext`` receives one (the
parameter is left out of the schema the model sees). It tells the tool which call
it serves and lets it act on the live phone call: hang up, transfer, or push a
frame (say "one moment" while a slow lookup runs).

Acting on a live call from a tool is where Pipecat's worst tool bug lives (#4997:
an ``end_call`` requested by a generation the caller had interrupted hung up on a
caller who was still talking). So actions are bound to the generation that asked
for them:

* :meth:`ToolContext.end_call` and :meth:`ToolContext.transfer_call` only *record*
  the action. The runner carries it out after the tool returns and after the end
  of the model's response that requested it (so the goodbye is queued before the
  hang-up), and only as :data:`~framekit.interruptions.TOOL_CALL_RULES` allow: not
  if the caller has interrupted since the request arrived.
* The frames it records are a :class:`~framekit.frames.GenerationHangUpFrame` and a
  :class:`~framekit.frames.GenerationTransferCallFrame`, which an interruption drops
  like the speech in front of them
  (:data:`~framekit.interruptions.GENERATED_CALL_CONTROL`): if the caller barges in
  while the goodbye is still being played, the hang-up goes with the goodbye.
* :meth:`ToolContext.push_frame` pushes at once, and refuses once the caller has
  interrupted the generation.

Two brains run tools and give them a context the same way: the LLM path's
:class:`~framekit.tools.runner.ToolRunner` and the offline intent engine's
:class:`~framekit.intents.processor.IntentEngineProcessor`. Both build it with
:meth:`ToolContext.bound` and carry out what :meth:`ToolContext.due_actions` returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from framekit.frames import Frame, GenerationHangUpFrame, GenerationTransferCallFrame
from framekit.interruptions import TOOL_CALL_RULES, ToolCallStage
from framekit.processors.base import FrameDirection

__all__ = ["ToolContext"]

PushFrame = Callable[[Frame, FrameDirection], Awaitable[None]]


@dataclass(eq=False)
class ToolContext:
    """The call a tool runs for, and the actions it may take on it.

    ``interrupted`` becomes true when the caller interrupts after the request
    arrived: from then on the generation that asked for this tool is discarded,
    recorded actions will not be carried out, and :meth:`push_frame` refuses.
    """

    call_id: str
    function_name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    response_id: str = ""
    _push: PushFrame | None = field(default=None, repr=False)
    _is_interrupted: Callable[[], bool] = field(default=lambda: False, repr=False)
    actions: list[Frame] = field(default_factory=list)
    """Call-control frames recorded by :meth:`end_call` / :meth:`transfer_call`."""

    @classmethod
    def bound(
        cls,
        call_id: str,
        function_name: str,
        arguments: dict[str, Any],
        *,
        push: PushFrame,
        interrupted: Callable[[], bool],
        response_id: str = "",
    ) -> ToolContext:
        """A context that pushes with ``push`` (the running processor's ``push_frame``)
        for as long as ``interrupted()`` is false (the caller has not interrupted the
        generation that asked for the tool)."""
        return cls(
            call_id=call_id,
            function_name=function_name,
            arguments=dict(arguments),
            response_id=response_id,
            _push=push,
            _is_interrupted=interrupted,
        )

    @property
    def interrupted(self) -> bool:
        """True once the caller has interrupted the generation that requested this call."""
        return self._is_interrupted()

    def end_call(self, reason: str = "completed") -> None:
        """Hang up after the response that asked for it has been said.

        Safe from sync tools (running in a worker thread) and async ones alike.
        """
        self.actions.append(GenerationHangUpFrame(reason=reason))

    def transfer_call(self, target: str, reason: str = "") -> None:
        """Transfer the caller to ``target`` after the response has been said."""
        self.actions.append(GenerationTransferCallFrame(target=target, reason=reason))

    def due_actions(self) -> tuple[list[Frame], str | None]:
        """The recorded actions to carry out now, or none and the note that says why.

        Called once the tool has returned and its response has been said: an action
        of a generation the caller has interrupted is not carried out
        (:data:`~framekit.interruptions.TOOL_CALL_RULES`).
        """
        if not self.actions:
            return [], None
        if self.interrupted and not TOOL_CALL_RULES[ToolCallStage.RUNNING].actions_carried_out:
            kinds = ", ".join(type(action).__name__ for action in self.actions)
            return [], f"not carried out ({kinds}): the caller interrupted before it could happen"
        return list(self.actions), None

    async def push_frame(
        self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM
    ) -> bool:
        """Push ``frame`` now (async tools only). Returns False, pushing nothing, if
        the caller has interrupted this generation or no pipeline is attached."""
        if self._push is None:
            return False
        if self.interrupted and not TOOL_CALL_RULES[ToolCallStage.RUNNING].may_push:
            return False
        await self._push(frame, direction)
        return True
