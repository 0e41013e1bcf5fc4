"""CallAudioRecorder with a key ring: the files on disk are encrypted, and decrypt to the
very WAV the recorder writes without one."""

from __future__ import annotations

import asyncio
import wave
from io import BytesIO
from pathlib import Path

import pytest

from framekit.clock import ManualClock
from framekit.frames import Frame
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.privacy.envelope import KeyRing, MasterKey, decrypt_bytes
from framekit.processors.recording import CallAudioRecorder
from framekit.testing import Advance
from framekit.transports.local import WavFileInput
from processors.test_recorder import bot_audio, bot_side, caller_wav, record

KEYS = KeyRing([MasterKey("rec-1", bytes(range(32)))])


async def test_an_encrypted_recording_decrypts_to_the_plain_one(tmp_path: Path) -> None:
    for run in ("plain", "sealed"):
        (tmp_path / run).mkdir()
    items: list[Frame | Advance] = [Advance(0.4), bot_audio(0.5), Advance(1.6)]
    plain, _ = await record(
        tmp_path / "plain",
        items,
        caller=[(1.0, 1.5)],
        total=2.0,
        recorder=CallAudioRecorder(tmp_path / "plain" / "rec", stereo=False),
    )
    sealed, _ = await record(
        tmp_path / "sealed",
        items,
        caller=[(1.0, 1.5)],
        total=2.0,
        recorder=CallAudioRecorder(tmp_path / "sealed" / "rec", stereo=False, keys=KEYS),
    )
    assert [path.name for path in sealed.paths] == [
        f"{sealed.call_id}.caller.wav.enc",
        f"{sealed.call_id}.bot.wav.enc",
    ]
    assert sorted(p.name for p in (tmp_path / "sealed" / "rec").iterdir()) == sorted(
        p.name for p in sealed.paths
    )
    for plain_path, sealed_path in zip(plain.paths, sealed.paths, strict=True):
        stored = sealed_path.read_bytes()
        reference = plain_path.read_bytes()
        assert b"RIFF" not in stored
        assert reference[44:1044] not in stored  # no run of the samples either
        assert decrypt_bytes(sealed_path, KEYS) == reference
        assert len(reference) > 44 + 2 * 8000  # two seconds of samples


async def test_an_encrypted_recording_is_a_valid_wav_mid_call(tmp_path: Path) -> None:
    recorder = CallAudioRecorder(tmp_path / "rec", flush_seconds=0.5, keys=KEYS)
    wav = caller_wav(tmp_path / "caller.wav", [], 10.0)
    clock = ManualClock()
    task = PipelineTask(
        Pipeline([WavFileInput(wav), recorder.caller_tap(), *bot_side(recorder)]),
        params=PipelineParams(idle_timeout=None),
        clock=clock,
    )
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    await task.queue_frame(bot_audio(8.0))
    await clock.advance(6.0)
    await asyncio.sleep(0.05)  # the writer thread
    [path] = recorder.paths
    with wave.open(BytesIO(decrypt_bytes(path, KEYS))) as reader:  # sizes patched, sealed
        assert reader.getnframes() / 16000 == pytest.approx(5.5, abs=0.6)
    await task.cancel()
    await runner
    with wave.open(BytesIO(decrypt_bytes(path, KEYS))) as reader:
        assert reader.getnframes() / 16000 == pytest.approx(6.0, abs=0.1)
