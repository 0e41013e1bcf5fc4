"""A browser-like aiortc caller, and the local WebRTC server that runs the scripted test bot.

The bot is the Twilio tests' (:class:`transports.twilio.helpers.Bot`): it records
what passes, and barges in when loud caller audio comes while it speaks. Each call
greets with ``greeting`` seconds of a loud 440 Hz tone.
"""

from __future__ import annotations

import asyncio
import fractions
import gc
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from framekit.audio import PCM16_16K, audio_format, write_wav
from framekit.frames import (
    CancelFrame,
    EndCause,
    EndFrame,
    Frame,
    HangUpFrame,
    OutputAudioFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.servers.dashboard import Dashboard
from framekit.servers.webrtc import WebRTCCall, WebRTCServer
from framekit.tasks import live_framekit_tasks
from framekit.transports.webrtc import WebRTCTransport
from transports.twilio.helpers import LOUD, Bot, tone

TOKEN = "webrtc-test-token-0123456789"
RATE = 48000


def microphone(path: Path, *parts: tuple[float, int]) -> Path:
    """Write a 48 kHz WAV of ``(seconds, amplitude)`` parts (a 300 Hz tone, 0: silence)."""
    pieces = []
    for seconds, amplitude in parts:
        t = np.arange(round(seconds * RATE)) / RATE
        pieces.append((amplitude * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes())
    write_wav(path, b"".join(pieces), audio_format(RATE))
    return path


def loud_runs(levels: list[list[float]], threshold: float) -> list[tuple[float, float]]:
    """``(start ms, end ms)`` of each run of 20 ms windows above ``threshold``."""
    runs: list[tuple[float, float]] = []
    start: float | None = None
    last = 0.0
    for at, level in levels:
        if level > threshold and start is None:
            start = at
        elif level <= threshold and start is not None:
            runs.append((start, at))
            start = None
        last = at
    if start is not None:
        runs.append((start, last))
    return runs


def udp_sockets() -> int:
    """This process's UDP sockets (ICE's): a call that ended cleanly leaves none of its own."""
    import psutil

    return len(psutil.Process().net_connections(kind="udp"))


def leftovers(udp_before: int) -> list[str]:
    """What a finished call left in this process: framekit tasks, aiortc and aioice tasks,
    live media tracks, UDP sockets beyond ``udp_before`` (the count before it started)."""
    gc.collect()
    found = [f"task {task.get_name()}" for task in live_framekit_tasks()]
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        where = code.co_filename if code is not None else ""
        if not task.done() and ("/aiortc/" in where or "/aioice/" in where):
            found.append(f"media task {task.get_coro()!r}")
    found += [
        f"live {o.kind} track {type(o).__name__}"
        for o in gc.get_objects()
        if isinstance(o, MediaStreamTrack) and o.readyState == "live"
    ]
    if (udp := udp_sockets()) > udp_before:
        found.append(f"{udp - udp_before} UDP socket(s)")
    return found


class ToneTrack(MediaStreamTrack):
    """The caller's microphone: silence, or a loud tone while ``loud`` is set (48 kHz, 20 ms)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.loud = False
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._pts / 48000 - time.monotonic()))
        t = (self._pts + np.arange(960)) / 48000
        level = LOUD if self.loud else 0
        samples = (level * np.sin(2 * np.pi * 300 * t)).astype("<i2")
        frame = AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(samples.tobytes())
        frame.pts = self._pts
        frame.sample_rate = 48000
        frame.time_base = fractions.Fraction(1, 48000)
        self._pts += 960
        return frame


@dataclass
class Heard:
    """The bot's audio as the caller received it: (arrival time, RMS) per decoded frame."""

    frames: list[tuple[float, float]] = field(default_factory=list)

    def loud_since(self, since: float, threshold: float = 2000) -> list[float]:
        return [at for at, level in self.frames if at >= since and level > threshold]


class Caller:
    """One aiortc peer that calls the server as the softphone page does."""

    def __init__(
        self, base_url: str, token: str = TOKEN, mic: MediaStreamTrack | None = None
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.mic: Any = mic if mic is not None else ToneTrack()
        self.heard = Heard()
        self.events: list[dict[str, Any]] = []
        self.call_id = ""
        self._reader: asyncio.Task[None] | None = None
        self.pc.addTrack(self.mic)
        self.channel = self.pc.createDataChannel("framekit")
        self.channel.on("message", lambda raw: self.events.append(json.loads(raw)))
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._reader = asyncio.ensure_future(self._read(track))

    async def _read(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            samples = frame.to_ndarray().astype(np.float64)  # type: ignore[attr-defined]
            self.heard.frames.append((time.monotonic(), float(np.sqrt(np.mean(samples**2)))))

    async def offer(self, sdp: str | None = None) -> aiohttp.ClientResponse:
        if sdp is None:
            await self.pc.setLocalDescription(await self.pc.createOffer())
            sdp = self.pc.localDescription.sdp
        async with aiohttp.ClientSession() as http:
            response = await http.post(
                f"{self.base_url}/webrtc/offer",
                json={"type": "offer", "sdp": sdp},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            await response.read()
            return response

    async def dial(self) -> None:
        response = await self.offer()
        assert response.status == 200, await response.text()
        answer = await response.json()
        self.call_id = answer["call_id"]
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    def send(self, message: dict[str, Any]) -> None:
        self.channel.send(json.dumps(message))

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    async def close(self) -> None:
        self.mic.stop()
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


async def wait_for(condition: Any, within: float = 5.0) -> None:
    """Poll ``condition`` (state of either peer, with no one event to wait on)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@dataclass
class Call:
    transport: WebRTCTransport
    info: WebRTCCall
    bot: Bot
    task: PipelineTask
    ended: list[Frame] = field(default_factory=list)
    """The EndFrame or CancelFrame that left the pipeline."""

    @property
    def cause(self) -> EndCause | None:
        end = self.ended[0] if self.ended else None
        return end.cause if isinstance(end, EndFrame | CancelFrame) else None


class LocalWebRTC:
    """The server under test and its calls."""

    def __init__(self, greeting: float = 1.0, barge: bool = True) -> None:
        self.greeting = greeting
        self.barge = barge
        self.hang_up = False
        """The bot hangs up after its greeting."""
        self.calls: dict[str, Call] = {}
        self.server: WebRTCServer
        self.dashboard: Dashboard | None = None
        self.responses: list[tuple[str, str, int]] = []
        """(method, path, status) of each response the server sent."""
        self.base_url = ""

    async def wait_call(self, call_id: str, within: float = 5.0) -> Call:
        """The call, once connected (the server builds its pipeline then)."""
        await wait_for(lambda: call_id in self.calls, within)
        return self.calls[call_id]

    def factory(self, transport: WebRTCTransport, info: WebRTCCall) -> PipelineTask:
        bot = Bot(barge=self.barge, reply=0.5)
        task = PipelineTask(
            Pipeline([transport.input(), bot, transport.output()]),
            params=PipelineParams(idle_timeout=None),
            call_id=info.call_id,
            observers=[transport.events],
        )
        frames: list[Frame] = []
        if self.greeting > 0:
            frames.append(OutputAudioFrame(audio=tone(self.greeting, 440, LOUD), format=PCM16_16K))
        if self.hang_up:
            frames.append(HangUpFrame(reason="goodbye"))
        if frames:
            asyncio.get_running_loop().create_task(task.queue_frames(frames))
        call = self.calls[info.call_id] = Call(transport, info, bot, task)

        def note_end(frame: Frame) -> None:
            if isinstance(frame, EndFrame | CancelFrame):
                call.ended.append(frame)

        task.on_downstream_exit(note_end)
        return task
