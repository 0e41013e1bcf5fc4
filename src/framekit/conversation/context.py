"""The conversation an LLM sees, in one provider-neutral form: :class:`LLMContext`.

Why provider-neutral: a call may move from Claude to GPT to a local model in the
middle of a conversation (fallback), so the conversation cannot live in any one
provider's message format. It is kept here as a list of turns and rendered for a
provider only when a request is built (the ``adapter`` module of each vendor folder
in :mod:`framekit.services`).

A turn is a :class:`UserTurn` or an :class:`AssistantTurn`. An assistant turn holds
its text *and* the tool calls it made, each with its result once the tool ran
(:class:`ToolCallRecord`). Keeping a call and its result in one object is what makes
the two impossible to separate: the length budget drops whole turns, and a
provider adapter renders a call only once its result is known (both APIs reject a
call without its result).

After a barge-in, an assistant turn is cut to what the caller actually heard
(:meth:`LLMContext.trim_response`), so the model does not believe it said words the
caller never heard.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AssistantTurn",
    "LLMContext",
    "ToolCallRecord",
    "ToolCallState",
    "Turn",
    "UserTurn",
    "estimate_tokens",
]

CHARS_PER_TOKEN = 4
"""The budget's rule of thumb: about four characters of English per token."""


def estimate_tokens(text: str) -> int:
    """Approximate token count of ``text`` (characters / 4, rounded up)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


class ToolCallState:
    """Where a tool call stands (plain strings, so a context dump stays readable)."""

    PENDING = "pending"
    """Requested; the tool has not answered yet. Not sent to a provider."""
    DONE = "done"
    """The tool answered (``result`` or ``error``)."""
    CANCELLED = "cancelled"
    """Discarded before it ran (its generation was interrupted). Not sent to a provider."""


@dataclass(slots=True)
class ToolCallRecord:
    """One tool call of an assistant turn, and its outcome once known."""

    call_id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    state: str = ToolCallState.PENDING
    result: Any = None
    error: str | None = None

    @property
    def answered(self) -> bool:
        """True once the tool answered: only then is the call sent to a provider."""
        return self.state == ToolCallState.DONE

    def result_text(self) -> str:
        """The outcome as the text a provider receives (JSON unless already a string)."""
        if self.error is not None:
            return json.dumps({"error": self.error})
        if isinstance(self.result, str):
            return self.result
        return json.dumps(self.result, default=str)


@dataclass(slots=True)
class UserTurn:
    """What the caller said (one turn may join several transcriptions)."""

    text: str

    def size(self) -> int:
        """Approximate tokens, for the length budget."""
        return estimate_tokens(self.text)


@dataclass(slots=True)
class AssistantTurn:
    """What the bot said and the tools it called, in one response.

    ``response_id`` ties the turn to the LLM response that produced it, so that a
    later report (a tool result, what the caller heard) edits the right turn even
    when turns were added since. ``heard`` becomes True once the caller has heard
    the whole turn; until then a barge-in may still shorten it. ``interrupted`` is
    True once it was cut by a barge-in.
    """

    text: str = ""
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    response_id: str | None = None
    heard: bool = False
    interrupted: bool = False

    def size(self) -> int:
        """Approximate tokens, for the length budget (calls and results included)."""
        total = estimate_tokens(self.text)
        for call in self.tool_calls:
            total += estimate_tokens(call.name + json.dumps(call.arguments, default=str))
            if call.answered:
                total += estimate_tokens(call.result_text())
        return total

    def answered_calls(self) -> list[ToolCallRecord]:
        """The calls a provider may see: those whose tool answered."""
        return [call for call in self.tool_calls if call.answered]

    def is_empty(self) -> bool:
        """Nothing a provider could be sent: no text and no answered call."""
        return not self.text.strip() and not self.answered_calls()


Turn = UserTurn | AssistantTurn


class LLMContext:
    """System prompt, turns and tool schemas of one conversation.

    ``tools`` are provider-neutral schemas ``{name, description, parameters}`` (what
    :meth:`framekit.tools.ToolRegistry.schemas` returns); each adapter converts them.
    ``max_tokens`` (approximate, characters / 4) and ``max_turns`` bound what is
    sent: see :meth:`window`.
    """

    def __init__(
        self,
        system: str = "",
        *,
        tools: Sequence[dict[str, Any]] = (),
        max_tokens: int | None = None,
        max_turns: int | None = None,
    ) -> None:
        self.system = system
        self.tools: list[dict[str, Any]] = list(tools)
        self.max_tokens = max_tokens
        self.max_turns = max_turns
        self.turns: list[Turn] = []

    def __repr__(self) -> str:
        return f"LLMContext({len(self.turns)} turns, {len(self.tools)} tools)"

    # --- adding -----------------------------------------------------------------------------

    def add_user(self, text: str) -> UserTurn:
        """Append what the caller said."""
        turn = UserTurn(text)
        self.turns.append(turn)
        return turn

    def add_assistant(self, text: str = "", *, response_id: str | None = None) -> AssistantTurn:
        """Append a bot turn (a greeting, or the start of a streamed response)."""
        turn = AssistantTurn(text=text, response_id=response_id, heard=response_id is None)
        self.turns.append(turn)
        return turn

    def response(self, response_id: str) -> AssistantTurn | None:
        """The assistant turn of ``response_id`` (the latest one if several)."""
        for turn in reversed(self.turns):
            if isinstance(turn, AssistantTurn) and turn.response_id == response_id:
                return turn
        return None

    def tool_call(self, call_id: str) -> ToolCallRecord | None:
        """The recorded call ``call_id``, in whichever turn made it."""
        for turn in reversed(self.turns):
            if isinstance(turn, AssistantTurn):
                for call in turn.tool_calls:
                    if call.call_id == call_id:
                        return call
        return None

    def assistant_turns(self) -> Iterator[AssistantTurn]:
        """Every assistant turn, oldest first."""
        return (turn for turn in self.turns if isinstance(turn, AssistantTurn))

    # --- after a barge-in -------------------------------------------------------------------

    def trim_response(self, response_id: str, heard_text: str) -> None:
        """Cut the turn of ``response_id`` to ``heard_text``, what the caller really heard.

        Tool calls stay: a call that ran has a result the model must see, and a call
        that never ran is not sent anyway. A turn left with nothing to send is
        removed by the adapters (they skip empty turns).
        """
        turn = self.response(response_id)
        if turn is None or turn.heard:
            return
        turn.text = heard_text
        turn.interrupted = True
        turn.heard = True

    def mark_heard(self, response_id: str) -> None:
        """The caller heard all of ``response_id``: a later barge-in no longer shortens it."""
        turn = self.response(response_id)
        if turn is not None:
            turn.heard = True

    # --- the length budget -----------------------------------------------------------------

    def window(self) -> list[Turn]:
        """The turns to send: the newest ones that fit ``max_turns`` and ``max_tokens``.

        The system prompt and tool schemas always go; the oldest turns go first; the
        newest turn always stays, however long. A tool call and its result are one
        turn here, so the budget can never send one without the other. Turns with
        nothing to send (an interrupted response the caller heard none of) are skipped.
        """
        turns = [turn for turn in self.turns if not _is_empty(turn)]
        if self.max_turns is not None and len(turns) > self.max_turns:
            turns = turns[-max(1, self.max_turns) :]
        if self.max_tokens is not None and turns:
            budget = self.max_tokens - estimate_tokens(self.system) - self._tools_size()
            kept: list[Turn] = []
            used = 0
            for turn in reversed(turns):
                size = turn.size()
                if kept and used + size > budget:
                    break
                kept.append(turn)
                used += size
            turns = kept[::-1]
        return turns

    def size(self) -> int:
        """Approximate tokens of everything :meth:`window` would send."""
        return (
            estimate_tokens(self.system)
            + self._tools_size()
            + sum(turn.size() for turn in self.window())
        )

    def _tools_size(self) -> int:
        return estimate_tokens(json.dumps(self.tools)) if self.tools else 0

    # --- from simple messages ---------------------------------------------------------------

    @classmethod
    def from_messages(
        cls, messages: Sequence[dict[str, Any]], *, tools: Sequence[dict[str, Any]] = ()
    ) -> LLMContext:
        """A context from ``{"role": "system"|"user"|"assistant", "content": str}`` dicts."""
        context = cls(tools=tools)
        for message in messages:
            role, content = message.get("role"), str(message.get("content", ""))
            if role == "system":
                context.system = f"{context.system}\n\n{content}" if context.system else content
            elif role == "user":
                context.add_user(content)
            elif role == "assistant":
                context.add_assistant(content)
            else:
                raise ValueError(f"unsupported message role {role!r}")
        return context


def _is_empty(turn: Turn) -> bool:
    if isinstance(turn, AssistantTurn):
        return turn.is_empty()
    return not turn.text.strip()
