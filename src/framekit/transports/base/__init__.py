"""What every transport shares: audio in at the top of a pipeline, paced audio out at the bottom."""

from framekit.transports.base.input import InputTransport
from framekit.transports.base.output import MAX_LAG_SECONDS, OutputTransport

__all__ = ["MAX_LAG_SECONDS", "InputTransport", "OutputTransport"]
