"""Provider health: one circuit breaker per provider, per process.

Used by every fallback chain (LLM providers, TTS voices): a dead provider is
skipped instead of costing each caller its timeout.

Why a breaker: a provider that is down (an outage, a rate limit that lasts) fails
every request the same way, and each failure costs the caller its timeout in
silence before the next provider answers. After ``failure_threshold`` failures in
a row the breaker *opens* and the chain skips that provider outright; after
``cooldown`` seconds it is *half-open*: one request (the probe) may try it again,
and its outcome closes the breaker or opens it for another cool-down. While the
probe is in flight, other requests keep skipping the provider, so a provider
that is still down costs one caller a timeout per cool-down, not every caller.

Why per process: an outage is the same for every call, so the breakers live in a
:class:`ProviderHealth` registry keyed by provider name, which the application
creates once per process and passes to every fallback chain (a test passes its
own, so no test sees another's open breakers). Times are
seconds on whatever monotonic clock the caller passes in (the call's clock), so
tests drive the cool-down with a manual clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["BreakerState", "CircuitBreaker", "ProviderHealth"]


class BreakerState:
    """Where a breaker stands (plain strings, readable in logs and health dumps)."""

    CLOSED = "closed"
    """Healthy: every request may use the provider."""
    OPEN = "open"
    """Skipped until the cool-down ends."""
    HALF_OPEN = "half_open"
    """The cool-down ended: the next request probes the provider."""


class CircuitBreaker:
    """Counts one provider's failures in a row; skips it for a while after too many.

    Protocol for a request: :meth:`allow` (which claims the probe when half-open),
    then exactly one of :meth:`record_success`, :meth:`record_failure` or, for a
    request that ended with neither (the caller hung up, a barge-in), :meth:`release`.
    """

    def __init__(self, *, failure_threshold: int = 3, cooldown: float = 30.0) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be at least 1, got {failure_threshold}")
        if cooldown < 0:
            raise ValueError(f"cooldown must not be negative, got {cooldown}")
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self.failures = 0
        """Failures in a row since the last success."""
        self.opened = 0
        """How many times the breaker opened (for health reports)."""
        self.errors = 0
        """Failures since the start (for metrics: ``failures`` restarts at each success)."""
        self.skipped = 0
        """Requests refused since the start, the chain falling back past this provider."""
        self._opened_at: float | None = None
        self._probe_since: float | None = None

    def __repr__(self) -> str:
        state = "open" if self._opened_at is not None else "closed"
        return f"CircuitBreaker({state}, {self.failures} failures in a row)"

    def state(self, now: float) -> str:
        """:class:`BreakerState` at ``now``."""
        if self._opened_at is None:
            return BreakerState.CLOSED
        if now < self._opened_at + self.cooldown:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def allow(self, now: float) -> bool:
        """Whether a request may use the provider at ``now``; claims the probe when half-open.

        A probe that was never settled (its request vanished without :meth:`release`)
        is given up after one more cool-down, so the provider cannot stay skipped forever.
        """
        state = self.state(now)
        if state == BreakerState.CLOSED:
            return True
        if state == BreakerState.OPEN or (
            self._probe_since is not None and now < self._probe_since + self.cooldown
        ):
            self.skipped += 1
            return False
        self._probe_since = now
        return True

    def record_success(self) -> None:
        """The provider answered: close the breaker."""
        self.failures = 0
        self._opened_at = None
        self._probe_since = None

    def record_failure(self, now: float) -> bool:
        """Count a failure at ``now``; returns whether this one opened the breaker.

        A failed probe opens it again at once, whatever the count.
        """
        self.failures += 1
        self.errors += 1
        probing = self._probe_since is not None
        self._probe_since = None
        if probing or self.failures >= self.failure_threshold:
            self._opened_at = now
            self.opened += 1
            return True
        return False

    def release(self) -> None:
        """The request ended without an outcome: a probe it held may be taken by the next one."""
        self._probe_since = None


class ProviderHealth:
    """The breakers of every provider, created on first use with the same settings.

    Keys are the fallback links' names (``"anthropic:claude-haiku-4-5"``).
    """

    def __init__(self, *, failure_threshold: int = 3, cooldown: float = 30.0) -> None:
        CircuitBreaker(failure_threshold=failure_threshold, cooldown=cooldown)  # validates
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._breakers: dict[str, CircuitBreaker] = {}

    def breaker(self, key: str) -> CircuitBreaker:
        """The breaker of provider ``key`` (a closed one the first time)."""
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = CircuitBreaker(
                failure_threshold=self.failure_threshold, cooldown=self.cooldown
            )
            self._breakers[key] = breaker
        return breaker

    def breakers(self) -> Mapping[str, CircuitBreaker]:
        """Every known provider's breaker, by key (read-only; for metrics)."""
        return MappingProxyType(self._breakers)

    def states(self, now: float) -> dict[str, str]:
        """Each known provider's :class:`BreakerState` at ``now`` (for a health endpoint)."""
        return {key: breaker.state(now) for key, breaker in self._breakers.items()}

    def reset(self) -> None:
        """Forget every breaker (all providers healthy again)."""
        self._breakers.clear()
