"""Whisper STT: end of speech to final transcript; Piper TTS: time to first audio.

STT: Piper says a 3-second sentence; it is fed into a ``WhisperSTTProcessor`` as
20 ms frames **at real-time pace**, wrapped in the speaking events a VAD would send:
the start 0.2 s into the speech, the stop ``--vad-window`` seconds after the last
word with ``stopped_at`` set to that word's end. Latency is from the stop event
being queued to the ``TranscriptionFrame`` leaving the pipeline. Each setting runs
``--runs`` utterances, with speculative decoding off and on; the raw decode time of
the same audio (``WhisperEngine.transcribe``, no pipeline) runs in every round, and
latencies are also given relative to it, as the load on a shared machine moves
every number.

TTS: a three-sentence answer streamed as 8-character ``LLMTextFrame`` chunks into a
``PiperTTSProcessor``; time to first audio of each sentence (synthesis start to its
first chunk) and the real-time factor (wall time / seconds of audio out).

Usage::

    .venv/bin/python benchmarks/bench_speech_processors.py
    .venv/bin/python benchmarks/bench_speech_processors.py --runs 9 --vad-window 0.5 0.8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import numpy as np

from framekit.audio import PCM16_16K, AudioConverter
from framekit.clock import SystemClock
from framekit.frames import (
    Frame,
    InputAudioFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.models.piper import PiperEngine
from framekit.models.whisper import WhisperEngine
from framekit.pipeline.params import PipelineParams
from framekit.pipeline.task import PipelineTask
from framekit.processors.stt.whisper import WhisperSTTProcessor
from framekit.processors.tts.piper import PiperTTSProcessor

SENTENCE = "Your order number is 4 2 7 1 and it shipped yesterday."
ANSWER = (
    "Thanks for calling. Your order shipped yesterday and should arrive on Friday. "
    "Is there anything else I can help you with today?"
)
FRAME_BYTES = PCM16_16K.bytes_for(0.02)


def _speech() -> bytes:
    """``SENTENCE`` spoken by Piper at 16 kHz, silence trimmed at both ends."""
    piper = PiperEngine.shared()
    converter = AudioConverter(piper.audio_format, PCM16_16K)
    pcm = converter.convert(b"".join(piper.synthesize(SENTENCE))) + converter.flush()
    loud = np.abs(np.frombuffer(pcm, dtype="<i2")) > 300
    onset, end = int(np.argmax(loud)), loud.size - int(np.argmax(loud[::-1]))
    return pcm[2 * onset : 2 * end]


async def _stt_once(speech: bytes, vad_window: float, speculative: bool) -> tuple[float, int]:
    stt = WhisperSTTProcessor(engine=WhisperEngine.shared(), speculative=speculative)
    task = PipelineTask(stt, params=PipelineParams(idle_timeout=None), clock=SystemClock())
    done = asyncio.Event()
    finished_at = 0.0

    def on_exit(frame: Frame) -> None:
        nonlocal finished_at
        if isinstance(frame, TranscriptionFrame):
            finished_at = time.monotonic()
            done.set()

    task.on_downstream_exit(on_exit)
    runner = asyncio.create_task(task.run())
    await task.wait_started()
    lead = 15  # frames of silence before the speech
    audio = bytes(lead * FRAME_BYTES) + speech + bytes(100 * FRAME_BYTES)
    chunks = [audio[i : i + FRAME_BYTES] for i in range(0, len(audio), FRAME_BYTES)]
    speech_end = lead + len(speech) // FRAME_BYTES
    stop_at = speech_end + round(vad_window / 0.02)
    t0 = time.monotonic()
    last_word = stopped = 0.0
    for i, chunk in enumerate(chunks[: stop_at + 1]):
        await asyncio.sleep(max(0.0, t0 + i * 0.02 - time.monotonic()))
        await task.queue_frame(InputAudioFrame(audio=chunk))
        if i == lead + 10:
            await task.queue_frame(UserStartedSpeakingFrame())
        if i == speech_end:
            last_word = time.monotonic()
    stopped = time.monotonic()
    await task.queue_frame(UserStoppedSpeakingFrame(stopped_at=last_word))
    await asyncio.wait_for(done.wait(), 60)
    await task.stop_when_done()
    await runner
    return finished_at - stopped, stt.stats.reused


async def _bench_stt(runs: int, windows: list[float]) -> None:
    """Settings run round-robin, each round with a raw decode, so that a shared
    machine's changing load hits every setting alike."""
    speech = _speech()
    engine = WhisperEngine.shared()
    engine.transcribe(speech, "en")  # warm-up
    settings = [(window, speculative) for window in windows for speculative in (False, True)]
    raw: list[float] = []
    latencies: dict[tuple[float, bool], list[float]] = {s: [] for s in settings}
    relative: dict[tuple[float, bool], list[float]] = {s: [] for s in settings}
    reused = dict.fromkeys(settings, 0)
    for _ in range(runs):
        started = time.perf_counter()
        engine.transcribe(speech, "en")
        decode = time.perf_counter() - started
        raw.append(decode)
        for setting in settings:
            latency, was_reused = await _stt_once(speech, *setting)
            latencies[setting].append(latency)
            relative[setting].append(latency / decode)
            reused[setting] += was_reused
    print(f"utterance {len(speech) / 32000:.2f} s; {engine!r}, {engine.workers} worker")
    print(f"raw decode of the utterance: p50 {_ms(statistics.median(raw))}, min {_ms(min(raw))}")
    for setting in settings:
        values = latencies[setting]
        print(
            f"stop->final, VAD window {setting[0]:.1f} s, speculative={setting[1]!s:5}: "
            f"p50 {_ms(statistics.median(values))}, min {_ms(min(values))}, "
            f"max {_ms(max(values))}; "
            f"p50 {statistics.median(relative[setting]):.2f} x the round's raw decode; "
            f"early decode reused {reused[setting]}/{runs}"
        )


async def _bench_tts(out_rate: int, repeats: int) -> None:
    tts = PiperTTSProcessor(engine=PiperEngine.shared())
    params = PipelineParams(idle_timeout=None, audio_out_sample_rate=out_rate)
    task = PipelineTask(tts, params=params, clock=SystemClock())
    audio_seconds = 0.0

    def on_exit(frame: Frame) -> None:
        nonlocal audio_seconds
        if isinstance(frame, TTSAudioFrame):
            audio_seconds += frame.duration

    task.on_downstream_exit(on_exit)
    runner = asyncio.create_task(task.run())
    await task.wait_started()
    started = time.monotonic()
    for _ in range(repeats):
        for i in range(0, len(ANSWER), 8):
            await task.queue_frame(LLMTextFrame(text=ANSWER[i : i + 8]))
        await task.queue_frame(LLMResponseEndFrame())
    await task.stop_when_done()
    await runner
    wall = time.monotonic() - started
    first = sorted(tts.first_audio_seconds)
    print(
        f"piper -> {out_rate} Hz: first audio per sentence p50 {_ms(statistics.median(first))}, "
        f"p90 {_ms(first[int(0.9 * (len(first) - 1))])} over {len(first)} sentences; "
        f"real-time factor {wall / audio_seconds:.3f}"
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def _main(args: argparse.Namespace) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    await _bench_stt(args.runs, args.vad_window)
    for rate in (8000, 16000):
        await _bench_tts(rate, args.runs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="utterances (and answers) per setting")
    parser.add_argument(
        "--vad-window", type=float, nargs="+", default=[0.5], help="VAD silence windows (s)"
    )
    asyncio.run(_main(parser.parse_args()))
