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
from framekit_contact_center.settings import Settings

__all__ = ["CALLER_RATE", "PIPELINE_RATE", "models_remote_only", "provider_health"]

_BREAKERS = ProviderHealth()  # the process's: a provider that is down is skipped by every call
PIPELINE_RATE = PipelineParams().audio_out_sample_rate
"""What the voices speak at, and the phrase cache keeps."""
CALLER_RATE = PipelineParams().audio_in_sample_rate
"""What the VAD and the STT hear: the input transport converts the line (Twilio's 8 kHz
mu-law) once to it. The local recognizers take 16 kHz only; Deepgram is asked for it."""


def provider_health() -> ProviderHealth:
    """The process's provider breakers, shared by every call (what ``/metrics`` reports)."""
    return _BREAKERS


def models_remote_only(settings: Settings) -> bool:
    """Whether the call node runs no speech model: a model tier that apologises when down."""
    return bool(settings.model_tier_url) and settings.model_tier_fallback == "apology"
