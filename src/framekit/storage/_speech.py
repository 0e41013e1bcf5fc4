"""What the caller heard of the bot: the text of each utterance, cut where a barge-in cut it.

The same estimate as :mod:`framekit.processors.llm.playback` (which trims the LLM's
context), made from the frames an observer sees: the text of each response is
cut into sentences with the sentence TTS's own rules, the n-th sentence is paired
with the n-th ``TTSStartedFrame`` span, each span's audio seconds are summed,
and the output transport's ``PlayedUpToFrame`` reports say how many seconds the
caller heard. A sentence cut by a barge-in keeps the share of its words
proportional to the share of its audio played.

An *utterance* is one LLM response (``response_id``) or one ``TTSSpeakFrame``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from framekit.processors.tts.heard import SpokenSentence, heard_text
from framekit.processors.tts.sentences import SentenceAggregator

__all__ = ["BotSpeech", "HeardUtterance"]


@dataclass(frozen=True, slots=True)
class HeardUtterance:
    """One finished bot utterance: what was heard of what was planned, and when (clock time)."""

    text: str
    planned: str
    truncated: bool
    started_at: float | None
    ended_at: float


@dataclass(eq=False, slots=True)
class _Utterance:
    key: str
    mirror: SentenceAggregator | None
    ready: list[str] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)
    sentences: list[SpokenSentence] = field(default_factory=list)
    ended: bool = False
    started_at: float | None = None

    def give_sentence(self) -> str:
        if self.ready:
            return self.ready.pop(0)
        return (self.mirror.flush() if self.mirror is not None else None) or ""

    def has_more(self) -> bool:
        pending = self.mirror.pending.strip() if self.mirror is not None else ""
        return not self.ended or bool(self.ready) or bool(pending)

    def done_by(self, played: float) -> bool:
        if self.has_more():
            return False
        return all(s.finished_by(played) for s in self.sentences)

    def heard_text(self, played: float) -> str:
        return heard_text(self.sentences, played)

    @property
    def planned(self) -> str:
        return " ".join("".join(self.chunks).split())


class BotSpeech:
    """Follows the bot's utterances from text to played audio (see the module docstring)."""

    def __init__(self) -> None:
        self._utterances: list[_Utterance] = []
        self._by_key: dict[str, _Utterance] = {}
        self._speaking: int = 0
        self._sentence: SpokenSentence | None = None
        self._written = 0.0
        self._played = 0.0

    def response_started(self, response_id: str) -> None:
        """An LLM response began (its text follows)."""
        self._response(response_id)

    def response_text(self, response_id: str, text: str) -> None:
        """A chunk of a response's text."""
        utterance = self._response(response_id)
        utterance.chunks.append(text)
        assert utterance.mirror is not None
        utterance.ready.extend(utterance.mirror.push(text))

    def response_ended(self, response_id: str) -> None:
        """The response's text is complete."""
        utterance = self._by_key.get(response_id)
        if utterance is not None:
            utterance.ended = True

    def speak(self, key: str, text: str) -> None:
        """Text to be spoken as is (a ``TTSSpeakFrame``)."""
        utterance = _Utterance(key=key, mirror=None, ready=[text], chunks=[text], ended=True)
        self._utterances.append(utterance)

    def sentence_started(self, now: float) -> None:
        """The TTS began a sentence: pair it with the next sentence of the utterance spoken."""
        while self._speaking < len(self._utterances):
            utterance = self._utterances[self._speaking]
            if utterance.has_more():
                break
            self._speaking += 1
        if self._speaking >= len(self._utterances):
            self._sentence = None
            return
        utterance = self._utterances[self._speaking]
        if utterance.started_at is None:
            utterance.started_at = now
        self._sentence = SpokenSentence(utterance.give_sentence(), start=self._written)
        utterance.sentences.append(self._sentence)

    def audio(self, seconds: float) -> None:
        """Bot audio on its way to the caller."""
        self._written += seconds
        if self._sentence is not None:
            self._sentence.seconds += seconds

    def sentence_stopped(self) -> None:
        """The TTS finished the sentence in progress."""
        if self._sentence is not None:
            self._sentence.stopped = True
        self._sentence = None

    def played(self, seconds: float) -> None:
        """The transport reports ``seconds`` more of bot audio played."""
        self._played += seconds

    def heard_in_full(self, now: float) -> list[HeardUtterance]:
        """Utterances heard to their end (oldest first); they are forgotten."""
        finished: list[HeardUtterance] = []
        while self._utterances and self._utterances[0].done_by(self._played):
            utterance = self._utterances.pop(0)
            self._forget(utterance)
            text = utterance.heard_text(self._played) or utterance.planned
            finished.append(
                HeardUtterance(text, utterance.planned, False, utterance.started_at, now)
            )
        return finished

    def cut(self, now: float) -> list[HeardUtterance]:
        """A barge-in (or the end of the call): every utterance ends with what was heard of it."""
        finished = self.heard_in_full(now)
        for utterance in self._utterances:
            if utterance.planned:
                heard = utterance.heard_text(self._played)
                finished.append(
                    HeardUtterance(heard, utterance.planned, True, utterance.started_at, now)
                )
        self._utterances.clear()
        self._by_key.clear()
        self._speaking = 0
        self._sentence = None
        self._written = self._played
        return finished

    def _forget(self, utterance: _Utterance) -> None:
        self._by_key.pop(utterance.key, None)
        self._speaking = max(0, self._speaking - 1)

    def _response(self, response_id: str) -> _Utterance:
        utterance = self._by_key.get(response_id)
        if utterance is None:
            utterance = _Utterance(key=response_id, mirror=SentenceAggregator())
            self._by_key[response_id] = utterance
            self._utterances.append(utterance)
        return utterance
