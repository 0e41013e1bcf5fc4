"""Served calls as Twilio places them: first bot audio after ``start``, and the hang-up.

The real ``framekit serve`` (the whole offline contact-center bot) and callers from an
independent Twilio network (``benchmarks/_served.py``). Each call: the caller waits
for the greeting's first audio, lets ``--listen`` seconds of it play, then says
"That's all, thank you. Goodbye!" (Piper) over it; the bot says goodbye and hangs up
through the REST API. Measured:

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
import time
from dataclasses import dataclass

from _served import report, serving, speech
from framekit.testing.fakes.twilio_api import FakeTwilioAPI, RecordedTwilioRequest
from phone_network import PhoneNetwork

GOODBYE = "That's all, thank you. Goodbye!"


@dataclass
class CallTimes:
    first_audio: float
    reply: float
    rest_after_echo: float
    closed_after_echo: float


_hang_ups: dict[str, float] = {}
"""Call SID -> arrival time of its REST hang-up at the fake API."""


def _note_hang_up(request: RecordedTwilioRequest) -> None:
    if request.field("Status") == "completed":
        _hang_ups[request.path.rsplit("/", 1)[1].removesuffix(".json")] = time.monotonic()


async def one_call(network: PhoneNetwork, api: FakeTwilioAPI, listen: float) -> CallTimes:
    call = await network.call(call_sid=api.add_call())
    await call.wait_for_audio(listen, timeout=20)
    assert call.first_audio_at is not None
    first_audio = call.first_audio_at - call.started_at
    await call.say_pcm16(*speech(GOODBYE))
    said_at = time.monotonic()  # the caller's last word has left (the greeting was cut)
    await call.wait_for_audio(call.received_seconds + 0.1, timeout=20)
    reply = time.monotonic() - said_at
    closed = await call.wait_closed(timeout=60)
    last_echo = call.marks_echoed[-1][1]
    return CallTimes(first_audio, reply, _hang_ups[call.call_sid] - last_echo, closed - last_echo)


async def main(args: argparse.Namespace) -> None:
    speech(GOODBYE)
    async with serving(on_request=_note_hang_up) as served:
        print(f"framekit serve listening after {served.started_in:.1f} s (models loaded)")
        network, api = served.network, served.api
        sequential = [await one_call(network, api, args.listen) for _ in range(args.calls)]
        concurrent: list[CallTimes] = []
        for _ in range(args.rounds):
            calls = (one_call(network, api, args.listen) for _ in range(args.concurrent))
            concurrent += await asyncio.gather(*calls)
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
