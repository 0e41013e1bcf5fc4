"""Debian's Firefox (``firefox-esr``) driven over WebDriver BiDi, its own remote protocol.

Playwright drives only its patched Firefox build, which cannot be downloaded here;
Firefox speaks WebDriver BiDi natively (``--remote-debugging-port``), so a few
commands over one WebSocket are enough: open a session, navigate, evaluate script
in the page (with user activation, so the page may start audio), and collect the
page's console errors from ``log.entryAdded``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

FIREFOX = shutil.which("firefox-esr")
LISTENING = re.compile(rb"WebDriver BiDi listening on (ws://\S+)")
PREFS: dict[str, bool | int | str] = {
    # Calls need the microphone without a permission prompt, and audio without a click.
    "media.navigator.permission.disabled": True,
    "media.autoplay.default": 0,
    # Loopback only: Firefox gathers no 127.0.0.1 candidate unless told to, and hides
    # host addresses behind mDNS names.
    "media.peerconnection.ice.loopback": True,
    "media.peerconnection.ice.obfuscate_host_addresses": False,
}


class BiDiError(Exception):
    """A command that failed, or a script that threw, with Firefox's message."""


@dataclass(frozen=True)
class LogEntry:
    """One ``log.entryAdded`` event: a console call or an uncaught script error."""

    kind: str  # "console" or "javascript"
    level: str  # "debug", "info", "warn" or "error"
    text: str


@dataclass
class BiDi:
    """One WebDriver BiDi session over a WebSocket: commands by id, events to ``log``."""

    socket: ClientConnection
    log: list[LogEntry] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pending: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)

    async def command(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Send one command and wait for its result; an error reply raises ``BiDiError``."""
        command_id = next(self._ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = reply
        await self.socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        try:
            return await reply
        finally:
            self._pending.pop(command_id, None)

    async def receive(self) -> None:
        """Route replies to their commands and keep log entries, until the socket closes."""
        try:
            async for raw in self.socket:
                message = json.loads(raw)
                if message.get("type") == "event":
                    if message["method"] == "log.entryAdded":
                        params = message["params"]
                        self.log.append(LogEntry(params["type"], params["level"], params["text"]))
                    continue
                reply = self._pending.get(message.get("id", -1))
                if reply is None or reply.done():
                    continue
                if message.get("type") == "error":
                    reply.set_exception(BiDiError(f"{message['error']}: {message['message']}"))
                else:
                    reply.set_result(message["result"])
        finally:
            for reply in self._pending.values():
                if not reply.done():
                    reply.set_exception(BiDiError("the browser closed the connection"))

    async def evaluate(
        self, context: str, expression: str, *, user_activation: bool = False
    ) -> Any:
        """The value of ``expression`` in the page (awaited if a promise), as plain Python.

        ``user_activation`` makes it count as a click: the page may then start audio.
        """
        result = await self.command(
            "script.evaluate",
            {
                "expression": expression,
                "target": {"context": context},
                "awaitPromise": True,
                "resultOwnership": "none",
                "userActivation": user_activation,
            },
        )
        if result["type"] == "exception":
            raise BiDiError(f"{expression}: {result['exceptionDetails']['text']}")
        return remote_value(result["result"])

    async def wait_until(self, context: str, expression: str, within: float) -> None:
        """Poll ``expression`` in the page until it is truthy; ``TimeoutError`` after ``within``."""
        async with asyncio.timeout(within):
            while not await self.evaluate(context, expression):  # noqa: ASYNC110
                await asyncio.sleep(0.1)


def remote_value(value: Mapping[str, Any]) -> Any:
    """A BiDi ``RemoteValue`` as Python: primitives, arrays and plain objects (nested)."""
    kind = value["type"]
    if kind in ("undefined", "null"):
        return None
    if kind == "number":
        number = value["value"]
        return float(number) if isinstance(number, str) else number  # NaN, Infinity, -0
    if kind in ("string", "boolean"):
        return value["value"]
    if kind == "array":
        return [remote_value(item) for item in value.get("value", [])]
    if kind == "object":
        return {key: remote_value(item) for key, item in value.get("value", [])}
    raise BiDiError(f"a {kind} cannot be read back; return plain data")


@dataclass
class Firefox:
    """A headless Firefox, its BiDi session and its one tab (``context``)."""

    bidi: BiDi
    context: str
    process: asyncio.subprocess.Process
    """The browser's main process (a test may kill it: the session then ends as it exits)."""

    async def goto(self, url: str) -> None:
        await self.bidi.command(
            "browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}
        )

    async def evaluate(self, expression: str, *, user_activation: bool = False) -> Any:
        return await self.bidi.evaluate(self.context, expression, user_activation=user_activation)

    async def wait_until(self, expression: str, within: float = 10.0) -> None:
        await self.bidi.wait_until(self.context, expression, within)

    def errors(self) -> list[LogEntry]:
        """The page's console errors and uncaught exceptions so far."""
        return [entry for entry in self.bidi.log if entry.level == "error"]


def _write_profile(profile: Path, prefs: Mapping[str, bool | int | str]) -> None:
    profile.mkdir(parents=True)
    (profile / "user.js").write_text(
        "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
    )


@asynccontextmanager
async def firefox(
    profile: Path, prefs: Mapping[str, bool | int | str], env: Mapping[str, str] | None = None
) -> AsyncIterator[Firefox]:
    """Start ``firefox-esr --headless`` on a new ``profile`` folder with ``prefs`` added.

    ``env`` is added to the browser's environment (``PULSE_SERVER``). On exit the
    session closes the browser; one that does not quit within 5 s is killed.
    """
    if FIREFOX is None:
        raise RuntimeError("firefox-esr is not installed")
    await asyncio.to_thread(_write_profile, profile, prefs)
    process = await asyncio.create_subprocess_exec(
        FIREFOX,
        "--headless",
        "--no-remote",
        "--remote-debugging-port=0",
        "--profile",
        str(profile),
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {}), "MOZ_CRASHREPORTER_DISABLE": "1"},
    )
    assert process.stderr is not None
    draining: asyncio.Task[bytes] | None = None
    try:
        async with asyncio.timeout(20):
            while not (found := LISTENING.search(await process.stderr.readline())):
                if process.stderr.at_eof():
                    raise RuntimeError(f"firefox-esr exited with {await process.wait()}")
        # Firefox keeps writing to stderr: drain it so it never blocks on a full pipe.
        draining = asyncio.create_task(process.stderr.read())
        async with websockets.connect(found[1].decode() + "/session", max_size=None) as socket:
            bidi = BiDi(socket)
            receiving = asyncio.create_task(bidi.receive())
            try:
                await bidi.command("session.new", {"capabilities": {}})
                await bidi.command("session.subscribe", {"events": ["log.entryAdded"]})
                tree = await bidi.command("browsingContext.getTree", {"maxDepth": 0})
                yield Firefox(bidi, tree["contexts"][0]["context"], process)
            finally:
                with contextlib.suppress(BiDiError, TimeoutError, websockets.ConnectionClosed):
                    await asyncio.wait_for(bidi.command("browser.close", {}), 5)
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                    await receiving
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 5)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if draining is not None:
            draining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await draining
