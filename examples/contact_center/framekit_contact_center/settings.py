"""One settings object for the contact center, from the environment and a ``.env`` file.

Why not pydantic-settings: the application ships extra-free next to framekit,
whose only dependencies are loguru and numpy, so the loader is a small typed
one. Every problem is collected and reported at once, each naming the variable
and what is wrong with it, so a misconfigured server fails at start with a
message a person can act on, never in the middle of a call.

This module holds the settings object, the loader and the call's own settings
(greeting, key menu, silences, capacity, time zone); the checks of the other groups
live with their group: :mod:`~framekit_contact_center.settings_providers` (Twilio,
models, voices, WebRTC, traces), :mod:`~framekit_contact_center.settings_storage`
(databases, recordings, S3) and :mod:`~framekit_contact_center.settings_privacy`
(redaction, encryption, retention), on the shared shapes of
:mod:`~framekit_contact_center.settings_values`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from framekit.logs import is_secret_name, redact, secrets_in_environ
from framekit.privacy.redact import Redactor, parse_policies
from framekit_contact_center import settings_privacy, settings_providers, settings_storage
from framekit_contact_center.settings_values import (
    flag,
    not_empty,
    said_or_off,
    seconds,
    token,
    url,
)

__all__ = [
    "SECOND_PASS_MODEL",
    "Settings",
    "SettingsError",
    "load_settings",
    "read_env_file",
    "redactor",
    "shop_clock",
]

_FRAMEKIT_DIR = Path(".framekit")

SECOND_PASS_MODEL = "moonshine+whisper"
"""``STT_MODEL`` for Moonshine first and Whisper base when it is unsure (the default)."""

DEFAULT_KEY_MENU: tuple[tuple[str, str], ...] = (
    ("1", "I'd like to check on my order."),
    ("2", "I'd like to book an appointment."),
    ("0", "I'd like to talk to a person."),
)
DEFAULT_GREETING = (
    "Thanks for calling Northwind! Tell me how I can help, or press 1 for an order, "
    "2 for an appointment, or 0 for a person."
)


class SettingsError(ValueError):
    """The configuration is invalid; ``problems`` lists ``(variable, what is wrong)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {name}: {problem}" for name, problem in problems)
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the contact center reads from its environment; see ``.env.example``."""

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_phone_number: str | None = None
    webhook_base_url: str | None = None
    api_token: str | None = None
    metrics_token: str | None = None
    """Set: ``/metrics`` wants ``Authorization: Bearer`` it; unset: ``/metrics`` is open
    (Prometheus scrapes without credentials by default; it shows counts, no call data)."""
    anthropic_api_key: str | None = None
    anthropic_model: str = "claude-haiku-4-5"
    anthropic_base_url: str | None = None
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_base_url: str | None = None
    local_llm_base_url: str | None = None
    local_llm_model: str = "llama3.2"
    local_llm_api_key: str | None = None
    deepgram_api_key: str | None = None
    deepgram_url: str | None = None
    database_url: str = f"sqlite:///{_FRAMEKIT_DIR / 'framekit.db'}"
    business_db_path: Path = _FRAMEKIT_DIR / "business.db"
    redis_url: str | None = None
    unready_before_drain: float = 0.0
    """Seconds after SIGTERM that ``/health/ready`` says 503 before the port closes."""
    node_heartbeat: float = 5.0
    """Seconds between a node's heartbeats in Redis; a node silent for 3 is dead after 3 more
    (``docs/deploy.md``, stateless call nodes)."""
    store_outage_retries: int = 5
    """While Redis (the stream tokens) is away: times a new call is held 1 s and retried
    before the apology (``docs/deploy.md``, Redis restarted)."""
    store_outage_hold: str = "Please hold."
    """Said once to a call held while Redis is away (``off``: silence)."""
    store_outage_apology: str = (
        "Sorry, we cannot take your call right now. Please call again in a few minutes."
    )
    """Said before hanging up once the retries are spent."""
    tts_voice: Path | None = None
    tts_api_url: str | None = None
    tts_api_key: str | None = None
    stt_model: str = SECOND_PASS_MODEL
    """``moonshine+whisper`` (Moonshine, then Whisper base when it is unsure), ``moonshine``
    (English, fastest; both need the extra, else Whisper base) or a Whisper model name."""
    model_tier_url: str | None = None
    """Set: speech recognition and the voice run in this model tier (``framekit models
    serve``, ``docs/model-tier.md``) instead of in this process."""
    model_tier_fallback: str = "local"
    """When the tier fails a request twice: ``local`` (the local models answer) or
    ``apology`` (no local model is loaded; the caller hears an apology)."""
    transfer_number: str = ""
    """Where ``transfer_to_human`` sends the caller: a phone number or a ``sip:`` URI."""
    timezone: str = ""
    """The shop's IANA time zone (``America/New_York``): what "today", "tomorrow at 2" and
    the appointment slots mean to a caller, wherever the server runs. Empty: the
    machine's local time."""
    twilio_api_base_url: str | None = None
    """Twilio's REST API root for hang-ups and transfers (unset: Twilio's own); a fake in tests."""
    greeting: str = DEFAULT_GREETING
    """Said as soon as a served call starts; ``GREETING=off``: the bot waits for the caller."""
    key_menu: tuple[tuple[str, str], ...] = DEFAULT_KEY_MENU
    """``(key, what the caller means)`` pairs: one key acts at once, until the first request."""
    silence_timeout: float | None = 8.0
    """Seconds of silence on both sides before the bot asks if the caller is still there."""
    silence_prompts: int = 2
    """Prompts without an answer before the bot says goodbye and hangs up."""
    dtmf_timeout: float = 2.0
    """Seconds after the last key that end a multi-digit entry (``#`` ends it at once)."""
    max_calls: int | None = None
    """Calls one ``serve`` process takes at once; beyond, a busy answer. Unset: 2 per core."""
    recordings_dir: Path = _FRAMEKIT_DIR / "recordings"
    spool_dir: Path = _FRAMEKIT_DIR / "spool"
    """Where call records wait while the database is down (best on another disk than the
    recordings: a disk they fill would leave no room)."""
    recordings_s3_bucket: str | None = None
    """Set: each call's recordings are also uploaded there (needs the ``s3`` extra)."""
    recordings_s3_prefix: str = "recordings/{date}/"
    recordings_s3_endpoint_url: str | None = None
    """Any S3-compatible store (MinIO, R2, ...); unset: AWS S3."""
    recordings_s3_region: str | None = None
    recordings_s3_delete_local: bool = False
    """After a successful upload, delete the local files (the API then links the bucket only)."""
    recordings_s3_server_side_encryption: str | None = None
    """``AES256`` or ``aws:kms``: the store also encrypts each object (on top of ours)."""
    recordings_encryption_key: str | None = None
    """Master keys ``id:base64`` (comma-separated, newest first): recordings are written
    encrypted (``docs/privacy.md``, Encryption at rest)."""
    recordings_encryption_key_file: Path | None = None
    """The same keys from a file, one a line, newest first (instead of the variable)."""
    otel_exporter_otlp_endpoint: str | None = None
    """Set: each call is traced (a span per call, turn and stage) to this OTLP/HTTP collector's
    base URL; needs the ``otel`` extra (``docs/operations.md``, Traces)."""
    webrtc_ice_servers: str | None = None
    """STUN and TURN URLs, comma-separated, for browser calls behind NAT (``docs/webrtc.md``);
    unset: none (loopback and a local network need none)."""
    webrtc_turn_username: str | None = None
    webrtc_turn_password: str | None = None
    """The TURN servers' credential (their URLs are in ``WEBRTC_ICE_SERVERS``)."""
    redaction: str = ""
    """What becomes of callers' personal data in records and logs, per kind: ``mask``,
    ``hash`` or ``keep`` (``card=mask,email=hash``); a kind not named is masked
    (``docs/privacy.md``, Redaction)."""
    redaction_hash_key: str | None = None
    """The HMAC key of the hashed kinds (equal values give equal tags); needed to hash."""
    llm_placeholders: str = "on"
    """``on``: the cloud models (Anthropic, OpenAI) see callers' personal data as placeholders
    (``<email_1>``), restored in their answers and tool calls; ``all``: the local model too;
    ``off``: none (``docs/privacy.md``, Placeholders for cloud LLMs)."""
    retention_recordings_days: int | None = None
    retention_transcripts_days: int | None = None
    retention_analytics_days: int | None = None
    retention_metadata_days: int | None = None
    """Days each kind of call data is kept (unset: forever); the metadata's may not be
    shorter than the others' (``docs/privacy.md``, Retention and erasure)."""
    retention_interval: float = 3600.0
    """Seconds between the server's retention runs (one process at a time runs them)."""
    analytics: bool = True
    """``off``: this process analyses no call after it ends; a process started with it on
    (or ``framekit serve`` later) catches up on them (``docs/analytics.md``)."""

    def __repr__(self) -> str:
        """Every field, secrets as ``'***'``: a logged or printed settings object leaks nothing."""
        shown = ", ".join(
            f"{field.name}={_redacted(field.name, getattr(self, field.name))!r}"
            for field in fields(self)
        )
        return f"Settings({shown})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values that must never be logged: keys, tokens, and the passwords inside URLs.

        The commands register them with :func:`framekit.logs.add_secrets`, so that a
        value read from ``.env`` (not the environment) is redacted from the logs too.
        """
        found: list[str] = []
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, str) or not value:
                continue
            if is_secret_name(field.name):
                found.append(value)
            elif "://" in value:
                found += secrets_in_environ({field.name: value})
        return tuple(found)

    @property
    def llm_providers(self) -> tuple[str, ...]:
        """The configured models, in fallback order: ``"anthropic"``, ``"openai"``, ``"local"``.

        The offline intent engine is not listed: it is always there, as the chain's last link.
        """
        configured = (
            ("anthropic", self.anthropic_api_key),
            ("openai", self.openai_api_key),
            ("local", self.local_llm_base_url),
        )
        return tuple(name for name, value in configured if value)

    @property
    def llm_provider(self) -> str | None:
        """The first of :attr:`llm_providers` (the one that answers while healthy), or ``None``."""
        providers = self.llm_providers
        return providers[0] if providers else None


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file (``export``, quotes and ``#`` comments allowed)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            # The line itself is not shown: it may be a secret missing its "KEY=".
            raise SettingsError([(f"{path}:{number}", "not a KEY=VALUE line")])
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def _seconds_or_off(value: str) -> float | None:
    if value.strip().lower() in ("off", "none", "0"):
        return None
    return seconds(value)


def _count(value: str) -> int:
    if not value.strip().isdigit() or int(value) > 10:
        raise ValueError("must be a whole number from 0 to 10")
    return int(value)


def _capacity(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 100_000:
        raise ValueError("must be a whole number of calls, at least 1")
    return int(value)


def _key_menu(value: str) -> tuple[tuple[str, str], ...]:
    """``1=I'd like to check on my order;2=...``; ``off`` for no menu."""
    if value.strip().lower() == "off":
        return ()
    menu: list[tuple[str, str]] = []
    for item in value.split(";"):
        key, sep, meaning = item.partition("=")
        key, meaning = key.strip(), meaning.strip()
        if not sep or len(key) != 1 or key not in "0123456789" or not meaning:
            raise ValueError("must be KEY=WHAT THE CALLER MEANS pairs separated by ';' (or off)")
        if key in dict(menu):
            raise ValueError(f"names key {key} twice")
        menu.append((key, meaning))
    return tuple(menu)


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name like America/New_York)"
        ) from None
    return name


def shop_clock(settings: Settings) -> Callable[[], dt.datetime]:
    """The shop's wall clock: the time now in ``TIMEZONE``, as a naive datetime.

    Naive on purpose: slots, bookings and the intent engine compare wall-clock times
    of one shop, so the zone is applied once, here.
    """
    if not settings.timezone:
        return dt.datetime.now
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.timezone)
    return lambda: dt.datetime.now(zone).replace(tzinfo=None)


def redactor(settings: Settings) -> Redactor:
    """The process's redactor, as ``REDACTION`` and ``REDACTION_HASH_KEY`` say.

    Raises :class:`SettingsError` when a kind is hashed and no key is set.
    """
    key = settings.redaction_hash_key
    try:
        return Redactor(parse_policies(settings.redaction), hash_key=key.encode() if key else None)
    except ValueError as exc:
        raise SettingsError([("REDACTION", f"{exc} (REDACTION_HASH_KEY)")]) from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "webhook_base_url": url(("http", "https")),
    "api_token": token,
    "metrics_token": token,
    "timezone": _timezone,
    "greeting": said_or_off,
    "key_menu": _key_menu,
    "silence_timeout": _seconds_or_off,
    "silence_prompts": _count,
    "dtmf_timeout": seconds,
    "max_calls": _capacity,
    "analytics": flag,
    **settings_providers.PARSERS,
    **settings_storage.PARSERS,
    **settings_privacy.PARSERS,
}
"""The check of each field (by name; unlisted: :func:`~.settings_values.not_empty`)."""

_NEEDS: dict[str, tuple[str, str]] = {**settings_providers.NEEDS, **settings_storage.NEEDS}
"""Variables that mean nothing alone: ``variable: (what it needs, why)``."""


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from ``environ`` (default: the process environment) over ``env_file``.

    A variable set in the environment wins over the file; an empty value means
    "not set". Raises :class:`SettingsError` listing every problem.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(read_env_file(env_file))
    values.update(os.environ if environ is None else environ)
    problems: list[tuple[str, str]] = []
    parsed: dict[str, Any] = {}
    for field in fields(Settings):
        variable = field.name.upper()
        raw = values.get(variable)
        if raw is None or raw == "":
            continue
        try:
            parsed[field.name] = _PARSERS.get(field.name, not_empty)(raw)
        except ValueError as exc:
            problems.append((variable, f"{exc} (got {_shown(variable, raw)})"))
    problems += settings_providers.twilio_problems(values)
    for variable, (needed, hint) in _NEEDS.items():
        if values.get(variable) and not values.get(needed):
            problems.append((variable, f"needs {needed} ({hint})"))
    problems += settings_privacy.privacy_problems(values, parsed)
    if problems:
        raise SettingsError(problems)
    return Settings(**parsed)


def _shown(variable: str, raw: str) -> str:
    """The bad value, unless it is a secret: then only its length (a URL's password: ``***``)."""
    if is_secret_name(variable):
        return f"{len(raw)} characters"
    return redact(repr(raw))


def _redacted(name: str, value: object) -> object:
    """A field's value as :meth:`Settings.__repr__` shows it."""
    if isinstance(value, str) and value and is_secret_name(name):
        return "***"
    if isinstance(value, str) and "://" in value:
        return redact(value)
    return value
