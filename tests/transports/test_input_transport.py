"""InputTransport: one conversion at the edge, exact frames, nothing before the pipeline starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from framekit.audio import MULAW_8K, AudioConverter, audio_format, float32_to_pcm16, write_wav
from framekit.clock import ManualClock
from framekit.frames import InputAudioFrame, StartFrame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.testing import run_processor
from framekit.transports import InputTransport
from framekit.transports.local import WavFileInput

PCM_16K = audio_format(16000)


class SlowStart(FrameProcessor):
    """Takes ``seconds`` of clock time to start (a model loading); notes audio heard meanwhile."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.started = False
        self.audio_before_start = 0
        self.audio = 0

    async def on_start(self, frame: StartFrame) -> None:
        await self.clock.sleep(self.seconds)
        self.started = True

    @on_frame(InputAudioFrame)
    async def _audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        self.audio += 1
        if not self.started:
            self.audio_before_start += 1


def mulaw_tone(seconds: float) -> bytes:
    t = np.arange(round(8000 * seconds)) / 8000
    pcm = float32_to_pcm16(0.5 * np.sin(2 * np.pi * 300.0 * t))
    return AudioConverter(audio_format(8000), MULAW_8K).convert(pcm)


async def test_network_pieces_become_exact_20ms_frames_at_the_pipeline_rate() -> None:
    transport = InputTransport()
    wire = mulaw_tone(1.0)
    sizes = [160, 37, 500, 1, 263]  # whatever the network delivers

    async def feed() -> None:
        start, i = 0, 0
        while start < len(wire):
            await transport.feed_audio(wire[start : start + sizes[i % len(sizes)]], MULAW_8K)
            start += sizes[i % len(sizes)]
            i += 1
        await transport.end_of_audio()

    task = PipelineTask(Pipeline([transport]), params=PipelineParams(idle_timeout=None))
    frames: list[InputAudioFrame] = []
    task.on_downstream_exit(lambda f: frames.append(f) if isinstance(f, InputAudioFrame) else None)
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    await feed()
    await task.stop_when_done()
    await runner
    assert {f.format for f in frames} == {PCM_16K}
    assert {len(f.audio) for f in frames} == {640}
    assert len(frames) == 50  # 1 s, the last one padded
    heard = np.frombuffer(b"".join(f.audio for f in frames), "<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(heard[:16000]))
    assert np.argmax(spectrum) * 16000 / 16000 == 300.0


async def test_audio_fed_before_the_start_is_held_then_played_and_after_the_end_dropped() -> None:
    transport = InputTransport()
    await transport.feed_audio(bytes(320), PCM_16K)  # 10 ms, before the call starts
    await transport.feed_audio(bytes(320), PCM_16K)
    assert not transport.is_open
    out = await run_processor(transport, [])
    assert [len(f.audio) for f in out.downstream_of(InputAudioFrame)] == [640]
    await transport.feed_audio(bytes(640), PCM_16K)  # the call is over
    assert not transport.is_open


async def test_no_processor_hears_audio_before_the_whole_pipeline_started(tmp_path: Path) -> None:
    path = tmp_path / "in.wav"
    write_wav(path, bytes(3200), PCM_16K)  # 100 ms
    slow = SlowStart(0.5)
    clock = ManualClock()
    task = PipelineTask(
        Pipeline([WavFileInput(path, end_when_done=True), slow]),
        params=PipelineParams(idle_timeout=None),
        clock=clock,
    )
    runner = asyncio.ensure_future(task.run())
    for _ in range(200):
        if task.has_finished():
            break
        await clock.advance(0.01)
    await runner
    assert slow.audio == 5
    assert slow.audio_before_start == 0
