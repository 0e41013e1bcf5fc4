"""CPU seconds spent by the threads that run models, read from outside the threads.

Why from outside: the models decode on pools of named threads (the recognizers'
``framekit-whisper-0``, the embedder's ``framekit-embedder-0``, Piper's ``piper_0``,
...). Timing each job inside its thread would add work to every decode; reading each
thread's CPU clock when metrics are sampled (a few times a minute at most) costs
nothing on the audio path. Linux exposes every thread's CPU time in
``/proc/self/task/<tid>/stat``; elsewhere :func:`model_thread_cpu` answers nothing.

A model that also runs outside its threads says so: Silero scores a call node's few
windows in the event loop's thread (a hop to its worker cost as much as the run), so it
adds each such run's CPU with :func:`add_model_cpu`, and :func:`model_cpu_elsewhere`
gives the totals beside the threads'.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "MODEL_THREADS",
    "add_model_cpu",
    "model_cpu_elsewhere",
    "model_of_thread",
    "model_thread_cpu",
]

MODEL_THREADS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "framekit-moonshine": "moonshine",
        "framekit-whisper": "whisper",
        "framekit-embedder": "embedder",
        "framekit-vad": "silero-vad",
        "piper": "piper",
    }
)
"""Thread name (without its ``-N``/``_N`` number) -> the model it runs."""

_TICKS: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_UTIME: Final = 11  # utime and stime, counted from the field after the command name
_STIME: Final = 12


def model_of_thread(name: str, models: Mapping[str, str] = MODEL_THREADS) -> str | None:
    """The model a thread named ``name`` runs (``framekit-whisper-1`` -> ``whisper``)."""
    return models.get(name.rstrip("0123456789").rstrip("-_"))


def model_thread_cpu(models: Mapping[str, str] = MODEL_THREADS) -> dict[int, tuple[str, float]]:
    """``{thread id: (model, CPU seconds so far)}`` for this process's live model threads."""
    found: dict[int, tuple[str, float]] = {}
    for thread in threading.enumerate():
        model = model_of_thread(thread.name, models)
        tid = thread.native_id
        if model is None or tid is None:
            continue
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:  # not Linux, or the thread has just ended
            continue
        found[tid] = (model, (int(fields[_UTIME]) + int(fields[_STIME])) / _TICKS)
    return found


_ELSEWHERE: dict[str, float] = {}


def add_model_cpu(model: str, seconds: float) -> None:
    """Count ``seconds`` of CPU that ``model`` spent outside its own threads."""
    _ELSEWHERE[model] = _ELSEWHERE.get(model, 0.0) + seconds


def model_cpu_elsewhere() -> dict[str, float]:
    """``{model: CPU seconds so far}`` spent outside the models' own threads."""
    return dict(_ELSEWHERE)
