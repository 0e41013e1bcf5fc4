"""Making one call's records: numbering, clock time to UTC, and the hand-off to the sink.

The recorder decides *what* happened from frames; this decides how it is written
down: segments and tools numbered in order (the keys that make a replay
harmless), clock times turned into UTC datetimes, and a sink that never raises
into the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from loguru import logger

from framekit.storage._speech import HeardUtterance
from framekit.storage.records import (
    CallClosed,
    CallOpened,
    Record,
    SegmentRecord,
    ToolRecord,
    TurnRecord,
    jsonable,
)

__all__ = ["CallRecords"]


class CallRecords:
    """The records of call ``call_id``, handed to ``sink`` as they are made."""

    def __init__(self, call_id: str, sink: Callable[[Record], None]) -> None:
        self.call_id = call_id
        self._sink = sink
        self._origin: datetime | None = None
        self._seq = 0
        self._tool_seq = 0
        self._turn = 0
        self._closed: CallClosed | None = None

    @property
    def anchored(self) -> bool:
        """Whether clock times can be turned into UTC yet (:meth:`anchor` was called)."""
        return self._origin is not None

    def anchor(self, clock_now: float) -> None:
        """Clock time ``clock_now`` is now: fixes the clock-to-UTC conversion."""
        self._origin = datetime.now(UTC) - timedelta(seconds=clock_now)

    def wall(self, clock_time: float) -> datetime:
        """The UTC time of clock time ``clock_time``."""
        if self._origin is None:
            self.anchor(clock_time)
        assert self._origin is not None
        return self._origin + timedelta(seconds=clock_time)

    def opened(self, now: float, **call: Any) -> None:
        """The call began at clock time ``now`` (``call``: caller, dialled, ...)."""
        self._emit(CallOpened(call_id=self.call_id, started_at=self.wall(now), **call))

    def closed(self, now: float, outcome: str, reason: str, recordings: dict[str, str]) -> None:
        """The call ended at clock time ``now``."""
        self._closed = CallClosed(
            call_id=self.call_id,
            ended_at=self.wall(now),
            outcome=outcome,
            end_reason=reason,
            recordings=dict(recordings),
        )
        self._emit(self._closed)

    def recordings_changed(self, recordings: dict[str, str]) -> None:
        """A closed call's recordings changed (an upload finished after the call ended).

        The close is written again with the new recordings: it is an idempotent update.
        """
        if self._closed is not None:
            self._closed = replace(self._closed, recordings=dict(recordings))
            self._emit(self._closed)

    def segment(
        self,
        speaker: str,
        text: str,
        started: float | None,
        ended: float,
        *,
        heard: bool = True,
        truncated: bool = False,
        planned: str | None = None,
    ) -> None:
        """Something said, numbered after everything said before it."""
        self._seq += 1
        self._emit(
            SegmentRecord(
                call_id=self.call_id,
                seq=self._seq,
                speaker=speaker,
                text=text,
                started_at=self.wall(started) if started is not None else None,
                ended_at=self.wall(ended),
                heard=heard,
                truncated=truncated,
                planned_text=planned,
            )
        )

    def bot_heard(self, utterances: list[HeardUtterance]) -> None:
        """Bot utterances, as the caller heard them."""
        for u in utterances:
            self.segment(
                "bot",
                u.text,
                u.started_at,
                u.ended_at,
                heard=bool(u.text),
                truncated=u.truncated,
                planned=u.planned if u.truncated else None,
            )

    def tool(
        self,
        tool_call_id: str,
        name: str,
        arguments: dict[str, Any],
        started: float | None,
        ended: float,
        *,
        result: Any = None,
        error: str | None = None,
    ) -> None:
        """A tool ran (or was cancelled) between clock times ``started`` and ``ended``."""
        self._tool_seq += 1
        self._emit(
            ToolRecord(
                call_id=self.call_id,
                seq=self._tool_seq,
                name=name,
                arguments=jsonable(arguments),
                result=jsonable(result),
                error=error,
                tool_call_id=tool_call_id or None,
                started_at=self.wall(started) if started is not None else None,
                ended_at=self.wall(ended),
            )
        )

    def turn(self, user_stopped: float, bot_started: float, ttfb: dict[str, float]) -> None:
        """A turn completed: the caller stopped, then heard the bot."""
        self._turn += 1
        self._emit(
            TurnRecord(
                call_id=self.call_id,
                turn_index=self._turn,
                latency_s=max(0.0, bot_started - user_stopped),
                user_stopped_at=self.wall(user_stopped),
                bot_started_at=self.wall(bot_started),
                ttfb=dict(ttfb),
            )
        )

    def _emit(self, record: Record) -> None:
        try:
            self._sink(record)
        except Exception as exc:  # never into the pipeline: log what was lost, loudly
            logger.opt(exception=exc).error(f"call recorder {self.call_id} lost {record!r}")
