"""What the caller actually heard of the bot's answers: :class:`LLMPlaybackTracker`.

After a barge-in the model must not believe it said what the caller never heard
(it would refer to it, or skip repeating it). Word timings are not available from
the TTS or the transport, so the heard text is estimated from what *is* known:

* which sentence each piece of audio belongs to: the tracker cuts the response's
  text into sentences with the same rules as framekit's sentence TTS
  (:class:`~framekit.processors.tts.sentences.SentenceAggregator`), and pairs the
  n-th sentence with the n-th :class:`~framekit.frames.TTSStartedFrame` /
  :class:`~framekit.frames.TTSStoppedFrame` span of that response;
* how long each sentence's audio is (the duration of its audio frames);
* how many seconds the caller heard: each :class:`~framekit.frames.PlayedUpToFrame`
  the output transport sends at the end of an utterance (or when it is cut by the
  barge-in) adds the seconds played.

The heard text is every sentence played to its end, plus, of the sentence cut by
the barge-in, the share of its characters proportional to the share of its audio
played, rounded down to whole words. Speech rate varies inside a sentence, so the
cut may be off by a word or two; what is never kept is a sentence the caller did
not hear at all.

Place it between the TTS and the output transport: there it sees the text (the
sentence TTS passes text frames on), the audio, and the transport's reports. Audio
not tied to a response (a :class:`~framekit.frames.TTSSpeakFrame` greeting) counts
in the timeline but edits no turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from framekit.conversation.context import LLMContext
from framekit.frames import (
    Frame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    OutputAudioFrame,
    PlayedUpToFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.processors.tts.heard import SpokenSentence, heard_text
from framekit.processors.tts.sentences import SentenceAggregator

__all__ = ["LLMPlaybackTracker"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


@dataclass(eq=False, slots=True)
class _Spoken:
    mirror: SentenceAggregator = field(default_factory=SentenceAggregator)
    ready: list[str] = field(default_factory=list)
    sentences: list[SpokenSentence] = field(default_factory=list)
    ended: bool = False

    def next_sentence(self) -> str:
        if self.ready:
            return self.ready.pop(0)
        return self.mirror.flush() or ""

    def done_by(self, played: float) -> bool:
        """Everything of this response was spoken and has been heard by ``played``."""
        if not self.ended or self.ready or self.mirror.pending.strip():
            return False
        return all(s.finished_by(played) for s in self.sentences)


class LLMPlaybackTracker(FrameProcessor):
    """Trims assistant turns of ``context`` to what the caller heard; see the module docstring."""

    def __init__(self, context: LLMContext, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.llm_context = context
        self._responses: dict[str, _Spoken] = {}
        self._current: str | None = None
        self._sentence: SpokenSentence | None = None
        self._written = 0.0
        self._played = 0.0
        self._interrupting = False

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InterruptionFrame):
            # The transport reports the seconds heard while the interruption passes it,
            # so they are known once the frame has gone on.
            self._interrupting = True
            try:
                await super().receive(frame, direction)
            finally:
                self._interrupting = False
                self._trim_after_barge_in()
            return
        if direction is DOWNSTREAM:
            self._watch(frame)
        elif isinstance(frame, PlayedUpToFrame) and not frame.mark:
            self._played += frame.played_seconds
            if not self._interrupting:
                self._forget_heard()
        await super().receive(frame, direction)

    def _watch(self, frame: Frame) -> None:
        if isinstance(frame, OutputAudioFrame):
            seconds = frame.duration
            self._written += seconds
            if self._sentence is not None:
                self._sentence.seconds += seconds
        elif isinstance(frame, LLMTextFrame):
            spoken = self._spoken(frame.response_id)
            spoken.ready.extend(spoken.mirror.push(frame.text))
        elif isinstance(frame, TTSStartedFrame):
            current = self._responses.get(self._current) if self._current else None
            text = current.next_sentence() if current is not None else ""
            self._sentence = SpokenSentence(text, start=self._written)
            if current is not None:
                current.sentences.append(self._sentence)
        elif isinstance(frame, TTSStoppedFrame):
            if self._sentence is not None:
                self._sentence.stopped = True
            self._sentence = None
        elif isinstance(frame, LLMResponseStartFrame):
            self._spoken(frame.response_id)
        elif isinstance(frame, LLMResponseEndFrame):
            ended = self._responses.get(frame.response_id)
            if ended is not None:
                ended.ended = True

    def _spoken(self, response_id: str) -> _Spoken:
        self._current = response_id
        spoken = self._responses.get(response_id)
        if spoken is None:
            spoken = self._responses[response_id] = _Spoken()
        return spoken

    def heard_text(self, response_id: str) -> str:
        """What the caller has heard of ``response_id`` so far (see the module docstring)."""
        spoken = self._responses.get(response_id)
        if spoken is None:
            return ""
        return heard_text(spoken.sentences, self._played)

    def _forget_heard(self) -> None:
        """An utterance ended normally: responses heard to the end can no longer be cut."""
        for response_id, spoken in list(self._responses.items()):
            if spoken.done_by(self._played):
                self.llm_context.mark_heard(response_id)
                del self._responses[response_id]

    def _trim_after_barge_in(self) -> None:
        for turn in list(self.llm_context.assistant_turns()):
            if turn.response_id is not None and not turn.heard:
                self.llm_context.trim_response(turn.response_id, self.heard_text(turn.response_id))
        # What was not played is gone: the timeline restarts at what was heard.
        self._responses.clear()
        self._current = None
        self._sentence = None
        self._written = self._played
