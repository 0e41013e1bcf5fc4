"""Speech to text: the stage processors and the recognizer interfaces they drive.

Vendors live in :mod:`framekit.services` (``whisper``, ``moonshine``, ``deepgram``)
and implement :mod:`.service`'s interfaces; nothing here imports a vendor.

``framekit.processors.stt.service``: :class:`Recognizer` (batch) and
:class:`StreamingRecognizer` (a session per call), the interfaces.
``framekit.processors.stt.transcript``: what a batch recognizer answers.
``framekit.processors.stt.utterance``: the stage for batch recognizers (utterances
cut by the VAD, a decode at the caller's first pause, interim results).
``framekit.processors.stt.streaming``: the stage for streaming recognizers.
``framekit.processors.stt.session``: the reconnecting session a websocket vendor
fills with its URL and messages.
``framekit.processors.stt.second_pass``: two batch recognizers as one.
``framekit.processors.stt.fallback``: batch recognizers as one, the next when one fails.
``framekit.processors.stt.fallback_streaming``: streaming recognizers as one, switching
vendor mid-call without losing words.
``framekit.processors.stt.batch_stream``: a batch recognizer as a streaming one (the
local last resort of a streaming chain).
"""
