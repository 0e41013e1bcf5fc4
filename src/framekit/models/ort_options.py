"""onnxruntime session options sized for a server of many calls, not for one request.

Why one place: Silero, Piper and Moonshine each open sessions that every call of
the process shares. What suits one request (a thread per core, idle threads
spinning to catch the next op sooner) costs a server of many calls its cores:
spinning threads burn CPU that the event loop and the other calls' models need,
and a small op split over threads mostly waits. So every session here runs its ops
on ``threads`` intra-op threads (1 by default: no pool at all), one inter-op
thread, and a pool that exists sleeps when idle (``session.intra_op.allow_spinning``
off). Throughput across calls comes from batching and from the engines' worker
threads instead.
"""

from __future__ import annotations

from typing import Any

__all__ = ["session_options"]


def session_options(ort: Any, threads: int = 1) -> Any:
    """A new ``ort.SessionOptions`` with ``threads`` intra-op threads and no spinning.

    ``ort`` is the imported ``onnxruntime`` module (the caller imports it, so a
    missing extra fails with the caller's own install hint). ``threads=0`` lets
    onnxruntime use one per core, still without spinning.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options
