"""Deepgram (``framekit[deepgram]``): live streaming speech recognition.

:class:`DeepgramRecognizer` is a
:class:`~framekit.processors.stt.service.StreamingRecognizer` made from
:class:`DeepgramSettings`; give it to
:class:`~framekit.processors.stt.streaming.StreamingSTTProcessor`::

    stt = StreamingSTTProcessor(DeepgramRecognizer(DeepgramSettings(model="nova-3")))

Importing this package imports the SDK: without the extra it fails with the install
command.
"""

from framekit.services.deepgram.settings import DEEPGRAM_URL, DeepgramSettings
from framekit.services.deepgram.stt import DeepgramRecognizer, DeepgramSession

__all__ = ["DEEPGRAM_URL", "DeepgramRecognizer", "DeepgramSession", "DeepgramSettings"]
