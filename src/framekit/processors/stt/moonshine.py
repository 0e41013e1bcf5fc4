"""Moonshine speech-to-text as a processor: fast offline English transcripts on a CPU.

The same utterance processor as Whisper's
(:class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`: pre-roll, a
decode at the caller's first pause, interim results) with
:class:`~framekit.models.moonshine.MoonshineEngine` as the model. Moonshine's cost
grows with the audio instead of Whisper's fixed 30 s window, so the decode at the
pause usually finishes inside the VAD's silence window and becomes the final
transcript as soon as the stop event arrives. English only: for other languages
use :class:`~framekit.processors.stt.whisper.WhisperSTTProcessor`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

from framekit.models.moonshine import LANGUAGE, PACKAGED_MODEL, MoonshineEngine
from framekit.processors.stt.utterance import (
    Transcriber,
    UtteranceOptions,
    UtteranceSTTProcessor,
)

__all__ = ["MoonshineSTTProcessor"]


class MoonshineSTTProcessor(UtteranceSTTProcessor):
    """Transcribes each English utterance of the caller with Moonshine base-en.

    ``model`` is ``"moonshine"`` (the packaged model from the ``moonshine`` extra)
    or a folder with Moonshine's ONNX files; ``engine`` passes an already loaded
    :class:`~framekit.models.moonshine.MoonshineEngine` instead. Moonshine takes no
    prompt and no other language; ``language`` must stay ``"en"``.
    The other keyword arguments are the :class:`.UtteranceOptions`.
    """

    def __init__(
        self,
        *,
        model: str | Path = PACKAGED_MODEL,
        engine: MoonshineEngine | None = None,
        language: str = LANGUAGE,
        **options: Unpack[UtteranceOptions],
    ) -> None:
        if language != LANGUAGE:
            raise ValueError(
                f"Moonshine only transcribes English, not {language!r}: "
                "use WhisperSTTProcessor for other languages"
            )
        super().__init__(engine=engine, language=language, **options)
        self._model = model

    async def _load_engine(self) -> Transcriber:
        return await MoonshineEngine.shared_async(self._model)
