"""Transports: the two ends of a pipeline, where audio meets a network, a phone line or a file.

``transports/base`` holds what every transport shares (:class:`InputTransport`,
:class:`OutputTransport`, and the pair that owns a connection:
:class:`TransportPair`, :class:`NetworkTransport`); each kind lives in its own
package (``transports/local`` for WAV files, ``transports/twilio``,
``transports/webrtc``). See
``docs/transports.md``.
"""

from framekit.transports.base import (
    InputTransport,
    NetworkInput,
    NetworkTransport,
    OutputTransport,
    TransportPair,
)

__all__ = ["InputTransport", "NetworkInput", "NetworkTransport", "OutputTransport", "TransportPair"]
