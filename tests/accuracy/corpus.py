"""Contact-centre sentences spoken by the offline voices and sent through a phone line.

Why generated speech: nothing is recorded in the repository and nothing is
downloaded; the packaged Piper voice and the espeak-ng binary say each sentence,
so the corpus is the same on every machine that has them. Two voices because the
recogniser must not be tuned to one: Piper sounds natural, espeak-ng robotic.

Why the phone path: callers reach the bot over 8 kHz mu-law (Twilio's wire
format). Each clip goes through the same :class:`~framekit.audio.AudioConverter`
steps as a call: voice rate to 8 kHz mu-law, then 20 ms packets of mu-law back to
16 kHz PCM16 for Whisper. Everything above 4 kHz is gone, as on a real line.

Synthesis is cached per process (:func:`phone_speech`), so the tests that share
the corpus pay for it once.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np

from framekit.audio import MULAW_8K, PCM16_16K, AudioConverter, AudioFormat, decode_wav

__all__ = ["SENTENCES", "VOICES", "phone_line", "phone_speech", "synthesize"]

SENTENCES: tuple[str, ...] = (
    "My order number is 4 2 7 1 9.",
    "My name is Sarah Johnson.",
    "The delivery was scheduled for March 14th.",
    "I was charged twice for the same item.",
    "My account number is 8 3 0 5 6 2.",
    "Can I speak to a manager, please?",
    "How do I reset my password?",
    "The item arrived damaged and I want a refund.",
    "I placed the order on January 3rd.",
    "My zip code is 9 4 1 0 3.",
)
"""What callers say: digits read one by one, dates, names and common questions."""

VOICES: tuple[str, ...] = ("piper", "espeak-ng")

_ESPEAK_ARGS = ("-v", "en-us", "-s", "160", "-b", "1")


def synthesize(voice: str, text: str) -> tuple[bytes, AudioFormat]:
    """``text`` spoken by ``voice`` as PCM16 in the voice's own format."""
    if voice == "piper":
        from framekit.models.piper import PiperEngine

        piper = PiperEngine.shared()
        return b"".join(piper.synthesize(text)), piper.audio_format
    if voice == "espeak-ng":
        executable = shutil.which("espeak-ng")
        if executable is None:
            raise FileNotFoundError("espeak-ng is not installed: apt-get install espeak-ng")
        done = subprocess.run(
            [executable, "--stdout", "--stdin", *_ESPEAK_ARGS],
            input=text.encode(),
            capture_output=True,
            check=True,
            timeout=30,
        )
        return decode_wav(done.stdout)
    raise ValueError(f"unknown voice {voice!r}; one of {VOICES}")


def phone_line(pcm: bytes, fmt: AudioFormat) -> bytes:
    """``pcm`` as Whisper hears it after a phone line: 8 kHz mu-law, then 16 kHz PCM16."""
    to_line = AudioConverter(fmt, MULAW_8K)
    mulaw = to_line.convert(pcm) + to_line.flush()
    from_line = AudioConverter(MULAW_8K, PCM16_16K)
    packet = MULAW_8K.bytes_for(0.02)
    out = [from_line.convert(mulaw[i : i + packet]) for i in range(0, len(mulaw), packet)]
    out.append(from_line.flush())
    return b"".join(out)


@functools.cache
def phone_speech(voice: str, text: str) -> bytes:
    """``text`` said by ``voice`` over a phone line, with 0.2 s of silence around it.

    The silence stands for what a VAD keeps before and after speech (its pre-roll
    and the silence window); Whisper is not asked to hear words cut at the edge.
    """
    pcm, fmt = synthesize(voice, text)
    samples = np.frombuffer(phone_line(pcm, fmt), dtype="<i2")
    pad = np.zeros(PCM16_16K.sample_rate // 5, dtype=np.int16)
    return np.concatenate([pad, samples, pad]).tobytes()
