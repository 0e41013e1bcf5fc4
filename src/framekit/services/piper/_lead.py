"""Piper's quiet lead-in, cut from the start of what it speaks.

Why: a VITS voice opens every sentence with the silence of its start token. With
the packaged "joe" voice the first sample over -60 dBFS comes 25-55 ms into the
sentence ("Sure." ~0 ms, "Our return policy is thirty days." 55 ms), and in a
browser call the bot's first audio with energy was written ~60 ms after its first
chunk (``docs/benchmarks.md``): dead air the caller waits through on every answer.
The engine drops those samples from the first chunk it yields, keeping
:data:`LEAD_MARGIN` before the first sample over :data:`ONSET_LEVEL`, so the soft
start of the first phoneme (a breathy /h/, an /s/) stays whole. The silence at the
end of a sentence, which paces one sentence from the next, is not touched.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["LEAD_MARGIN", "ONSET_LEVEL", "quiet_lead"]

ONSET_LEVEL = 10 ** (-50 / 20)
"""A sample above this (-50 dBFS, about 100 PCM16 steps) is voice, not the lead-in."""
LEAD_MARGIN = 0.005
"""Seconds kept before the first sample over :data:`ONSET_LEVEL`."""


def quiet_lead(samples: npt.NDArray[np.floating], sample_rate: int) -> int:
    """How many samples at the start of ``samples`` (floats in [-1, 1]) are lead-in.

    0 when nothing in ``samples`` reaches :data:`ONSET_LEVEL`: a chunk that is all
    quiet is left whole rather than guessed at.
    """
    loud = np.flatnonzero(np.abs(samples) > ONSET_LEVEL)
    if loud.size == 0:
        return 0
    return max(0, int(loud[0]) - round(LEAD_MARGIN * sample_rate))
