"""A TTS service on 127.0.0.1 for the HTTP TTS tests: real HTTP, real voices, real faults.

Routes (all ``POST`` with the client's JSON body):

* ``/wav``: espeak-ng speaks ``text``; its WAV streams back in odd-sized chunks;
* ``/l16``: a 440 Hz tone, 0.5 s, as big-endian ``audio/L16`` at the asked rate;
* ``/raw``: the same tone, little-endian ``application/octet-stream``, 8 kHz
  declared by ``X-Sample-Rate``;
* ``/trickle``: the ``/l16`` tone (16 kHz) in pieces that split samples, the first
  and the third a single byte, with pauses so that the client reads them one by one;
* ``/empty``: a 200 with no audio;
* ``/toggle``: ``/wav`` while ``failing`` is false, else 503;
* ``/status/{code}``: that status with a short explanation;
* ``/slow``: answers after 30 s (the client gives up first);
* ``/stall``: a WAV header and 0.2 s of tone, then nothing for 30 s;
* ``/endless``: tone, 0.1 s every 0.05 s, until the client leaves (``left`` is set);
* ``/truncated``: a WAV that declares 1 s of audio and holds 0.25 s;
* ``/broken``: ``Content-Length`` promises more than is sent, then the socket closes;
* ``/html``: a 200 with an HTML page.
"""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from processors._tts_helpers import tone

__all__ = ["TTSServer"]

_STREAMING_SIZE = 0x7FFFF000


def _wav_header(rate: int, data_size: int) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", data_size)
    return b"RIFF" + struct.pack("<I", 4 + len(body) + data_size) + b"WAVE" + body


class TTSServer:
    """The app, its requests, and switches for the tests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any, dict[str, str]]] = []
        self.failing = True
        self.left = asyncio.Event()
        app = web.Application()
        app.router.add_post("/wav", self._wav)
        app.router.add_post("/l16", self._l16)
        app.router.add_post("/raw", self._raw)
        app.router.add_post("/trickle", self._trickle)
        app.router.add_post("/empty", self._empty)
        app.router.add_post("/toggle", self._toggle)
        app.router.add_post("/status/{code}", self._status)
        app.router.add_post("/slow", self._slow)
        app.router.add_post("/stall", self._stall)
        app.router.add_post("/endless", self._endless)
        app.router.add_post("/truncated", self._truncated)
        app.router.add_post("/broken", self._broken)
        app.router.add_post("/html", self._html)
        self._server = TestServer(app, host="127.0.0.1")

    async def start(self) -> None:
        await self._server.start_server()

    async def close(self) -> None:
        await self._server.close()

    def url(self, path: str) -> str:
        return str(self._server.make_url(path))

    def hits(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == path)

    async def _record(self, request: web.Request) -> Any:
        body = json.loads(await request.read())
        self.requests.append((request.path, body, dict(request.headers)))
        return body

    async def _wav(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        return await self._speak(request, str(body.get("text", "")))

    async def _speak(self, request: web.Request, text: str) -> web.StreamResponse:
        process = await asyncio.create_subprocess_exec(
            "espeak-ng",
            "--stdout",
            "--stdin",
            "-v",
            "en-us",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        wav, _ = await process.communicate(text.encode())
        response = web.StreamResponse(headers={"Content-Type": "audio/wav"})
        await response.prepare(request)
        for start in range(0, len(wav), 999):  # chunks that split samples
            await response.write(wav[start : start + 999])
        await response.write_eof()
        return response

    async def _l16(self, request: web.Request) -> web.Response:
        body = await self._record(request)
        rate = int(body["sample_rate"])
        return web.Response(
            body=tone(rate, 0.5, big_endian=True),
            headers={"Content-Type": f"audio/L16; rate={rate}; channels=1"},
        )

    async def _raw(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(
            body=tone(8000, 0.5),
            headers={"Content-Type": "application/octet-stream", "X-Sample-Rate": "8000"},
        )

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        audio = tone(16000, 0.5, big_endian=True)
        response = web.StreamResponse(headers={"Content-Type": "audio/L16; rate=16000"})
        await response.prepare(request)
        for start, end in ((0, 1), (1, 3000), (3000, 3001), (3001, 3004), (3004, len(audio))):
            await response.write(audio[start:end])
            await asyncio.sleep(0.05)
        await response.write_eof()
        return response

    async def _empty(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(body=b"", content_type="application/octet-stream")

    async def _toggle(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        if self.failing:
            return web.Response(status=503, text="voice model is reloading")
        return await self._speak(request, str(body.get("text", "")))

    async def _status(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(status=int(request.match_info["code"]), text="voice model not loaded")

    async def _slow(self, request: web.Request) -> web.Response:
        await self._record(request)
        await asyncio.sleep(30)
        return web.Response(body=tone(16000, 0.5), content_type="audio/pcm")

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        response = web.StreamResponse(headers={"Content-Type": "audio/wav"})
        await response.prepare(request)
        await response.write(_wav_header(16000, _STREAMING_SIZE) + tone(16000, 0.2))
        await asyncio.sleep(30)
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        response = web.StreamResponse(headers={"Content-Type": "audio/L16; rate=16000"})
        await response.prepare(request)
        try:
            while True:
                await response.write(tone(16000, 0.1, big_endian=True))
                await asyncio.sleep(0.05)
        except (ConnectionResetError, asyncio.CancelledError):
            self.left.set()
            raise

    async def _truncated(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        response = web.StreamResponse(headers={"Content-Type": "audio/wav"})
        await response.prepare(request)
        await response.write(_wav_header(16000, 32000) + tone(16000, 0.25))
        await response.write_eof()
        return response

    async def _broken(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        audio = _wav_header(16000, 32000) + tone(16000, 0.25)
        response = web.StreamResponse(
            headers={"Content-Type": "audio/wav", "Content-Length": str(len(audio) + 16000)}
        )
        await response.prepare(request)
        await response.write(audio)
        assert request.transport is not None
        request.transport.close()
        return response

    async def _html(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(text="<html>maintenance</html>", content_type="text/html")
