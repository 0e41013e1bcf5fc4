"""faster-whisper (``framekit[whisper]``): offline, multilingual, batch speech recognition.

:class:`WhisperEngine` is a :class:`~framekit.processors.stt.service.Recognizer`:
load it once (``await WhisperEngine.shared_async()``) and give it to
:class:`~framekit.processors.stt.utterance.UtteranceSTTProcessor`. ``"base"``
(:data:`PACKAGED_MODEL`) comes from PyPI packages and needs no network
(:mod:`.source`). Whisper's encoder always sees a 30 s window, so each decode
costs the same whatever the utterance's length; for English on a small CPU,
:class:`~framekit.services.moonshine.MoonshineEngine` is several times faster.
"""

from framekit.services.whisper.engine import PACKAGED_MODEL, WhisperEngine
from framekit.services.whisper.source import ModelUnavailableError

__all__ = ["PACKAGED_MODEL", "ModelUnavailableError", "WhisperEngine"]
