"""The contact center's models in a model tier (``MODEL_TIER_URL``), with their fallback.

Why a module of its own: which models a call uses is the bot's business
(:mod:`framekit_contact_center.bot`), but what happens when a shared tier is down is
a policy of its own, set by ``MODEL_TIER_FALLBACK``:

* ``local`` (the default): the local models stay loaded in the call node and take
  over an utterance or a sentence the tier did not answer (after the client's one
  retry); the process's circuit breakers then skip the tier for every call until
  its cool-down has passed.
* ``apology``: the call node loads no model. An utterance the tier could not
  recognise is answered with :data:`APOLOGY` (spoken through the tier at warm-up and
  replayed from the phrase cache; espeak-ng, when installed, speaks a sentence the
  tier cannot).

The tier's clients are the process's (one connection pool per tier URL).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final

from loguru import logger

from framekit.frames import ErrorFrame, TTSSpeakFrame
from framekit.health import ProviderHealth
from framekit.processors import FrameProcessor
from framekit.processors.base import FrameDirection, on_frame
from framekit.processors.stt.fallback import FallbackRecognizer, RecognizersFailed
from framekit.processors.stt.service import Recognizer
from framekit.processors.tts import Voice
from framekit.services.model_tier import ModelTierClient, RemoteRecognizer, RemoteVoice
from framekit_contact_center.settings import Settings

__all__ = ["APOLOGY", "ApologyOnLostWords", "tier_client", "tier_recognizer", "tier_voice"]

APOLOGY: Final = (
    "I'm sorry, I'm having trouble hearing you right now. Could you say that again, "
    "or press 0 for a person?"
)
"""What a caller hears when the tier lost their words and no local model stands in."""


@functools.cache
def tier_client(url: str) -> ModelTierClient:
    """The process's client of the tier at ``url``: one connection pool for every call.

    Short deadlines: a stopped tier refuses at once, and a caller waits at most two
    tries of 5 s for a model that hangs before the fallback answers (a busy tier
    answers a decode in well under a second; 5 s is a hung or lost replica).
    """
    return ModelTierClient(url, connect_timeout=1.0, first_byte_timeout=5.0, attempts=2)


def tier_recognizer(
    settings: Settings, health: ProviderHealth, local: Callable[[], Recognizer]
) -> Recognizer:
    """The tier's recognizer, then ``local()`` when the fallback is ``local``."""
    assert settings.model_tier_url
    remote = RemoteRecognizer(tier_client(settings.model_tier_url), name="stt:model-tier")
    chain = [remote, local()] if settings.model_tier_fallback == "local" else [remote]
    return FallbackRecognizer(chain, health=health)


def tier_voice(settings: Settings) -> Voice:
    """The tier's voice (a fallback voice puts the local ones behind it)."""
    assert settings.model_tier_url
    return RemoteVoice(tier_client(settings.model_tier_url), name="tts:model-tier")


class ApologyOnLostWords(FrameProcessor):
    """Says :data:`APOLOGY` when the recognizer after it failed to hear the caller.

    Placed just before the speech-to-text stage: the stage's failure travels
    upstream as an :class:`~framekit.frames.ErrorFrame` through this processor, which
    passes it on and asks the voice downstream to apologise, at most once every
    ``interval`` seconds (a caller who keeps talking hears it once, not per word).
    """

    def __init__(self, text: str = APOLOGY, *, interval: float = 10.0) -> None:
        super().__init__()
        self.text = text
        self._interval = interval
        self._last: float | None = None
        self.apologies = 0

    @on_frame(ErrorFrame)
    async def _on_error(self, frame: ErrorFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)
        if direction is not FrameDirection.UPSTREAM:
            return
        if not isinstance(frame.exception, RecognizersFailed):
            return
        now = self.clock.now()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        self.apologies += 1
        logger.warning(f"{self.name}: the caller's words were lost ({frame.error}); apologising")
        await self.push_frame(TTSSpeakFrame(text=self.text))
