"""WavFileTransport: a WAV file as the caller, a WAV file as the bot's line, a full offline loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from framekit.audio import (
    MULAW_8K,
    AudioConverter,
    AudioFormat,
    audio_format,
    float32_to_pcm16,
    read_wav,
    write_wav,
)
from framekit.clock import ManualClock
from framekit.frames import (
    BotStartedSpeakingFrame,
    EndFrame,
    Frame,
    InputAudioFrame,
    OutputAudioFrame,
    TTSAudioFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.tasks import live_framekit_tasks
from framekit.testing import run_processor
from framekit.transports.local import WavFileInput, WavFileOutput, WavFileTransport

PCM_16K = audio_format(16000)


def tone(rate: int, seconds: float, freq: float = 440.0, amplitude: float = 0.5) -> bytes:
    t = np.arange(round(rate * seconds)) / rate
    return float32_to_pcm16(amplitude * np.sin(2 * np.pi * freq * t))


def write_tone(path: Path, fmt: AudioFormat, seconds: float) -> Path:
    pcm = tone(fmt.sample_rate, seconds)
    data = AudioConverter(audio_format(fmt.sample_rate), fmt).convert(pcm)
    write_wav(path, data, fmt)
    return path


def samples(data: bytes) -> NDArray[np.float64]:
    return np.frombuffer(data, "<i2").astype(np.float64)


def rms(x: NDArray[np.float64]) -> float:
    return float(np.sqrt(np.mean(x**2))) if len(x) else 0.0


class Collect(FrameProcessor):
    """Keeps the caller's audio frames with the clock time they arrived at."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[float, InputAudioFrame]] = []

    @on_frame(InputAudioFrame)
    async def _audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        self.frames.append((self.clock.now(), frame))
        await self.push_frame(frame, direction)


class EchoAtEnd(FrameProcessor):
    """Says back everything the caller said, once the call is ending."""

    def __init__(self) -> None:
        super().__init__()
        self.heard = bytearray()
        self.fmt = PCM_16K

    @on_frame(InputAudioFrame)
    async def _audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        self.heard += frame.audio
        self.fmt = frame.format

    async def on_end(self, frame: EndFrame) -> None:
        await self.push_frame(OutputAudioFrame(audio=bytes(self.heard), format=self.fmt))


async def run_until_finished(task: PipelineTask, clock: ManualClock, limit: float = 30.0) -> None:
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    for _ in range(round(limit / 0.01)):
        if task.has_finished():
            break
        await clock.advance(0.01)
    assert task.has_finished(), "the call did not end by itself"
    await runner


@pytest.mark.parametrize(
    "file_format", [MULAW_8K, audio_format(22050), audio_format(48000, 2)], ids=str
)
async def test_input_converts_any_wav_to_20ms_pipeline_frames(
    tmp_path: Path, file_format: AudioFormat
) -> None:
    path = write_tone(tmp_path / "in.wav", file_format, 0.5)
    wav_in = WavFileInput(path, realtime=False, trailing_silence=0.2, end_when_done=True)
    collect = Collect()
    task = PipelineTask(Pipeline([wav_in, collect]), params=PipelineParams(idle_timeout=None))
    ends: list[Frame] = []
    task.on_downstream_exit(lambda f: ends.append(f) if isinstance(f, EndFrame) else None)
    await asyncio.wait_for(task.run(), 10)
    assert [f.reason for f in ends if isinstance(f, EndFrame)] == ["input file done"]
    frames = [f for _, f in collect.frames]
    assert {f.format for f in frames} == {PCM_16K}
    assert {len(f.audio) for f in frames} == {640}
    heard = samples(b"".join(f.audio for f in frames))
    assert len(heard) / 16000 == pytest.approx(0.7, abs=0.02)
    assert rms(heard[800:7200]) == pytest.approx(0.5 * 32767 / np.sqrt(2), rel=0.05)
    assert rms(heard[8400:11000]) < 1.0, "the trailing silence is silent"
    assert wav_in.done


async def test_input_is_paced_at_real_time_on_the_call_clock(tmp_path: Path) -> None:
    path = write_tone(tmp_path / "in.wav", PCM_16K, 0.2)
    wav_in = WavFileInput(path, end_when_done=True)
    collect = Collect()
    clock = ManualClock()
    task = PipelineTask(
        Pipeline([wav_in, collect]), params=PipelineParams(idle_timeout=None), clock=clock
    )
    await run_until_finished(task, clock)
    times = [round(t, 9) for t, _ in collect.frames]
    assert times == [round(0.02 * i, 9) for i in range(1, 11)], "each 20 ms once spoken"
    assert live_framekit_tasks() == []


async def test_output_wav_converts_a_22khz_voice_to_16khz(tmp_path: Path) -> None:
    out_path = tmp_path / "out.wav"
    voice = TTSAudioFrame(audio=tone(22050, 0.5), format=audio_format(22050))
    output = WavFileTransport(output_path=out_path, realtime=False).output()
    await run_processor(output, [voice])
    data, fmt = read_wav(out_path)
    assert fmt == PCM_16K
    assert len(data) / 32000 == pytest.approx(0.5, abs=0.02)
    pcm = samples(data)
    spectrum = np.abs(np.fft.rfft(pcm[:8000]))
    assert np.argmax(spectrum) * 16000 / 8000 == pytest.approx(440.0, abs=2.0)


async def test_output_wav_can_be_mulaw(tmp_path: Path) -> None:
    out_path = tmp_path / "out.wav"
    output = WavFileOutput(out_path, output_format=MULAW_8K, realtime=False)
    await run_processor(output, [OutputAudioFrame(audio=tone(16000, 0.2), format=PCM_16K)])
    data, fmt = read_wav(out_path)
    assert fmt == MULAW_8K
    assert len(data) == 1600


async def test_full_offline_loop_in_real_time(tmp_path: Path) -> None:
    """WAV in -> echo after the file ends -> WAV out, aligned in time with the input."""
    in_path = write_tone(tmp_path / "in.wav", MULAW_8K, 0.5)
    out_path = tmp_path / "out.wav"
    transport = WavFileTransport(in_path, out_path, trailing_silence=0.2, end_when_done=True)
    clock = ManualClock()
    task = PipelineTask(
        Pipeline([transport.input(), EchoAtEnd(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
        clock=clock,
    )
    started: list[float] = []
    task.on_upstream_exit(
        lambda f: started.append(clock.now()) if isinstance(f, BotStartedSpeakingFrame) else None
    )
    await run_until_finished(task, clock)
    assert task.end_reason == "input file done"
    assert started == [pytest.approx(0.7)], "the echo starts when the caller's file is done"
    data, fmt = read_wav(out_path)
    assert fmt == PCM_16K
    pcm = samples(data)
    assert len(pcm) / 16000 == pytest.approx(1.4, abs=0.03)
    loud = 0.5 * 32767 / np.sqrt(2)
    assert rms(pcm[: int(0.69 * 16000)]) == 0.0, "silence while the caller speaks"
    assert rms(pcm[int(0.72 * 16000) : int(1.18 * 16000)]) == pytest.approx(loud, rel=0.1)
    assert rms(pcm[int(1.25 * 16000) :]) < 100.0, "the echo of the trailing silence"
    assert live_framekit_tasks() == []


async def test_full_offline_loop_as_fast_as_possible(tmp_path: Path) -> None:
    in_path = write_tone(tmp_path / "in.wav", audio_format(22050), 0.5)
    out_path = tmp_path / "out.wav"
    transport = WavFileTransport(in_path, out_path, realtime=False, end_when_done=True)
    task = PipelineTask(
        Pipeline([transport.input(), EchoAtEnd(), transport.output()]),
        params=PipelineParams(idle_timeout=None),
    )
    await asyncio.wait_for(task.run(), 10)
    pcm = samples(read_wav(out_path)[0])
    assert len(pcm) / 16000 == pytest.approx(0.5, abs=0.03), "only the echo, no timeline"
    assert rms(pcm[800:7200]) == pytest.approx(0.5 * 32767 / np.sqrt(2), rel=0.05)


async def test_a_cancelled_call_still_writes_its_recording(tmp_path: Path) -> None:
    out_path = tmp_path / "out.wav"
    output = WavFileOutput(out_path)
    clock = ManualClock()
    task = PipelineTask(Pipeline([output]), params=PipelineParams(idle_timeout=None), clock=clock)
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    await task.queue_frame(OutputAudioFrame(audio=tone(16000, 1.0), format=PCM_16K))
    for _ in range(10):
        await clock.advance(0.01)
    await task.cancel()
    await runner
    data, _ = read_wav(out_path)
    assert len(data) / 32000 == pytest.approx(0.1, abs=0.021)


def test_timeline_needs_real_time(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timeline"):
        WavFileOutput(tmp_path / "x.wav", realtime=False, timeline=True)
    with pytest.raises(ValueError, match="no output"):
        WavFileTransport(tmp_path / "in.wav").output()


async def test_a_missing_input_file_fails_the_call_at_its_start(tmp_path: Path) -> None:
    task = PipelineTask(
        Pipeline([WavFileInput(tmp_path / "missing.wav")]),
        params=PipelineParams(idle_timeout=None),
    )
    await asyncio.wait_for(task.run(), 10)
    assert task.end_reason is not None
    assert task.end_reason.startswith("fatal error")
    assert "missing.wav" in task.end_reason
