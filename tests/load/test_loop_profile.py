"""The CPU benchmark's event-loop profile: busy samples charged to stages and functions."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))

import _loop_profile as profile

_ROOT = "<module> (framekit:6);main (framekit/cli/main.py:81);Handle._run (asyncio/events.py:80)"
_READ = f"{_ROOT};TwilioMediaStreamTransport.read (framekit/transports/twilio/transport.py:285)"
_FEED = f"{_READ};InputTransport.feed_audio (framekit/transports/base/input.py:117)"
_PUSH = f"{_FEED};InputTransport._push_chunks (framekit/transports/base/input.py:156)"
_VAD = f"{_PUSH};FrameProcessor.push_frame (framekit/processors/base.py:296)"
_VAD += ";VADProcessor._on_audio (framekit/processors/vad/processor.py:190)"
_SAMPLES = [
    f"{_ROOT};BaseEventLoop._run_once (asyncio/base_events.py:1884);"
    "EpollSelector.select (selectors.py:468) 50",
    f"{_FEED};AudioConverter.convert (framekit/audio/convert.py:182);"
    "LineUpsampler._emit (framekit/audio/_upsample.py:160) 20",
    f"{_VAD};EnergyEnvelope.add (framekit/processors/vad/endpoint.py:98) 10",
    f"{_VAD};FrameProcessor.push_frame (framekit/processors/base.py:296);"
    "UtteranceSTTProcessor._on_audio (framekit/processors/stt/utterance.py:317) 5",
    f"{_ROOT};OutputTransport._write_chunks (framekit/transports/base/output.py:313);"
    "AiohttpMediaSocket.send (framekit/servers/twilio/server.py:162);"
    "_SelectorSocketTransport.write (asyncio/selector_events.py:1070) 15",
    "Thread._bootstrap (threading.py:1002);_worker (concurrent/futures/thread.py:83) 99",
]


def test_busy_samples_are_charged_to_their_stage_and_deepest_framekit_function(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "loop.txt"
    raw.write_text("\n".join(_SAMPLES) + "\n")
    summary = profile.summarize(raw)
    # The selector's wait is idle; another thread's samples are not the loop's.
    assert (summary["busy_samples"], summary["idle_samples"]) == (50, 50)
    assert summary["stages"] == {
        "caller audio conversion (mu-law 8 kHz -> pipeline rate)": 0.4,
        "socket writes (bot audio, marks)": 0.3,
        "VAD (windows, envelope, gate, model hand-off)": 0.2,
        # The VAD passing the frame on: the stages after it, not the VAD's own work.
        "caller frames through the other stages": 0.1,
    }
    assert summary["functions"] == {
        "LineUpsampler._emit (framekit/audio/_upsample.py)": 0.4,
        "AiohttpMediaSocket.send (framekit/servers/twilio/server.py)": 0.3,
        "EnergyEnvelope.add (framekit/processors/vad/endpoint.py)": 0.2,
        "UtteranceSTTProcessor._on_audio (framekit/processors/stt/utterance.py)": 0.1,
    }
