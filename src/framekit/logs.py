"""Logging for the ``framekit`` commands: no local variables, and secrets replaced by ``***``.

Why: framekit logs through loguru, and loguru's default handler is made with
``diagnose=True``: a logged traceback prints the value of every variable named on
each line it shows. An error raised next to ``self._auth_token``, a settings object
or a signed stream URL would print the Twilio auth token, which signs webhooks and
mints stream tokens. A library that ships loguru must not leak what its callers
hand it, so every ``framekit`` command calls :func:`configure_logging` first:

- loguru's default handler is replaced by one with ``diagnose=False`` and
  ``backtrace=False``, at the level of ``FRAMEKIT_LOG_LEVEL`` (default ``INFO``);
- everything that handler writes, message and formatted traceback alike, passes
  through :func:`redact`: the registered secret values (:func:`add_secrets`; the
  values of environment variables named like secrets are registered at once), and
  secrets with a recognisable shape (a URL's password, ``?token=``, ``Bearer ...``,
  an ``Authorization`` header, a stream token) become ``***``, and, once an application
  sets one (:func:`set_personal_data_filter`), callers' personal data is redacted too
  (``framekit serve`` sets :class:`framekit.privacy.redact.Redactor`);
- the standard library's ``logging`` (aiohttp's access and server logs, SQLAlchemy,
  asyncio) goes to the same handler, at ``WARNING`` unless ``FRAMEKIT_LOG_LEVEL``
  is ``DEBUG`` or ``TRACE``, and so do uncaught exceptions (``sys.excepthook``).

An application that adds loguru handlers of its own should pass ``diagnose=False``
too, and can wrap its sink's text in :func:`redact`. See ``docs/logging.md``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from loguru import logger

if TYPE_CHECKING:
    from loguru import Message, Record

__all__ = [
    "LEVEL_VARIABLE",
    "add_secrets",
    "configure_logging",
    "is_secret_name",
    "redact",
    "secrets_in_environ",
    "set_personal_data_filter",
]

LEVEL_VARIABLE = "FRAMEKIT_LOG_LEVEL"
"""The environment variable that sets the level (``INFO`` when unset)."""

_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
_MIN_SECRET = 6
"""Shorter values are not registered: replacing every ``true`` or ``8080`` would garble logs."""
_SECRET_WORDS = frozenset(
    {"TOKEN", "KEY", "APIKEY", "SECRET", "PASSWORD", "PASSWD", "PASS", "CREDENTIALS"}
)
"""A variable is a secret when the last ``_``-separated word of its name is one of these."""
_MASK = "***"
_SHAPES = (
    # A URL's password: scheme://user:PASSWORD@host
    (re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/?#@]*:)[^\s@/]+@"), rf"\g<1>{_MASK}@"),
    # Query parameters that carry credentials: ?token=..., &api_key=...
    (
        re.compile(
            r"(?i)([?&;](?:token|access_token|auth_token|api_key|apikey|key|password|secret"
            r"|signature)=)[^&\s\"'#<>]+"
        ),
        rf"\g<1>{_MASK}",
    ),
    # Headers and their reprs: Authorization: Bearer ..., {'x-api-key': '...'}
    (
        re.compile(
            r"(?i)((?:authorization|x-api-key|api-key|x-twilio-signature)['\"]?\s*[:=]\s*['\"]?)"
            r"[^'\"\n,}]+"
        ),
        rf"\g<1>{_MASK}",
    ),
    (
        re.compile(r"(?i)(\b(?:bearer|token)\s+)(?=\S*\d)[A-Za-z0-9._~+/=-]{12,}"),
        rf"\g<1>{_MASK}",
    ),
    # framekit's Twilio stream token: CALL.EXPIRES.MAC (a 43-character base64url HMAC)
    (re.compile(r"(\b[A-Za-z0-9]+\.\d{9,11}\.)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"), rf"\1{_MASK}"),
)


class _Secrets:
    """The registered values and one pattern that finds any of them, longest first."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        new = {v for v in values if len(v) >= _MIN_SECRET} - self.values
        if not new:
            return
        self.values |= new
        ordered = sorted(self.values, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(value) for value in ordered))


_secrets = _Secrets()
_handler_id: int | None = None
_personal_data: Callable[[str], str] | None = None


def add_secrets(*values: str | None) -> None:
    """Register secret values: from now on :func:`redact` replaces each with ``***``.

    ``None``, empty and short values (under 6 characters) are skipped. A value's
    percent-encoded form (as it appears inside a URL) is registered with it.
    """
    forms: list[str] = []
    for value in values:
        if value:
            forms += [value, quote(value, safe=""), quote(value, safe="/")]
    _secrets.add(forms)


def redact(text: str) -> str:
    """``text`` with every registered secret and every credential-shaped part as ``***``.

    Then the personal data filter, when one is set.
    """
    if _secrets.pattern is not None:
        text = _secrets.pattern.sub(_MASK, text)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text if _personal_data is None else _personal_data(text)


def set_personal_data_filter(redactor: Callable[[str], str] | None) -> None:
    """Redact callers' personal data from every line :func:`redact` writes (``None``: stop).

    A function of text, such as :meth:`framekit.privacy.redact.Redactor.text`: the logs
    stay free of the privacy package, and the application decides the policy.
    """
    global _personal_data
    _personal_data = redactor


def is_secret_name(name: str) -> bool:
    """Whether a variable or field named ``name`` holds a secret, by its last word.

    ``TWILIO_AUTH_TOKEN``, ``anthropic_api_key``, ``AWS_SECRET_ACCESS_KEY``,
    ``DB_PASSWORD``: yes; ``KEY_MENU``, ``AWS_ACCESS_KEY_ID``: no.
    """
    return name.upper().rsplit("_", 1)[-1] in _SECRET_WORDS


def secrets_in_environ(environ: Mapping[str, str]) -> list[str]:
    """The values of ``environ`` that are secrets: by the variable's name, or a URL's password.

    ``TWILIO_AUTH_TOKEN``, ``API_TOKEN``, ``ANTHROPIC_API_KEY``, ``DB_PASSWORD``... by
    name (:func:`is_secret_name`), the values of header lists
    (``OTEL_EXPORTER_OTLP_HEADERS``) and the
    password inside any URL-valued variable (``DATABASE_URL``, ``REDIS_URL``).
    """
    found: list[str] = []
    for name, value in environ.items():
        if not value:
            continue
        if is_secret_name(name):
            found.append(value)
        elif name.upper().endswith("_HEADERS"):
            found += _header_values(value)
        elif "://" in value:
            found += _url_password(value)
    return found


def _header_values(headers: str) -> list[str]:
    """The values of ``name=value,name=value`` headers (``OTEL_EXPORTER_OTLP_HEADERS``):
    credentials such as ``authorization=Bearer abc``, so the value and its last word."""
    found: list[str] = []
    for pair in headers.split(","):
        _, _, value = pair.partition("=")
        value = unquote(value).strip()
        if value:
            found += dict.fromkeys([value, value.rsplit(" ", 1)[-1]])
    return found


def _url_password(url: str) -> list[str]:
    try:
        password = urlsplit(url.strip()).password
    except ValueError:  # a malformed URL: its userinfo, if any, as written
        match = re.search(r"://[^\s:/?#@]*:([^\s@/]+)@", url)
        password = match.group(1) if match else None
    return list(dict.fromkeys([password, unquote(password)])) if password else []


def configure_logging(
    level: str | None = None, *, environ: Mapping[str, str] | None = None
) -> None:
    """Set up logging for a ``framekit`` command; safe to call again (it replaces its own setup).

    ``level`` defaults to ``FRAMEKIT_LOG_LEVEL``, else ``INFO``; raises ``ValueError``
    for an unknown level. The secrets of ``environ`` (default: the process
    environment) are registered (:func:`secrets_in_environ`).
    """
    global _handler_id
    environ = os.environ if environ is None else environ
    name = (level or environ.get(LEVEL_VARIABLE) or "INFO").strip().upper()
    if name not in _LEVELS:
        raise ValueError(f"{LEVEL_VARIABLE} must be one of {', '.join(_LEVELS)} (got {name!r})")
    add_secrets(*secrets_in_environ(environ))
    if _handler_id is not None:
        logger.remove(_handler_id)
    with contextlib.suppress(ValueError):  # ValueError: already gone
        logger.remove(0)  # loguru's default handler, made with diagnose=True
    _handler_id = logger.add(
        _write,
        level=name,
        diagnose=False,
        backtrace=False,
        colorize=(sys.__stderr__ or sys.stderr).isatty(),
    )
    _route_standard_logging(logging.DEBUG if name in ("TRACE", "DEBUG") else logging.WARNING)
    sys.excepthook = _excepthook


def _write(message: Message) -> None:
    # The process's own stderr, like loguru's default handler: not a sys.stderr replaced
    # by whoever runs a command in process (a test reading a command's own error lines).
    stream = sys.__stderr__ or sys.stderr
    stream.write(redact(str(message)))
    stream.flush()


class _ToLoguru(logging.Handler):
    """The standard library's records, written by framekit's handler (redacted alike)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            try:
                level: str | int = logger.level(record.levelname).name
            except ValueError:
                level = record.levelno

            def where(entry: Record) -> None:
                entry["name"] = record.name
                entry["function"] = record.funcName
                entry["line"] = record.lineno

            logger.patch(where).opt(exception=record.exc_info).log(level, text)
        except Exception:
            self.handleError(record)


def _route_standard_logging(level: int) -> None:
    root = logging.getLogger()
    if not any(isinstance(handler, _ToLoguru) for handler in root.handlers):
        root.addHandler(_ToLoguru())
    root.setLevel(level)


def _excepthook(
    kind: type[BaseException], value: BaseException, trace: TracebackType | None
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, trace))))
