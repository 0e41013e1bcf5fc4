"""Which sentences the caller heard: the output transport's sentence spans, reported once each.

The output transport is the one place that knows both what audio belongs to which
sentence (a :class:`~framekit.frames.TTSStartedFrame` / :class:`~framekit.frames.TTSStoppedFrame`
span passes its ordered queue in order with the audio) and how much of that audio
played (its clock, or the far end's reports). So it, and nobody else, says what
was heard: one :class:`~framekit.frames.SentencePlayedFrame` per sentence.

Positions are byte offsets into the transport's stream of wire audio (counted from
the last cut), so following a sentence costs nothing per audio frame: its span is
two offsets taken when its started and stopped frames pass. A sentence cut by a
barge-in keeps the share of its words proportional to the share of its audio
played (word timings are not known; speech rate varies, so the cut may be off by a
word or two, and a sentence the caller never heard is never reported as heard).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from framekit.frames import SentencePlayedFrame

__all__ = ["PLAYBACK_SLACK", "PlayedSentences", "heard_share"]

PLAYBACK_SLACK = 0.03
"""Seconds of slack when comparing audio written with audio played (padding, resampling)."""


def heard_share(text: str, fraction: float) -> str:
    """The whole words of ``text`` within its first ``fraction`` of characters."""
    if fraction >= 1:
        return text
    if fraction <= 0:
        return ""
    cut = int(len(text) * fraction)
    if cut < len(text) and not text[cut].isspace():
        cut = text.rfind(" ", 0, cut + 1)
        if cut < 0:
            return ""
    return text[:cut].rstrip()


@dataclass(eq=False, slots=True)
class _Span:
    text: str
    response_id: str
    start: int
    end: int | None = None


class PlayedSentences:
    """The sentences on one output stream whose report is still due, oldest first.

    ``bytes_per_second`` converts stream offsets to seconds (the wire format's rate).
    """

    __slots__ = ("_bytes_per_second", "_slack", "_spans")

    def __init__(self, bytes_per_second: int) -> None:
        self._spans: deque[_Span] = deque()
        self._bytes_per_second = bytes_per_second
        self._slack = round(PLAYBACK_SLACK * bytes_per_second)

    def __len__(self) -> int:
        return len(self._spans)

    @property
    def open(self) -> bool:
        """True between a sentence's started and stopped frames: more of its audio is due."""
        return bool(self._spans) and self._spans[-1].end is None

    def started(self, text: str, response_id: str, position: int) -> None:
        """A sentence's audio begins at stream offset ``position``."""
        self._spans.append(_Span(text, response_id, position))

    def stopped(self, position: int) -> None:
        """The sentence begun last has all its audio before ``position``."""
        if self._spans and self._spans[-1].end is None:
            self._spans[-1].end = position

    def finished(self, played: int, now: float) -> list[SentencePlayedFrame]:
        """Reports for the leading sentences whose audio has all played by offset ``played``."""
        reports: list[SentencePlayedFrame] = []
        spans = self._spans
        while spans and spans[0].end is not None and spans[0].end <= played + self._slack:
            reports.append(self._report(spans.popleft(), played, now))
        return reports

    def cut(self, played: int, written: int, now: float) -> list[SentencePlayedFrame]:
        """Reports for every sentence: the stream stops at ``played`` of ``written`` bytes.

        A sentence still open (no stopped frame yet) ends at ``written``; it is not
        complete, whatever played of it.
        """
        reports = [self._report(span, played, now, written) for span in self._spans]
        self._spans.clear()
        return reports

    def _report(
        self, span: _Span, played: int, now: float, written: int | None = None
    ) -> SentencePlayedFrame:
        stopped = span.end is not None
        end = span.end if span.end is not None else max(span.start, written or span.start)
        rate = self._bytes_per_second
        length = end - span.start
        heard_bytes = min(max(played - span.start, 0), length)
        complete = stopped and played + self._slack >= end
        if complete:
            heard = span.text
        elif length > 0:
            heard = heard_share(span.text, heard_bytes / length)
        else:
            heard = ""
        return SentencePlayedFrame(
            text=span.text,
            response_id=span.response_id,
            heard=heard,
            complete=complete,
            played_seconds=heard_bytes / rate,
            seconds=length / rate,
            started_at=now - (played - span.start) / rate if heard_bytes > 0 else None,
        )
