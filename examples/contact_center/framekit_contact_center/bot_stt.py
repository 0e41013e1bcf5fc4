"""The contact-center bot's speech to text: Deepgram with the local recognizer behind it.

Why a module of its own: which recognizer hears the caller (Deepgram, a model tier,
Moonshine, Whisper, or Moonshine then Whisper) is decided by the settings and the
extras installed, apart from how the rest of the call is put together
(:mod:`~framekit_contact_center.bot`).
"""

from __future__ import annotations

import functools

from loguru import logger

from framekit.processors import FrameProcessor
from framekit.processors.stt.batch_stream import BatchStreamingRecognizer
from framekit.processors.stt.fallback_streaming import FallbackStreamingRecognizer
from framekit.processors.stt.second_pass import SecondPassRecognizer
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.services.moonshine import INSTALL_EXTRA as MOONSHINE_EXTRA
from framekit.services.moonshine import PACKAGED_MODEL as MOONSHINE
from framekit.services.moonshine import MoonshineEngine
from framekit.services.moonshine import is_installed as moonshine_installed
from framekit.services.whisper import PACKAGED_MODEL as WHISPER_BASE
from framekit.services.whisper import WhisperEngine
from framekit_contact_center.bot_process import CALLER_RATE, provider_health
from framekit_contact_center.model_tier import tier_recognizer
from framekit_contact_center.settings import SECOND_PASS_MODEL, Settings

__all__ = ["local_recognizer", "speech_to_text"]


def speech_to_text(settings: Settings, *, captions: bool) -> FrameProcessor:
    """Deepgram when a key is set, with the local recognizer as its fallback; else the latter.

    ``captions``: the local recognizer also decodes every second of speech for interim
    words (a browser shows them); a phone call has only the decodes at pauses, which
    are what the turn-end policy reads.

    The fallback is one streaming stage over a chain of recognizers, its breakers the
    process's (Deepgram down: every call starts on the local recognizer, none waits).
    """
    if not settings.deepgram_api_key:
        return _local_stt(settings, captions=captions)
    from framekit.services.deepgram import DeepgramRecognizer, DeepgramSettings

    deepgram = DeepgramRecognizer(
        DeepgramSettings(
            api_key=settings.deepgram_api_key, url=settings.deepgram_url, sample_rate=CALLER_RATE
        )
    )
    local = BatchStreamingRecognizer(_batch_recognizer(settings))
    return StreamingSTTProcessor(
        FallbackStreamingRecognizer([deepgram, local], health=provider_health())
    )


def _local_stt(settings: Settings, *, captions: bool) -> UtteranceSTTProcessor:
    """The utterance stage with the batch recognizer, with interim results."""
    options = UtteranceOptions(interim_results=True, interim_interval=1.0 if captions else None)
    return UtteranceSTTProcessor(_batch_recognizer(settings), options)


def _batch_recognizer(settings: Settings) -> Recognizer:
    """The model tier's (``MODEL_TIER_URL``, with its fallback), else ``STT_MODEL``'s."""
    if settings.model_tier_url:
        return tier_recognizer(
            settings, provider_health(), lambda: local_recognizer(settings.stt_model)
        )
    return local_recognizer(settings.stt_model)


def local_recognizer(model: str) -> Recognizer:
    """The recognizer ``STT_MODEL`` names: Moonshine, Moonshine then Whisper, or a Whisper.

    Loads its engines on first use (blocking; :func:`warm_up` does it in a thread before
    a server listens) and returns the process's shared ones after that.

    ``moonshine+whisper``: Moonshine hears every utterance (favouring number words
    after "what's your order number?"), Whisper base again the ones Moonshine is
    unsure of, and it identifies another language (``docs/stt.md``, "Choosing the
    engines").
    ``moonshine``: Moonshine alone, several times cheaper than Whisper base on a
    small CPU; any other name is a Whisper model. Without the ``moonshine`` extra
    the first two fall back to the packaged Whisper base, and say so once.
    """
    if model in (MOONSHINE, SECOND_PASS_MODEL):
        if moonshine_installed():
            moonshine = MoonshineEngine.shared()
            if model == SECOND_PASS_MODEL:
                # Per call: the combination is free, and its statistics are the call's.
                return SecondPassRecognizer(moonshine, WhisperEngine.shared(allow_download=False))
            return moonshine
        _warn_no_moonshine(model)
        model = WHISPER_BASE
    return WhisperEngine.shared(model, allow_download=False)


@functools.cache
def _warn_no_moonshine(model: str) -> None:
    logger.warning(
        f"STT_MODEL={model} but the extra is missing ({MOONSHINE_EXTRA}): "
        f"using Whisper {WHISPER_BASE}, several times slower"
    )
