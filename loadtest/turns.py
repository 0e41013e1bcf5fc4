"""How a caller reads one answer from the bot's messages (no gevent: tests import it).

The caller keeps the arrival time of every bot ``media`` message and of every
``clear``; these functions turn those times into the measures the locust caller
reports, so the rules are stated (and tested) once, apart from the sockets.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

__all__ = ["answer_may_start", "largest_gap"]


def largest_gap(times: Sequence[float], quiet: float) -> float:
    """The largest wait between two consecutive messages of the answer starting at ``times[0]``.

    The answer ends at its first pause of ``quiet`` s or more (what follows it is
    another answer), so that pause and anything after it are not part of it.
    """
    gap = 0.0
    for before, after in itertools.pairwise(times):
        if after - before >= quiet:
            break
        gap = max(gap, after - before)
    return gap


def answer_may_start(said_at: float, clears: Sequence[float], turn_at: float) -> float:
    """The earliest arrival that can answer a question begun at ``turn_at``.

    After the caller's speech ended (``said_at``), and after the last ``clear`` that
    arrived since the question began: the bot's audio before that clear is the
    answer the caller talked over, not the answer to this question.
    """
    return max([said_at, *(cleared for cleared in clears if cleared >= turn_at)])
