"""Where a caller's voice has stopped: the one level rule the recognizer and the VAD share.

Audio is quiet when its level is under :data:`QUIET_RATIO` of the utterance's loudest
(RMS; 20 dB under it). The utterance stage
(:mod:`framekit.processors.stt.utterance`) decodes early once ``pause_seconds`` of its
20 ms chunks are quiet; the VAD's end of speech (:mod:`framekit.processors.vad.endpoint`)
is the last 8 ms block that is not (as a share of power, :data:`QUIET_POWER_RATIO`).
One rule for both, so an early decode made at the caller's last pause ends where the
VAD says the speech ended, within the grids' difference
(:data:`~framekit.processors.vad.turn_end.COVERS_END_TOLERANCE`), and the turn-end
policy and the utterance stage can trust it to hold every word.
"""

from __future__ import annotations

__all__ = ["QUIET_POWER_RATIO", "QUIET_RATIO"]

QUIET_RATIO = 0.1
"""A stretch is quiet under this share of the utterance's loudest level (RMS: 20 dB under)."""
QUIET_POWER_RATIO = QUIET_RATIO**2
""":data:`QUIET_RATIO` as a share of power, for code that sums squares."""
