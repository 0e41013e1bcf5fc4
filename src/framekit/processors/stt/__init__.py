"""Speech-to-text processors, one module per vendor, each behind its optional extra.

``framekit.processors.stt.moonshine`` (``framekit[moonshine]``): Moonshine, offline, English.
``framekit.processors.stt.whisper`` (``framekit[whisper]``): faster-whisper, offline.
``framekit.processors.stt.deepgram`` (``framekit[deepgram]``): Deepgram live streaming.
``framekit.processors.stt.utterance``: the utterance processor both offline engines share.
"""
