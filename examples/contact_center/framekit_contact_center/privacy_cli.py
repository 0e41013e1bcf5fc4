"""``framekit retention`` and ``framekit erase``: the settings' retention now, one caller erased.

Both act on ``DATABASE_URL`` and the recordings the settings reach (``RECORDINGS_DIR``,
``RECORDINGS_S3_BUCKET``), print what they did as one JSON object, and write it to
the audit log (actor ``cli``). ``framekit retention`` takes the same lock as the
servers' schedule, so it never runs beside one of them. The database modules are
imported when a command runs, not when ``framekit --help`` lists it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from framekit_contact_center.settings import Settings

__all__ = ["ERASE", "RETENTION", "EraseCommand", "RetentionCommand"]


def _settings(command: str) -> Settings | None:
    from framekit_contact_center.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        print(f"framekit {command}: {exc}", file=sys.stderr)
        return None


class RetentionCommand:
    """``framekit retention [--dry-run]``: delete what ``RETENTION_*_DAYS`` say has expired."""

    help = "delete recordings, transcripts, analytics and calls older than RETENTION_*_DAYS"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be deleted"
        )

    def run(self, args: argparse.Namespace) -> int:
        settings = _settings("retention")
        if settings is None:
            return 2
        from framekit.storage import make_engine, migrate
        from framekit_contact_center.retention import retention_policy, run_retention

        if not retention_policy(settings).active:
            print("framekit retention: no RETENTION_*_DAYS set: everything is kept")
            return 0
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            report = run_retention(engine, settings, actor="cli", dry_run=args.dry_run)
        finally:
            engine.dispose()
        if report is None:
            print("framekit retention: another process is applying retention now", file=sys.stderr)
            return 1
        print(json.dumps(report.as_dict(), sort_keys=True))
        return 1 if report.files["failed"] else 0


class EraseCommand:
    """``framekit erase --caller +15550100``: every call from that number, with its data."""

    help = "erase every call of one caller (number), with transcripts, analytics and recordings"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--caller", required=True, help="the caller's number, as recorded (+15550100)"
        )

    def run(self, args: argparse.Namespace) -> int:
        from framekit.storage import make_engine, migrate
        from framekit.storage.audit import caller_target, record_event
        from framekit.storage.erasure import check_caller, erase_caller
        from framekit_contact_center.retention import recording_deleter

        try:
            number = check_caller(args.caller)
        except ValueError as exc:
            print(f"framekit erase: {exc}", file=sys.stderr)
            return 2
        settings = _settings("erase")
        if settings is None:
            return 2
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        try:
            report = erase_caller(engine, number, delete_recording=recording_deleter(settings))
            record_event(engine, "cli", "erase", caller_target(number), report.as_dict())
        finally:
            engine.dispose()
        print(json.dumps(report.as_dict(), sort_keys=True))
        return 0 if report.complete else 1


RETENTION = RetentionCommand()
ERASE = EraseCommand()
