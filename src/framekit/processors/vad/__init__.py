"""Voice activity detection: who is speaking, and when the caller barges in.

``SileroVADProcessor`` runs the process-wide Silero model (``pip install
'framekit[vad]'``); ``VADParams`` tunes it; the state machine is model-agnostic.
See ``docs/vad.md``.
"""

from framekit.processors.vad.silero import SileroVADProcessor
from framekit.processors.vad.state import SpeechStateMachine, VADEvent, VADParams, VADState

__all__ = ["SileroVADProcessor", "SpeechStateMachine", "VADEvent", "VADParams", "VADState"]
