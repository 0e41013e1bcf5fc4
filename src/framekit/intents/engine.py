"""The offline conversation brain: understand a turn, ask for what is missing, confirm, call a tool.

Why this exists: with no LLM configured (no API key, no network) a caller must
still get served. :class:`IntentEngine` classifies each turn with sentence
embeddings (:mod:`~framekit.intents.classifier`), picks slot values out with
rules (:mod:`~framekit.intents.slots`), keeps each call's progress in a
:class:`~framekit.intents.dialogue.DialogueState`, and calls the same tools as
the LLM path through one callback ``(tool_name, arguments) -> result`` (plain or
awaitable), then answers from the intent's templates.

Rules of the conversation, in order of precedence for each caller turn:

1. while a confirmation is pending: yes runs the tool; new slot values update
   the request and ask again; no drops the request;
2. while a slot is being asked for: a value for it (or any slot of the request)
   fills it; otherwise a confident *other* request replaces this one;
3. otherwise the turn is classified; an utterance nobody covers gets "could you
   rephrase?", and after ``max_misses`` such turns in a row the caller is put
   through to a human.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from loguru import logger

from framekit.frames.speech import ExpectedSpeech
from framekit.intents.calling import ToolCaller
from framekit.intents.classifier import Classification, Embedder, IntentClassifier
from framekit.intents.defaults import CONTACT_CENTER_INTENTS
from framekit.intents.dialogue import DialogueState, Reply, SlotValue, ToolCall
from framekit.intents.slots import (
    extract_name,
    extract_order_number,
    extract_topic,
    parse_when,
    parse_yes_no,
    speak_date,
    speak_digits,
    speak_time,
)
from framekit.intents.spec import Intent, SlotKind, SlotSpec, render
from framekit.text.numbers import tokenize

__all__ = ["IntentEngine"]

_CONFIRM = "confirmation"
_EXPECTED_SPEECH: dict[SlotKind, ExpectedSpeech] = {
    "order_number": "digits",
    "date": "date",
    "datetime": "date",
    "name": "name",
}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RE_ASK = "Sorry, I didn't catch that. "
_UNKNOWN = (
    "Sorry, I didn't quite get that. Could you say it another way? "
    "I can also put you through to a colleague."
)
_HANDOFF = "I'm sorry I couldn't help with that. Let me put you through to a colleague."
_DECLINED = "Alright, I won't do that. Is there anything else I can help with?"


class IntentEngine:
    """Serves every call of a process from one classifier; each call brings its own state."""

    def __init__(
        self,
        tools: ToolCaller,
        intents: Sequence[Intent] = CONTACT_CENTER_INTENTS,
        *,
        embedder: Embedder | None = None,
        classifier: IntentClassifier | None = None,
        threshold: float = 0.30,
        switch_threshold: float = 0.55,
        max_misses: int = 2,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._tools = tools
        self._intents = {intent.name: intent for intent in intents}
        if classifier is None:
            if embedder is None:
                from framekit.models.embeddings import SentenceEmbedder

                embedder = SentenceEmbedder.shared()
            classifier = IntentClassifier(intents, embedder, threshold=threshold)
        elif classifier.intent_names != list(self._intents):
            raise ValueError("the classifier was built for other intents")
        self.classifier = classifier
        """Scores utterances; build one and pass it to several engines to embed examples once."""
        self._switch = switch_threshold
        self._max_misses = max_misses
        self._clock = clock
        self._task_keywords = tuple(
            stem for i in intents if not i.dialogue_act for stem in i.keywords
        )

    def new_state(self) -> DialogueState:
        """A fresh conversation for a new call."""
        return DialogueState()

    def expectation(self, reply: Reply) -> ExpectedSpeech | None:
        """What the caller's answer to ``reply`` holds, for the recognizer to listen for."""
        if reply.awaiting == _CONFIRM:
            return "yes_no"
        intent = self._intents.get(reply.intent or "")
        if intent is None or reply.awaiting is None:
            return None
        spec = next((s for s in intent.slots if s.name == reply.awaiting), None)
        return _EXPECTED_SPEECH.get(spec.kind) if spec is not None else None

    def understand(self, text: str) -> Classification:
        """The intent of one utterance, out of context.

        A short answer that is plainly yes or no ("nope", "that's incorrect")
        is affirm or deny by its words: embeddings of two-word replies are weak.
        """
        return self._by_words(text) or self.classifier.classify(text)

    async def understand_async(self, text: str) -> Classification:
        """As :meth:`understand`, with the model run in a worker thread.

        The embedding takes milliseconds of CPU; on the event loop it would hold
        up the audio of every call in the process (onnxruntime releases the GIL).
        """
        return self._by_words(text) or await self.classifier.classify_async(text)

    def _by_words(self, text: str) -> Classification | None:
        tokens = tokenize(text)
        lowered = " " + " ".join(tokens)
        yes_no = parse_yes_no(text)
        plain = not any(" " + stem in lowered for stem in self._task_keywords)
        act = "affirm" if yes_no else "deny"
        if yes_no is not None and len(tokens) <= 4 and plain and act in self._intents:
            return Classification(act, 1.0, {act: 1.0})
        return None

    async def respond(
        self, state: DialogueState, text: str, *, now: dt.datetime | None = None
    ) -> Reply:
        """The bot's reply to one caller turn; may call a tool."""
        moment = now or self._clock()
        state.turns += 1
        if state.ended:
            return Reply("", None, end_call=True)
        if state.intent is not None and state.awaiting_confirmation:
            return await self._on_confirmation(state, text, moment)
        if state.intent is not None and state.pending_slot is not None:
            return await self._on_slot_answer(state, text, moment)
        return await self._on_request(state, text, moment)

    async def _on_request(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        offer, carried = state.offer, state.offer_slots
        state.offer, state.offer_slots = None, {}
        found = await self.understand_async(text)
        if offer is not None and found.intent in ("affirm", offer):
            target = self._intents[offer]
            return await self._start(state, target, text, now, found.score, carry=carried)
        # "what about Tuesday?", "and order 5512?": the last request again, with new values
        last = self._intents.get(state.last_intent or "")
        weak = found.intent is None or found.score < self._switch
        if (
            last is not None
            and weak
            and self._fill(DialogueState(), last, text, now, expecting=None)
        ):
            carried = state.last_slots
            return await self._start(state, last, text, now, found.score, carry=carried)
        if found.intent is None:
            return await self._miss(state, _UNKNOWN, found)
        return await self._start(state, self._intents[found.intent], text, now, found.score)

    async def _on_slot_answer(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        intent = self._intents[state.intent or ""]
        if self._fill(state, intent, text, now, expecting=state.pending_slot):
            state.misses = 0
            return await self._advance(state, intent, now)
        found = await self.understand_async(text)
        if found.intent == "deny":
            state.finish_request()
            return Reply(_DECLINED, "deny", found.score)
        other = self._intents.get(found.intent or "")
        if other is not None and other.name != intent.name and found.score >= self._switch:
            return await self._start(state, other, text, now, found.score)
        spec = next(s for s in intent.slots if s.name == state.pending_slot)
        return await self._miss(state, _RE_ASK + self._prompt(state, spec, now), found, spec.name)

    async def _on_confirmation(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        intent = self._intents[state.intent or ""]
        answer = parse_yes_no(text)
        if answer is True:
            return await self._act(state, intent, now)
        if self._fill(state, intent, text, now, expecting=None, overwrite=True):
            return await self._advance(state, intent, now)
        if answer is False:
            state.finish_request()
            return Reply(_DECLINED, intent.name)
        found = await self.understand_async(text)
        if found.intent == "affirm":
            return await self._act(state, intent, now)
        if found.intent == "deny":
            state.finish_request()
            return Reply(_DECLINED, intent.name, found.score)
        other = self._intents.get(found.intent or "")
        if other is not None and not other.dialogue_act and found.score >= self._switch:
            return await self._start(state, other, text, now, found.score)
        question = render(intent.confirm or "", self._context(state))
        return await self._miss(state, _RE_ASK + question, found, _CONFIRM)

    async def _start(
        self,
        state: DialogueState,
        intent: Intent,
        text: str,
        now: dt.datetime,
        score: float,
        *,
        carry: Mapping[str, SlotValue] | None = None,
    ) -> Reply:
        state.finish_request()
        state.offer, state.offer_slots = None, {}
        state.misses = 0
        if intent.dialogue_act or (intent.tool is None and not intent.slots):
            return Reply(render(intent.answer, self._context(state)), intent.name, score)
        state.intent = intent.name
        for spec in intent.slots:
            if spec.remember and spec.name in state.memory:
                state.slots[spec.name] = state.memory[spec.name]
        self._carry(state, intent, carry or {})
        self._fill(state, intent, text, now, expecting=None, overwrite=True)
        reply = await self._advance(state, intent, now)
        return Reply(
            reply.text, reply.intent, score, reply.tool_calls, reply.awaiting, reply.end_call
        )

    def _carry(
        self, state: DialogueState, intent: Intent, carried: Mapping[str, SlotValue]
    ) -> None:
        """Slots of an accepted offer: same-named ones as they are, a day into a day-and-time."""
        days = [v for v in carried.values() if _ISO_DAY.fullmatch(v.value)]
        for spec in intent.slots:
            if spec.name in carried:
                state.slots[spec.name] = carried[spec.name]
            elif spec.kind == "datetime" and days:
                state.partial_date = dt.date.fromisoformat(days[0].value)

    async def _advance(self, state: DialogueState, intent: Intent, now: dt.datetime) -> Reply:
        """Ask for the next missing slot, or for confirmation, or run the tool."""
        state.awaiting_confirmation = False
        for spec in intent.slots:
            if spec.required and spec.name not in state.slots:
                state.pending_slot = spec.name
                return Reply(self._prompt(state, spec, now), intent.name, 1.0, awaiting=spec.name)
        state.pending_slot = None
        if intent.confirm is not None:
            state.awaiting_confirmation = True
            text = render(intent.confirm, self._context(state))
            return Reply(text, intent.name, 1.0, awaiting=_CONFIRM)
        return await self._act(state, intent, now)

    async def _act(self, state: DialogueState, intent: Intent, now: dt.datetime) -> Reply:
        del now
        calls: list[ToolCall] = []
        context = self._context(state)
        text: str
        failed_call = False
        if intent.tool is None:
            text = render(intent.answer, context)
        else:
            arguments = {name: slot.value for name, slot in state.slots.items()}
            call = await self._call(intent.tool, arguments)
            calls.append(call)
            context["result"] = call.result
            if isinstance(call.result, Mapping):
                context.update({k: v for k, v in call.result.items() if isinstance(k, str)})
            failed = call.error is not None or (
                isinstance(call.result, Mapping) and call.result.get("error")
            )
            failed_call = bool(failed)
            text = self._say(intent.failure if failed else intent.answer, context, intent)
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
        return Reply(text, intent.name, 1.0, tuple(calls), end_call=ended)

    async def _call(self, tool: str, arguments: dict[str, Any]) -> ToolCall:
        try:
            result = self._tools(tool, dict(arguments))
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # a tool's failure is an answer to the caller, not a crash
            logger.warning("intent engine: tool {} failed: {!r}", tool, exc)
            return ToolCall(tool, arguments, None, f"{type(exc).__name__}: {exc}")
        return ToolCall(tool, arguments, result)

    def _say(self, answer: Any, context: dict[str, Any], intent: Intent) -> str:
        try:
            return render(answer, context)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            logger.warning("intent engine: {} reply could not be rendered: {!r}", intent.name, exc)
            message = context.get("message")
            return message if isinstance(message, str) else "All done. Anything else?"

    async def _miss(
        self, state: DialogueState, text: str, found: Classification, awaiting: str | None = None
    ) -> Reply:
        state.misses += 1
        handoff = self._intents.get("transfer_to_human")
        if state.misses > self._max_misses and handoff is not None:
            reply = await self._act(state, handoff, self._clock())
            text = (
                _HANDOFF if reply.tool_calls and reply.tool_calls[0].error is None else reply.text
            )
            return Reply(text, handoff.name, found.score, reply.tool_calls, None, reply.end_call)
        return Reply(text, state.intent, found.score, awaiting=awaiting)

    def _prompt(self, state: DialogueState, spec: SlotSpec, now: dt.datetime) -> str:
        if spec.kind == "datetime" and state.partial_date is not None:
            return f"What time on {speak_date(state.partial_date, now)}?"
        if spec.kind == "datetime" and state.partial_time is not None:
            return f"Which day at {speak_time(state.partial_time)}?"
        return render(spec.prompt, self._context(state))

    def _context(self, state: DialogueState) -> dict[str, Any]:
        context: dict[str, Any] = {}
        for name, slot in state.slots.items():
            context[name] = slot.spoken
            context[f"{name}_value"] = slot.value
        return context

    def _fill(
        self,
        state: DialogueState,
        intent: Intent,
        text: str,
        now: dt.datetime,
        *,
        expecting: str | None,
        overwrite: bool = False,
    ) -> bool:
        """Put every slot value of ``intent`` found in ``text`` into ``state``; any found?"""
        found = False
        for spec in intent.slots:
            if spec.name in state.slots and not overwrite:
                continue
            before = (state.partial_date, state.partial_time)
            value = self._extract(state, spec, text, now, expecting=expecting == spec.name)
            if value is not None:
                state.slots[spec.name] = value
            found = found or value is not None or before != (state.partial_date, state.partial_time)
        return found

    def _extract(
        self, state: DialogueState, spec: SlotSpec, text: str, now: dt.datetime, *, expecting: bool
    ) -> SlotValue | None:
        kind = spec.kind
        if kind == "order_number":
            digits = extract_order_number(text)
            return None if digits is None else SlotValue(digits, speak_digits(digits))
        if kind == "name":
            name = extract_name(text, expecting=expecting)
            return None if name is None else SlotValue(name, name)
        if kind == "topic":
            topic = extract_topic(text)
            return None if topic is None else SlotValue(topic, topic)
        expect_time = expecting and state.partial_date is not None
        when = parse_when(text, now, expect_time=expect_time)
        if kind == "date":
            day = when.date
            return None if day is None else SlotValue(day.isoformat(), speak_date(day, now))
        if when.empty:
            return None
        day, time = when.date or state.partial_date, when.time or state.partial_time
        current = state.slots.get(spec.name)
        if current is not None and (day is None or time is None):
            # "no, make it Saturday": keep the half of the old value the caller did not change
            old = dt.datetime.fromisoformat(current.value)
            day, time = day or old.date(), time or old.time()
        if day is None or time is None:
            state.partial_date, state.partial_time = day, time
            return None
        state.partial_date = state.partial_time = None
        spoken = f"{speak_date(day, now)} at {speak_time(time)}"
        return SlotValue(dt.datetime.combine(day, time).strftime("%Y-%m-%dT%H:%M"), spoken)
