"""Moonshine first, Whisper when Moonshine is unsure: the contact center's recognizer.

The same utterance processor as the single-engine ones
(:class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`: pre-roll, a
decode at the caller's first pause, interim results), with a
:class:`~framekit.models.second_pass.SecondPassRecognizer` as its engine: Moonshine
base-en hears every utterance (favouring number words after "what is your order
number?": the dialogue says so with :class:`~framekit.frames.ExpectedSpeechFrame`),
and the packaged Whisper base hears again the ones Moonshine was unsure of. Whisper's
language identification comes with it: a caller heard as another language leaves as
a transcript in that language. Both models are the process's shared engines; the
combination is made per call and costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

from framekit.models.moonshine import LANGUAGE, MoonshineEngine
from framekit.models.moonshine import PACKAGED_MODEL as MOONSHINE
from framekit.models.second_pass import SecondPassPolicy, SecondPassRecognizer
from framekit.models.whisper import PACKAGED_MODEL as WHISPER_BASE
from framekit.models.whisper import WhisperEngine
from framekit.processors.stt.utterance import (
    Transcriber,
    UtteranceOptions,
    UtteranceSTTProcessor,
)

__all__ = ["MODEL_NAME", "SecondPassSTTProcessor"]

MODEL_NAME = "moonshine+whisper"
"""How a setting names this recognizer (the contact center's ``STT_MODEL``)."""


class SecondPassSTTProcessor(UtteranceSTTProcessor):
    """Transcribes each English utterance with Moonshine, and again with Whisper when needed.

    ``first`` is a Moonshine model (``"moonshine"``, the packaged base-en, or a
    folder), ``second`` a Whisper model (``"base"``, the packaged one, or a
    folder; never downloaded). ``policy`` says when the second engine is asked
    (:class:`~framekit.models.second_pass.SecondPassPolicy`). The other keyword
    arguments are the :class:`.UtteranceOptions`.
    """

    def __init__(
        self,
        *,
        first: str | Path = MOONSHINE,
        second: str | Path = WHISPER_BASE,
        policy: SecondPassPolicy | None = None,
        **options: Unpack[UtteranceOptions],
    ) -> None:
        super().__init__(language=LANGUAGE, **options)
        self._first = first
        self._second = second
        self._policy = policy

    @property
    def recognizer(self) -> SecondPassRecognizer:
        """The two engines of this call, with their statistics (once started)."""
        engine = self.engine
        assert isinstance(engine, SecondPassRecognizer)
        return engine

    async def _load_engine(self) -> Transcriber:
        first = await MoonshineEngine.shared_async(self._first)
        second = await WhisperEngine.shared_async(self._second, allow_download=False)
        return SecondPassRecognizer(first, second, self._policy)
