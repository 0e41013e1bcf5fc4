"""A request's life in the offline engine: find what it acts on, ask, check, confirm, act.

:class:`~framekit.intents.engine.IntentEngine` decides what each caller turn means
for the conversation (a new request, a slot's value, a yes to a confirmation); this
module carries a request from there to the tool call and the answer, with the same
rules for every intent:

* a request that acts on something the caller already has (rescheduling,
  cancelling) finds it first (:attr:`Intent.lookup`); a booking for someone who
  already has an appointment moves it instead (:attr:`Intent.existing`);
* each missing required slot is asked for, in order;
* a time is checked against the free slots (:attr:`Intent.availability`), and the
  nearest free times are offered when it is taken;
* a request that changes something is confirmed before its tool runs;
* an answer says only what a tool returned (a template that needs more is not said);
* a lookup that finds nothing is asked again once, then a colleague is offered, and
  turns the engine cannot use end, after ``max_misses``, with a transfer.

Tools are called through one callback ``(tool_name, arguments) -> result`` (plain or
awaitable; with the turn's tool context where it takes one, :mod:`framekit.intents.calling`);
a tool that raises is an answer to the caller, never a crash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from loguru import logger

from framekit.intents import phrases
from framekit.intents.calling import ToolCaller, call_tool, takes_context, turn_context
from framekit.intents.classifier import Classification
from framekit.intents.cues import GOODBYE_INTENT
from framekit.intents.dialogue import DialogueState, Reply, SlotValue, ToolCall
from framekit.intents.filling import carry, fill, spoken_moment
from framekit.intents.scheduling import free_times, nearest, spoken_times
from framekit.intents.slots import speak_date, speak_time
from framekit.intents.spec import Intent, SlotSpec, render
from framekit.intents.understanding import Understanding, wants_topic

__all__ = ["CONFIRM", "HANDOFF_INTENT", "RequestFlow"]

CONFIRM = "confirmation"
"""What a reply awaits when it asks the caller to confirm (``Reply.awaiting``)."""
HANDOFF_INTENT = "transfer_to_human"
_DAYS_AHEAD = 7  # how far a fully booked day looks for the next free one


class RequestFlow:
    """Carries requests to their answers for one engine; see the module docstring.

    ``intents`` by name, ``tools`` the engine's tool callback, ``reading`` its
    :class:`~framekit.intents.understanding.Understanding` (for FAQ topics),
    ``clock`` its clock; ``max_misses`` unusable turns bring a colleague's offer, one
    more a transfer.
    """

    def __init__(
        self,
        intents: Mapping[str, Intent],
        tools: ToolCaller,
        reading: Understanding,
        clock: Callable[[], dt.datetime],
        max_misses: int,
    ) -> None:
        self._intents = intents
        self._tools = tools
        self._with_context = takes_context(tools)
        self._reading = reading
        self._clock = clock
        self._max_misses = max_misses

    async def start(
        self,
        state: DialogueState,
        intent: Intent,
        text: str,
        now: dt.datetime,
        score: float,
        *,
        carried: Mapping[str, SlotValue] | None = None,
        expecting: str | None = None,
    ) -> Reply:
        """Begin ``intent`` from the caller's ``text`` (``score``: how sure the turn was).

        ``carried`` slots come from a request it replaces or amends; ``expecting`` is
        the slot the words most likely answer. A dialogue act or a plain answer is
        answered at once.
        """
        state.finish_request()
        state.offer, state.offer_slots = None, {}
        state.misses = 0
        if intent.dialogue_act or (intent.tool is None and not intent.slots):
            return Reply(render(intent.answer, self.context(state)), intent.name, score)
        state.intent = intent.name
        for spec in intent.slots:
            if spec.remember and spec.name in state.memory:
                state.slots[spec.name] = state.memory[spec.name]
        carry(state, intent, carried or {})
        topic = await self._reading.topic(text) if wants_topic(intent) else None
        fill(state, intent, text, now, expecting=expecting, overwrite=True, topic=topic)
        reply = await self.advance(state, intent, now)
        return Reply(
            reply.text, reply.intent, score, reply.tool_calls, reply.awaiting, reply.end_call
        )

    async def advance(
        self, state: DialogueState, intent: Intent, now: dt.datetime, said: str = ""
    ) -> Reply:
        """Find what the request acts on, ask for the next missing slot, check, confirm, act."""
        state.awaiting_confirmation = False
        calls: list[ToolCall] = []
        amend = self._intents.get(intent.amend or "")
        existing = intent.existing is not None and state.found is None
        if amend is not None and existing and await self._has_existing(state, intent, calls):
            # "book me in for tomorrow at ten", but Maria Tanaka has an appointment: move it
            state.intent = amend.name
            said = _join(said, self._say(amend.found, self.context(state), amend, ""))
            return _with_calls(await self.advance(state, amend, now, said), calls)
        if intent.lookup is not None and state.found is None and intent.slots:
            first = intent.slots[0]
            if first.name in state.slots:
                looked = await self._lookup(state, intent, first, calls)
                if looked is not None:
                    return _with_calls(looked, calls)
                said = _join(said, self._say(intent.found, self.context(state), intent, ""))
        for spec in intent.slots:
            if spec.required and spec.name not in state.slots:
                state.pending_slot = spec.name
                prompt = await self.prompt(state, intent, spec, now, calls)
                return Reply(_join(said, prompt), intent.name, 1.0, tuple(calls), spec.name)
        state.pending_slot = None
        checked = await self._check_free(state, intent, now, calls)
        if checked is not None:
            return _with_calls(checked, calls, said)
        if intent.confirm is not None:
            state.awaiting_confirmation = True
            text = _join(said, render(intent.confirm, self.context(state)))
            return Reply(text, intent.name, 1.0, tuple(calls), awaiting=CONFIRM)
        return _with_calls(await self.act(state, intent, now), calls, said)

    async def _lookup(
        self, state: DialogueState, intent: Intent, first: SlotSpec, calls: list[ToolCall]
    ) -> Reply | None:
        """Find what the request acts on; ``None`` when found (the request goes on)."""
        value = state.slots[first.name].value
        arguments = {"phone": value} if value.isdigit() else {first.name: value}
        call = await self._call(intent.lookup or "", arguments)
        calls.append(call)
        result = call.result if isinstance(call.result, Mapping) else {}
        if call.error is None and result and not result.get("error"):
            state.found = {k: v for k, v in result.items() if isinstance(k, str)}
            holder = state.found.get("holder")
            if isinstance(holder, str) and holder:
                state.slots[first.name] = SlotValue(holder, holder)
            self._forget_current(state, intent, str(state.found.get("appointment", "")))
            return None
        sorry = self._say(intent.not_found, self.context(state), intent, "")
        del state.slots[first.name]
        state.memory.pop(first.name, None)
        return await self._failed_again(state, intent, first, sorry)

    async def _has_existing(
        self, state: DialogueState, intent: Intent, calls: list[ToolCall]
    ) -> bool:
        """Whether the caller already has what this request would make (found, it is
        kept in ``state.found``); asked once, when the first slot is known."""
        first = intent.slots[0] if intent.slots else None
        if first is None or first.name not in state.slots:
            return False
        call = await self._call(intent.existing or "", {first.name: state.slots[first.name].value})
        calls.append(call)
        result = call.result if isinstance(call.result, Mapping) else {}
        found = call.error is None and bool(result) and not result.get("error")
        state.found = {k: v for k, v in result.items() if isinstance(k, str)} if found else {}
        if found:
            self._forget_current(state, intent, str(state.found.get("appointment", "")))
        return found

    def _forget_current(self, state: DialogueState, intent: Intent, current: str) -> None:
        """A time the caller said that is the appointment's own ("my appointment on the
        21st") is not where to move it."""
        for spec in intent.slots:
            slot = state.slots.get(spec.name)
            if spec.kind == "datetime" and slot is not None and slot.value == current[:16]:
                del state.slots[spec.name]
        if state.partial_date is not None and state.partial_date.isoformat() == current[:10]:
            state.partial_date = None

    async def _failed_again(
        self, state: DialogueState, intent: Intent, spec: SlotSpec, sorry: str
    ) -> Reply:
        """A lookup or tool found nothing: ask again once, then offer a colleague."""
        state.failures += 1
        if state.failures >= 2 and HANDOFF_INTENT in self._intents:
            state.finish_request()
            state.offer = HANDOFF_INTENT
            return Reply(_join(sorry, phrases.OFFER_COLLEAGUE), intent.name, 1.0)
        state.pending_slot = spec.name
        return Reply(_join(sorry, phrases.retry(spec.kind)), intent.name, 1.0, awaiting=spec.name)

    async def _check_free(
        self, state: DialogueState, intent: Intent, now: dt.datetime, calls: list[ToolCall]
    ) -> Reply | None:
        """The requested time is free (``None``), or the nearest free times are offered."""
        spec = next((s for s in intent.slots if s.kind == "datetime"), None)
        if intent.availability is None or spec is None or spec.name not in state.slots:
            return None
        value = state.slots[spec.name].value
        if state.checked == value:
            return None
        wanted = dt.datetime.fromisoformat(value)
        free = await self._free_on(state, intent, wanted.date(), calls)
        if free is None or wanted in free:
            state.checked = value
            return None
        del state.slots[spec.name]
        state.pending_slot = spec.name
        day, options = wanted.date(), nearest(free, wanted)
        for ahead in range(1, _DAYS_AHEAD + 1):
            if options:
                break
            day = wanted.date() + dt.timedelta(days=ahead)
            options = nearest(await self._free_on(state, intent, day, calls) or [], wanted)
        state.partial_date = day if options else None
        # another day: "Monday then, same time" keeps the time asked for
        state.partial_time = wanted.time() if day != wanted.date() else None
        state.alternatives = options[:2]
        asked = spoken_moment(wanted, now).spoken
        text = phrases.taken(
            asked, speak_date(day, now), spoken_times(options[:2]), day == wanted.date()
        )
        return Reply(text, intent.name, 1.0, awaiting=spec.name)

    async def _free_on(
        self, state: DialogueState, intent: Intent, day: dt.date, calls: list[ToolCall]
    ) -> list[dt.datetime] | None:
        """The free times of ``day`` (asked once per request), ``None`` when unknown."""
        if day not in state.free:
            call = await self._call(intent.availability or "", {"date": day.isoformat()})
            calls.append(call)
            state.free[day] = free_times(call.result, day) if call.error is None else None
        return state.free[day]

    async def act(self, state: DialogueState, intent: Intent, now: dt.datetime) -> Reply:
        """Everything is known (and confirmed): call the tool and answer from what it returned."""
        calls: list[ToolCall] = []
        context = self.context(state)
        text: str
        failed_call = False
        if intent.tool is None:
            text = render(intent.answer, context)
        else:
            passed = {spec.name for spec in intent.slots if spec.argument}
            arguments = {n: slot.value for n, slot in state.slots.items() if n in passed}
            call = await self._call(intent.tool, arguments)
            calls.append(call)
            context["result"] = call.result
            if isinstance(call.result, Mapping):
                context.update({k: v for k, v in call.result.items() if isinstance(k, str)})
            failed_call = call.error is not None or bool(
                isinstance(call.result, Mapping) and call.result.get("error")
            )
            if failed_call and intent.retry_slot is not None and call.error is None:
                spec = next(s for s in intent.slots if s.name == intent.retry_slot)
                sorry = self._say(intent.not_found, context, intent, "")
                del state.slots[spec.name]
                state.memory.pop(spec.name, None)
                return _with_calls(await self._failed_again(state, intent, spec, sorry), calls)
            text = self._say(intent.failure if failed_call else intent.answer, context, intent)
        for spec in intent.slots:
            if spec.remember and spec.name in state.slots:
                state.memory[spec.name] = state.slots[spec.name]
        offered = dict(state.slots)
        state.finish_request()
        if not failed_call and intent.slots:
            state.last_intent, state.last_slots = intent.name, offered
        offer_made = intent.offer_if is None or intent.offer_if(context)
        if intent.offer is not None and not failed_call and offer_made:
            state.offer, state.offer_slots = intent.offer, offered
        state.misses = 0
        ended = intent.ends_call and (not failed_call or intent.ends_call_on_failure)
        state.ended = ended
        if ended or state.offer is not None:
            return Reply(text, intent.name, 1.0, tuple(calls), end_call=ended)
        if state.queued:  # the other request of the caller's sentence, at once
            name, words = state.queued.pop(0)
            after = await self.start(state, self._intents[name], words, now, 1.0)
            return _with_calls(after, calls, _join(text, phrases.ALSO))
        if not text.rstrip().endswith("?"):
            text = _join(text, phrases.ANYTHING_ELSE)
        state.closing = True
        return Reply(text, intent.name, 1.0, tuple(calls))

    async def leave(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        """The caller is going ("I'll call back, bye"): drop the request and say goodbye."""
        state.finish_request()
        goodbye = self._intents.get(GOODBYE_INTENT)
        if goodbye is None:
            return Reply(phrases.DECLINED, None)
        return await self.start(state, goodbye, text, now, 1.0)

    async def _call(self, tool: str, arguments: dict[str, Any]) -> ToolCall:
        context = turn_context(tool, arguments) if self._with_context else None
        try:
            result = await call_tool(
                self._tools, tool, dict(arguments), context, with_context=self._with_context
            )
        except Exception as exc:  # a tool's failure is an answer to the caller, not a crash
            logger.warning("intent engine: tool {} failed: {!r}", tool, exc)
            return ToolCall(tool, arguments, None, f"{type(exc).__name__}: {exc}", context)
        return ToolCall(tool, arguments, result, context=context)

    def _say(
        self, answer: Any, context: dict[str, Any], intent: Intent, otherwise: str = "All done."
    ) -> str:
        """``answer`` rendered; a template that needs what a tool did not return is not
        said (the tool's ``message``, or ``otherwise``, is), never a guess."""
        try:
            return render(answer, context)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            logger.warning("intent engine: {} reply could not be rendered: {!r}", intent.name, exc)
            message = context.get("message")
            return message if isinstance(message, str) else otherwise

    async def miss(
        self, state: DialogueState, text: str, found: Classification, awaiting: str | None = None
    ) -> Reply:
        """A turn the engine could not use: ask again, then offer a colleague, then transfer."""
        state.misses += 1
        handoff = self._intents.get(HANDOFF_INTENT)
        if handoff is not None and state.misses > self._max_misses:
            reply = await self.act(state, handoff, self._clock())
            done = reply.tool_calls and reply.tool_calls[0].error is None
            text = phrases.HANDOFF if done else reply.text
            return Reply(text, handoff.name, found.score, reply.tool_calls, None, reply.end_call)
        if handoff is not None and state.misses == self._max_misses:
            state.offer = handoff.name
            return Reply(phrases.STILL_LOST, state.intent, found.score)
        return Reply(text, state.intent, found.score, awaiting=awaiting)

    async def prompt(
        self,
        state: DialogueState,
        intent: Intent,
        spec: SlotSpec,
        now: dt.datetime,
        calls: list[ToolCall] | None = None,
    ) -> str:
        """The question for slot ``spec``; for a time on a known day, the free times said."""
        if spec.kind == "datetime" and state.partial_date is not None:
            day = speak_date(state.partial_date, now)
            if intent.availability is not None and calls is not None and not state.alternatives:
                free = await self._free_on(state, intent, state.partial_date, calls)
                if free is not None and not free:
                    state.partial_date = None
                    return phrases.nothing_free(day)
                if free:
                    return phrases.which_time(day, spoken_times(free[:4]))
            return phrases.what_time(day)
        if spec.kind == "datetime" and state.partial_time is not None:
            return phrases.which_day(speak_time(state.partial_time))
        return render(spec.prompt, self.context(state))

    def context(self, state: DialogueState) -> dict[str, Any]:
        """What the templates may say: what was found, and each slot spoken and as a value."""
        context: dict[str, Any] = dict(state.found or {})
        appointment = context.get("appointment")
        if isinstance(appointment, str):
            with contextlib.suppress(ValueError):
                context["appointment"] = spoken_moment(
                    dt.datetime.fromisoformat(appointment), self._clock()
                ).spoken
        for name, slot in state.slots.items():
            context[name] = slot.spoken
            context[f"{name}_value"] = slot.value
        return context


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip() if first else second


def _with_calls(reply: Reply, calls: Sequence[ToolCall], said: str = "") -> Reply:
    """``reply`` after the tools called (and the words said) on the way to it."""
    return Reply(
        _join(said, reply.text),
        reply.intent,
        reply.confidence,
        (*calls, *reply.tool_calls),
        reply.awaiting,
        reply.end_call,
    )
