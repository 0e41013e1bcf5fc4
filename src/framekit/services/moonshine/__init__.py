"""Moonshine (``framekit[moonshine]``): fast offline English speech recognition on a CPU.

:class:`MoonshineEngine` is a :class:`~framekit.processors.stt.service.Recognizer`:
load it once (``await MoonshineEngine.shared_async()``) and give it to
:class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`. Its cost grows
with the audio (unlike Whisper's fixed 30 s window), so the decode at the caller's
first pause usually finishes inside the VAD's silence window and becomes the final
transcript as the stop event arrives. English only (:data:`LANGUAGE`).
"""

from framekit.services.moonshine.engine import DIGIT_BIAS, LANGUAGE, PACKAGED_MODEL, MoonshineEngine
from framekit.services.moonshine.files import INSTALL_EXTRA, is_installed

__all__ = [
    "DIGIT_BIAS",
    "INSTALL_EXTRA",
    "LANGUAGE",
    "PACKAGED_MODEL",
    "MoonshineEngine",
    "is_installed",
]
