"""faster-whisper speech-to-text as a processor: the caller's utterances in, their words out.

All the utterance handling (pre-roll, the decode at the first pause, interim
results) lives in :class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`;
this module only chooses the model. Whisper's encoder always sees a 30 s window,
so each decode costs the same whatever the utterance's length (about 1.4 s for
base on two cores); for English on a small CPU,
:class:`~framekit.processors.stt.moonshine.MoonshineSTTProcessor` is several times
faster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

from framekit.models.whisper import PACKAGED_MODEL, WhisperEngine
from framekit.processors.stt.utterance import (
    MAX_LOOKBACK,
    Transcriber,
    UtteranceOptions,
    UtteranceSTTProcessor,
    UtteranceSTTStats,
)

__all__ = ["MAX_LOOKBACK", "WhisperSTTProcessor", "WhisperSTTStats"]

WhisperSTTStats = UtteranceSTTStats
"""The former name of :class:`~framekit.processors.stt.utterance.UtteranceSTTStats`."""


class WhisperSTTProcessor(UtteranceSTTProcessor):
    """Transcribes each utterance of the caller with faster-whisper.

    ``model`` is ``"base"`` (the packaged offline model, the default), another
    faster-whisper name, or a local CTranslate2 folder; ``engine`` passes an
    already loaded :class:`~framekit.models.whisper.WhisperEngine` instead.
    ``language`` is an ISO code (``"en"``); ``None`` detects it per utterance at
    the cost of one more encoder pass. ``prompt`` biases vocabulary.
    The other keyword arguments are the :class:`.UtteranceOptions`.
    """

    def __init__(
        self,
        *,
        model: str | Path = PACKAGED_MODEL,
        device: str = "cpu",
        compute_type: str | None = None,
        engine: WhisperEngine | None = None,
        language: str | None = "en",
        prompt: str | None = None,
        allow_download: bool = True,
        **options: Unpack[UtteranceOptions],
    ) -> None:
        super().__init__(engine=engine, language=language, prompt=prompt, **options)
        self._model = model
        self._device = device
        self._compute_type = compute_type
        self._allow_download = allow_download

    async def _load_engine(self) -> Transcriber:
        return await WhisperEngine.shared_async(
            self._model, self._device, self._compute_type, allow_download=self._allow_download
        )
