"""What the caller heard of the bot, per utterance: built from the output transport's reports.

The output transport reports each sentence once, when it played to its end or was
cut (:class:`~framekit.frames.SentencePlayedFrame`: the sentence as the TTS cut it,
its response, the words heard). This module only gathers those reports into
utterances; it never cuts text into sentences itself, so the stored transcript and
the LLM's context always agree on what was heard.

An *utterance* is one LLM response (``response_id``), or one phrase spoken outside
the LLM (a ``TTSSpeakFrame``: its report has no response id). Its planned text is
the response's text as the LLM streamed it (or, when that text was not seen, the
sentences reported); it is finished when every word planned was heard, or when a
barge-in or the end of the call cuts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from framekit.frames import SentencePlayedFrame

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
    chunks: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    cut: bool = False
    ended: bool = False
    started_at: float | None = None

    @property
    def planned(self) -> str:
        return _words("".join(self.chunks) if self.chunks else " ".join(self.sentences))

    @property
    def heard_text(self) -> str:
        return _words(" ".join(self.heard))

    def heard_in_full(self) -> bool:
        planned = self.planned
        return self.ended and not self.cut and bool(planned) and self.heard_text == planned

    def finish(self, now: float, *, truncated: bool) -> HeardUtterance:
        return HeardUtterance(self.heard_text, self.planned, truncated, self.started_at, now)


def _words(text: str) -> str:
    return " ".join(text.split())


class BotSpeech:
    """Gathers the transport's sentence reports into the bot's utterances (module docstring)."""

    def __init__(self) -> None:
        self._responses: dict[str, _Utterance] = {}

    def response_started(self, response_id: str) -> None:
        """An LLM response began (its text follows)."""
        self._response(response_id)

    def response_text(self, response_id: str, text: str) -> None:
        """A chunk of a response's text, as the LLM streamed it."""
        self._response(response_id).chunks.append(text)

    def response_ended(self, response_id: str, now: float) -> list[HeardUtterance]:
        """The response's text is complete; returns it if it was already heard in full."""
        utterance = self._responses.get(response_id)
        if utterance is None:
            return []
        utterance.ended = True
        return self._if_heard(response_id, utterance, now)

    def sentence_played(self, report: SentencePlayedFrame, now: float) -> list[HeardUtterance]:
        """The transport's report on one sentence; returns the utterances it finished."""
        if not report.response_id:
            if not report.text.strip():
                return []
            phrase = _Utterance(sentences=[report.text], heard=[report.heard], ended=True)
            phrase.started_at = report.started_at
            return [phrase.finish(now, truncated=not report.complete)]
        utterance = self._response(report.response_id)
        utterance.sentences.append(report.text)
        utterance.heard.append(report.heard)
        utterance.cut = utterance.cut or not report.complete
        if utterance.started_at is None:
            utterance.started_at = report.started_at
        return self._if_heard(report.response_id, utterance, now)

    def cut(self, now: float) -> list[HeardUtterance]:
        """A barge-in (or the end of the call): every utterance ends with what was heard of it."""
        finished = [
            utterance.finish(now, truncated=not utterance.heard_in_full())
            for utterance in self._responses.values()
            if utterance.planned
        ]
        self._responses.clear()
        return finished

    def _if_heard(
        self, response_id: str, utterance: _Utterance, now: float
    ) -> list[HeardUtterance]:
        if not utterance.heard_in_full():
            return []
        del self._responses[response_id]
        return [utterance.finish(now, truncated=False)]

    def _response(self, response_id: str) -> _Utterance:
        utterance = self._responses.get(response_id)
        if utterance is None:
            utterance = self._responses[response_id] = _Utterance()
        return utterance
