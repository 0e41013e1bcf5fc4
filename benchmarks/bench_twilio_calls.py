"""Concurrent Twilio calls through the real server and transport over loopback WebSockets.

The server (this process) is the real :class:`~framekit.servers.twilio.server.TwilioServer`
on 127.0.0.1; each call's pipeline is ``transport.input() -> transport.output()`` and
the bot, with no models, says a prerecorded answer as soon as the call starts: a
"greeting" of ``--seconds`` of 16 kHz PCM16 in 100 ms frames (what a TTS hands
over), converted to 8 kHz mu-law and paced at 20 ms by the transport.

The callers are :class:`~framekit.testing.twilio_caller.TwilioCallerSimulator`\\ s in a
*separate process* (this script run with ``--simulate``), so the server's CPU is
measured alone. Calls start spread over ``--ramp`` seconds (real calls are not in
phase). Each caller sends ``start`` and then, as Twilio does, the caller's line as
20 ms ``media`` messages of silence at real pace (``--no-inbound``: nothing), and
hangs up once the whole answer has arrived.

Reported per number of concurrent calls, all measured at the simulator:

* outbound pacing jitter: ``|inter-arrival - 20 ms|`` of consecutive ``media``
  messages, p50 / p99 / max over every call, skipping each call's first
  ``send-ahead`` burst (the transport sends 80 ms ahead on purpose);
* the gap before each answer's last chunk, apart (``tail gap``, median): 20 ms when
  the padded last chunk leaves on its slot (it was 80 to 100 ms, ``send_ahead``
  late, until the output transport paced it: see docs/benchmarks.md);
* time from sending ``start`` to the first ``media`` message (p50 / p99);
* server CPU (process time of the server process during the run) per call and
  per call-second of audio, and the simulator process's CPU for comparison: on a
  small machine the simulator competes for the same cores and its own lateness
  shows up as jitter.

``--chunk-ms 40`` sends 40 ms per outbound ``media`` message (jitter is then
measured against 40 ms); ``--processes N`` runs N server processes sharing the port
with ``SO_REUSEPORT`` (the kernel spreads the connections; the CPU shown is their
sum) instead of the one in this process.

Usage::

    .venv/bin/python benchmarks/bench_twilio_calls.py                    # 100, 250, 500 calls
    .venv/bin/python benchmarks/bench_twilio_calls.py --calls 50 --seconds 3
    .venv/bin/python benchmarks/bench_twilio_calls.py --calls 200 --processes 2 --chunk-ms 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiohttp import web
from loguru import logger

from framekit.audio import audio_format
from framekit.frames import OutputAudioFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.servers.twilio import sign_stream_token
from framekit.servers.twilio.server import TwilioServer, TwilioSettings
from framekit.testing.twilio_caller import TwilioCallerSimulator
from framekit.transports.twilio import StartMessage, StreamLimits, TwilioMediaStreamTransport

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
PCM_16K = audio_format(16000)
SEND_AHEAD_MS = 80  # the transport's default send_ahead: sent at once after the first chunk


_served = [0]  # calls this process's server has taken


def _burst_chunks(chunk_ms: int) -> int:
    """Chunks of each answer's opening burst: the first, plus the send-ahead."""
    return 1 + SEND_AHEAD_MS // chunk_ms


# --- the server (this process) ----------------------------------------------------------


def _answer(seconds: float) -> list[OutputAudioFrame]:
    """A prerecorded answer: speech-like noise, 100 ms frames of 16 kHz PCM16."""
    rng = np.random.default_rng(0)
    frames = round(seconds * 10)
    audio = rng.integers(-6000, 6000, 1600 * frames, dtype="<i2").tobytes()
    return [
        OutputAudioFrame(audio=audio[i * 3200 : (i + 1) * 3200], format=PCM_16K)
        for i in range(frames)
    ]


async def _start_server(
    args: argparse.Namespace, port: int = 0, *, reuse_port: bool = False
) -> tuple[TwilioServer, web.AppRunner, int]:
    """The real Twilio server on 127.0.0.1 whose calls say the prerecorded answer."""
    answer = _answer(args.seconds)

    def factory(transport: TwilioMediaStreamTransport, start: StartMessage) -> PipelineTask:
        _served[0] += 1
        task = PipelineTask(
            Pipeline([transport.input(), transport.output()]),
            params=PipelineParams(idle_timeout=None),
            call_id=start.call_sid,
        )
        asyncio.get_running_loop().create_task(task.queue_frames(answer))
        return task

    settings = TwilioSettings(
        webhook_base_url="https://bench.example.test",
        account_sid="AC" + "0" * 32,
        auth_token=AUTH_TOKEN,
        phone_number="+15550000000",
    )
    server = TwilioServer(
        settings,
        factory,
        limits=StreamLimits(handshake_timeout=30.0),
        token_ttl=300.0,
        transport_options={"chunk_ms": args.chunk_ms, "mark_every": args.mark_every},
    )
    runner = web.AppRunner(server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=2048, reuse_port=reuse_port)
    await site.start()
    return server, runner, runner.addresses[0][1]


async def _run_simulator(args: argparse.Namespace, calls: int, port: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--simulate",
        f"ws://127.0.0.1:{port}",
        "--calls",
        str(calls),
        "--seconds",
        str(args.seconds),
        "--ramp",
        str(args.ramp),
        "--chunk-ms",
        str(args.chunk_ms),
    ]
    if not args.inbound:
        command.append("--no-inbound")
    child = await asyncio.create_subprocess_exec(*command, stdout=subprocess.PIPE)
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the simulator failed ({child.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result


async def _serve_and_measure(args: argparse.Namespace, calls: int) -> dict[str, Any]:
    """One server process (this one) and the simulator."""
    server, runner, port = await _start_server(args)
    try:
        cpu0 = time.process_time()
        result = await _run_simulator(args, calls, port)
        await asyncio.wait_for(server.wait_until_idle(), 30.0)
        result["server_cpu"] = time.process_time() - cpu0
    finally:
        await runner.cleanup()
    return result


async def _serve_worker(args: argparse.Namespace, port: int) -> None:
    """A ``--processes`` worker: serve on the shared port until told to stop, report CPU."""
    server, runner, _ = await _start_server(args, port, reuse_port=True)
    loop = asyncio.get_running_loop()
    try:
        cpu0 = time.process_time()
        print("ready", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # "stop" once the callers are done
        await asyncio.wait_for(server.wait_until_idle(), 30.0)
        print(json.dumps({"cpu": time.process_time() - cpu0, "calls": _served[0]}), flush=True)
    finally:
        await runner.cleanup()


async def _serve_many_and_measure(args: argparse.Namespace, calls: int) -> dict[str, Any]:
    """``--processes`` server processes sharing one port (SO_REUSEPORT) and the simulator.

    The kernel spreads the callers' connections over the processes; each counts its
    own CPU and the table shows their sum.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        __file__,
        "--serve-worker",
        str(port),
        "--seconds",
        str(args.seconds),
    ]
    command += ["--chunk-ms", str(args.chunk_ms), "--mark-every", str(args.mark_every)]
    workers = [
        await asyncio.create_subprocess_exec(
            *command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        for _ in range(args.processes)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            if (await worker.stdout.readline()).strip() != b"ready":
                raise RuntimeError("a server worker failed to start")
        result = await _run_simulator(args, calls, port)
        outs = [(await worker.communicate(b"stop\n"))[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    reports = [json.loads(out.splitlines()[-1]) for out in outs]
    result["server_cpu"] = sum(report["cpu"] for report in reports)
    print(f"# calls per server process: {[report['calls'] for report in reports]}")
    return result


# --- the callers (the --simulate process) ---------------------------------------------------


@dataclass
class _CallResult:
    first_audio: float
    arrivals: list[float]
    ok: bool
    close_code: int | None


async def _one_call(
    url: str, index: int, delay: float, seconds: float, inbound: bool
) -> _CallResult:
    await asyncio.sleep(delay)
    call_sid = f"CA{index:032d}"
    token = sign_stream_token(AUTH_TOKEN, call_sid, ttl=300.0)
    caller = TwilioCallerSimulator(
        f"{url}/twilio/stream?token={token}", call_sid=call_sid, send_start=False
    )
    await caller.connect()
    line: asyncio.Task[None] | None = None
    try:
        started = time.monotonic()
        await caller.send_start()
        if inbound:
            line = asyncio.create_task(caller.send_silence(seconds + 30.0))
        try:
            await caller.wait_for_audio(seconds, within=seconds + 20.0)
            ok = True
        except TimeoutError:
            ok = False
        arrivals = [m.at for m in caller.media]
        first = arrivals[0] - started if arrivals else float("nan")
        closed = caller.close_code if caller.closed else None  # the server ended it
        return _CallResult(first, arrivals, ok, closed)
    finally:
        if line is not None:
            line.cancel()
        await caller.hang_up()


async def _simulate(
    url: str, calls: int, seconds: float, ramp: float, inbound: bool, chunk_ms: int
) -> None:
    rng = np.random.default_rng(1)
    delays = np.sort(rng.uniform(0.0, ramp, calls))
    cpu0 = time.process_time()
    results = await asyncio.gather(
        *(_one_call(url, i, float(d), seconds, inbound) for i, d in enumerate(delays))
    )
    jitter: list[float] = []
    tail: list[float] = []
    for r in results:
        gaps = np.diff(np.asarray(r.arrivals[_burst_chunks(chunk_ms) :]))
        jitter.extend(np.abs(gaps[:-1] - chunk_ms / 1000).tolist())
        tail.extend(gaps[-1:].tolist())
    report = {
        "jitter": jitter,
        "tail_gap": tail,
        "first_audio": [r.first_audio for r in results],
        "failed": sum(not r.ok for r in results),
        "closed_by_server": sum(r.close_code is not None for r in results),
        "simulator_cpu": time.process_time() - cpu0,
    }
    print(json.dumps(report))


# --- the table ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="*", default=[100, 250, 500])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the answer")
    parser.add_argument("--ramp", type=float, default=2.0, help="calls start within this")
    parser.add_argument("--no-inbound", dest="inbound", action="store_false")
    parser.add_argument("--chunk-ms", type=int, default=20, help="audio per outbound media message")
    parser.add_argument("--mark-every", type=int, default=5, help="chunks between marks")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes sharing the port"
    )
    parser.add_argument("--simulate", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--serve-worker", metavar="PORT", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logger.remove()  # one INFO line per call start and end would be most of the CPU
    logger.add(sys.stderr, level="WARNING")
    if args.simulate:
        asyncio.run(
            _simulate(
                args.simulate, args.calls[0], args.seconds, args.ramp, args.inbound, args.chunk_ms
            )
        )
        return
    if args.serve_worker:
        asyncio.run(_serve_worker(args, args.serve_worker))
        return
    print(
        f"# load average before: {os.getloadavg()[0]:.2f}, cores: {os.cpu_count()}, "
        f"chunk {args.chunk_ms} ms, mark every {args.mark_every} chunks, "
        f"{args.processes} server process(es)"
    )
    header = (
        "calls",
        "jitter p50",
        "p99",
        "max",
        "first p50",
        "p99",
        "srv CPU ms/call",
        "ms/call-s",
        "tail gap",
        "sim CPU s",
        "failed",
        "closed",
    )
    widths = (6, 11, 8, 8, 10, 8, 16, 10, 9, 10, 7, 7)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for calls in args.calls:
        measure = _serve_and_measure if args.processes == 1 else _serve_many_and_measure
        r = asyncio.run(measure(args, calls))
        jitter = np.asarray(r["jitter"]) * 1000
        first = np.asarray(r["first_audio"]) * 1000
        j50, j99 = np.percentile(jitter, [50, 99])
        f50, f99 = np.nanpercentile(first, [50, 99])
        cpu_call = r["server_cpu"] / calls * 1000
        row = (
            f"{calls:>6} {j50:>11.2f} {j99:>8.2f} {jitter.max():>8.2f} {f50:>10.1f} {f99:>8.1f} "
            f"{cpu_call:>16.1f} {cpu_call / args.seconds:>10.2f} "
            f"{np.median(r['tail_gap']) * 1000:>9.1f} {r['simulator_cpu']:>10.1f} "
            f"{r['failed']:>7} {r['closed_by_server']:>7}"
        )
        print(row, flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
