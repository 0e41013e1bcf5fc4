"""The offline intent engine as an LLM provider: :class:`IntentEngineService`.

Why: the last link of a fallback chain must answer when every model is down or
there is no network, and it must do so through the same interface, so the chain,
the processor, the context and the call records stay the same.
:class:`IntentEngineService` reads the caller's latest turn from the
:class:`~framekit.conversation.context.LLMContext`, runs the engine's dialogue for that
conversation, and streams the reply as one :class:`~framekit.llm.events.TextDelta`.

Tools, the default (``tools=None``): the engine's tool calls go through the
pipeline like a model's. When the dialogue reaches a tool, the service ends the
response with a :class:`~framekit.llm.events.ToolCallEvent` instead of text; the
:class:`~framekit.tools.ToolRunner` runs it (its timeout, its interruption rules),
the assistant aggregator records the call and its result in the context and runs
the LLM again, and this time the service finds the result in the context and
answers from it. So a tool runs once, the context shows the call and result to
whichever model answers next (Claude may be back by then), and call records see
the same frames as on the LLM path. The dialogue of that turn is run on a copy of
the conversation state the first time and discarded; the second run replays the
same turn with the result, so the state moves on once.

A result already in the context for the same tool and arguments after the caller's
latest turn is used, not asked for again (a model that called the tool, then
failed, leaves one). With ``tools=`` (a :data:`~framekit.intents.ToolCaller`,
e.g. :func:`~framekit.intents.registry_caller`) the engine calls tools itself
and only text comes out, for use without a ``ToolRunner``.

State: one :class:`~framekit.intents.DialogueState` per conversation, keyed by the
context object (weakly), so one service can serve every call of a process. The
engine continues its own dialogue only if it also answered the previous caller
turn; if a model answered in between, the request in progress is dropped (what
the caller told it, such as an order number, is kept).

The service never continues another provider's partial answer
(``continues_text = False``): it answers the caller's turn from the start.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import inspect
import itertools
import json
import weakref
from collections.abc import AsyncGenerator, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from framekit.conversation.context import AssistantTurn, LLMContext, ToolCallRecord, UserTurn
from framekit.intents.calling import ToolCaller, ToolFailedError
from framekit.intents.classifier import Embedder, IntentClassifier
from framekit.intents.defaults import CONTACT_CENTER_INTENTS
from framekit.intents.dialogue import DialogueState, Reply
from framekit.intents.engine import IntentEngine
from framekit.intents.spec import Intent
from framekit.llm.events import LLMEvent, LLMService, StreamEnd, TextDelta, ToolCallEvent

__all__ = ["IntentEngineService"]

_call_ids = itertools.count(1)
_Resolver = Callable[[str, dict[str, Any]], Any]
_resolver: ContextVar[_Resolver | None] = ContextVar("framekit_intent_tools", default=None)


class _ToolNeeded(BaseException):
    """Stops the dialogue at a tool the pipeline must run first.

    A :class:`BaseException` on purpose: the engine turns any ``Exception`` from a
    tool into that tool's failure reply, and this is not a failure.
    """

    def __init__(self, name: str, arguments: dict[str, Any]) -> None:
        super().__init__(name)
        self.name = name
        self.arguments = arguments


@dataclass(slots=True)
class _Conversation:
    state: DialogueState
    turn: UserTurn | None = None
    """The caller turn being served (kept so that its identity stays unique)."""
    now: dt.datetime | None = None
    """The moment that turn was first served: replays parse dates the same way."""
    answered: UserTurn | None = None
    """The last caller turn the engine answered."""
    replies: list[Reply] = field(default_factory=list)


class IntentEngineService(LLMService):
    """The intent engine behind :class:`LLMService`; see the module docstring.

    Pass ``classifier`` (built once per process) to skip embedding the intents'
    examples per service, or the process's ``embedder``; the engine is built on first
    use, in a worker thread. ``engine_options`` go to :class:`~framekit.intents.IntentEngine`.
    """

    provider = "intents"
    continues_text = False

    def __init__(
        self,
        *,
        intents: Sequence[Intent] = CONTACT_CENTER_INTENTS,
        classifier: IntentClassifier | None = None,
        embedder: Embedder | None = None,
        tools: ToolCaller | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        **engine_options: Any,
    ) -> None:
        if classifier is None and embedder is None:
            raise TypeError("IntentEngineService needs a classifier= or the process's embedder=")
        super().__init__(model="intent-engine")
        self._intents = tuple(intents)
        self._classifier = classifier
        self._embedder = embedder
        self._tools = tools
        self._clock = clock
        self._options = engine_options
        self._engine: IntentEngine | None = None
        self._building = asyncio.Lock()
        self._conversations: weakref.WeakKeyDictionary[LLMContext, _Conversation] = (
            weakref.WeakKeyDictionary()
        )

    async def engine(self) -> IntentEngine:
        """The engine (built on first use; embedding the examples takes about a second)."""
        if self._engine is None:
            async with self._building:
                if self._engine is None:
                    self._engine = await asyncio.to_thread(self._build)
        return self._engine

    def _build(self) -> IntentEngine:
        return IntentEngine(
            self._call_tool,
            self._intents,
            embedder=self._embedder,
            classifier=self._classifier,
            clock=self._clock,
            **self._options,
        )

    def state(self, context: LLMContext) -> DialogueState:
        """The dialogue state of ``context``'s conversation (a fresh one the first time)."""
        return self._conversation(context).state

    def replies(self, context: LLMContext) -> list[Reply]:
        """The engine's replies in ``context``'s conversation, with the tools each called."""
        return self._conversation(context).replies

    def _conversation(self, context: LLMContext) -> _Conversation:
        conversation = self._conversations.get(context)
        if conversation is None:
            conversation = _Conversation(DialogueState())
            self._conversations[context] = conversation
        return conversation

    async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        engine = await self.engine()
        conversation = self._conversation(context)
        found = _latest_user_turn(context)
        if found is None or found[1] is conversation.answered or not found[1].text.strip():
            yield StreamEnd("end_turn")  # nothing new from the caller
            return
        index, turn = found
        if conversation.turn is not turn:
            conversation.turn, conversation.now = turn, self._clock()
            if conversation.answered is not _previous_user_turn(context, index):
                _forget_request(conversation.state)  # someone else served the turns between
        known = _answered_calls(context, index)
        state = copy.deepcopy(conversation.state)
        event: ToolCallEvent | None = None
        token = _resolver.set(lambda name, arguments: self._resolve(known, name, arguments))
        try:
            reply = await engine.respond(state, turn.text, now=conversation.now)
        except _ToolNeeded as needed:
            # The pipeline runs the tool; the next request replays this turn with its result.
            call_id = f"intent_call_{next(_call_ids)}"
            event = ToolCallEvent(call_id, needed.name, dict(needed.arguments))
        finally:
            _resolver.reset(token)  # in the same step as the set: no yield in between
        if event is not None:
            yield event
            yield StreamEnd("tool_use")
            return
        conversation.state = state
        conversation.answered = turn
        conversation.replies.append(reply)
        if reply.text:
            yield TextDelta(reply.text)
        yield StreamEnd("end_turn")

    async def _resolve(
        self, known: dict[str, ToolCallRecord], name: str, arguments: dict[str, Any]
    ) -> Any:
        record = known.get(_call_key(name, arguments))
        if record is not None:
            if record.error is not None:
                raise ToolFailedError(record.error)
            return record.result
        if self._tools is None:
            raise _ToolNeeded(name, arguments)
        result = self._tools(name, arguments)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """The engine's one tool callback: the current request's resolver."""
        resolve = _resolver.get()
        if resolve is None:
            raise RuntimeError("the intent engine called a tool outside a request")
        return resolve(name, arguments)


def _latest_user_turn(context: LLMContext) -> tuple[int, UserTurn] | None:
    for index in range(len(context.turns) - 1, -1, -1):
        turn = context.turns[index]
        if isinstance(turn, UserTurn):
            return index, turn
    return None


def _previous_user_turn(context: LLMContext, index: int) -> UserTurn | None:
    for turn in reversed(context.turns[:index]):
        if isinstance(turn, UserTurn):
            return turn
    return None


def _answered_calls(context: LLMContext, index: int) -> dict[str, ToolCallRecord]:
    """The answered tool calls after the caller's turn at ``index``, by tool and arguments."""
    known: dict[str, ToolCallRecord] = {}
    for turn in context.turns[index + 1 :]:
        if isinstance(turn, AssistantTurn):
            for call in turn.answered_calls():
                known[_call_key(call.name, call.arguments)] = call
    return known


def _call_key(name: str, arguments: dict[str, Any]) -> str:
    return name + json.dumps(arguments, sort_keys=True, default=str)


def _forget_request(state: DialogueState) -> None:
    state.finish_request()
    state.offer, state.offer_slots = None, {}
    state.misses = 0
