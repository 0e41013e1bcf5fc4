"""Transports: the two ends of a pipeline, where audio meets a network, a phone line or a file.

``transports/base`` holds what every transport shares (:class:`InputTransport`,
:class:`OutputTransport`); each kind lives in its own package
(``transports/local`` for WAV files). See ``docs/transports.md``.
"""

from framekit.transports.base import InputTransport, OutputTransport

__all__ = ["InputTransport", "OutputTransport"]
