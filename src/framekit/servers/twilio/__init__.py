"""Twilio's HTTP side: webhooks that start calls, signed stream tokens, admission.

``TwilioServer`` (:mod:`framekit.servers.twilio.server`, needs ``aiohttp`` and
``twilio``) answers the voice webhook with TwiML, accepts the Media Stream that
follows and runs one pipeline per call over a
:class:`~framekit.transports.twilio.TwilioMediaStreamTransport`. A stream token,
signed by the webhook and checked when the stream connects, ties the two; a
``TokenStore`` remembers used tokens (in this process, or in Redis for several
servers: :mod:`framekit.servers.twilio.redis_token_store`, needs ``redis``); while that
store cannot answer, the voice webhook holds the call, retries, then apologises
(:class:`StoreOutageAnswer`).
See ``docs/twilio.md``.
"""

from framekit.servers.twilio.outage import StoreOutageAnswer
from framekit.servers.twilio.stream_token import TokenError, sign_stream_token, verify_stream_token
from framekit.servers.twilio.token_store import (
    InMemoryTokenStore,
    TokenStore,
    TokenStoreUnavailable,
)

__all__ = [
    "InMemoryTokenStore",
    "StoreOutageAnswer",
    "TokenError",
    "TokenStore",
    "TokenStoreUnavailable",
    "sign_stream_token",
    "verify_stream_token",
]
