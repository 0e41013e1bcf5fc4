"""Sensitive entry: what a tool takes from the caller (a card number) reaches that tool alone.

Two stages, one at each end of the recognizer: :class:`SensitiveEntryGate` right after
the input transport (the keys, the recording's silence, the caller's barge-in) and
:class:`SpokenEntryStage` right after the speech-to-text stage (the words of a
spoken entry). ``docs/privacy.md``, "Sensitive entry", says what each promise is
and which test holds it.
"""

from framekit.processors.sensitive.gate import SensitiveEntryGate
from framekit.processors.sensitive.spoken import SpokenEntryStage, spoken_digits

__all__ = ["SensitiveEntryGate", "SpokenEntryStage", "spoken_digits"]
