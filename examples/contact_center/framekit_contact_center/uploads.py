"""Recordings copied to S3-compatible storage when ``RECORDINGS_S3_BUCKET`` is set.

The call record keeps each track's local file under its name (``caller``, ``bot``)
and the uploaded copy under ``{track}.remote`` (``s3://bucket/key``); the upload
finishes after the call has ended, so the record's recordings are saved again
then (:meth:`framekit.storage.CallRecorder.add_recording`). A failed upload adds
nothing: the record still says where the local files are.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from framekit.processors.recording import ENCRYPTED_SUFFIX, Recording
from framekit_contact_center.settings import Settings

if TYPE_CHECKING:
    from framekit.processors.recording.s3 import S3Uploader

__all__ = ["RecordedUpload", "note_uploaded", "remote_track", "s3_uploader", "track_of"]

REMOTE_SUFFIX = ".remote"


class _NotesRecordings(Protocol):
    def add_recording(self, track: str, location: str) -> None: ...


def s3_uploader(settings: Settings) -> S3Uploader | None:
    """The uploader ``settings`` ask for, or None (recordings stay on local disk only)."""
    if not settings.recordings_s3_bucket:
        return None
    from framekit.processors.recording.s3 import S3Uploader

    return S3Uploader(
        settings.recordings_s3_bucket,
        prefix=settings.recordings_s3_prefix,
        endpoint_url=settings.recordings_s3_endpoint_url,
        region=settings.recordings_s3_region,
        delete_local=settings.recordings_s3_delete_local,
        server_side_encryption=settings.recordings_s3_server_side_encryption,
    )


def track_of(path: Path) -> str:
    """``caller`` or ``bot``, from a recording file's name (``...caller.wav``, ``...-bot.wav``,
    encrypted ``...caller.wav.enc``)."""
    name = path.name.removesuffix(ENCRYPTED_SUFFIX)
    return "caller" if Path(name).stem.endswith("caller") else "bot"


def remote_track(track: str) -> str:
    """The call record's name for the uploaded copy of ``track``."""
    return f"{track}{REMOTE_SUFFIX}"


def note_uploaded(record: _NotesRecordings, paths: Sequence[Path], remote: Sequence[str]) -> None:
    """Add each uploaded file's location to the call record (nothing if the upload failed)."""
    for path, location in zip(paths, remote, strict=False):
        record.add_recording(remote_track(track_of(path)), location)


class RecordedUpload:
    """The recorder's uploader: uploads with ``uploader``, then notes the copies in ``record``."""

    def __init__(self, uploader: S3Uploader, record: _NotesRecordings) -> None:
        self._uploader = uploader
        self._record = record

    async def upload(self, recording: Recording) -> Sequence[str]:
        remote = await self._uploader.upload(recording)
        note_uploaded(self._record, recording.paths, remote)
        return remote
