"""The model tier's clients (``framekit[http]``): speech recognition and a voice over HTTP.

A call node that sets a model tier's address sends its callers' utterances and its
bot's sentences to ``framekit models serve`` (a Ray Serve application, see
:mod:`framekit.servers.model_tier` and ``docs/model-tier.md``) instead of running the
models itself. :class:`RemoteRecognizer` is a
:class:`~framekit.processors.stt.service.Recognizer` and :class:`RemoteVoice` a
:class:`~framekit.processors.tts.voice.Voice`, so the stages drive them like local
models; :class:`ModelTierClient` is the process's connection pool and retry. Nothing
here imports Ray.
"""

from framekit.services.model_tier.client import ModelTierClient
from framekit.services.model_tier.protocol import ModelTierError
from framekit.services.model_tier.recognizer import RemoteRecognizer
from framekit.services.model_tier.voice import RemoteVoice

__all__ = ["ModelTierClient", "ModelTierError", "RemoteRecognizer", "RemoteVoice"]
