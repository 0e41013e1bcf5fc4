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

What happens to a request once the turn has chosen it (finding what it acts on,
asking for slots, checking a time is free, confirming, calling the tool, the
answer, failures) is :mod:`framekit.intents.requests`; the words that end or
correct the conversation are :mod:`framekit.intents.cues`; the embedding model is
any :class:`~framekit.intents.embedder.Embedder`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence

from framekit.frames.speech import ExpectedSpeech
from framekit.intents import phrases
from framekit.intents.calling import ContextMaker, ToolCaller, turn_contexts
from framekit.intents.classifier import Classification, IntentClassifier
from framekit.intents.cues import CORRECTING, ENDING, LEAVING, says_goodbye
from framekit.intents.defaults import CONTACT_CENTER_INTENTS, CONTACT_CENTER_TOPICS
from framekit.intents.dialogue import DialogueState, Reply
from framekit.intents.embedder import Embedder
from framekit.intents.filling import changed_slot, fill, offer_answer
from framekit.intents.requests import CONFIRM, RequestFlow
from framekit.intents.slots import parse_yes_no
from framekit.intents.spec import Intent, SlotKind, Topic, render
from framekit.intents.understanding import Understanding, wants_topic
from framekit.text.numbers import tokenize

__all__ = ["IntentEngine"]

_EXPECTED_SPEECH: dict[SlotKind, ExpectedSpeech] = {
    "order_number": "digits",
    "date": "date",
    "datetime": "date",
    "name": "name",
}


class IntentEngine:
    """Serves every call of a process from one classifier; each call brings its own state.

    ``embedder`` is the process's embedding model, any
    :class:`~framekit.intents.embedder.Embedder` (the application loads it once:
    ``SentenceEmbedder.shared()`` is all-MiniLM-L6-v2 offline; another model plugs in
    the same way); ``classifier``, built with it, skips embedding the intents'
    examples again. One of the two is required.
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
        self._intents = {intent.name: intent for intent in intents}
        if classifier is None:
            if embedder is None:
                raise TypeError(
                    "IntentEngine needs the process's embedding model (embedder=, an Embedder "
                    "such as SentenceEmbedder.shared()) or a classifier built with it "
                    "(classifier=)"
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
        self._clock = clock
        self._flow = RequestFlow(self._intents, tools, self._reading, clock, max_misses)

    def new_state(self) -> DialogueState:
        """A fresh conversation for a new call."""
        return DialogueState()

    def expectation(self, reply: Reply) -> ExpectedSpeech | None:
        """What the caller's answer to ``reply`` holds, for the recognizer to listen for."""
        if reply.awaiting == CONFIRM:
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
        tool_contexts: ContextMaker | None = None,
    ) -> Reply:
        """The bot's reply to one caller turn; may call a tool.

        ``confidence`` is the recognizer's (``TranscriptionFrame.confidence``): below
        ``confirm_below`` a turn that would start a request or fill a slot is checked
        with the caller before anything is done with it. ``tool_contexts`` makes the
        :class:`~framekit.tools.ToolContext` of each tool this turn calls (the
        engine's processor binds it to the pipeline); a tool callback that takes a
        ``context`` receives it (:mod:`framekit.intents.calling`).
        """
        with turn_contexts(tool_contexts):
            return await self._respond(state, text, now=now, confidence=confidence)

    async def _respond(
        self,
        state: DialogueState,
        text: str,
        *,
        now: dt.datetime | None = None,
        confidence: float | None = None,
    ) -> Reply:
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
            return await self._respond(state, heard, now=now)
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
            return Reply(phrases.did_you_say(heard[0]), state.intent, awaiting=CONFIRM)
        if state.intent is not None or state.offer is not None:
            return None
        found = await self.understand_async(text)
        wanted = self._intents.get(found.intent or "")
        if wanted is None or wanted.dialogue_act or not wanted.summary:
            return None
        state.tentative = text
        return Reply(
            phrases.did_you_want(wanted.summary), wanted.name, found.score, awaiting=CONFIRM
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
            return await self._flow.start(
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
        task = self._intents.get(found.intent or "")
        if says_goodbye(lowered, found, task, switch=self._switch, closing=closing):
            return await self._flow.leave(state, text, now)
        if closing and found.intent == "affirm":
            return Reply(phrases.WHAT_ELSE, "affirm", found.score)
        # "what about Tuesday?", "and order 5512?", "actually make it 3 instead":
        # the last request again (or the one that amends it), with new values
        last = self._intents.get(state.last_intent or "")
        weak = found.intent is None or found.score < self._switch
        correcting = bool(CORRECTING.search(lowered))
        if last is not None and (weak or correcting):
            changed = changed_slot(last, state.last_slots, text, now)
            again = self._intents.get(last.amend or "") or last
            if changed is not None and (again is last or correcting):
                return await self._flow.start(
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
            return await self._flow.miss(state, phrases.UNKNOWN, found)
        intent, words, state.queued = await self._reading.first_request(text, found)
        return await self._flow.start(state, intent, words, now, found.score)

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

    async def _on_slot_answer(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        intent = self._intents[state.intent or ""]
        topic = await self._reading.topic(text) if wants_topic(intent) else None
        lowered = " ".join(tokenize(text))
        correcting = bool(CORRECTING.search(lowered))
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
            return await self._flow.advance(state, intent, now)
        if LEAVING.search(lowered) or ENDING.search(" ".join(lowered.split()[-4:])):
            return await self._flow.leave(state, text, now)
        found = await self.understand_async(text)
        related = self._reading.related(intent, lowered, found)
        if related is not None:  # "just cancel it" while moving it: same appointment
            carried = dict(state.slots)
            return await self._flow.start(state, related, text, now, found.score, carried=carried)
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
            return await self._flow.start(state, other, text, now, found.score, carried=kept)
        spec = next(s for s in intent.slots if s.name == state.pending_slot)
        again = phrases.reask(spec.kind, await self._flow.prompt(state, intent, spec, now))
        return await self._flow.miss(state, again, found, spec.name)

    async def _on_confirmation(self, state: DialogueState, text: str, now: dt.datetime) -> Reply:
        intent = self._intents[state.intent or ""]
        other = self._taking_values(intent, state, text, now)
        if other is not None:  # "instead of cancelling, move it to Wednesday at two"
            return await self._flow.start(state, other, text, now, 1.0, carried=dict(state.slots))
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
            return await self._flow.advance(state, intent, now)
        if answer is True:
            return await self._flow.act(state, intent, now)
        if answer is False:
            state.finish_request()
            state.closing = True
            return Reply(phrases.DECLINED, intent.name)
        if LEAVING.search(" ".join(tokenize(text))):
            return await self._flow.leave(state, text, now)
        found = await self.understand_async(text)
        if found.intent == "affirm":
            return await self._flow.act(state, intent, now)
        if found.intent == "deny":
            state.finish_request()
            state.closing = True
            return Reply(phrases.DECLINED, intent.name, found.score)
        other = self._intents.get(found.intent or "")
        if other is not None and not other.dialogue_act and found.score >= self._switch:
            return await self._flow.start(state, other, text, now, found.score)
        question = render(intent.confirm or "", self._flow.context(state))
        return await self._flow.miss(state, phrases.RE_ASK + question, found, CONFIRM)
