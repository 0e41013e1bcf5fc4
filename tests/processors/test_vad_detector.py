"""The VAD stage drives any speech detector: no model, no vendor, only the interface."""

from __future__ import annotations

import pytest

from framekit.audio import PCM16_8K, AudioFormat
from framekit.frames import InputAudioFrame
from framekit.pipeline.params import PipelineParams
from framekit.processors.vad import SpeechWindow, VADProcessor
from framekit.testing import Advance, run_processor


class _Stream:
    def __init__(self, heard: list[int]) -> None:
        self.heard = heard
        self.closed = False

    async def probability(self, window: SpeechWindow, /) -> float:
        self.heard.append(len(window))
        return 0.0

    def reset(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class _Detector:
    """Counts the windows it is given and the streams it opened."""

    def __init__(self, sample_rate: int, window_samples: int) -> None:
        self.sample_rate = sample_rate
        self.window_samples = window_samples
        self.heard: list[int] = []
        self.streams: list[_Stream] = []

    def open_stream(self) -> _Stream:
        self.streams.append(_Stream(self.heard))
        return self.streams[-1]


@pytest.mark.parametrize(("rate", "window"), [(16000, 500), (8000, 240), (16000, 0)])
def test_a_window_must_be_whole_8_ms_blocks(rate: int, window: int) -> None:
    """31.25 ms, 30 ms (whole milliseconds, not whole blocks), nothing: all refused."""
    with pytest.raises(ValueError, match="8 ms blocks"):
        VADProcessor(_Detector(rate, window))


def test_the_vad_consumes_pcm16_mono_at_the_detectors_rate() -> None:
    vad = VADProcessor(_Detector(8000, 128))
    assert vad.sample_rate == 8000
    assert vad.audio_caps is not None
    assert vad.audio_caps.consumes == {InputAudioFrame: PCM16_8K}


async def test_each_call_opens_a_stream_scores_whole_windows_and_closes_it() -> None:
    detector = _Detector(8000, 192)  # 24 ms windows, not Silero's
    fmt: AudioFormat = PCM16_8K
    frames: list[InputAudioFrame | Advance] = []
    for _ in range(10):  # 200 ms: eight whole windows, 8 ms left over
        frames += [Advance(0.02), InputAudioFrame(audio=bytes(fmt.bytes_for(0.02)), format=fmt)]
    vad = VADProcessor(detector, gate=None)
    params = PipelineParams(idle_timeout=None, audio_in_sample_rate=8000)
    await run_processor(vad, frames, params=params)
    assert detector.heard == [192] * 8
    assert vad.windows_scored == 8
    assert len(detector.streams) == 1
    assert detector.streams[0].closed
