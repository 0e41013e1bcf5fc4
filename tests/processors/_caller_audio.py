"""Caller audio for the STT tests: 20 ms frames, silence, tones, espeak speech, transcripts.

The call itself is :class:`framekit.testing.LiveCall`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from framekit.audio import PCM16_16K, AudioConverter, read_wav
from framekit.frames import InputAudioFrame, TranscriptionFrame
from framekit.testing import LiveCall

FRAME = 0.02
ESPEAK = shutil.which("espeak-ng")


def transcripts(call: LiveCall) -> list[str]:
    """The text of every final transcription that left ``call``, in order."""
    return [f.text for f in call.downstream_of(TranscriptionFrame)]


def frames_of(pcm: bytes) -> list[InputAudioFrame]:
    """16 kHz PCM16 as consecutive 20 ms caller frames."""
    size = PCM16_16K.bytes_for(FRAME)
    return [InputAudioFrame(audio=pcm[i : i + size]) for i in range(0, len(pcm), size)]


def silence(seconds: float) -> bytes:
    return bytes(PCM16_16K.bytes_for(seconds))


def tone(seconds: float, hz: float = 220.0, amplitude: int = 6000) -> bytes:
    """A tone burst: loud enough for any energy detector, the simplest 'speech'."""
    t = np.arange(round(seconds * 16000)) / 16000
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def espeak(text: str, workdir: Path) -> bytes:
    """``text`` spoken by espeak-ng, as 16 kHz PCM16 with its leading/trailing silence cut."""
    assert ESPEAK is not None
    path = workdir / "speech.wav"
    subprocess.run([ESPEAK, "-w", str(path), text], check=True, capture_output=True)
    pcm, fmt = read_wav(path)
    converter = AudioConverter(fmt, PCM16_16K)
    samples = np.frombuffer(converter.convert(pcm) + converter.flush(), dtype="<i2")
    loud = np.flatnonzero(np.abs(samples) > 1000)
    return samples[loud[0] : loud[-1] + 1].tobytes()
