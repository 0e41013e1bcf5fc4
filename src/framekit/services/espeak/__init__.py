"""espeak-ng (the Debian ``espeak-ng`` binary): the voice of last resort, in a hundred languages.

:class:`EspeakVoice` is a :class:`~framekit.processors.tts.voice.Voice`: give it to
:class:`~framekit.processors.tts.base.TTSProcessor`, or close a
:class:`~framekit.processors.tts.fallback.FallbackVoice` chain with it.
"""

from framekit.services.espeak.voice import EspeakVoice

__all__ = ["EspeakVoice"]
