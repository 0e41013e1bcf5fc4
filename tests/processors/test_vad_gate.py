"""The level gate: quiet windows skip Silero, and detection stays as it was.

The rule alone on made-up levels first, then the real processor and model on the
espeak-ng recordings of ``test_vad.py`` (known start and end), counting the
windows the model scored through a dedicated engine's ``windows`` counter.
"""

from __future__ import annotations

import numpy as np
import pytest

from framekit.audio import PCM16_16K, AudioFormat
from framekit.frames import UserStartedSpeakingFrame, UserStoppedSpeakingFrame
from framekit.processors.vad import LevelGateParams, VADParams, VADProcessor
from framekit.processors.vad.gate import LevelGate
from framekit.services.silero import SileroVADEngine

from .test_vad import (
    F32,
    MU_LAW,
    PCM_16K,
    TOLERANCE,
    Recording,
    _compose,
    _frames,
    _paced,
    _speech,
    voices,
)

__all__ = ["voices"]  # the fixture, shared with test_vad.py

WINDOW_S = 0.032


def _db(dbfs: float) -> float:
    """Mean power at ``dbfs``."""
    return float(10 ** (dbfs / 10))


def _noise_rms(dbfs: float) -> float:
    return float(10 ** (dbfs / 20))


# The rule on its own -------------------------------------------------------------------


def test_nothing_is_skipped_before_the_model_has_heard_quiet_windows() -> None:
    gate = LevelGate(LevelGateParams(quiet_windows=3), WINDOW_S)
    for _ in range(3):
        assert not gate.skip(0.0, quiet=True)  # digital silence, but the model must agree first
        gate.scored(0.01)
    assert gate.skip(0.0, quiet=True)


def test_a_likely_window_starts_the_count_again() -> None:
    gate = LevelGate(LevelGateParams(quiet_windows=2, quiet_probability=0.1), WINDOW_S)
    for p in (0.01, 0.01):
        assert not gate.skip(_db(-70), quiet=True)
        gate.scored(p)
    gate.scored(0.2)  # above quiet_probability (a window scored for another reason)
    assert not gate.skip(_db(-70), quiet=True)


def test_only_the_quiet_state_skips() -> None:
    gate = LevelGate(LevelGateParams(quiet_windows=1), WINDOW_S)
    gate.skip(0.0, quiet=True)
    gate.scored(0.0)
    assert not gate.skip(0.0, quiet=False)  # starting, speaking or stopping: always scored
    assert gate.skip(0.0, quiet=True)


def test_the_threshold_follows_the_noise_floor_above_the_absolute_floor() -> None:
    gate = LevelGate(LevelGateParams(floor_dbfs=-55, margin_db=6, quiet_windows=1), WINDOW_S)
    gate.skip(_db(-45), quiet=True)
    gate.scored(0.0)
    for _ in range(50):  # a steady line at -45 dBFS: above -55, under its floor + 6 dB
        assert gate.skip(_db(-45), quiet=True)
    assert gate.noise_floor == pytest.approx(_db(-45), rel=0.1)
    assert not gate.skip(_db(-38), quiet=True)  # 7 dB above the line: the first window scores
    assert gate.skip(_db(-56), quiet=True)  # under the absolute floor: skipped
    assert gate.noise_floor == pytest.approx(_db(-56))  # the floor fell at once


def test_the_noise_floor_rises_slowly() -> None:
    params = LevelGateParams(margin_db=6, quiet_windows=1, rise_db_per_second=1.0)
    gate = LevelGate(params, WINDOW_S)
    gate.skip(_db(-60), quiet=True)
    gate.scored(0.0)
    for _ in range(round(10 / WINDOW_S)):  # 10 s of speech-level audio, scored
        assert not gate.skip(_db(-20), quiet=False)
    floor_db = 10 * np.log10(gate.noise_floor)
    assert floor_db == pytest.approx(-50, abs=0.5)  # 1 dB a second, not up to the speech


@pytest.mark.parametrize(
    "bad",
    [
        {"margin_db": -1.0},
        {"quiet_probability": 1.5},
        {"quiet_windows": 0},
        {"floor_dbfs": float("nan")},
        {"rise_db_per_second": float("inf")},
    ],
)
def test_bad_parameters_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        LevelGateParams(**bad)  # type: ignore[arg-type]


# The processor with the real model -----------------------------------------------------


async def _run(
    recording: Recording, fmt: AudioFormat, gate: LevelGateParams | None
) -> tuple[VADProcessor, SileroVADEngine, list[float], list[float]]:
    from framekit.pipeline.params import PipelineParams
    from framekit.processors.convert import AudioConverterProcessor
    from framekit.testing import run_processor

    engine = SileroVADEngine(fmt.sample_rate)
    vad = VADProcessor(engine, gate=gate)
    capture = await run_processor(
        [AudioConverterProcessor(), vad],  # mu-law decoded before the VAD, as a transport does
        _paced(_frames(recording, fmt)),
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=fmt.sample_rate),
        time_limit=60.0,
    )
    starts = [f.started_at for f in capture.downstream_of(UserStartedSpeakingFrame)]
    stops = [f.stopped_at for f in capture.downstream_of(UserStoppedSpeakingFrame)]
    engine.close()
    return vad, engine, [s for s in starts if s is not None], [s for s in stops if s is not None]


def _windows(recording: Recording, fmt: AudioFormat) -> int:
    window = 512 if fmt.sample_rate == 16000 else 256
    return len(recording.audio) // window


@pytest.mark.parametrize("fmt", [PCM_16K, MU_LAW])
async def test_a_mostly_quiet_call_scores_few_windows(
    voices: dict[str, tuple[F32, int]], fmt: AudioFormat
) -> None:
    """8 s of line noise at -60 dBFS around one sentence: the model hears the sentence."""
    rate = fmt.sample_rate
    speech = _speech(voices, "billing", rate)
    recording = _compose(rate, [4.0, speech, 4.0], noise=_noise_rms(-60), seed=3)
    total = _windows(recording, fmt)

    vad, engine, starts, stops = await _run(recording, fmt, LevelGateParams())
    assert len(starts) == len(stops) == 1
    # Speech (~2.1 s) plus the stop window (0.5 s) and a few quiet windows: about a quarter.
    assert engine.windows == vad.windows_scored < 0.4 * total
    assert vad.windows_scored + vad.windows_skipped == total

    vad, engine, starts_off, stops_off = await _run(recording, fmt, None)
    assert engine.windows == vad.windows_scored == total  # as before the gate: every window
    assert vad.windows_skipped == 0
    assert starts == pytest.approx(starts_off, abs=WINDOW_S + 1e-9)
    assert stops == pytest.approx(stops_off, abs=WINDOW_S + 1e-9)


@pytest.mark.parametrize("fmt", [PCM_16K, MU_LAW])
@pytest.mark.parametrize("key", ["order", "billing"])
@pytest.mark.parametrize("noise_dbfs", [-50.0, -40.0])
async def test_onset_and_end_do_not_move_with_the_gate(
    voices: dict[str, tuple[F32, int]], fmt: AudioFormat, key: str, noise_dbfs: float
) -> None:
    """The recordings of ``test_vad.py`` after 3 s of line noise, with and without the gate."""
    rate = fmt.sample_rate
    recording = _compose(
        rate, [3.0, _speech(voices, key, rate), 1.5], noise=_noise_rms(noise_dbfs), seed=7
    )
    gated, _, starts, stops = await _run(recording, fmt, LevelGateParams())
    _, _, starts_off, stops_off = await _run(recording, fmt, None)
    assert len(starts) == len(stops) == len(starts_off) == 1
    assert gated.windows_skipped > 0.4 * _windows(recording, fmt)
    # At most one window apart from scoring every window (the recurrent state differs).
    assert starts == pytest.approx(starts_off, abs=WINDOW_S + 1e-9)
    assert stops == pytest.approx(stops_off, abs=WINDOW_S + 1e-9)
    if noise_dbfs == -50.0:  # the must-hold bound (at -40 dBFS the last syllables drown)
        [(start, end)] = recording.utterances
        assert starts[0] == pytest.approx(start, abs=TOLERANCE)
        assert stops[0] == pytest.approx(end, abs=TOLERANCE)


@pytest.mark.parametrize("fmt", [PCM_16K, MU_LAW])
async def test_a_quiet_talker_is_still_heard(
    voices: dict[str, tuple[F32, int]], fmt: AudioFormat
) -> None:
    """Speech at -35 dBFS RMS over -60 dBFS line noise, after 3 s of that noise."""
    rate = fmt.sample_rate
    speech = _speech(voices, "order", rate)
    speech = speech * np.float32(_noise_rms(-35) / np.sqrt(np.mean(speech**2)))
    recording = _compose(rate, [3.0, speech, 1.5], noise=_noise_rms(-60), seed=11)
    vad, _, starts, stops = await _run(recording, fmt, LevelGateParams())
    assert vad.windows_skipped > 0
    [(start, end)] = recording.utterances
    assert starts == pytest.approx([start], abs=TOLERANCE)
    assert stops == pytest.approx([end], abs=TOLERANCE)


async def test_two_turns_with_a_long_quiet_between_keep_their_bounds(
    voices: dict[str, tuple[F32, int]],
) -> None:
    """Skipping resumes after the first turn and stops at the first window of the second."""
    from framekit.pipeline.params import PipelineParams
    from framekit.testing import run_processor

    rate = 16000
    order, billing = _speech(voices, "order", rate), _speech(voices, "billing", rate)
    recording = _compose(rate, [2.0, order, 5.0, billing, 2.0], noise=_noise_rms(-55), seed=5)
    params = VADParams()
    vad = VADProcessor(SileroVADEngine(rate), params=params)
    capture = await run_processor(
        vad,
        _paced(_frames(recording, PCM16_16K)),
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=rate),
        time_limit=60.0,
    )
    starts = [f.started_at for f in capture.downstream_of(UserStartedSpeakingFrame)]
    stops = [f.stopped_at for f in capture.downstream_of(UserStoppedSpeakingFrame)]
    assert starts == pytest.approx([u[0] for u in recording.utterances], abs=TOLERANCE)
    assert stops == pytest.approx([u[1] for u in recording.utterances], abs=TOLERANCE)
    assert vad.windows_skipped > 0.5 * _windows(recording, PCM16_16K)
