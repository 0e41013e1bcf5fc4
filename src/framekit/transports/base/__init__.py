"""What every transport shares: audio in at the top of a pipeline, paced audio out at the
bottom, and the pair that owns a call's connection and gives the pipeline both ends."""

from framekit.transports.base.input import InputTransport
from framekit.transports.base.output import MAX_LAG_SECONDS, OutputTransport
from framekit.transports.base.transport import NetworkInput, NetworkTransport, TransportPair

__all__ = [
    "MAX_LAG_SECONDS",
    "InputTransport",
    "NetworkInput",
    "NetworkTransport",
    "OutputTransport",
    "TransportPair",
]
