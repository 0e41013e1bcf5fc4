"""Speech-to-text processors, one module per vendor, each behind its optional extra.

``framekit.processors.stt.whisper`` (``framekit[whisper]``): faster-whisper, offline.
"""
