"""Phone-line impairments: what happens to a caller's voice before the bot hears it.

Why these five: a clean synthetic voice over a perfect line hides most recognition
errors. Real calls reach the bot as 8 kHz mu-law (Twilio's wire format) after an
analogue or cellular leg that cuts the band, adds noise and hum, and loses packets:

* ``mulaw``: the clean line, 8 kHz mu-law only (everything above 4 kHz is gone);
* ``band``: the 300-3400 Hz telephone band (ITU-T G.712) before the mu-law leg;
* ``noise20`` / ``noise10``: babble (other voices in the room), line hiss and 50 or
  60 Hz mains hum mixed in at 20 or 10 dB SNR, before the mu-law leg;
* ``loss5``: 5 % of the 20 ms mu-law packets lost, each concealed as a receiving
  endpoint does: the previous packet played again, 6 dB quieter per repeat.

Every condition ends the same way as a call: 20 ms mu-law packets decoded to 16 kHz
PCM16 by :class:`~framekit.audio.AudioConverter`, the recognizer's input.

Why deterministic: noise, hum frequency and lost packets come from a random
generator seeded by the clip's id (see :func:`seed_of`), so one clip is impaired the
same way on every run and machine. numpy only (FFT filtering, no scipy).
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import NDArray

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    AudioConverter,
    AudioFormat,
    mulaw_decode_array,
    mulaw_encode_array,
)

__all__ = [
    "CONDITIONS",
    "PACKET_BYTES",
    "band_pass",
    "conceal_losses",
    "lost_packets",
    "mix_noise",
    "seed_of",
    "speech_power",
    "transmit",
]

CONDITIONS: tuple[str, ...] = ("mulaw", "band", "noise20", "noise10", "loss5")
"""Every line condition, in report order."""

PACKET_BYTES = MULAW_8K.bytes_for(0.02)
"""One 20 ms mu-law packet (160 bytes), as Twilio and RTP carry them."""

_RATE = PCM16_8K.sample_rate
_LOSS_SHARE = 0.05
_CONCEALMENT_GAIN = 0.5
_Samples = NDArray[np.float64]


def seed_of(key: str) -> int:
    """A stable 64-bit seed from text (Python's ``hash`` changes from run to run)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")


def transmit(pcm: bytes, fmt: AudioFormat, condition: str, key: str = "") -> bytes:
    """``pcm`` (PCM16 in ``fmt``) as the bot hears it over ``condition``: 16 kHz PCM16.

    ``key`` (the clip's id) seeds whatever is random in the condition.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown line condition {condition!r}; one of {CONDITIONS}")
    rng = np.random.default_rng(seed_of(f"{condition}/{key}"))
    to_8k = AudioConverter(fmt, PCM16_8K)
    samples = np.frombuffer(to_8k.convert(pcm) + to_8k.flush(), dtype="<i2").astype(np.float64)
    if condition == "band":
        samples = band_pass(samples)
    elif condition.startswith("noise"):
        samples = mix_noise(samples, float(condition.removeprefix("noise")), rng)
    pcm8k = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
    mulaw = mulaw_encode_array(pcm8k).tobytes()
    if condition == "loss5":
        mulaw = conceal_losses(mulaw, lost_packets(len(mulaw) // PACKET_BYTES, rng))
    return _receive(mulaw)


def _receive(mulaw: bytes) -> bytes:
    """Decode 20 ms mu-law packets to 16 kHz PCM16, packet by packet, as a call does."""
    from_line = AudioConverter(MULAW_8K, PCM16_16K)
    out = [
        from_line.convert(mulaw[i : i + PACKET_BYTES]) for i in range(0, len(mulaw), PACKET_BYTES)
    ]
    out.append(from_line.flush())
    return b"".join(out)


def band_pass(samples: _Samples, low: float = 300.0, high: float = 3400.0) -> _Samples:
    """8 kHz ``samples`` limited to ``low``-``high`` Hz, with 50 Hz / 100 Hz cosine skirts.

    Below 250 Hz and above 3500 Hz nothing passes (an FFT mask on the whole clip: no
    phase distortion, and clips are a few seconds long).
    """
    if samples.size == 0:
        return samples
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(samples.size, 1 / _RATE)
    rise = np.clip((freqs - (low - 50.0)) / 50.0, 0.0, 1.0)
    fall = np.clip(((high + 100.0) - freqs) / 100.0, 0.0, 1.0)
    mask = np.sin(rise * np.pi / 2) ** 2 * np.sin(fall * np.pi / 2) ** 2
    return np.fft.irfft(spectrum * mask, n=samples.size)


def speech_power(samples: _Samples) -> float:
    """Mean power of the 20 ms frames that hold speech (within 40 dB of the loudest).

    Why not the plain mean: the clip's leading and trailing silence would lower the
    speech level and so the SNR a listener hears (a short P.56-style active level).
    """
    frame = _RATE // 50
    count = samples.size // frame
    if count == 0:
        return float(np.mean(samples**2)) if samples.size else 0.0
    powers = np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1)
    active = powers[powers >= powers.max() * 1e-4]
    return float(active.mean()) if active.size else 0.0


def mix_noise(samples: _Samples, snr_db: float, rng: np.random.Generator) -> _Samples:
    """8 kHz ``samples`` plus babble, hiss and hum whose power is ``snr_db`` below speech.

    Babble is the clip itself reversed and shifted four times over (speech-shaped, not
    intelligible words); hiss is pink-ish noise; hum is 50 or 60 Hz with its third
    harmonic. Shares of the noise power: babble 50 %, hiss 35 %, hum 15 %.
    """
    n = samples.size
    level = speech_power(samples)
    if n == 0 or level == 0.0:
        return samples
    babble = sum(np.roll(samples[::-1], int(rng.integers(n))) for _ in range(4))
    white = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / _RATE)
    hiss = np.fft.irfft(white / np.sqrt(np.maximum(freqs, 50.0)), n=n)
    t = np.arange(n) / _RATE
    mains = float(rng.choice([50.0, 60.0]))
    phase = rng.uniform(0, 2 * np.pi)
    hum = np.sin(2 * np.pi * mains * t + phase) + 0.4 * np.sin(2 * np.pi * 3 * mains * t)
    noise = np.zeros(n)
    for part, share in ((babble, 0.50), (hiss, 0.35), (hum, 0.15)):
        noise += part * np.sqrt(share / max(float(np.mean(np.square(part))), 1e-12))
    return samples + noise * np.sqrt(level / 10 ** (snr_db / 10))


def lost_packets(count: int, rng: np.random.Generator, share: float = _LOSS_SHARE) -> list[int]:
    """Indexes of the lost packets: ``share`` of ``count``, rounded, never the first one.

    An exact share rather than a coin per packet, so a 2 s clip loses its 5 packets and
    not 2 or 9; the first packet always arrives (there is nothing to repeat before it).
    """
    if count < 2:
        return []
    lost = min(round(count * share), count - 1)
    return sorted(int(i) + 1 for i in rng.choice(count - 1, size=lost, replace=False))


def conceal_losses(mulaw: bytes, lost: list[int]) -> bytes:
    """``mulaw`` with packets ``lost`` replaced by the packet before, 6 dB quieter each time.

    Two losses in a row play the last good packet at -6 then -12 dB, as simple
    packet-loss concealment fades out rather than buzz a frame forever.
    """
    packets = [mulaw[i : i + PACKET_BYTES] for i in range(0, len(mulaw), PACKET_BYTES)]
    for i in lost:
        previous = mulaw_decode_array(np.frombuffer(packets[i - 1], dtype=np.uint8))
        quieter = np.round(previous.astype(np.float64) * _CONCEALMENT_GAIN).astype(np.int16)
        packets[i] = mulaw_encode_array(quieter).tobytes()[: len(packets[i])]
    return b"".join(packets)
