"""Telephony call control: place, hang up, transfer and record phone calls (``framekit[twilio]``).

:class:`TwilioCallControl` speaks Twilio's REST API through the official ``twilio`` client;
:class:`TwilioCallControlProcessor` carries out the pipeline's
:class:`~framekit.frames.HangUpFrame` and :class:`~framekit.frames.TransferCallFrame` on the
live call once the audio before them has played. See ``docs/twilio-calls.md``.
"""

from framekit.telephony.twilio_calls import (
    CALL_GONE_CODES,
    DEFAULT_STATUS_EVENTS,
    CallEndedError,
    CallInfo,
    RecordingInfo,
    TwilioCallControl,
    TwilioCallError,
    dial_twiml,
    place_outbound_call,
)
from framekit.telephony.twilio_processor import TwilioCallControlProcessor

__all__ = [
    "CALL_GONE_CODES",
    "DEFAULT_STATUS_EVENTS",
    "CallEndedError",
    "CallInfo",
    "RecordingInfo",
    "TwilioCallControl",
    "TwilioCallControlProcessor",
    "TwilioCallError",
    "dial_twiml",
    "place_outbound_call",
]
