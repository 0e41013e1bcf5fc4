"""Twilio telephony: Media Streams over a WebSocket, and the webhooks that start calls.

``TwilioMediaStreamTransport`` is the pipeline's two ends for one call;
``TwilioServer`` (needs ``aiohttp`` and ``twilio``) serves the webhooks and runs one
pipeline per call; a ``TokenStore`` remembers used stream tokens (in this process, or
in Redis for several servers: ``redis_token_store``, needs ``redis``). See
``docs/twilio.md``.
"""

from framekit.transports.twilio.limits import FloodGuard, StreamLimits
from framekit.transports.twilio.output import TwilioOutput
from framekit.transports.twilio.protocol import ProtocolError, StartMessage, parse_message
from framekit.transports.twilio.stream_token import (
    TokenError,
    sign_stream_token,
    verify_stream_token,
)
from framekit.transports.twilio.token_store import (
    InMemoryTokenStore,
    TokenStore,
    TokenStoreUnavailable,
)
from framekit.transports.twilio.transport import (
    MediaStreamSocket,
    StreamRefused,
    TwilioInput,
    TwilioMediaStreamTransport,
)

__all__ = [
    "FloodGuard",
    "InMemoryTokenStore",
    "MediaStreamSocket",
    "ProtocolError",
    "StartMessage",
    "StreamLimits",
    "StreamRefused",
    "TokenError",
    "TokenStore",
    "TokenStoreUnavailable",
    "TwilioInput",
    "TwilioMediaStreamTransport",
    "TwilioOutput",
    "parse_message",
    "sign_stream_token",
    "verify_stream_token",
]
