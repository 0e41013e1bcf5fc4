"""A private PulseAudio daemon: a WAV played into it is what a browser's microphone captures.

Firefox has no "file as microphone" flag, so its real capture path is used: the
daemon has two null sinks, ``mic`` (whose monitor is the default source: what
``getUserMedia`` records) and ``speaker`` (the default sink: where the browser
plays, so the bot never hears itself). ``paplay --device=mic`` speaks into the
microphone. The daemon lives in its own folder and socket, so tests and other
users' sound never meet.

A null sink with no stream sleeps in 2 s blocks: a stream opened on it then waits
up to 2 s for its first data. Firefox reopens its output as one duplex stream when
the microphone opens, and its media graph (the page's meters, the received audio)
stalled for those ~2 s while the jitter buffer filled, which no real sound card
does. A silent low-latency stream into each sink (``pacat``) keeps them awake.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

PULSEAUDIO = shutil.which("pulseaudio")
PAPLAY = shutil.which("paplay")
PACTL = shutil.which("pactl")
PACAT = shutil.which("pacat")


@dataclass(frozen=True)
class Pulse:
    """A running daemon: ``env`` points a client (the browser, ``paplay``) at it."""

    env: dict[str, str]

    async def play(self, wav: Path) -> None:
        """Speak ``wav`` into the microphone; returns once it has been played."""
        assert PAPLAY is not None
        await _run(PAPLAY, "--device=mic", str(wav), env=self.env)


async def _run(*command: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, env={**os.environ, **env}, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}): {stderr.decode()}")


@asynccontextmanager
async def pulseaudio(folder: Path) -> AsyncIterator[Pulse]:
    """Run ``pulseaudio`` with its runtime files and socket in ``folder`` (created)."""
    if PULSEAUDIO is None or PACTL is None or PAPLAY is None or PACAT is None:
        raise RuntimeError("pulseaudio and pulseaudio-utils are not installed")
    socket = folder / "native"
    # HOME and XDG_RUNTIME_DIR keep its cookie, state and lock files in the folder.
    daemon_env = {"HOME": str(folder), "XDG_RUNTIME_DIR": str(folder)}
    await asyncio.to_thread(folder.mkdir, parents=True)
    process = await asyncio.create_subprocess_exec(
        PULSEAUDIO,
        "-n",  # no default.pa: only the modules below
        "--daemonize=no",
        "--exit-idle-time=-1",
        "--use-pid-file=no",
        "--disable-shm=yes",
        "-L",
        f"module-native-protocol-unix socket={socket} auth-anonymous=1",
        "-L",
        "module-null-sink sink_name=speaker rate=48000",
        "-L",
        "module-null-sink sink_name=mic rate=48000",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, **daemon_env},
    )
    pulse = Pulse({"PULSE_SERVER": f"unix:{socket}"})
    awake: list[asyncio.subprocess.Process] = []
    try:
        async with asyncio.timeout(10):
            while not socket.exists():
                if process.returncode is not None:
                    raise RuntimeError(f"pulseaudio exited with {process.returncode}")
                await asyncio.sleep(0.05)
        await _run(PACTL, "set-default-sink", "speaker", env=pulse.env)
        await _run(PACTL, "set-default-source", "mic.monitor", env=pulse.env)
        for sink in ("speaker", "mic"):
            awake.append(
                await asyncio.create_subprocess_exec(
                    PACAT,
                    "--raw",
                    "--latency-msec=20",
                    f"--device={sink}",
                    "/dev/zero",
                    stdin=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    env={**os.environ, **pulse.env},
                )
            )
        yield pulse
    finally:
        for started in [*awake, process]:
            await _stop(started)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 5)
    if process.returncode is None:
        process.kill()
        await process.wait()
