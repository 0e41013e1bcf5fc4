"""Callers' personal data kept from a cloud model: :class:`PlaceholderLLMService`.

``PlaceholderLLMService(claude, redactor)`` is an :class:`~framekit.llm.events.LLMService`
that wraps another. For each request it:

* finds the personal data in the conversation with a
  :class:`~framekit.privacy.redact.Redactor` (card, bank, SSN, phone, email, date of
  birth, address, name; the kinds its policies keep are left alone) and sends the
  inner service a copy in which each value is a placeholder: ``<card_1>``,
  ``<email_1>``, the same value the same placeholder (however it was said). The
  system prompt, what the caller and the bot said, tool calls' arguments and tool
  results are all replaced; the tool schemas are not (the application wrote them);
* restores the values in what the model streams back: in a tool call's arguments,
  so the tool receives the real card or phone number, and in the text, so the
  caller hears their own email where the model wrote ``<email_1>`` (a placeholder
  cut across two deltas included: see :class:`~framekit.llm._placeholder_map.StreamRestorer`).

The map from placeholders to values lives in the request's generator and goes with
it: it is never logged, stored or shared between requests or calls. The context the
application keeps (and stores) holds the real values, as without this wrapper;
numbering by first appearance keeps a value's placeholder the same from one request
of a call to the next while the context only grows.

A model that rewrites a placeholder (``<Email_1>`` is fine; ``email one`` or
``<email_one>`` is not) cannot be restored: the caller hears it as written. Wrap
each cloud link of a :class:`~framekit.llm.fallback.FallbackLLMService`, not the
chain, so that a local model or the offline intent engine still reads real values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing

from framekit.conversation.context import (
    AssistantTurn,
    LLMContext,
    ToolCallRecord,
    Turn,
    UserTurn,
)
from framekit.llm._placeholder_map import PlaceholderMap, StreamRestorer
from framekit.llm.events import LLMEvent, LLMService, TextDelta, ToolCallEvent
from framekit.privacy.redact import Redactor

__all__ = ["PLACEHOLDER_INSTRUCTION", "PlaceholderLLMService"]

PLACEHOLDER_INSTRUCTION = (
    "Personal details in this conversation (card, phone and account numbers, emails, "
    "addresses, names, dates of birth) are shown as placeholders such as <phone_1>. Each "
    "stands for the real value, which the caller gave. Use a placeholder exactly as "
    "written, angle brackets included, wherever the value is needed: in tool arguments "
    "and in what you say. Never ask for a value again because it is shown as a placeholder."
)
"""Added to the system prompt of a request that holds placeholders."""


class PlaceholderLLMService(LLMService):
    """``inner`` with callers' personal data replaced by placeholders; see the module docstring.

    ``redactor``: what counts as personal data (kinds its policies ``keep`` are sent
    as they are). ``max_values``: the most values one request replaces by
    placeholders; further ones are masked (``[card]``) and cannot be restored.
    ``instruction``: added to the system prompt when there are placeholders
    (``None``: nothing is added).
    """

    def __init__(
        self,
        inner: LLMService,
        redactor: Redactor,
        *,
        max_values: int = 200,
        instruction: str | None = PLACEHOLDER_INSTRUCTION,
    ) -> None:
        super().__init__(model=inner.model)
        self.inner = inner
        self.provider = inner.provider
        self.redactor = redactor
        self.max_values = max_values
        self.instruction = instruction

    def __repr__(self) -> str:
        return f"PlaceholderLLMService({self.inner!r})"

    @property
    def continues_text(self) -> bool:
        """Whether ``inner`` can continue a partial answer (for a fallback chain)."""
        return bool(getattr(self.inner, "continues_text", True))

    async def stream(self, context: LLMContext) -> AsyncGenerator[LLMEvent, None]:
        mapping = PlaceholderMap(self.redactor, max_values=self.max_values)
        request = self._request(context, mapping)
        text = StreamRestorer(mapping)
        async with aclosing(self.inner.stream(request)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    out = text.feed(event.text)
                    if out:
                        yield TextDelta(out)
                    continue
                rest = text.finish()
                if rest:
                    yield TextDelta(rest)
                if isinstance(event, ToolCallEvent):
                    event = dataclasses.replace(
                        event,
                        arguments=mapping.restore_data(event.arguments),
                        raw_arguments=mapping.restore(event.raw_arguments, for_tool=True),
                    )
                yield event
        rest = text.finish()
        if rest:
            yield TextDelta(rest)

    async def close(self) -> None:
        await self.inner.close()

    def _request(self, context: LLMContext, mapping: PlaceholderMap) -> LLMContext:
        """A copy of ``context`` with its values replaced (``context`` itself is untouched)."""
        mapping.learn(_texts(context))
        request = LLMContext(
            mapping.replace(context.system),
            tools=context.tools,
            max_tokens=context.max_tokens,
            max_turns=context.max_turns,
        )
        request.turns = [_replaced(turn, mapping) for turn in context.turns]
        if len(mapping) and self.instruction:
            request.system = f"{request.system}\n\n{self.instruction}".strip()
        return request


def _texts(context: LLMContext) -> Iterator[str]:
    """Every text of ``context`` a value may be in, oldest first (the numbering's order)."""
    yield context.system
    for turn in context.turns:
        yield turn.text
        if isinstance(turn, AssistantTurn):
            for call in turn.tool_calls:
                yield from _strings(call.arguments)
                if call.answered:
                    yield call.result_text()


def _strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for item in data.values():
            yield from _strings(item)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _strings(item)


def _replaced(turn: Turn, mapping: PlaceholderMap) -> Turn:
    if isinstance(turn, UserTurn):
        return UserTurn(mapping.replace(turn.text))
    return dataclasses.replace(
        turn,
        text=mapping.replace(turn.text),
        tool_calls=[_replaced_call(call, mapping) for call in turn.tool_calls],
    )


def _replaced_call(call: ToolCallRecord, mapping: PlaceholderMap) -> ToolCallRecord:
    """The call as the model sees it: arguments and outcome with placeholders."""
    result: object = None
    if call.answered and call.error is None:
        result = mapping.replace(call.result_text())
    return ToolCallRecord(
        call.call_id,
        call.name,
        arguments=mapping.replace_data(call.arguments),
        state=call.state,
        result=result,
        error=None if call.error is None else mapping.replace(call.error),
    )
