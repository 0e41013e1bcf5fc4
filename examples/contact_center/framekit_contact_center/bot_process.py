"""What every call of the contact-center bot in one process shares.

Why a module of its own: the speech-to-text stage, the voices and the LLM chain
(:mod:`~framekit_contact_center.bot_stt`, :mod:`~framekit_contact_center.bot_tts`,
:mod:`~framekit_contact_center.bot_brain`) each build on the same circuit breakers,
so a provider that is down is skipped by every call, not timed out by each; and they
hear and speak at the pipeline's rates.
"""

from __future__ import annotations

from framekit.health import ProviderHealth
from framekit.pipeline import PipelineParams
from framekit.processors import FrameProcessor
from framekit.transports.twilio import TwilioInput
from framekit_contact_center.settings import Settings

__all__ = [
    "CALLER_RATE",
    "LINE_RATE",
    "PIPELINE_RATE",
    "caller_rate",
    "models_remote_only",
    "provider_health",
]

_BREAKERS = ProviderHealth()  # the process's: a provider that is down is skipped by every call
PIPELINE_RATE = PipelineParams().audio_out_sample_rate
"""What the voices speak at, and the phrase cache keeps."""
CALLER_RATE = PipelineParams().audio_in_sample_rate
"""What the VAD and the STT hear in a browser call (or with Deepgram): the input transport
converts the caller's audio once to it."""
LINE_RATE = 8000
"""What they hear in a phone call: Twilio's 8 kHz mu-law only decoded, never resampled per
frame (that was 15 % of a call node's event loop, issue 18); Silero has an 8 kHz model,
and the utterance stage brings each decode's audio to the recognizers' 16 kHz once."""


def provider_health() -> ProviderHealth:
    """The process's provider breakers, shared by every call (what ``/metrics`` reports)."""
    return _BREAKERS


def models_remote_only(settings: Settings) -> bool:
    """Whether the call node runs no speech model: a model tier that apologises when down."""
    return bool(settings.model_tier_url) and settings.model_tier_fallback == "apology"


def caller_rate(settings: Settings, transport_input: FrameProcessor) -> int:
    """The call's input rate: the phone line's own, unless Deepgram hears the caller.

    ``transport_input`` is the call's head (its first processor the input transport);
    a Twilio media stream gets :data:`LINE_RATE`. Deepgram's stage keeps
    :data:`CALLER_RATE`: its local fallback (a batch recognizer as a stream) takes 16 kHz.
    """
    phone_line = isinstance(transport_input.first, TwilioInput)
    return LINE_RATE if phone_line and not settings.deepgram_api_key else CALLER_RATE
