"""The shapes a setting's value takes, shared by every group of settings.

Why a module of its own: a URL, a token or a number of seconds is checked the same
way whichever setting holds it (:mod:`framekit_contact_center.settings` and its
groups: :mod:`~framekit_contact_center.settings_providers`,
:mod:`~framekit_contact_center.settings_storage`,
:mod:`~framekit_contact_center.settings_privacy`). Each check takes the raw string
and returns the value, or raises :class:`ValueError` saying what is wrong; the loader
names the variable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["existing_file", "flag", "not_empty", "said_or_off", "seconds", "token", "url"]


def url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    """A check for a URL with one of ``schemes`` (``postgresql+psycopg`` is ``postgresql``)."""

    def check(value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme.split("+")[0] not in schemes:
            raise ValueError(f"must start with {' or '.join(s + '://' for s in schemes)}")
        if parsed.scheme.split("+")[0] != "sqlite" and not parsed.netloc:
            raise ValueError("has no host")
        return value

    return check


def not_empty(value: str) -> str:
    """Any text but blanks (the default check), stripped."""
    if not value.strip():
        raise ValueError("is set but empty")
    return value.strip()


def said_or_off(value: str) -> str:
    """Words the bot says, stripped; ``off`` for nothing ("")."""
    return "" if value.strip().lower() == "off" else value.strip()


def existing_file(value: str) -> Path:
    """A path to a file that exists now (``~`` expanded)."""
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path


def token(value: str) -> str:
    """A bearer token people can guess in no useful time: 16 characters at least."""
    if len(value) < 16 or any(c.isspace() for c in value):
        raise ValueError(
            "must be at least 16 characters without spaces (try: openssl rand -hex 24)"
        )
    return value


def flag(value: str) -> bool:
    """``true``/``false``, ``yes``/``no``, ``on``/``off`` or ``1``/``0``."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def seconds(value: str) -> float:
    """A duration of more than 0 and at most an hour."""
    try:
        number = float(value)
    except ValueError:
        raise ValueError("must be a number of seconds") from None
    if not 0 < number <= 3600:
        raise ValueError("must be between 0 and 3600 seconds")
    return number
