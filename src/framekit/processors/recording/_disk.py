"""The recorder's samples on their way to disk: per-track buffers and one writer thread.

Why a thread: the caller's audio reaches the recorder in the task that reads the
wire, and a disk that stalls (a full page cache, a network file system) must not
stall the caller's audio. Buffers hold only what is not yet written; pieces go to
one process-wide writer thread, in order, about once a second per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from loguru import logger

from framekit.privacy.envelope import KeyRing
from framekit.processors.recording._wav_stream import WavStreamWriter

__all__ = ["DiskWriter", "TrackBuffer"]

_executor: ThreadPoolExecutor | None = None


def _writer_thread() -> ThreadPoolExecutor:
    """One thread for every recording of the process: it runs jobs in submission order."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="framekit-recorder")
    return _executor


class TrackBuffer:
    """The PCM16 mono samples of one track from index ``start`` on, not yet on disk."""

    __slots__ = ("buf", "start")

    def __init__(self) -> None:
        self.start = 0
        self.buf = bytearray()

    @property
    def end(self) -> int:
        """Index of the sample after the last one held (the track's length so far)."""
        return self.start + len(self.buf) // 2

    def pad_to(self, index: int) -> None:
        """Silence up to sample ``index`` (nothing if the track already reaches it)."""
        missing = index - self.end
        if missing > 0:
            self.buf += bytes(2 * missing)

    def append(self, data: bytes) -> None:
        self.buf += data

    def take(self, upto: int) -> bytes:
        """Remove and return the samples before index ``upto`` (padding with silence)."""
        self.pad_to(upto)
        count = 2 * max(0, upto - self.start)
        data = bytes(self.buf[:count])
        del self.buf[:count]
        self.start = max(self.start, upto)
        return data


class DiskWriter:
    """Writes a stereo file (caller left, bot right) or two mono files, off the event loop;
    encrypted when given ``keys``."""

    def __init__(
        self, paths: tuple[Path, ...], sample_rate: int, keys: KeyRing | None = None
    ) -> None:
        self._paths = paths
        self._rate = sample_rate
        self._keys = keys
        self._files: list[WavStreamWriter] = []
        self._pending: set[asyncio.Future[None]] = set()
        self.error: str | None = None

    @property
    def stereo(self) -> bool:
        return len(self._paths) == 1

    def open(self) -> None:
        self._submit(self._open)

    def write(self, caller: bytes, bot: bytes) -> None:
        """Queue the next samples of each track (equal lengths when stereo)."""
        if caller or bot:
            self._submit(lambda: self._write(caller, bot))

    async def close(self) -> None:
        """Wait for every queued write, then close the files (their headers are final)."""
        self._submit(self._close)
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def _submit(self, job: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(_writer_thread(), self._guarded, job)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def _guarded(self, job: Callable[[], None]) -> None:
        if self.error is not None and job != self._close:
            return
        try:
            job()
        except Exception as exc:
            if self.error is None:
                self.error = f"{type(exc).__name__}: {exc}"
                logger.opt(exception=exc).error(f"recording to {self._paths[0]} failed")

    def _open(self) -> None:
        channels = 2 if self.stereo else 1
        self._files = [
            WavStreamWriter(path, self._rate, channels, self._keys) for path in self._paths
        ]

    def _write(self, caller: bytes, bot: bytes) -> None:
        if self.stereo:
            left = np.frombuffer(caller, dtype="<i2")
            right = np.frombuffer(bot, dtype="<i2")
            both = np.empty(2 * len(left), dtype="<i2")
            both[0::2] = left
            both[1::2] = right
            self._files[0].write(both.tobytes())
        else:
            self._files[0].write(caller)
            self._files[1].write(bot)

    def _close(self) -> None:
        for file in self._files:
            file.close()
