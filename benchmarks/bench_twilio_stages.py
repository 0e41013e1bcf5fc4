"""Where a Twilio call's server CPU goes: each stage of one 20 ms message, in microseconds.

``bench_twilio_calls.py`` measures whole calls over real sockets; this script splits
the library's own share per message, with no socket, so that a change to one stage
can be judged on this busy shared machine (each figure is the minimum over
``--repeats`` runs of ``--messages`` messages: the least disturbed run).

Inbound, per ``media`` message (Twilio sends 50 a second per call):

* ``parse``: :func:`~framekit.transports.twilio.protocol.parse_message` (JSON,
  validation, base64);
* ``convert``: 160 bytes of 8 kHz mu-law to 20 ms of 16 kHz PCM16;
* ``reader``: the whole reader path on an in-memory socket, from the message text
  to the :class:`~framekit.frames.InputAudioFrame` through the pipeline (flood
  guard, parse, dispatch, convert, chunk, the frame's hops to the sink).

Outbound, per 20 ms of the bot's audio:

* ``convert``: 100 ms TTS frames of 16 kHz PCM16 to 8 kHz mu-law, per 20 ms;
* ``build_media`` and ``build_mark``: the JSON text of one message;
* ``writer``: the whole output path (``realtime=False``: no pacing sleeps) on an
  in-memory socket that echoes marks, per 20 ms of audio, at ``chunk_ms`` 20 and 40.

What is not here, the event loop and aiohttp (reading and writing WebSocket frames,
one timer per chunk, the system calls), is the rest of ``bench_twilio_calls.py``'s
CPU per call-second.

Usage::

    .venv/bin/python benchmarks/bench_twilio_stages.py
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
from collections.abc import Callable

import numpy as np
from loguru import logger

from framekit.audio import MULAW_8K, AudioConverter, audio_format
from framekit.frames import EndFrame, OutputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.transports.twilio import StreamLimits, TwilioMediaStreamTransport
from framekit.transports.twilio.protocol import build_mark, build_media, parse_message

SID = "MZ" + "0" * 32
PCM_16K = audio_format(16000)
START = json.dumps(
    {
        "event": "start",
        "start": {"streamSid": SID, "callSid": "CA" + "0" * 32, "accountSid": "AC" + "0" * 32},
        "streamSid": SID,
    }
)


def _media(index: int, payload: bytes) -> str:
    """A ``media`` message as Twilio writes it (string counters, the SID last)."""
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": str(index + 2),
            "media": {
                "track": "inbound",
                "chunk": str(index + 1),
                "timestamp": str(index * 20),
                "payload": base64.b64encode(payload).decode("ascii"),
            },
            "streamSid": SID,
        }
    )


class _ScriptedSocket:
    """Gives the prepared messages without waiting, then ``None``; sends go nowhere.

    ``echo_marks`` answers every ``mark`` as Twilio does, so the output's marks
    bookkeeping runs as in a call.
    """

    def __init__(self, messages: list[str], *, echo_marks: bool = False) -> None:
        self._messages = messages
        self._next = 0
        self._echo_marks = echo_marks
        self._echoes: list[str] = []
        self.sent = 0

    async def receive(self) -> str | bytes | None:
        if self._echoes:
            return self._echoes.pop()
        if self._next < len(self._messages):
            self._next += 1
            return self._messages[self._next - 1]
        if self._echo_marks:
            await asyncio.sleep(0.001)  # the output still runs: wait for its marks
            return await self.receive()
        return None

    async def send(self, text: str) -> None:
        self.sent += 1
        if self._echo_marks and text.startswith('{"event":"mark"'):
            self._echoes.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self._echo_marks = False


def _best(fn: Callable[[], object], count: int, repeats: int) -> float:
    """Microseconds per call of ``fn``: the fastest of ``repeats`` runs of ``count`` calls."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(count):
            fn()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


async def _reader_run(messages: list[str]) -> float:
    """Seconds of the whole inbound path for ``messages`` (a call whose bot says nothing)."""
    socket = _ScriptedSocket([START, *messages])
    limits = StreamLimits(messages_per_second=1e9, burst=10**9)
    transport = TwilioMediaStreamTransport(socket, limits=limits)
    await transport.handshake()
    task = PipelineTask(
        Pipeline([transport.input(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    started = time.perf_counter()
    await task.run()  # ends when the scripted socket runs dry
    return time.perf_counter() - started


async def _writer_run(frames: list[OutputAudioFrame], chunk_ms: int) -> float:
    """Seconds of the whole outbound path for ``frames`` (marks echoed at once)."""
    socket = _ScriptedSocket([START], echo_marks=True)
    transport = TwilioMediaStreamTransport(
        socket, realtime=False, chunk_ms=chunk_ms, mark_every=100 // chunk_ms
    )
    await transport.handshake()
    task = PipelineTask(
        Pipeline([transport.input(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    await task.queue_frames([*frames, EndFrame()])
    started = time.perf_counter()
    await task.run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="20 ms messages per run")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    count, repeats = args.messages, args.repeats
    rng = np.random.default_rng(0)
    line = rng.integers(0, 256, 160 * count, dtype=np.uint8).tobytes()
    payloads = [line[i * 160 : (i + 1) * 160] for i in range(count)]
    messages = [_media(i, p) for i, p in enumerate(payloads)]
    speech = rng.integers(-6000, 6000, 320 * count, dtype="<i2").tobytes()
    frames = [
        OutputAudioFrame(audio=speech[i : i + 3200], format=PCM_16K)
        for i in range(0, len(speech), 3200)
    ]

    rows: list[tuple[str, float]] = []
    it = iter(messages * (repeats + 1))
    rows.append(("in: parse_message", _best(lambda: parse_message(next(it)), count, repeats)))
    inbound = AudioConverter(MULAW_8K, PCM_16K)
    feed = iter(payloads * (repeats + 1))
    rows.append(
        (
            "in: convert mu-law 8k -> PCM16 16k",
            _best(lambda: inbound.convert(next(feed)), count, repeats),
        )
    )
    reader = min(asyncio.run(_reader_run(messages)) for _ in range(repeats))
    rows.append(("in: whole reader path (in-memory socket)", reader / count * 1e6))

    outbound = AudioConverter(PCM_16K, MULAW_8K)
    tts = iter(frames * (repeats + 1))
    per_frame = _best(lambda: outbound.convert(next(tts).audio), len(frames), repeats)
    rows.append(("out: convert PCM16 16k -> mu-law 8k (per 20 ms)", per_frame / 5))
    chunk = bytes(160)
    rows.append(
        ("out: build_media (20 ms)", _best(lambda: build_media(SID, chunk), count, repeats))
    )
    rows.append(("out: build_mark", _best(lambda: build_mark(SID, "fk1.25"), count, repeats)))
    for chunk_ms in (20, 40):
        writer = min(asyncio.run(_writer_run(frames, chunk_ms)) for _ in range(repeats))
        rows.append(
            (f"out: whole writer path, chunk_ms={chunk_ms} (per 20 ms)", writer / count * 1e6)
        )

    print(f"# min of {repeats} runs of {count} messages; microseconds per 20 ms message")
    for name, micros in rows:
        print(f"{name:<52} {micros:8.2f}")


if __name__ == "__main__":
    main()
