"""The serve app's retention and erasure: the settings' policy, a deleter that reaches the
recordings wherever they are, and the schedule that applies the policy.

The schedule is one thread per server process, off the event loop and the calls'
audio; every ``RETENTION_INTERVAL`` seconds it tries the database's ``retention``
lock (:func:`framekit.storage.job_lock.job_lock`): with several workers or hosts,
only the one that gets it runs that round. Each run that deletes anything, or fails to,
is written to the audit log as ``retention_delete`` by ``scheduler``.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from loguru import logger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from framekit.storage import make_engine
from framekit.storage.audit import record_event
from framekit.storage.job_lock import job_lock
from framekit.storage.purge import RecordingDeleter
from framekit.storage.retention import RetentionPolicy, RetentionReport, apply_retention
from framekit_contact_center.settings import Settings
from framekit_contact_center.uploads import s3_uploader

if TYPE_CHECKING:
    from framekit.processors.recording.s3 import S3Uploader

__all__ = ["RetentionSchedule", "recording_deleter", "retention_policy", "run_retention"]

_STOP_TIMEOUT = 30.0  # seconds for a run in progress to finish its batch at shutdown


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The ``RETENTION_*_DAYS`` settings as a policy (checked when the settings loaded)."""
    return RetentionPolicy(
        recordings_days=settings.retention_recordings_days,
        transcripts_days=settings.retention_transcripts_days,
        analytics_days=settings.retention_analytics_days,
        metadata_days=settings.retention_metadata_days,
    )


def recording_deleter(settings: Settings, uploader: S3Uploader | None = None) -> RecordingDeleter:
    """Deletes a recording's local file (inside ``RECORDINGS_DIR`` only: a record naming a
    file elsewhere is refused) or its ``s3://`` copy in ``RECORDINGS_S3_BUCKET``."""
    directory = settings.recordings_dir.resolve()
    if uploader is None:
        uploader = s3_uploader(settings)

    def delete(location: str) -> None:
        if location.startswith("s3://") and uploader is not None:
            uploader.delete(location)
            return
        if "://" in location:
            raise OSError(f"no way to delete {location.split('://')[0]}:// recordings")
        path = Path(location).resolve()
        if not path.is_relative_to(directory):
            raise OSError(f"{location} is outside RECORDINGS_DIR ({directory})")
        path.unlink(missing_ok=True)

    return delete


def run_retention(
    engine: Engine,
    settings: Settings,
    *,
    actor: str,
    dry_run: bool = False,
    deleter: RecordingDeleter | None = None,
) -> RetentionReport | None:
    """One retention run under the database's lock; None when another process holds it.
    A real run is written to the audit log when it deleted or failed to delete anything."""
    policy = retention_policy(settings)
    with job_lock(engine, "retention") as taken:
        if not taken:
            return None
        report = apply_retention(
            engine,
            policy,
            delete_recording=deleter or recording_deleter(settings),
            dry_run=dry_run,
        )
    if not dry_run and (report.calls or report.files):
        record_event(engine, actor, "retention_delete", "", report.as_dict())
    return report


class RetentionSchedule:
    """Applies the settings' retention every ``RETENTION_INTERVAL`` seconds in a thread of
    its own (nothing when no kind has a limit); starts with the app, stops with it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0
        """Runs that took the lock and finished (a test waits on it)."""

    def attach(self, app: web.Application) -> None:
        """Start after the hooks added before (the migration among them), stop at cleanup."""
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._end)

    async def _start(self, app: web.Application) -> None:
        if not retention_policy(self._settings).active:
            return
        self._thread = threading.Thread(target=self._loop, name="framekit-retention", daemon=True)
        self._thread.start()

    async def _end(self, app: web.Application) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, _STOP_TIMEOUT)

    def _loop(self) -> None:
        engine = make_engine(self._settings.database_url)
        deleter = recording_deleter(self._settings)
        try:
            while not self._stop.is_set():
                try:
                    report = run_retention(
                        engine, self._settings, actor="scheduler", deleter=deleter
                    )
                except (SQLAlchemyError, OSError) as exc:
                    logger.warning(f"retention: run failed, next in the next round: {exc!r}")
                else:
                    if report is not None:
                        self.runs += 1
                        if report.calls:
                            logger.info(f"retention: {report.as_dict()}")
                self._stop.wait(self._settings.retention_interval)
        finally:
            engine.dispose()
