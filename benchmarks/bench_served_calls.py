"""Served calls as Twilio places them: first bot audio after ``start``, and the hang-up.

What runs: the real ``framekit serve`` command in its own process (the whole offline
contact-center bot: Silero, Moonshine, the intent engine, Piper), with
``--api-url`` pointed at a :class:`~framekit.testing.fakes.twilio_api.FakeTwilioAPI`
in this process. The callers are ``tests/phone_network.py``: a Twilio network
written from Twilio's public protocol that shares no code with the server (signed
voice webhook, TwiML, Media Streams at real-time pace, mark echoes when the audio
before them has played).

Each call: the caller waits for the greeting's first audio, lets ``--listen``
seconds of it play, then says "That's all, thank you. Goodbye!" (Piper), over the
greeting; the bot says goodbye and hangs up through the REST API. Measured:

* first bot audio after the caller sent ``start`` (the greeting), for the very first
  call after the server started and for every call;
* voice to voice: from the caller's last word leaving to 0.1 s of the bot's reply
  arriving (the VAD's silence window, recognition, the intent engine and the voice);
* after the goodbye: REST hang-up (``Status=completed`` arriving at the fake API)
  and the server closing the stream, each after the last mark echo (when the caller
  had heard the whole goodbye).

``--calls`` calls run one after the other, then ``--concurrent`` at once::

    .venv/bin/python benchmarks/bench_served_calls.py --calls 10 --concurrent 4
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the independent Twilio network (a test helper)

from framekit.models.piper import PiperEngine  # noqa: E402
from framekit.testing.fakes.twilio_api import FakeTwilioAPI, RecordedTwilioRequest  # noqa: E402
from phone_network import PhoneNetwork  # noqa: E402

ACCOUNT = "AC" + "5" * 32
AUTH_TOKEN = "bench-served-auth-token-0123456789"
PUBLIC = "https://bot.example.test"


@dataclass
class CallTimes:
    first_audio: float
    reply: float
    rest_after_echo: float
    closed_after_echo: float


async def one_call(
    network: PhoneNetwork, api: FakeTwilioAPI, goodbye: tuple[bytes, int], listen: float
) -> CallTimes:
    call = await network.call(call_sid=api.add_call())
    await call.wait_for_audio(listen, timeout=20)
    assert call.first_audio_at is not None
    first_audio = call.first_audio_at - call.started_at
    await call.say_pcm16(*goodbye)
    said_at = time.monotonic()  # the caller's last word has left (the greeting was cut)
    await call.wait_for_audio(call.received_seconds + 0.1, timeout=20)
    reply = time.monotonic() - said_at
    closed = await call.wait_closed(timeout=60)
    updates = [at for at, sid in _rest_log if sid == call.call_sid]
    last_echo = call.marks_echoed[-1][1]
    return CallTimes(first_audio, reply, updates[-1] - last_echo, closed - last_echo)


_rest_log: list[tuple[float, str]] = []
"""(arrival time, call SID) of every REST hang-up the fake API received."""


def _note_hang_up(request: RecordedTwilioRequest) -> None:
    if request.field("Status") == "completed":
        call_sid = request.path.rsplit("/", 1)[1].removesuffix(".json")
        _rest_log.append((time.monotonic(), call_sid))


def report(label: str, values: list[float]) -> None:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(
        f"  {label:<34} n={len(ms):<3} p50 {statistics.median(ms):7.1f} ms"
        f"  p95 {p95:7.1f} ms  max {ms[-1]:7.1f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    engine = PiperEngine.shared()
    goodbye = (
        b"".join(engine.synthesize("That's all, thank you. Goodbye!")),
        engine.audio_format.sample_rate,
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-served-"))
    async with FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        api.on_request.append(_note_hang_up)
        env = dict(os.environ)
        env.update(
            TWILIO_ACCOUNT_SID=ACCOUNT,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            WEBHOOK_BASE_URL=PUBLIC,
            API_TOKEN="bench-served-api-token-0123456789",
            DATABASE_URL=f"sqlite:///{workdir / 'calls.db'}",
            BUSINESS_DB_PATH=str(workdir / "shop.db"),
            RECORDINGS_DIR=str(workdir / "recordings"),
        )
        framekit = Path(sys.executable).with_name("framekit")
        started = time.monotonic()
        server = await asyncio.create_subprocess_exec(
            str(framekit), "serve", "--host", "127.0.0.1", "--port", "0", "--api-url", api.url,
            env=env, cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert server.stdout is not None
        while not (line := (await server.stdout.readline()).decode()).startswith(
            "framekit serve: listening on "
        ):
            if not line:
                raise SystemExit("framekit serve exited before listening")
        base_url = line.split("listening on ", 1)[1].strip()
        print(f"framekit serve listening after {time.monotonic() - started:.1f} s (models loaded)")
        drain = asyncio.ensure_future(server.stdout.read())
        try:
            async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                sequential = [
                    await one_call(network, api, goodbye, args.listen) for _ in range(args.calls)
                ]
                concurrent: list[CallTimes] = []
                for _ in range(args.rounds):
                    concurrent += await asyncio.gather(
                        *(
                            one_call(network, api, goodbye, args.listen)
                            for _ in range(args.concurrent)
                        )
                    )
        finally:
            server.terminate()
            await server.wait()
            drain.cancel()
    first = sequential[0]
    print(
        f"first call after start: first bot audio {first.first_audio * 1000:.1f} ms, "
        f"voice to voice {first.reply * 1000:.0f} ms"
    )
    runs = {
        f"{args.calls} calls one by one": sequential,
        f"{args.concurrent} at once x {args.rounds}": concurrent,
    }
    for label, times in runs.items():
        print(label)
        report("first bot audio after start", [t.first_audio for t in times])
        report("voice to voice (goodbye reply)", [t.reply for t in times])
        report("REST hang-up after last mark echo", [t.rest_after_echo for t in times])
        report("stream closed after last mark echo", [t.closed_after_echo for t in times])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10, help="calls one after the other")
    parser.add_argument("--concurrent", type=int, default=4, help="calls at once")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of concurrent calls")
    parser.add_argument(
        "--listen", type=float, default=1.0, help="seconds of greeting heard before the goodbye"
    )
    asyncio.run(main(parser.parse_args()))
