"""Harness-only baseline: the sender hands each frame straight to the recording sink.

No framework runs here. Its numbers show what the measuring loops themselves cost
(timers, sender tasks, bookkeeping), so the frameworks' columns can be read
against the floor the harness sets on the same machine at the same moment.
"""

from __future__ import annotations

from typing import Any

from _workload import Probe

__all__ = ["NullFramework"]


class _AudioFrame:
    __slots__ = ("__weakref__", "audio")

    def __init__(self, audio: bytes) -> None:
        self.audio = audio


class _NullCall:
    def __init__(self, probe: Probe) -> None:
        self._probe = probe

    async def start(self) -> None:
        return None

    async def send(self, frame: Any) -> None:
        self._probe.on_audio(frame)

    async def end(self) -> None:
        return None

    async def cancel(self) -> None:
        return None


class NullFramework:
    """Adapter with no framework behind it."""

    name = "harness-only"

    def new_call(self, n_pass: int, probe: Probe) -> _NullCall:
        return _NullCall(probe)

    def audio_frame(self, audio: bytes) -> _AudioFrame:
        return _AudioFrame(audio)
