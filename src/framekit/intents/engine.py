"""The offline conversation brain: understand a turn, ask for what is missing, confirm, call a tool.

Why this exists: with no LLM configured (no API key, no network) a caller must
still get served. :class:`IntentEngine` takes each turn for a request
(:mod:`~framekit.intents.understanding`: sentence embeddings corrected by what was
said), reads slot values with rules (:mod:`~framekit.intents.filling`), keeps each
call's progress in a
:class:`~framekit.intents.dialogue.DialogueState`, and calls the same tools as
the LLM path through one callback ``(tool_name, arguments) -> result`` (plain or
awaitable), then answers from the intent's templates.

Rules of the conversation, in order of precedence for each caller turn:

1. words heard with low confidence are not acted on: the bot checks them first
   ("did you want to check on an order?", "was that 4 7 2 9?");
2. an offer the bot just made ("shall I put you through to a colleague?",
   "would you like me to book one?") takes a yes, and a no puts it aside;
3. while a confirmation is pending: yes runs the tool; new values correct the
   request and ask again; no drops it;
4. while a slot is being asked for: a value for it (or any slot of the request)
   fills it; otherwise a confident *other* request replaces this one;
5. otherwise the turn is classified: a plain no after "anything else?" ends the
   call; an utterance nobody covers gets "could you say it another way?".

Before acting, a request that acts on something the caller already has
(rescheduling, cancelling) finds it first (:attr:`Intent.lookup`), a booking for
someone who already has an appointment moves it instead (:attr:`Intent.existing`),
and a time is
checked against the free slots (:attr:`Intent.availability`), with the nearest
free times offered when it is taken. Nothing a tool did not return is ever said,
and a booking runs only after a yes. Two failures in a row (words the engine
cannot use, or an order or appointment that cannot be found) bring an offer of a
colleague; a third turn that cannot be used puts the caller through.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from loguru import logger

from framekit.frames.speech import ExpectedSpeech
from framekit.intents import phrases
from framekit.intents.calling import ToolCaller
from framekit.intents.classifier import Classification, Embedder, IntentClassifier
from framekit.intents.defaults import CONTACT_CENTER_INTENTS, CONTACT_CENTER_TOPICS
from framekit.intents.dialogue import DialogueState, Reply, SlotValue, ToolCall
from framekit.intents.filling import carry, changed_slot, fill, offer_answer, spoken_moment
from framekit.intents.scheduling import free_times, nearest, spoken_times
from framekit.intents.slots import parse_yes_no, speak_date, speak_time
from framekit.intents.spec import Intent, SlotKind, SlotSpec, Topic, render
from framekit.intents.understanding import Understanding, wants_topic
from framekit.text.numbers import tokenize

__all__ = ["IntentEngine"]

_CONFIRM = "confirmation"
_HANDOFF_INTENT = "transfer_to_human"
_GOODBYE_INTENT = "goodbye"
_EXPECTED_SPEECH: dict[SlotKind, ExpectedSpeech] = {
    "order_number": "digits",
    "date": "date",
    "datetime": "date",
    "name": "name",
}
_ENDING = re.compile(
    r"\b(?:that'?s (?:it|all|everything|me done|me sorted|me)|that is (?:it|all)|nothing else|"
    r"nothing more|"
    r"no more|all good|i'?m good|i'?m done|all set|all sorted|that'?ll do|that covers it|"
    r"bye|goodbye|cheers|ta-ra|ta|call (?:you )?back|ring (?:you )?back)\b"
)
"""A caller closing the call: "no, that's it", "nothing else, thanks", "I'll call back, bye"."""
_LEAVING = re.compile(r"\b(?:bye|goodbye|(?:call|ring) (?:you )?back|ta-ra)\b")
"""Leaving even in the middle of a request ("I'll find the email and call back, bye")."""
_GIVEN_UP = re.compile(r"\b(?:never mind|nevermind|forget it|forget that|don't worry)\b")
_CORRECTING = re.compile(
    r"\b(?:actually|instead|make it|change it|move it|rather|i meant|sorry|no wait|not)\b"
)
"""Words that say new values replace old ones ("actually, make it three instead")."""
_DAYS_AHEAD = 7  # how far a fully booked day looks for the next free one


class IntentEngine:
    """Serves every call of a process from one classifier; each call brings its own state.

    ``embedder`` is the process's embedding model (the application loads it once,
    ``SentenceEmbedder.shared()``, and tests pass their own); ``classifier``, built
    with it, skips embedding the intents' examples again. One of the two is required.
    """

    def __init__(
        self,
        tools: ToolCaller,
        intents: Sequence[Intent] = CONTACT_CENTER_INTENTS,
        *,
        topics: Sequence[Topic] = CONTACT_CENTER_TOPICS,
        embedder: Embedder | None = None,
        classifier: IntentClassifier | None = None,
        threshold: float = 0.30,
        switch_threshold: float = 0.55,
        confirm_below: float = 0.5,
        max_misses: int = 2,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self._tools = tools
        self._intents = {intent.name: intent for intent in intents}
        if classifier is None:
            if embedder is None:
                raise TypeError(
                    "IntentEngine needs the process's embedding model (embedder=, e.g. "
                    "SentenceEmbedder.shared()) or a classifier built with it (classifier=)"
                )
            classifier = IntentClassifier(intents, embedder, threshold=threshold, topics=topics)
        elif classifier.intent_names != list(self._intents):
            raise ValueError("the classifier was built for other intents")
        self.classifier = classifier
        """Scores utterances and topics; build one and pass it to several engines to embed
        the examples once."""
        self._reading = Understanding(self._intents, classifier, topics, switch_threshold)
        self._switch = switch_threshold
        self._confirm_below = confirm_below
        self._max_misses = max_misses
        self._clock = clock

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
        """The intent of one utterance, out of context (:meth:`Understanding.understand`)."""
        return self._reading.understand(text)

    async def understand_async(self, text: str) -> Classification:
        """As :meth:`understand`, with the model run in a worker thread."""
        return await self._reading.understand_async(text)

    async def recognize(self, text: str, *, now: dt.datetime | None = None) -> str | None:
        """The request a call's opening ``text`` starts, as :meth:`respond` would take it.

        More than :meth:`understand`: the values said count (an order number makes
        it an order request), and of two requests in one sentence the first is served.
        What first-turn recognition is measured on.
        """
        reading = self._reading
        found = reading.by_values(text, now or self._clock(), await reading.understand_async(text))
        if found.intent is None:
            return None
        return (await reading.first_request(text, found))[0].name

    # --- one turn ------------------------------------------------------------------------

    async def respond(
        self,
        state: DialogueState,
        text: str,
        *,
        now: dt.datetime | None = None,
        confidence: float | None = None,
    ) -> Reply:
        """The bot's reply to one caller turn; may call a tool.

        ``confidence`` is the recognizer's (``TranscriptionFrame.confidence``): below
        ``confirm_below`` a turn that would start a request or fill a slot is checked
        with the caller before anything is done with it.
        """
        moment = now or self._clock()
        state.turns += 1
        if state.ended:
            return Reply("", None, end_call=True)
        if state.tentative is not None:
            reply = await self._on_tentative(state, text, moment)
            if reply is not None:
                return reply
        elif confidence is not None and confidence < self._confirm_below:
            check = await self._check_unsure(state, text, moment)
            if check is not None:
                return check
        if state.offer is not None:
            reply = await self._on_offer(state, text, moment)
            if reply is not None:
                return reply
        if state.intent is not None and state.awaiting_confirmation:
            return await self._on_confirmation(state, text, moment)
        if state.intent is not None and state.pending_slot is not None:
            return await self._on_slot_answer(state, text, moment)
        return await self._on_request(state, text, moment)

    async def _on_tentative(
        self, state: DialogueState, text: str, now: dt.datetime
    ) -> Reply | None:
        """The caller's answer to "did you say ...?": yes acts on the words heard before."""
        heard, state.tentative = state.tentative or "", None
        answer = parse_yes_no(text) if len(tokenize(text)) <= 4 else None
        if answer is True:
            return await self.respond(state, heard, now=now)
        if answer is False:
            return Reply(phrases.SAY_AGAIN, state.intent, awaiting=state.pending_slot)
        return None  # something else: a new turn in its own right

    async def _check_unsure(
        self, state: DialogueState, text: str, now: dt.datetime
    ) -> Reply | None:
        """A targeted question about low-confidence words that would change something."""
        if state.intent is not None and state.pending_slot is not None:
            intent = self._intents[state.intent]
            trial = copy.deepcopy(state)
            topic = await self._reading.topic(text) if wants_topic(intent) else None
            if not fill(trial, intent, text, now, expecting=trial.pending_slot, topic=topic):
                return None
            heard = [
                trial.slots[n].spoken for n in trial.slots if state.slots.get(n) != trial.slots[n]
            ]
            if not heard:
                return None
            state.tentative = text
            return Reply(phrases.did_you_say(heard[0]), state.intent, awaiting=_CONFIRM)
        if state.intent is not None or state.offer is not None:
            return None
        found = await self.understand_async(text)
        wanted = self._intents.get(found.intent or "")
        if wanted is None or wanted.dialogue_act or not wanted.summary:
            return None
        state.tentative = text
        return Reply(
            phrases.did_you_want(wanted.summary), wanted.name, found.score, awaiting=_CONFIRM
        )

    async def _on_offer(self, state: DialogueState, text: str, now: dt.datetime) -> Reply | None:
        """Yes to the bot's offer starts it; a plain no puts it aside; anything else moves on."""
        offer, carried = state.offer or "", state.offer_slots
        state.offer, state.offer_slots = None, {}
        target = self._intents[offer]
        found = await self.understand_async(text)
        answers = offer_answer(target, carried, text, now)
        if found.intent in ("affirm", offer) or answers is not None:
            state.finish_request()
            return await self._start(
                state, target, text, now, found.score, carried=carried, expecting=answers
            )
        if found.intent == "deny" and state.intent is None:
            state.closing = True
            return Reply(phrases.DECLINED_OFFER, "deny", found.score)
        # an offer is a point where the call may end: "no, I'll ring back, that's all"
        state.closing = state.intent is None
        return None

    async def _on_request(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        closing, state.closing = state.closing, False
        lowered = " ".join(tokenize(text))
        found = await self.understand_async(text)
        if self._says_goodbye(lowered, found, closing=closing):
            return await self._leave(state, text, now)
        if closing and found.intent == "affirm":
            return Reply(phrases.WHAT_ELSE, "affirm", found.score)
        # "what about Tuesday?", "and order 5512?", "actually make it 3 instead":
        # the last request again (or the one that amends it), with new values
        last = self._intents.get(state.last_intent or "")
        weak = found.intent is None or found.score < self._switch
        correcting = bool(_CORRECTING.search(lowered))
        if last is not None and (weak or correcting):
            changed = changed_slot(last, state.last_slots, text, now)
            again = self._intents.get(last.amend or "") or last
            if changed is not None and (again is last or correcting):
                return await self._start(
                    state,
                    again,
                    text,
                    now,
                    found.score,
                    carried=state.last_slots,
                    expecting=changed,
                )
        found = self._reading.by_values(text, now, found)
        if found.intent is None:
            return await self._miss(state, phrases.UNKNOWN, found)
        intent, words, state.queued = await self._reading.first_request(text, found)
        return await self._start(state, intent, words, now, found.score)

    def _taking_values(
        self, current: Intent, state: DialogueState, text: str, now: dt.datetime
    ) -> Intent | None:
        """A related request (same lookup) that takes a value this one has no slot for:
        a day and time said while cancelling means moving."""
        kinds = {spec.kind for spec in current.slots}
        for other in self._intents.values():
            if other is current or other.lookup is None or other.lookup != current.lookup:
                continue
            extra = [s for s in other.slots if s.kind not in kinds]
            if not extra:
                continue
            trial = copy.deepcopy(state)
            fill(trial, other, text, now, expecting=extra[0].name)
            if extra[0].name in trial.slots:
                return other
        return None

    def _says_goodbye(self, lowered: str, found: Classification, *, closing: bool) -> bool:
        """The caller is ending the call: "no, that's it" after "anything else?", or
        leaving words at the end of a turn that asks for nothing clear ("... bye")."""
        task = self._intents.get(found.intent or "")
        nothing_asked = task is None or task.dialogue_act or found.score < self._switch
        last_words = " ".join(lowered.split()[-5:])
        given_up = _GIVEN_UP.search(lowered) is not None  # "never mind, I'll check online. Bye!"
        if _LEAVING.search(last_words) and (nothing_asked or given_up):
            return True
        if not closing:
            return False
        ending = _ENDING.search(last_words) or (_ENDING.search(lowered) and nothing_asked)
        return found.intent in ("deny", _GOODBYE_INTENT) or bool(ending)

    async def _on_slot_answer(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        intent = self._intents[state.intent or ""]
        topic = await self._reading.topic(text) if wants_topic(intent) else None
        lowered = " ".join(tokenize(text))
        correcting = bool(_CORRECTING.search(lowered))
        if fill(
            state,
            intent,
            text,
            now,
            expecting=state.pending_slot,
            topic=topic,
            overwrite=correcting,
        ):
            state.misses = 0
            return await self._advance(state, intent, now)
        if _LEAVING.search(lowered) or _ENDING.search(" ".join(lowered.split()[-4:])):
            return await self._leave(state, text, now)
        found = await self.understand_async(text)
        related = self._reading.related(intent, lowered, found)
        if related is not None:  # "just cancel it" while moving it: same appointment
            carried = dict(state.slots)
            return await self._start(state, related, text, now, found.score, carried=carried)
        if found.intent == "deny":
            state.finish_request()
            state.closing = True
            return Reply(phrases.DECLINED, "deny", found.score)
        other = self._intents.get(found.intent or "")
        switch = other is not None and other.name != intent.name and not other.dialogue_act
        # "actually, hold off on booking, just tell me what's free": a change of mind
        # said as one needs less certainty, and keeps what was said so far
        needed = self.classifier.threshold if correcting else self._switch
        if other is not None and switch and found.score >= needed:
            kept = dict(state.slots) if correcting else None
            return await self._start(state, other, text, now, found.score, carried=kept)
        spec = next(s for s in intent.slots if s.name == state.pending_slot)
        again = phrases.reask(spec.kind, await self._prompt(state, intent, spec, now))
        return await self._miss(state, again, found, spec.name)

    async def _on_confirmation(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        intent = self._intents[state.intent or ""]
        other = self._taking_values(intent, state, text, now)
        if other is not None:  # "instead of cancelling, move it to Wednesday at two"
            return await self._start(state, other, text, now, 1.0, carried=dict(state.slots))
        answer = parse_yes_no(text)
        corrected = copy.deepcopy(state)
        if fill(corrected, intent, text, now, expecting=None, overwrite=True) and (
            corrected.slots != state.slots or answer is not True
        ):
            state.slots, state.partial_date, state.partial_time = (
                corrected.slots,
                corrected.partial_date,
                corrected.partial_time,
            )
            return await self._advance(state, intent, now)
        if answer is True:
            return await self._act(state, intent, now)
        if answer is False:
            state.finish_request()
            state.closing = True
            return Reply(phrases.DECLINED, intent.name)
        if _LEAVING.search(" ".join(tokenize(text))):
            return await self._leave(state, text, now)
        found = await self.understand_async(text)
        if found.intent == "affirm":
            return await self._act(state, intent, now)
        if found.intent == "deny":
            state.finish_request()
            state.closing = True
            return Reply(phrases.DECLINED, intent.name, found.score)
        other = self._intents.get(found.intent or "")
        if other is not None and not other.dialogue_act and found.score >= self._switch:
            return await self._start(state, other, text, now, found.score)
        question = render(intent.confirm or "", self._context(state))
        return await self._miss(state, phrases.RE_ASK + question, found, _CONFIRM)

    # --- a request's life ----------------------------------------------------------------

    async def _start(
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
        state.finish_request()
        state.offer, state.offer_slots = None, {}
        state.misses = 0
        if intent.dialogue_act or (intent.tool is None and not intent.slots):
            return Reply(render(intent.answer, self._context(state)), intent.name, score)
        state.intent = intent.name
        for spec in intent.slots:
            if spec.remember and spec.name in state.memory:
                state.slots[spec.name] = state.memory[spec.name]
        carry(state, intent, carried or {})
        topic = await self._reading.topic(text) if wants_topic(intent) else None
        fill(state, intent, text, now, expecting=expecting, overwrite=True, topic=topic)
        reply = await self._advance(state, intent, now)
        return Reply(
            reply.text, reply.intent, score, reply.tool_calls, reply.awaiting, reply.end_call
        )

    async def _advance(
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
            said = _join(said, self._say(amend.found, self._context(state), amend, ""))
            return _with_calls(await self._advance(state, amend, now, said), calls)
        if intent.lookup is not None and state.found is None and intent.slots:
            first = intent.slots[0]
            if first.name in state.slots:
                looked = await self._lookup(state, intent, first, calls)
                if looked is not None:
                    return _with_calls(looked, calls)
                said = _join(said, self._say(intent.found, self._context(state), intent, ""))
        for spec in intent.slots:
            if spec.required and spec.name not in state.slots:
                state.pending_slot = spec.name
                prompt = await self._prompt(state, intent, spec, now, calls)
                return Reply(_join(said, prompt), intent.name, 1.0, tuple(calls), spec.name)
        state.pending_slot = None
        checked = await self._check_free(state, intent, now, calls)
        if checked is not None:
            return _with_calls(checked, calls, said)
        if intent.confirm is not None:
            state.awaiting_confirmation = True
            text = _join(said, render(intent.confirm, self._context(state)))
            return Reply(text, intent.name, 1.0, tuple(calls), awaiting=_CONFIRM)
        return _with_calls(await self._act(state, intent, now), calls, said)

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
        sorry = self._say(intent.not_found, self._context(state), intent, "")
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
        if state.failures >= 2 and _HANDOFF_INTENT in self._intents:
            state.finish_request()
            state.offer = _HANDOFF_INTENT
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

    async def _act(self, state: DialogueState, intent: Intent, now: dt.datetime) -> Reply:
        calls: list[ToolCall] = []
        context = self._context(state)
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
            after = await self._start(state, self._intents[name], words, now, 1.0)
            return _with_calls(after, calls, _join(text, phrases.ALSO))
        if not text.rstrip().endswith("?"):
            text = _join(text, phrases.ANYTHING_ELSE)
        state.closing = True
        return Reply(text, intent.name, 1.0, tuple(calls))

    async def _leave(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        """The caller is going ("I'll call back, bye"): drop the request and say goodbye."""
        state.finish_request()
        goodbye = self._intents.get(_GOODBYE_INTENT)
        if goodbye is None:
            return Reply(phrases.DECLINED, None)
        return await self._start(state, goodbye, text, now, 1.0)

    async def _call(self, tool: str, arguments: dict[str, Any]) -> ToolCall:
        try:
            result = self._tools(tool, dict(arguments))
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # a tool's failure is an answer to the caller, not a crash
            logger.warning("intent engine: tool {} failed: {!r}", tool, exc)
            return ToolCall(tool, arguments, None, f"{type(exc).__name__}: {exc}")
        return ToolCall(tool, arguments, result)

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

    async def _miss(
        self, state: DialogueState, text: str, found: Classification, awaiting: str | None = None
    ) -> Reply:
        """A turn the engine could not use: ask again, then offer a colleague, then transfer."""
        state.misses += 1
        handoff = self._intents.get(_HANDOFF_INTENT)
        if handoff is not None and state.misses > self._max_misses:
            reply = await self._act(state, handoff, self._clock())
            done = reply.tool_calls and reply.tool_calls[0].error is None
            text = phrases.HANDOFF if done else reply.text
            return Reply(text, handoff.name, found.score, reply.tool_calls, None, reply.end_call)
        if handoff is not None and state.misses == self._max_misses:
            state.offer = handoff.name
            return Reply(phrases.STILL_LOST, state.intent, found.score)
        return Reply(text, state.intent, found.score, awaiting=awaiting)

    async def _prompt(
        self,
        state: DialogueState,
        intent: Intent,
        spec: SlotSpec,
        now: dt.datetime,
        calls: list[ToolCall] | None = None,
    ) -> str:
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
        return render(spec.prompt, self._context(state))

    def _context(self, state: DialogueState) -> dict[str, Any]:
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
