"""The settings of where the contact center keeps its data, and their checks.

The calls database, the shop's database, Redis, the recordings on disk, the spool,
and the copies of the recordings in S3-compatible storage. Why a module of its own:
the S3 settings alone are six variables with their own rules (a bucket name AWS
accepts, a key prefix with only ``{date}`` and ``{call_id}``, every one of them
meaningless without the bucket).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framekit_contact_center.settings_values import flag, said_or_off, seconds, url

__all__ = ["NEEDS", "PARSERS"]


def _bucket(value: str) -> str:
    from framekit.processors.recording.upload import bucket_name_problem

    problem = bucket_name_problem(value)
    if problem:
        raise ValueError(f"is not an S3 bucket name: it {problem}")
    if importlib.util.find_spec("boto3") is None:
        raise ValueError("needs boto3: pip install 'framekit[s3]'")
    return value


def _server_side_encryption(value: str) -> str:
    if value not in ("AES256", "aws:kms"):
        raise ValueError("must be AES256 or aws:kms")
    return value


def _s3_prefix(value: str) -> str:
    if value.startswith("/"):
        raise ValueError("must not start with '/' (object keys are relative to the bucket)")
    try:
        value.format(date="2026-01-01", call_id="c")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"may use only {{date}} and {{call_id}} ({exc!r})") from None
    return value


def _region(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", value):
        raise ValueError("must be a region name like eu-west-1 or auto")
    return value


def _retries(value: str) -> int:
    if not value.strip().isdigit() or int(value) > 60:
        raise ValueError("must be a whole number of retries from 0 to 60")
    return int(value)


PARSERS: dict[str, Callable[[str], Any]] = {
    "database_url": url(("sqlite", "postgresql", "postgres")),
    "business_db_path": Path,
    "redis_url": url(("redis", "rediss")),
    "node_heartbeat": seconds,
    "store_outage_retries": _retries,
    "store_outage_hold": said_or_off,
    "unready_before_drain": seconds,
    "recordings_dir": Path,
    "spool_dir": Path,
    "recordings_s3_bucket": _bucket,
    "recordings_s3_prefix": _s3_prefix,
    "recordings_s3_endpoint_url": url(("http", "https")),
    "recordings_s3_region": _region,
    "recordings_s3_delete_local": flag,
    "recordings_s3_server_side_encryption": _server_side_encryption,
}
"""The check of each storage setting, by field name."""

_BUCKET = ("RECORDINGS_S3_BUCKET", "the bucket the recordings go to")

NEEDS: dict[str, tuple[str, str]] = {
    "RECORDINGS_S3_PREFIX": _BUCKET,
    "RECORDINGS_S3_ENDPOINT_URL": _BUCKET,
    "RECORDINGS_S3_REGION": _BUCKET,
    "RECORDINGS_S3_DELETE_LOCAL": _BUCKET,
    "RECORDINGS_S3_SERVER_SIDE_ENCRYPTION": _BUCKET,
}
"""Storage variables that mean nothing alone: ``variable: (what it needs, why)``."""
