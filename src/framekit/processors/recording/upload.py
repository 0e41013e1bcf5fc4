"""Where a finished recording goes after the local disk: an optional upload hook.

framekit writes recordings to local disk and stops there. A deployment that keeps
them in S3-compatible storage passes a :class:`RecordingUploader` to the recorder;
it is awaited once per call, after the files are complete, off the audio path
(the call has ended). A failure is logged and leaves the local files in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from framekit.processors.recording.timeline import Recording

__all__ = ["NoUpload", "RecordingUploader"]


@runtime_checkable
class RecordingUploader(Protocol):
    """Copies a finished recording somewhere else; returns where (URLs or keys)."""

    async def upload(self, recording: Recording) -> Sequence[str]: ...


class NoUpload:
    """The default: the recording stays on local disk only."""

    async def upload(self, recording: Recording) -> Sequence[str]:
        return ()
