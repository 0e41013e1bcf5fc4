"""One settings object for the contact center, from the environment and a ``.env`` file.

Why not pydantic-settings: the application ships extra-free next to framekit,
whose only dependencies are loguru and numpy, so the loader is a small typed
one. Every problem is collected and reported at once, each naming the variable
and what is wrong with it, so a misconfigured server fails at start with a
message a person can act on, never in the middle of a call.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from framekit.logs import is_secret_name, redact, secrets_in_environ
from framekit.privacy.redact import Redactor, parse_policies

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
    tts_voice: Path | None = None
    tts_api_url: str | None = None
    tts_api_key: str | None = None
    stt_model: str = SECOND_PASS_MODEL
    """``moonshine+whisper`` (Moonshine, then Whisper base when it is unsure), ``moonshine``
    (English, fastest; both need the extra, else Whisper base) or a Whisper model name."""
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
    retention_recordings_days: int | None = None
    retention_transcripts_days: int | None = None
    retention_analytics_days: int | None = None
    retention_metadata_days: int | None = None
    """Days each kind of call data is kept (unset: forever); the metadata's may not be
    shorter than the others' (``docs/privacy.md``, Retention and erasure)."""
    retention_interval: float = 3600.0
    """Seconds between the server's retention runs (one process at a time runs them)."""

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


def _url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme.split("+")[0] not in schemes:
            raise ValueError(f"must start with {' or '.join(s + '://' for s in schemes)}")
        if parsed.scheme.split("+")[0] != "sqlite" and not parsed.netloc:
            raise ValueError("has no host")
        return value

    return check


def _twilio_sid(value: str) -> str:
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", value):
        raise ValueError("must be 'AC' followed by 32 hexadecimal digits (see the Twilio console)")
    return value


def _phone(value: str) -> str:
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", value):
        raise ValueError("must be a phone number in E.164 form, like +15550100")
    return value


def _transfer_target(value: str) -> str:
    if value.lower().startswith(("sip:", "sips:")):
        if "@" not in value or any(c.isspace() for c in value):
            raise ValueError("must be a SIP URI like sip:agent@pbx.example.com")
        return value
    return _phone(value)


def _existing_file(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return path


def _api_token(value: str) -> str:
    if len(value) < 16 or any(c.isspace() for c in value):
        raise ValueError(
            "must be at least 16 characters without spaces (try: openssl rand -hex 24)"
        )
    return value


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


def _otlp_endpoint(value: str) -> str:
    _url(("http", "https"))(value)
    if importlib.util.find_spec("opentelemetry.sdk") is None:
        raise ValueError("needs opentelemetry: pip install 'framekit[otel]'")
    return value


def _ice_urls(value: str) -> str:
    for url in value.split(","):
        if url.strip() and not url.strip().startswith(("stun:", "stuns:", "turn:", "turns:")):
            raise ValueError("must be stun: or turn: URLs, comma-separated")
    return value


def _greeting(value: str) -> str:
    return "" if value.strip().lower() == "off" else value.strip()


def _seconds_or_off(value: str) -> float | None:
    if value.strip().lower() in ("off", "none", "0"):
        return None
    return _seconds(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("must be a number of seconds") from None
    if not 0 < seconds <= 3600:
        raise ValueError("must be between 0 and 3600 seconds")
    return seconds


def _count(value: str) -> int:
    if not value.strip().isdigit() or int(value) > 10:
        raise ValueError("must be a whole number from 0 to 10")
    return int(value)


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


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


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


def _redaction(value: str) -> str:
    policies = parse_policies(value)
    Redactor(policies, hash_key=b"checked")  # unknown kinds or policies fail here
    return value


def _not_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("is set but empty")
    return value.strip()


_PARSERS: dict[str, Callable[[str], Any]] = {
    "twilio_account_sid": _twilio_sid,
    "twilio_auth_token": _not_empty,
    "twilio_phone_number": _phone,
    "webhook_base_url": _url(("http", "https")),
    "api_token": _api_token,
    "metrics_token": _api_token,
    "anthropic_api_key": _not_empty,
    "anthropic_base_url": _url(("http", "https")),
    "openai_api_key": _not_empty,
    "openai_base_url": _url(("http", "https")),
    "local_llm_base_url": _url(("http", "https")),
    "local_llm_api_key": _not_empty,
    "deepgram_api_key": _not_empty,
    "deepgram_url": _url(("wss", "ws", "https", "http")),
    "database_url": _url(("sqlite", "postgresql", "postgres")),
    "business_db_path": Path,
    "redis_url": _url(("redis", "rediss")),
    "tts_voice": _existing_file,
    "tts_api_url": _url(("http", "https")),
    "tts_api_key": _not_empty,
    "stt_model": _not_empty,
    "transfer_number": _transfer_target,
    "timezone": _timezone,
    "twilio_api_base_url": _url(("http", "https")),
    "greeting": _greeting,
    "key_menu": _key_menu,
    "silence_timeout": _seconds_or_off,
    "silence_prompts": _count,
    "dtmf_timeout": _seconds,
    "max_calls": _capacity,
    "recordings_dir": Path,
    "spool_dir": Path,
    "recordings_s3_bucket": _bucket,
    "recordings_s3_prefix": _s3_prefix,
    "recordings_s3_endpoint_url": _url(("http", "https")),
    "recordings_s3_region": _region,
    "recordings_s3_delete_local": _flag,
    "recordings_s3_server_side_encryption": _server_side_encryption,
    "recordings_encryption_key": _key_ring,
    "recordings_encryption_key_file": _key_file,
    "otel_exporter_otlp_endpoint": _otlp_endpoint,
    "webrtc_ice_servers": _ice_urls,
    "webrtc_turn_username": _not_empty,
    "webrtc_turn_password": _not_empty,
    "redaction": _redaction,
    "redaction_hash_key": _not_empty,
    "retention_recordings_days": _days,
    "retention_transcripts_days": _days,
    "retention_analytics_days": _days,
    "retention_metadata_days": _days,
    "retention_interval": _interval,
}


_NEEDS: dict[str, tuple[str, str]] = {
    "OPENAI_BASE_URL": (
        "OPENAI_API_KEY",
        "it only moves the OpenAI client; for a local OpenAI-compatible server "
        "(llama.cpp, vLLM, Ollama) set LOCAL_LLM_BASE_URL instead",
    ),
    "ANTHROPIC_BASE_URL": ("ANTHROPIC_API_KEY", "it only moves the Anthropic client"),
    "LOCAL_LLM_API_KEY": ("LOCAL_LLM_BASE_URL", "the local server's URL"),
    "WEBRTC_TURN_PASSWORD": ("WEBRTC_TURN_USERNAME", "the TURN servers' user"),
    "DEEPGRAM_URL": ("DEEPGRAM_API_KEY", "a self-hosted Deepgram takes any non-empty key"),
    "TTS_API_KEY": ("TTS_API_URL", "the HTTP TTS service's URL"),
    "RECORDINGS_S3_PREFIX": ("RECORDINGS_S3_BUCKET", "the bucket the recordings go to"),
    "RECORDINGS_S3_ENDPOINT_URL": ("RECORDINGS_S3_BUCKET", "the bucket the recordings go to"),
    "RECORDINGS_S3_REGION": ("RECORDINGS_S3_BUCKET", "the bucket the recordings go to"),
    "RECORDINGS_S3_DELETE_LOCAL": ("RECORDINGS_S3_BUCKET", "the bucket the recordings go to"),
    "RECORDINGS_S3_SERVER_SIDE_ENCRYPTION": (
        "RECORDINGS_S3_BUCKET",
        "the bucket the recordings go to",
    ),
}
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
            parsed[field.name] = _PARSERS.get(field.name, _not_empty)(raw)
        except ValueError as exc:
            problems.append((variable, f"{exc} (got {_shown(variable, raw)})"))
    twilio = [v for v in ("twilio_account_sid", "twilio_auth_token") if values.get(v.upper())]
    if len(twilio) == 1:
        missing = ({"twilio_account_sid", "twilio_auth_token"} - set(twilio)).pop()
        problems.append((missing.upper(), f"is required when {twilio[0].upper()} is set"))
    for variable, (needed, hint) in _NEEDS.items():
        if values.get(variable) and not values.get(needed):
            problems.append((variable, f"needs {needed} ({hint})"))
    if values.get("RECORDINGS_ENCRYPTION_KEY") and values.get("RECORDINGS_ENCRYPTION_KEY_FILE"):
        problems.append(
            ("RECORDINGS_ENCRYPTION_KEY_FILE", "set it or RECORDINGS_ENCRYPTION_KEY, not both")
        )
    problems += _retention_problems(parsed)
    if problems:
        raise SettingsError(problems)
    return Settings(**parsed)


def _retention_problems(parsed: dict[str, Any]) -> list[tuple[str, str]]:
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
