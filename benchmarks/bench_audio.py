"""Cost of framekit's audio primitives per 20 ms frame, in microseconds.

Rows:

* mu-law encode / decode of one 20 ms frame at 8 kHz (160 samples), bytes in and
  out, against the deprecated stdlib ``audioop`` (C, gone in Python 3.13) when it
  is still importable.
* ``StreamResampler.process`` on one 20 ms float32 frame, per rate pair, and the
  most audio the stream held back over the run ("held ms": its latency, since its
  output is aligned with its input), next to libsoxr's ``soxr.ResampleStream``
  (``"MQ"``, float32, the resampler framekit used before) fed the same frames.
* ``AudioConverter.convert`` on one 20 ms frame of bytes, for the conversions a
  telephone or WebRTC call does (decode + resample + encode).
* pipecat's ``SOXRStreamAudioResampler`` (its default, VHQ, int16) on the same
  frames, when pipecat-ai is installed, as the peer's reference.

Each figure is the median of ``--repeats`` runs of ``--frames`` consecutive frames
of one continuous stream (so soxr's bursts are averaged in), measured with
``time.perf_counter`` on one thread. The CPU is shared: compare rows of one run.

Usage::

    .venv/bin/python benchmarks/bench_audio.py             # ~10 s
    .venv/bin/python benchmarks/bench_audio.py --frames 500 --repeats 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import soxr  # type: ignore[import-untyped]

from framekit.audio import (
    MULAW_8K,
    PCM16_16K,
    PCM16_24K,
    PCM16_48K,
    AudioConverter,
    AudioFormat,
    StreamResampler,
    float32_to_pcm16,
    mulaw_decode,
    mulaw_encode,
)

FRAME_S = 0.02
_Chunkable = TypeVar("_Chunkable", bytes, np.ndarray)


def _tone(rate: int, seconds: float) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    rng = np.random.default_rng(0)
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.01 * rng.standard_normal(t.size)).astype(
        np.float32
    )


def _per_frame_us(step: Callable[[int], object], frames: int, repeats: int) -> float:
    """Median over repeats of the mean time of ``step(i)`` for i in range(frames)."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(frames):
            step(i)
        runs.append((time.perf_counter() - start) / frames * 1e6)
    return statistics.median(runs)


def _frames_of(data: _Chunkable, size: int, count: int) -> list[_Chunkable]:
    return [data[i * size : (i + 1) * size] for i in range(count)]


def _mulaw_rows(frames: int, repeats: int) -> list[tuple[str, float, str]]:
    pcm = _frames_of(float32_to_pcm16(_tone(8000, frames * FRAME_S)), 320, frames)
    codes = [mulaw_encode(frame) for frame in pcm]
    rows = [
        (
            "mu-law encode 160 samples",
            _per_frame_us(lambda i: mulaw_encode(pcm[i]), frames, repeats),
            "",
        ),
        (
            "mu-law decode 160 samples",
            _per_frame_us(lambda i: mulaw_decode(codes[i]), frames, repeats),
            "",
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return rows
    encode = _per_frame_us(lambda i: audioop.lin2ulaw(pcm[i], 2), frames, repeats)
    decode = _per_frame_us(lambda i: audioop.ulaw2lin(codes[i], 2), frames, repeats)
    rows += [
        ("  audioop.lin2ulaw (reference)", encode, ""),
        ("  audioop.ulaw2lin (reference)", decode, ""),
    ]
    return rows


def _resampler_row(
    in_rate: int, out_rate: int, frames: int, repeats: int
) -> tuple[str, float, str]:
    signal = _frames_of(_tone(in_rate, frames * FRAME_S), in_rate // 50, frames)
    resampler = StreamResampler(in_rate, out_rate)
    held = 0.0

    def step(i: int) -> None:
        nonlocal held
        resampler.process(signal[i])
        held = max(held, resampler.pending_seconds)

    cost = _per_frame_us(step, frames, repeats)
    return (f"resample {in_rate} -> {out_rate}", cost, f"held {held * 1000:.1f} ms")


def _soxr_row(in_rate: int, out_rate: int, frames: int, repeats: int) -> tuple[str, float, str]:
    signal = _frames_of(_tone(in_rate, frames * FRAME_S), in_rate // 50, frames)
    stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32", quality="MQ")
    held = 0.0

    def step(i: int) -> None:
        nonlocal held
        stream.resample_chunk(signal[i])
        held = max(held, stream.delay() / out_rate)

    cost = _per_frame_us(step, frames, repeats)
    return (
        f"  soxr.ResampleStream {in_rate} -> {out_rate} (MQ)",
        cost,
        f"held {held * 1000:.1f} ms",
    )


def _converter_row(
    src: AudioFormat, dst: AudioFormat, frames: int, repeats: int
) -> tuple[str, float, str]:
    pcm = float32_to_pcm16(_tone(src.sample_rate, frames * FRAME_S))
    data = mulaw_encode(pcm) if src is MULAW_8K else pcm
    chunks = _frames_of(data, src.bytes_for(FRAME_S), frames)
    converter = AudioConverter(src, dst)
    cost = _per_frame_us(lambda i: converter.convert(chunks[i]), frames, repeats)
    return (f"AudioConverter {src} -> {dst}", cost, "")


def _pipecat_row(
    in_rate: int, out_rate: int, frames: int, repeats: int
) -> tuple[str, float, str] | None:
    try:
        from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler
    except ImportError:
        return None
    pcm = _frames_of(float32_to_pcm16(_tone(in_rate, frames * FRAME_S)), in_rate // 25, frames)
    resampler = SOXRStreamAudioResampler(clear_after_secs=None)

    async def run() -> float:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            for frame in pcm:
                await resampler.resample(frame, in_rate, out_rate)
            runs.append((time.perf_counter() - start) / frames * 1e6)
        return statistics.median(runs)

    return (f"  pipecat SOXRStream {in_rate} -> {out_rate} (VHQ)", asyncio.run(run()), "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000, help="20 ms frames per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per row (median)")
    args = parser.parse_args()
    frames, repeats = args.frames, args.repeats

    rows = _mulaw_rows(frames, repeats)
    for in_rate, out_rate in [
        (8000, 16000),
        (16000, 8000),
        (24000, 16000),
        (48000, 16000),
        (24000, 8000),
        (48000, 8000),
        (22050, 8000),
        (22050, 16000),
    ]:
        rows.append(_resampler_row(in_rate, out_rate, frames, repeats))
        rows.append(_soxr_row(in_rate, out_rate, frames, repeats))
        if (in_rate, out_rate) in ((8000, 16000), (24000, 8000)):
            pipecat = _pipecat_row(in_rate, out_rate, frames, repeats)
            if pipecat is not None:
                rows.append(pipecat)
    for src, dst in [
        (MULAW_8K, PCM16_16K),
        (PCM16_24K, MULAW_8K),
        (PCM16_48K, PCM16_16K),
        (PCM16_16K, PCM16_48K),
    ]:
        rows.append(_converter_row(src, dst, frames, repeats))

    width = max(len(name) for name, _, _ in rows)
    print(f"{'operation (one 20 ms frame)':<{width}}  {'us/frame':>9}  note")
    print(f"{'-' * width}  {'-' * 9}  ----")
    for name, cost, note in rows:
        print(f"{name:<{width}}  {cost:>9.1f}  {note}")


if __name__ == "__main__":
    main()
