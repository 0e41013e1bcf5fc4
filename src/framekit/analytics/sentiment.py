"""How the caller feels, turn by turn and over the call: VADER plus rules for phone calls.

Why VADER (the ``analytics`` extra, ``vaderSentiment``): it is a lexicon of about
7,500 rated words and a few rules (negation, "but", intensifiers, capitals,
punctuation), MIT-licensed, a few hundred KiB of text: nothing to download and no
weights to load, about 20 ms to read at start and tens of microseconds a sentence,
so a whole call is scored in well under a millisecond of CPU. A transformer would
be more fluent but needs weights the package would have to ship, and a GPU or a
second of CPU per call.

Why rules on top: VADER was written for social media, and phone callers say things
it reads wrongly:

* **politeness and dialogue words are not feelings**: "I'd *like* to check my order,
  *please*", "*yes*", "*okay*", "can you *help* me" are requests, not praise;
  "*no*" answers a question. They are rated 0 here;
* **complaints with no emotional word**: "I'm *still waiting*", "this is the *third
  time I'm calling*", "*nobody* called me back", "I've been *on hold* for ages";
* **sarcasm**: "*oh great*, another robot", "*thanks for nothing*", "*wonderful*,
  lost again": a positive word next to a problem, or a stock sarcastic phrase;
* **the answer did not help**: "that *doesn't help*", "*that's not what I asked*",
  "can I talk to a *real person*".

A caller turn is labelled from its adjusted score (``positive`` above
:data:`THRESHOLD`, ``negative`` below minus it). The call's labels follow from the
turns' by the annotation rules of the labelled corpus (``tests/data/analytics``):
``end`` is the last feeling (not neutral) of the caller's final two turns, ``start``
the first of their first two, so a call that turned angry shows as ``start: neutral,
end: negative``; ``call`` is the majority of the turns with a feeling (a tie goes to
the end, else negative); ``score`` is the turns' mean.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal, TypeAlias

__all__ = [
    "THRESHOLD",
    "CallSentiment",
    "Label",
    "TurnSentiment",
    "call_sentiment",
    "label_of",
    "only_thanks",
    "turn_sentiment",
    "vader_scores",
]

Label: TypeAlias = Literal["positive", "neutral", "negative"]

THRESHOLD: Final = 0.3
"""A turn's score beyond this (either way) is a feeling; between, neutral."""

_NOT_FEELINGS: Final = (
    "please", "ok", "okay", "yes", "yeah", "yep", "sure", "like", "cancel", "want",
    "help", "no", "well", "kind", "pretty", "true", "hold", "hello", "hi", "fine", "alright",
    "right", "reach", "pay", "matter", "free", "share", "care", "save", "check",
    "cancelled", "canceled", "cancelling", "missing", "sick", "worries", "worry", "worried",
    "sorry", "wanna", "gift", "hope", "hoping", "sure", "plenty", "all",
    "damaged", "broken", "broke", "lost", "wrong", "problem", "mistake", "error", "stuck",
    "fault", "delay", "delayed", "charged", "party", "friend", "friends", "interested",
    "welcome", "easy", "morning", "afternoon", "evening",
)  # fmt: skip
"""Words VADER rates but a caller uses to ask, answer, be polite or state a problem: a
fact ("it arrived damaged", "the wrong size") is information; the feeling, when there
is one, is in other words ("again", "ridiculous", "still waiting")."""

_NEGATIVE: Final = re.compile(
    r"\b(still waiting|it'?s been (over |more than |nearly |almost )?(a|\w+) (weeks?|months?)"
    r"|(my|the) whole point|that'?s what i (said|asked)|that'?s why (i'?m|im|i am) calling"
    r"|that'?s why i asked|i didn'?t ask for|i asked for|you do that|human being|finally\b"
    r"|trying to get through|all morning|it better|let me guess|with a pulse|whatever"
    r"|hassle|just reading|where'?s my (money|refund)|\?!|seriously|basically nothing"
    r"|\bugh\b|come on|for (\w+'?s|\w+) sake|unbelievable|are you serious"
    r"|you'?re (not listening|kidding)|anyone there|not helpful|pathetic|(really|so|getting) "
    r"worried|fed up|had enough|(doesn'?t|does not|won'?t) work for me|no good (to|for) me"
    r"|not impressed|typical|as usual|every single time|losing (my )?patience"
    r"|taking (forever|ages|so long)|don'?t have all day|hurry up|what'?s the point"
    r"|don'?t bother|i'?ve had it|kidding me|always the same|never (works|helps|answers)"
    r"|what (do|am) i (supposed to |meant to )?(do|going to do) now"
    r"|^\W*(agent|human|operator|representative)\W+(agent|human|operator|representative)\b"
    r"|(second|third|fourth|fifth|\d+(st|nd|rd|th)) time (i'?m |i'?ve |i have |i am )?"
    r"(call|ring|phon|ask|try)"
    r"|(called|rung|phoned|tried) (\w+ ){0,2}(times|twice|already)"
    r"|how many times|every time i call|keep(s)? (getting|telling|saying)"
    r"|on hold for|been waiting|waited (for )?(weeks|days|hours|ages|forever)"
    r"|waste of|ridiculous|unacceptable|not good enough|fed up|sick (and tired )?of"
    r"|(doesn'?t|does not|didn'?t|did not|won'?t|isn'?t|is not|not) (help|helping|helpful)"
    r"|not what i (asked|said|meant|wanted)|(that'?s|that is) (wrong|not right|incorrect)"
    r"|useless|pointless|(real|actual) (person|human)|(talk|speak) to (a|an|your|the) "
    r"(human|person|manager|supervisor|agent)|forget it"
    r"|nobody|no one|no-one|you people|what a joke|are you kidding|joke"
    r"|late again|wrong (again|item|size|order|one)|charged (me )?twice|overcharged"
    r"|not happy|unhappy|disappointed|frustrat|annoy|angry|furious|upset|complain|terrible"
    r"|awful|horrible|worst|rubbish|hopeless|(can'?t|cannot|can not) believe|no use"
    r"|isn'?t working|not acceptable|going in circles|not listening|don'?t understand me"
    r"|give up|hang(ing)? up on)"
)
"""Complaints: what a caller says when things go wrong, emotional words or none."""

_SARCASM: Final = re.compile(
    r"\b(oh (great|wonderful|perfect|brilliant|fantastic|lovely|good|joy)"
    r"|just (great|perfect|wonderful|brilliant|fantastic|lovely|what i needed)"
    r"|(thanks|thank you)( so much| a lot)? for nothing|thanks a bunch|yeah,? right"
    r"|sure you (will|do|are)"
    r"|love (being|waiting|it when|how|that)|great,? (another|so now|now|just)"
    r"|(wonderful|brilliant|fantastic|perfect|lovely|great),? (just|absolutely|really) "
    r"(wonderful|brilliant|fantastic|perfect|lovely|great)|how (helpful|lovely|nice)\W*$"
    r"|so helpful|real(ly)? helpful,? (thanks|not)|very helpful,? not"
    r"|(wonderful|great|brilliant|fantastic|lovely)\W+(really|very|such an?|what an?) \w+ "
    r"(system|service|company|job))"
)
"""Stock sarcasm: praise that means the opposite."""

_POSITIVE: Final = re.compile(
    r"\b(that'?s (great|perfect|brilliant|lovely|wonderful)|phew|thank (god|goodness)"
    r"|sorted|cheers|appreciate|much appreciated|you'?ve been (very |so |really )?"
    r"(helpful|great|brilliant|lovely|kind)|thank(s| you)(?! anyway)|problem solved|that helps"
    r"|that'?s (very |really )?helpful|made my day|relieved|glad|awesome|excellent|nice one"
    r"|sweet|lifesaver|life saver|(great|big|huge|real) help|much obliged|very kind"
    r"|great news|bless you|smashing|thank heavens|weight off"
    r"|you'?re a (star|legend|gem)|good stuff|what a relief|that'?s a relief|oh good)"
)
"""Thanks and relief: how a caller who was helped says so."""

_CLOSINGS: Final = re.compile(
    r"\b(that'?s (all|everything|it)( i needed)?|no worries|(thanks|thank you) anyway|nope"
    r"|good (morning|afternoon|evening|day))\b"
)
"""Closing courtesy: a caller ending the call, not a feeling (removed before scoring)."""

_ILL: Final = re.compile(r"\bill\b")
"""A recognizer's "ill" is "I'll" on a phone call far more often than sickness."""

_SINCERE: Final = re.compile(
    r"\b(thank(s| you)\b(?!( so much| a lot)? for nothing| a lot\b| a bunch)"
    r"|thank (god|goodness)|phew|happy)"
)
"""Gratitude that a stock sarcastic opener ("oh perfect") does not undo."""

_NEGATIVE_SHIFT: Final = -0.6
_SARCASM_SHIFT: Final = -0.8
_POSITIVE_SHIFT: Final = 0.35


@dataclass(frozen=True, slots=True)
class TurnSentiment:
    """One caller turn: its index among the caller's turns, label and score in [-1, 1]."""

    turn: int
    label: Label
    score: float


@dataclass(frozen=True, slots=True)
class CallSentiment:
    """The call's label and score, how the caller started and ended, and every turn."""

    call: Label
    score: float
    start: Label
    end: Label
    turns: tuple[TurnSentiment, ...]


@cache
def _analyzer() -> object:
    """VADER's analyser, loaded once per process, with the dialogue words set to 0."""
    try:
        from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
            SentimentIntensityAnalyzer,
        )
    except ImportError as exc:  # pragma: no cover - the message is the point
        raise ImportError(
            "post-call sentiment needs the 'analytics' extra: pip install 'framekit[analytics]'"
        ) from exc
    analyzer = SentimentIntensityAnalyzer()
    for word in _NOT_FEELINGS:
        analyzer.lexicon.pop(word, None)
    return analyzer


def vader_scores(text: str) -> dict[str, float]:
    """VADER's ``compound``, ``pos``, ``neg`` and ``neu`` of ``text`` (lower case), with the
    dialogue words at 0 and closing courtesy removed, before any phrase rule."""
    cleaned = _CLOSINGS.sub(" ", _ILL.sub("i'll", text))
    return {
        key: float(value)
        for key, value in _analyzer().polarity_scores(cleaned).items()  # type: ignore[attr-defined]
    }


def label_of(score: float) -> Label:
    """``positive`` above :data:`THRESHOLD`, ``negative`` below minus it, else ``neutral``."""
    if score > THRESHOLD:
        return "positive"
    if score < -THRESHOLD:
        return "negative"
    return "neutral"


def turn_sentiment(text: str) -> float:
    """One caller turn's score in [-1, 1]: VADER's compound, moved by the phone rules.

    A turn that mixes feelings goes by the one it ends on ("thanks. but it better show
    up this time"): its last sentence wins when it has a feeling of its own, unless it
    is a word or two of praise after a complaint ("so nobody can help me. brilliant") or
    the turn is sarcastic ("wonderful. really efficient system you've got").
    """
    whole = _score(text)
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    mixed = len(sentences) > 1 and not _SARCASM.search(text.lower())
    if mixed and len(sentences[-1].split()) >= _OWN_FEELING_WORDS:
        last = _score(sentences[-1])
        if label_of(last) != "neutral" and label_of(last) != label_of(whole):
            return last
    return whole


_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+")
_OWN_FEELING_WORDS: Final = 3


def _score(text: str) -> float:
    lowered = _CLOSINGS.sub(" ", _ILL.sub("i'll", text.lower().replace("\u2019", "'")))
    score = float(_analyzer().polarity_scores(lowered)["compound"])  # type: ignore[attr-defined]
    if _SARCASM.search(lowered) and not _SINCERE.search(lowered):
        score = min(score, 0.0) + _SARCASM_SHIFT
    elif _NEGATIVE.search(lowered):
        score = min(score, 0.0) + _NEGATIVE_SHIFT
    elif _POSITIVE.search(lowered):
        score = max(score, 0.0) + _POSITIVE_SHIFT
    return max(-1.0, min(1.0, score))


def call_sentiment(
    caller_turns: Sequence[str],
    met: Sequence[bool] | None = None,
    *,
    scores: Sequence[float] | None = None,
) -> CallSentiment:
    """Every caller turn scored, and the call's labels from the turns' (module docstring).

    ``met`` says for each turn whether the caller's need had been met by then: a turn
    whose only warmth is a thank-you is then positive, and before (or in a call that
    never met it) plain courtesy, neutral ("thanks, it's 4271", "ok thanks anyway, bye").
    ``scores`` are the turns' scores when another reader made them (the learned head of
    :mod:`framekit.analytics.turn_model`); by default, :func:`turn_sentiment`'s.
    """
    if scores is None:
        scores = [turn_sentiment(text) for text in caller_turns]
    elif len(scores) != len(caller_turns):
        raise ValueError(f"{len(scores)} scores for {len(caller_turns)} caller turns")
    if met is not None:
        scores = [
            0.0 if not helped and score > THRESHOLD and only_thanks(text) else score
            for text, score, helped in zip(caller_turns, scores, met, strict=True)
        ]
    turns = tuple(
        TurnSentiment(n, label_of(score), round(score, 3)) for n, score in enumerate(scores)
    )
    labels = [turn.label for turn in turns]
    score = round(sum(scores) / len(scores), 3) if scores else 0.0
    return CallSentiment(
        _majority(labels), score, _first_felt(labels[:2]), _first_felt(labels[-2:][::-1]), turns
    )


def only_thanks(text: str) -> bool:
    """The turn's warmth is a thank-you: without it, nothing positive is left."""
    return label_of(turn_sentiment(_THANKS.sub(" ", text.lower()))) == "neutral"


_THANKS: Final = re.compile(r"\b(thank(s| you)( (so|very) much)?|cheers|ta)\b")


def _first_felt(labels: Sequence[Label]) -> Label:
    """The first label that is not neutral, else neutral."""
    return next((label for label in labels if label != "neutral"), "neutral")


def _majority(labels: Sequence[Label]) -> Label:
    """The more frequent of positive and negative turns; a tie goes to how the call ended,
    and a call that ended neutral after as many good turns as bad is negative (the bad
    ones are what a supervisor must see)."""
    positive, negative = labels.count("positive"), labels.count("negative")
    if positive != negative:
        return "positive" if positive > negative else "negative"
    if positive == 0:
        return "neutral"
    end = _first_felt(labels[-2:][::-1])
    return end if end != "neutral" else "negative"
