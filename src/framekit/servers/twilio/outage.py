"""What the voice webhook answers while the stream-token store cannot: hold, retry, apologise.

Why not ``503``: the store (Redis) is shared by every call node. A node that answers
the webhook ``503`` when Redis is away is healthy, but a load balancer counts the
``503`` as the node's failure (nginx's ``max_fails``) and takes it out of rotation,
so every node is passed over for the balancer's fail timeout *after* Redis is back;
and Twilio plays its generic "an application error has occurred" to the caller.
``503`` stays reserved for what really is the node's own state (loading, draining),
where trying another node helps.

So the webhook answers ``200`` with TwiML. First it holds the call and retries:
``<Say>`` a short hold message (first attempt only), ``<Pause>``, then ``<Redirect>``
Twilio back to ``/twilio/voice?attempt=N`` (through the balancer, so a node cut off
from Redis alone hands the retry to another). A short outage (a restart, a
failover) thus costs the caller a few seconds of hold, and the call connects as
soon as the store answers again. After ``retries`` attempts the caller hears an
apology and the call hangs up. Twilio re-posts the call's form to a ``<Redirect>``
with the same ``CallSid`` and signs it like any webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = ["StoreOutageAnswer"]

_HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response>'


@dataclass(frozen=True, slots=True)
class StoreOutageAnswer:
    """How long a call is held while the token store is away, and what the caller hears."""

    retries: int = 5
    """Redirects before the apology (0: apologise at once)."""
    pause: int = 1
    """Seconds of silence before each retry (``<Pause>`` takes whole seconds, >= 1)."""
    hold_message: str = "Please hold."
    """Said once, before the first pause ("" for none)."""
    apology: str = "Sorry, we cannot take your call right now. Please call again in a few minutes."
    """Said before hanging up, once the retries are spent."""

    def __post_init__(self) -> None:
        if self.retries < 0 or self.pause < 1:
            raise ValueError(f"retries must be >= 0 and pause >= 1: {self}")

    def answer(self, attempt: int, retry_url: str) -> str:
        """TwiML for the ``attempt``-th webhook of a call (0 first) while the store is away.

        ``retry_url`` is where Twilio should post the next attempt (``attempt + 1``).
        """
        if attempt >= self.retries:
            return f"{_HEAD}<Say>{escape(self.apology)}</Say><Hangup/></Response>"
        say = (
            f"<Say>{escape(self.hold_message)}</Say>" if attempt == 0 and self.hold_message else ""
        )
        return (
            f'{_HEAD}{say}<Pause length="{self.pause}"/>'
            f'<Redirect method="POST">{escape(retry_url)}</Redirect></Response>'
        )
