"""Voice activity detection: who is speaking, and when the caller barges in.

``VADProcessor`` drives any ``SpeechDetector`` (the Silero model of
:mod:`framekit.services.silero`, ``pip install 'framekit[vad]'``); ``VADParams``
tunes it; ``LevelGateParams`` tunes the level gate that keeps quiet windows from the
model; the state machine is model-agnostic. ``TextTurnEndPolicy`` moves the end of
the turn by the caller's words so far, fed back by ``TurnTextRelay``. See
``docs/vad.md``.
"""

from framekit.processors.vad.gate import LevelGateParams
from framekit.processors.vad.processor import VADProcessor
from framekit.processors.vad.relay import TurnTextRelay
from framekit.processors.vad.service import SpeechDetector, SpeechStream, SpeechWindow
from framekit.processors.vad.state import SpeechStateMachine, VADEvent, VADParams, VADState
from framekit.processors.vad.turn_end import TextTurnEndPolicy, TurnCue, TurnEndPolicy

__all__ = [
    "LevelGateParams",
    "SpeechDetector",
    "SpeechStateMachine",
    "SpeechStream",
    "SpeechWindow",
    "TextTurnEndPolicy",
    "TurnCue",
    "TurnEndPolicy",
    "TurnTextRelay",
    "VADEvent",
    "VADParams",
    "VADProcessor",
    "VADState",
]
