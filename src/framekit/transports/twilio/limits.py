"""What one Media Streams connection may send before it is refused: rates and error budgets.

Why: the WebSocket is reachable from the internet, so a broken or hostile peer must
cost one call at most, never the process. Twilio itself sends 50 ``media`` messages
a second plus the odd ``dtmf`` or ``mark``; the defaults leave room for a backlog
burst after a network stall and stop anything far beyond that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["TWILIO_MESSAGES_PER_SECOND", "FloodGuard", "StreamLimits"]

TWILIO_MESSAGES_PER_SECOND = 60.0
"""What Twilio sends at most, steadily: 50 ``media`` a second, plus ``dtmf`` and ``mark``."""


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """Per-connection limits of a Twilio Media Stream.

    ``messages_per_second`` and ``burst`` form a token bucket: a connection may
    send ``burst`` messages at once and ``messages_per_second`` on average; beyond
    that the call ends (a flood). ``max_bad_messages`` malformed messages are
    dropped one by one; the next one ends the call. ``handshake_timeout`` is how
    long the peer has to send ``start`` after the socket opens.
    """

    messages_per_second: float = 150.0
    burst: int = 300
    max_bad_messages: int = 50
    handshake_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.messages_per_second <= 0 or self.burst < 1:
            raise ValueError("messages_per_second must be > 0 and burst >= 1")
        if self.max_bad_messages < 0 or self.handshake_timeout <= 0:
            raise ValueError("max_bad_messages must be >= 0 and handshake_timeout > 0")


class FloodGuard:
    """A token bucket over one connection's messages, on the monotonic wall clock.

    The wall clock, not the call's clock: a flood is about real messages arriving
    on a real socket, whatever clock the pipeline runs on.
    """

    __slots__ = ("_burst", "_rate", "_stamp", "_tokens")

    def __init__(self, limits: StreamLimits) -> None:
        self._rate = limits.messages_per_second
        self._burst = float(limits.burst)
        self._tokens = self._burst
        self._stamp = time.monotonic()

    def allow_backlog(self, seconds: float) -> None:
        """Credit what Twilio sent in ``seconds`` during which nobody read the socket.

        The reader starts only once the pipeline has started (models loaded); the
        messages Twilio sent meanwhile arrive at once and are not a flood.
        """
        self._tokens += max(0.0, seconds) * TWILIO_MESSAGES_PER_SECOND

    def allow(self) -> bool:
        """Count one message; False when the connection sends faster than its limits."""
        now = time.monotonic()
        tokens = self._tokens + (now - self._stamp) * self._rate
        if tokens > self._burst:
            tokens = max(self._burst, self._tokens)  # a credited backlog drains, never grows
        self._stamp = now
        if tokens < 1.0:
            self._tokens = tokens
            return False
        self._tokens = tokens - 1.0
        return True
