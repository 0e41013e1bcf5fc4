"""Where a finished recording goes after the local disk: an optional upload hook.

framekit writes recordings to local disk first. A deployment that keeps them
elsewhere passes a :class:`RecordingUploader` to the recorder (for S3-compatible
storage: :class:`framekit.processors.recording.s3.S3Uploader`, the ``s3`` extra);
it is awaited once per call, after the files are complete, off the audio path
(the call has ended). A failure is logged and leaves the local files in place.
The bucket-name rule lives here, without boto3, so settings can check it early.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from framekit.processors.recording.timeline import Recording

__all__ = ["NoUpload", "RecordingUploader", "bucket_name_problem"]


@runtime_checkable
class RecordingUploader(Protocol):
    """Copies a finished recording somewhere else; returns where (URLs or keys)."""

    async def upload(self, recording: Recording) -> Sequence[str]: ...


class NoUpload:
    """The default: the recording stays on local disk only."""

    async def upload(self, recording: Recording) -> Sequence[str]:
        return ()


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")


def bucket_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as an S3 bucket name (the AWS rules), or None."""
    if not 3 <= len(name) <= 63:
        return "must be 3 to 63 characters long"
    if not _BUCKET.fullmatch(name):
        return (
            "may hold only lowercase letters, digits, '.' and '-', "
            "and must begin and end with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        return "must not hold '..', '.-' or '-.'"
    if _IP_ADDRESS.fullmatch(name):
        return "must not look like an IP address"
    return None
