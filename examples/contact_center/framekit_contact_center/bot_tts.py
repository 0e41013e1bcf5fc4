"""The contact-center bot's voice: an HTTP TTS service, then Piper, then espeak-ng.

Why a module of its own: which voices a call has (those configured, the model tier's,
the local ones where this node runs models, espeak-ng where it is installed) is
decided by the settings and the machine, apart from how the rest of the call is put
together (:mod:`~framekit_contact_center.bot`).
"""

from __future__ import annotations

import functools
import shutil
from urllib.parse import urlparse

from framekit.processors.tts import TTSProcessor, Voice
from framekit.processors.tts.fallback import FallbackVoice
from framekit.processors.tts.phrases import PhraseCache
from framekit.services.espeak import EspeakVoice
from framekit.services.piper import PiperEngine, PiperVoice
from framekit_contact_center.bot_process import models_remote_only, provider_health
from framekit_contact_center.model_tier import tier_voice
from framekit_contact_center.settings import Settings

__all__ = ["text_to_speech"]


def text_to_speech(settings: Settings, phrases: PhraseCache | None) -> TTSProcessor:
    """HTTP TTS (when configured) -> Piper -> espeak-ng (when installed), one voice per sentence.

    Always a fallback voice, even with Piper alone: the stage is the same in every
    configuration, for metrics and for tests. The voices' breakers are the process's.
    """
    voices: dict[str, Voice] = {}  # by the short name metrics and the demo print
    if settings.tts_api_url:
        from framekit.services.http_tts import HTTPVoice, HTTPVoiceSettings

        # Short deadlines: until they pass, the caller hears nothing of the sentence.
        http = HTTPVoiceSettings(
            url=settings.tts_api_url,
            api_key=settings.tts_api_key,
            connect_timeout=1.0,
            first_audio_timeout=2.0,
        )
        key = f"http:{_host(settings.tts_api_url)}"
        voices[key] = HTTPVoice(http, name=f"tts:{key}")
    if settings.model_tier_url:
        voices["model-tier"] = tier_voice(settings)
    if not models_remote_only(settings):
        # The process's voice: loaded once (warm_up does it off the event loop), then cached.
        voices["piper"] = PiperVoice(PiperEngine.shared(settings.tts_voice), name="tts:piper")
    if _espeak_installed():
        voices["espeak-ng"] = EspeakVoice(name="tts:espeak-ng")
    return TTSProcessor(
        FallbackVoice(list(voices.values()), health=provider_health()),  # breakers by voice name
        phrase_cache=phrases,
        repeated_sentences=True,  # the intent engine's templated answers: spoken once
        name="tts:" + ">".join(voices),
    )


def _host(url: str) -> str:
    """``host:port`` of ``url``: a breaker key without the credentials a URL may carry."""
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port}" if parsed.port else str(parsed.hostname)


@functools.cache
def _espeak_installed() -> bool:
    return shutil.which("espeak-ng") is not None
