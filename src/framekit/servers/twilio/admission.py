"""Admission control: a process takes the calls it can serve well, and says busy to the rest.

Why: every call on a process shares its cores (the recognizer, the voice, the event
loop). Past what they can carry, accepting one more call makes *every* call slow,
the ones already talking included. So a process has a call capacity, measured on
its hardware, and a call beyond it is refused at the voice webhook, before any of
its audio exists, with TwiML that tells the caller "busy": ``<Reject reason="busy"/>``
(no charge, the caller's network plays a busy tone, and a SIP trunk or a Twilio
Studio flow in front can try another number). A refused call costs one webhook.

What counts against the capacity: the calls running (their streams are open) and
the calls admitted whose stream has not started yet (Twilio opens it right after the
webhook's answer; an admission that no stream follows expires after
``pending_ttl`` seconds, the stream token's life).
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["AdmissionControl", "busy_twiml"]


def busy_twiml() -> str:
    """The TwiML answer for a refused call: reject it as busy."""
    return '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>'


class AdmissionControl:
    """At most ``capacity`` calls admitted at once (``None``: no limit).

    Call :meth:`try_admit` at the voice webhook, :meth:`started` when the call's
    stream starts and :meth:`ended` when it ends. Single-threaded (the event loop).
    """

    def __init__(
        self,
        capacity: int | None,
        *,
        pending_ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity is not None and capacity < 1:
            raise ValueError(f"capacity must be >= 1 or None, got {capacity}")
        self.capacity = capacity
        self._pending_ttl = pending_ttl
        self._clock = clock
        self._pending: dict[str, float] = {}
        self._running: set[str] = set()
        self.refused = 0
        """Calls refused since the start (a counter for metrics)."""

    @property
    def admitted(self) -> int:
        """Calls running plus calls admitted whose stream has not started yet."""
        self._expire()
        return len(self._running) + len(self._pending)

    @property
    def pending(self) -> list[str]:
        """The calls admitted whose stream has not started here (yet): their ``CallSid``."""
        self._expire()
        return list(self._pending)

    def try_admit(self, call_sid: str) -> bool:
        """Admit ``call_sid`` if there is room (a call already admitted stays admitted)."""
        if call_sid in self._running or call_sid in self._pending:
            return True
        if self.capacity is not None and self.admitted >= self.capacity:
            self.refused += 1
            return False
        self._pending[call_sid] = self._clock() + self._pending_ttl
        return True

    def started(self, call_sid: str) -> None:
        """The call's stream started: it runs (even if it came without an admission)."""
        self._pending.pop(call_sid, None)
        self._running.add(call_sid)

    def withdraw(self, call_sid: str) -> None:
        """No stream follows this admission (the webhook could not issue its token): its
        place is free at once; a call already running keeps its own."""
        self._pending.pop(call_sid, None)

    def ended(self, call_sid: str) -> None:
        """The call is over: its place is free."""
        self._pending.pop(call_sid, None)
        self._running.discard(call_sid)

    def _expire(self) -> None:
        if not self._pending:
            return
        now = self._clock()
        for call_sid in [sid for sid, until in self._pending.items() if until <= now]:
            del self._pending[call_sid]
