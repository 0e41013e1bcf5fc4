"""A text-to-speech service you already run, over plain HTTP (``framekit[http]``).

Not one vendor's API but a small contract many self-hosted servers meet or can be
configured to meet (one ``POST`` per sentence, audio streamed back): hence
``http_tts`` rather than a vendor's name. :class:`HTTPVoice` is a
:class:`~framekit.processors.tts.voice.Voice`, configured by one
:class:`HTTPVoiceSettings`; the module :mod:`.voice` describes the contract.
"""

from framekit.services.http_tts.settings import DEFAULT_BODY_TEMPLATE, HTTPVoiceSettings
from framekit.services.http_tts.voice import HTTPVoice

__all__ = ["DEFAULT_BODY_TEMPLATE", "HTTPVoice", "HTTPVoiceSettings"]
