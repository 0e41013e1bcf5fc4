"""What the page shows as it happens: a call's frames as data channel events.

Why an observer and not a processor: the events come from all over the pipeline
(the recognizer's words after the input, the tools in the middle, the output
transport's reports of what was heard, going up), and an observer sees every hop
without a place in the line. It handles each frame once, counting a record point's
redacted view of a frame as that frame (:class:`~framekit.observers.seen.SeenFrames`),
and costs one dictionary lookup per hop for the frames it ignores. Sending is a
non-blocking put on the data channel (see :class:`EventSink`). The messages are
listed in :mod:`framekit.transports.webrtc.messages`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from loguru import logger

from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    Frame,
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    InterimTranscriptionFrame,
    SentencePlayedFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.frames.dispatch import FrameTypeMap
from framekit.observers.seen import SeenFrames
from framekit.processors.base import FrameDirection
from framekit.transports.webrtc.messages import event

if TYPE_CHECKING:
    from framekit.processors.base import FrameProcessor

__all__ = ["CallEvents", "EventSink"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


class EventSink(Protocol):
    """Where events go: the transport's data channel (a non-blocking send)."""

    def send_event(self, text: str) -> None:
        """Send one JSON message, or drop it when the channel cannot take it."""


_Handler = Callable[["CallEvents", Any, float], None]
_HANDLERS: FrameTypeMap[tuple[_Handler, FrameDirection | None]] = FrameTypeMap()


def _handles(
    *frame_types: type[Frame], only: FrameDirection | None = None
) -> Callable[[_Handler], _Handler]:
    """Declare a handler; ``only`` one direction where a frame is sent both ways as two."""

    def register(method: _Handler) -> _Handler:
        for frame_type in frame_types:
            _HANDLERS.declare(frame_type, (method, only))
        return method

    return register


class CallEvents:
    """Observes one call's task and sends its live events to ``sink``."""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink
        self._seen = SeenFrames()
        self._user_stopped: float | None = None
        self.turn_latencies: list[float] = []
        """Seconds from the end of each caller turn to the bot's first audio."""

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        try:
            route = _HANDLERS.cached[type(frame)]
        except KeyError:
            route = _HANDLERS.get(type(frame))
        if route is None:
            return
        handler, only = route
        if (only is not None and direction is not only) or not self._seen.first_time(frame):
            return
        try:
            handler(self, frame, timestamp)
        except Exception as exc:  # a bug here must never break the call's audio
            logger.opt(exception=exc).error(f"webrtc events failed on {frame.name}")

    def _send(self, kind: str, t: float, **fields: Any) -> None:
        self._sink.send_event(event(kind, t, **fields))

    @_handles(UserStartedSpeakingFrame, only=DOWNSTREAM)
    def _user_started(self, frame: UserStartedSpeakingFrame, now: float) -> None:
        self._user_stopped = None
        self._send("speaking", now, who="user", speaking=True)

    @_handles(UserStoppedSpeakingFrame, only=DOWNSTREAM)
    def _user_stopped_speaking(self, frame: UserStoppedSpeakingFrame, now: float) -> None:
        self._user_stopped = frame.stopped_at if frame.stopped_at is not None else now
        self._send("speaking", now, who="user", speaking=False)

    # The output transport sends the bot's state both ways, as two frames: the upstream
    # copy is the one every processor above it sees.
    @_handles(BotStartedSpeakingFrame, only=UPSTREAM)
    def _bot_started(self, frame: BotStartedSpeakingFrame, now: float) -> None:
        self._send("speaking", now, who="bot", speaking=True)
        if self._user_stopped is not None:
            latency = max(0.0, now - self._user_stopped)
            self._user_stopped = None
            self.turn_latencies.append(latency)
            self._send("turn", now, latency_ms=round(latency * 1000))

    @_handles(BotStoppedSpeakingFrame, only=UPSTREAM)
    def _bot_stopped(self, frame: BotStoppedSpeakingFrame, now: float) -> None:
        self._send("speaking", now, who="bot", speaking=False)

    @_handles(TranscriptionFrame)
    def _final(self, frame: TranscriptionFrame, now: float) -> None:
        self._send("transcript", now, role="user", text=frame.text, final=True)

    @_handles(InterimTranscriptionFrame)
    def _interim(self, frame: InterimTranscriptionFrame, now: float) -> None:
        self._send("transcript", now, role="user", text=frame.text, final=False)

    @_handles(SentencePlayedFrame)
    def _sentence(self, frame: SentencePlayedFrame, now: float) -> None:
        self._send(
            "transcript",
            now,
            role="bot",
            text=frame.text,
            heard=frame.heard,
            complete=frame.complete,
        )

    @_handles(FunctionCallRequestedFrame)
    def _tool_started(self, frame: FunctionCallRequestedFrame, now: float) -> None:
        self._send("tool", now, name=frame.function_name, phase="started")

    @_handles(FunctionCallResultFrame)
    def _tool_finished(self, frame: FunctionCallResultFrame, now: float) -> None:
        phase = "failed" if frame.error else "finished"
        self._send("tool", now, name=frame.function_name, phase=phase)

    @_handles(FunctionCallCancelledFrame)
    def _tool_cancelled(self, frame: FunctionCallCancelledFrame, now: float) -> None:
        self._send("tool", now, name=frame.function_name, phase="cancelled")
