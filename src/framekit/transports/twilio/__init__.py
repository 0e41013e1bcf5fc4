"""Twilio Media Streams: one call's audio over a WebSocket, as a pipeline's two ends.

``TwilioMediaStreamTransport`` is the pipeline's input and output for one call; the
protocol module parses and builds Media Streams messages; ``limits`` bounds floods.
The HTTP side (webhooks, stream tokens, one pipeline per call) is a server, and lives
in :mod:`framekit.servers.twilio`. See ``docs/twilio.md``.
"""

from framekit.transports.twilio.limits import FloodGuard, StreamLimits
from framekit.transports.twilio.output import TwilioOutput
from framekit.transports.twilio.protocol import ProtocolError, StartMessage, parse_message
from framekit.transports.twilio.transport import (
    MediaStreamSocket,
    StreamRefused,
    TwilioInput,
    TwilioMediaStreamTransport,
)

__all__ = [
    "FloodGuard",
    "MediaStreamSocket",
    "ProtocolError",
    "StartMessage",
    "StreamLimits",
    "StreamRefused",
    "TwilioInput",
    "TwilioMediaStreamTransport",
    "TwilioOutput",
    "parse_message",
]
