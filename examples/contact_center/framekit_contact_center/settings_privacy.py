"""The settings that protect callers' data, and their checks: redaction, encryption, retention.

Why a module of its own: these rules span several variables (the encryption keys
from a variable or a file, never both; the metadata kept at least as long as the
rest) and come from ``docs/privacy.md``, so they are read and reviewed together.
Building the process's redactor from them is
:func:`framekit_contact_center.settings.redactor`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from framekit.privacy.redact import Redactor, parse_policies
from framekit_contact_center.settings_values import not_empty

__all__ = ["PARSERS", "privacy_problems"]


def _key_ring(value: str) -> str:
    from framekit.privacy.envelope import KeyRing

    KeyRing.parse(value)  # its errors name a key's id, never its bytes
    return value


def _key_file(value: str) -> Path:
    from framekit.privacy.envelope import KeyRing

    path = Path(value)
    try:
        KeyRing.from_file(path)
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc.strerror}") from None
    return path


def _redaction(value: str) -> str:
    policies = parse_policies(value)
    Redactor(policies, hash_key=b"checked")  # unknown kinds or policies fail here
    return value


def _placeholders(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in ("on", "all", "off"):
        raise ValueError("must be on (the cloud models), all (the local model too) or off")
    return lowered


def _days(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 100_000:
        raise ValueError("must be a whole number of days, at least 1")
    return int(value)


def _interval(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("must be a number of seconds") from None
    if not 0 < seconds <= 7 * 86400:
        raise ValueError("must be more than 0 and at most a week (604800 seconds)")
    return seconds


PARSERS: dict[str, Callable[[str], Any]] = {
    "recordings_encryption_key": _key_ring,
    "recordings_encryption_key_file": _key_file,
    "redaction": _redaction,
    "redaction_hash_key": not_empty,
    "llm_placeholders": _placeholders,
    "retention_recordings_days": _days,
    "retention_transcripts_days": _days,
    "retention_analytics_days": _days,
    "retention_metadata_days": _days,
    "retention_interval": _interval,
}
"""The check of each privacy setting, by field name."""


def privacy_problems(values: Mapping[str, str], parsed: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the privacy settings get wrong together (each alone passed its check)."""
    problems: list[tuple[str, str]] = []
    if values.get("RECORDINGS_ENCRYPTION_KEY") and values.get("RECORDINGS_ENCRYPTION_KEY_FILE"):
        problems.append(
            ("RECORDINGS_ENCRYPTION_KEY_FILE", "set it or RECORDINGS_ENCRYPTION_KEY, not both")
        )
    return problems + _retention_problems(parsed)


def _retention_problems(parsed: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The metadata's retention shorter than another kind's (a call deleted whole takes
    its recordings, words and analytics with it)."""
    days = {
        f"{kind}_days": parsed.get(f"retention_{kind}_days")
        for kind in ("recordings", "transcripts", "analytics", "metadata")
    }
    if all(value is None for value in days.values()):
        return []
    from framekit.storage.retention import RetentionPolicy  # the db extra, set up by then

    try:
        RetentionPolicy(**days)
    except ValueError as exc:
        return [("RETENTION_METADATA_DAYS", str(exc))]
    return []
