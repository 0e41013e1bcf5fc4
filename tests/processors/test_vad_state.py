"""The VAD state machine and the end-of-speech refinement, on made-up inputs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from framekit.processors.vad import SpeechStateMachine, VADEvent, VADParams, VADState
from framekit.processors.vad.endpoint import EnergyEnvelope

RATE = 16000
W = 512  # one 32 ms window


def _feed(machine: SpeechStateMachine, probabilities: list[float]) -> list[tuple[int, VADEvent]]:
    """Feed one window per probability; return (window index, event) for each event."""
    events = []
    for i, p in enumerate(probabilities):
        event = machine.update(p, W)
        if event is not None:
            events.append((i, event))
    return events


def test_onset_must_hold_min_speech_before_it_counts() -> None:
    machine = SpeechStateMachine(VADParams(min_speech_duration=0.2), RATE)
    # 0.2 s is 6.25 windows: the 7th speech window confirms it.
    events = _feed(machine, [0.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    assert events == [(7, VADEvent.STARTED)]
    assert machine.speech_start == 1 * W
    assert machine.state is VADState.SPEAKING


def test_short_bursts_never_start_speech() -> None:
    machine = SpeechStateMachine(VADParams(min_speech_duration=0.2), RATE)
    burst = [0.9, 0.9, 0.9, 0.1]  # 96 ms of "speech", then silence
    assert _feed(machine, burst * 20) == []
    assert machine.state is VADState.QUIET


def test_hysteresis_between_the_thresholds() -> None:
    params = VADParams(start_threshold=0.5, stop_threshold=0.35, min_speech_duration=0.0)
    machine = SpeechStateMachine(params, RATE)
    # 0.4 neither starts speech nor stops it.
    assert _feed(machine, [0.4, 0.4]) == []
    assert machine.state is VADState.QUIET
    assert _feed(machine, [0.6]) == [(0, VADEvent.STARTED)]
    assert _feed(machine, [0.4] * 50) == []
    assert machine.state is VADState.SPEAKING


def test_stop_needs_min_silence_and_a_pause_resumes_speech() -> None:
    params = VADParams(min_speech_duration=0.0, min_silence_duration=0.5)
    machine = SpeechStateMachine(params, RATE)
    assert _feed(machine, [0.9] * 10) == [(0, VADEvent.STARTED)]
    # A 10-window (320 ms) pause, then speech again: still one utterance.
    assert _feed(machine, [0.1] * 10 + [0.9]) == []
    assert machine.state is VADState.SPEAKING
    # Between the thresholds while stopping counts as silence (Silero's own rule).
    silence = [0.1, 0.4] * 8
    events = _feed(machine, silence)
    assert events == [(15, VADEvent.STOPPED)]  # 16 windows = 512 ms >= 0.5 s
    assert machine.speech_end == 21 * W
    assert machine.position - machine.speech_end == 16 * W
    assert not machine.speaking


def test_a_loud_window_while_stopping_brings_speech_back() -> None:
    machine = SpeechStateMachine(VADParams(min_speech_duration=0.0), RATE)
    _feed(machine, [0.9, 0.1, 0.1])
    assert machine.state is VADState.STOPPING
    _feed(machine, [0.6])
    assert machine.state is VADState.SPEAKING


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_threshold": 0.3, "stop_threshold": 0.5},
        {"start_threshold": 1.5},
        {"stop_threshold": -0.1},
        {"min_speech_duration": -1.0},
        {"min_silence_duration": float("nan")},
        {"end_lookback": float("inf")},
    ],
)
def test_params_are_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"threshold|seconds"):
        VADParams(**kwargs)


def _window(level: float, samples: int = W) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(int(level * 1000) + samples)
    return rng.normal(0.0, level, samples).astype(np.float32)


def test_envelope_moves_a_late_end_back_to_where_the_energy_falls() -> None:
    envelope = EnergyEnvelope(RATE, keep_seconds=1.0)
    block = envelope.block_samples
    assert block == 128
    for _ in range(10):
        envelope.add(_window(0.1))
    loud_end = envelope.position + 3 * block  # speech goes on for 3 blocks into window 11
    envelope.add(np.concatenate((_window(0.1, 3 * block), _window(0.001, block))))
    model_end = envelope.position + 2 * W  # the model notices two windows later
    for _ in range(2 + 16):
        envelope.add(_window(0.001))
    assert envelope.refine_end(model_end, lookback=5 * W) == loud_end
    # The end never moves by more than the lookback, nor when it is 0.
    assert envelope.refine_end(model_end, lookback=W) == model_end
    assert envelope.refine_end(model_end, lookback=0) == model_end


def test_envelope_keeps_the_model_end_when_nothing_stands_above_the_background() -> None:
    envelope = EnergyEnvelope(RATE, keep_seconds=1.0)
    for _ in range(30):
        envelope.add(_window(0.05))
    end = envelope.position - 16 * W
    assert envelope.refine_end(end, lookback=5 * W) == end
    # Without silence after it (or outside the history) the end stays too.
    assert envelope.refine_end(envelope.position, lookback=5 * W) == envelope.position
    assert envelope.refine_end(0, lookback=5 * W) == 0


def test_the_silence_that_ends_a_turn_counts_from_the_refined_end() -> None:
    # The refiner puts the voice's end 3 windows before the model's: the 0.3 s of silence
    # (10 windows) are complete 3 windows sooner, and the end reported is the refined one.
    params = VADParams(min_speech_duration=0.064, min_silence_duration=0.3)
    speech = [0.9] * 10 + [0.1] * 12
    plain = SpeechStateMachine(params, RATE)
    refined = SpeechStateMachine(params, RATE, lambda end: end - 3 * W)
    assert _feed(plain, speech) == [(1, VADEvent.STARTED), (19, VADEvent.STOPPED)]
    assert _feed(refined, speech) == [(1, VADEvent.STARTED), (16, VADEvent.STOPPED)]
    assert plain.end_of_speech == plain.speech_end == 10 * W
    assert refined.speech_end == 10 * W
    assert refined.end_of_speech == 7 * W


def _utterance_with_a_soft_tail(envelope: EnergyEnvelope, in_utterance: bool) -> tuple[int, int]:
    """Voice at RMS 0.1, a tail 25 dB under it for 152 ms (a trailing fricative, a codec's
    ringing), then a decoded line near digital silence; return (the voice's end, the model's)."""
    block = envelope.block_samples
    for _ in range(10):
        envelope.add(_window(0.1), in_utterance)
    voice_end = envelope.position + block
    envelope.add(np.concatenate((_window(0.1, block), _window(0.0056, 3 * block))), in_utterance)
    for _ in range(4):
        envelope.add(_window(0.0056), in_utterance)
    model_end = envelope.position + 3 * W  # Silero's hangover past the tail
    for _ in range(3 + 10):
        envelope.add(_window(0.00001), in_utterance)
    return voice_end, model_end


def test_a_soft_tail_over_a_clean_line_is_not_dated_as_speech() -> None:
    envelope = EnergyEnvelope(RATE, keep_seconds=2.0)
    voice_end, model_end = _utterance_with_a_soft_tail(envelope, in_utterance=True)
    refined = envelope.refine_end(model_end, lookback=round(0.4 * RATE))
    assert abs(refined - voice_end) <= envelope.block_samples
    # Against the background alone (no utterance level), the tail's end: 152 ms later.
    background_only = EnergyEnvelope(RATE, keep_seconds=2.0)
    voice_end, model_end = _utterance_with_a_soft_tail(background_only, in_utterance=False)
    tail_end = background_only.refine_end(model_end, lookback=round(0.4 * RATE))
    assert tail_end - voice_end == 19 * envelope.block_samples


def test_a_last_word_softer_than_the_speech_level_keeps_its_end() -> None:
    # A loud start, then 0.3 s (the whole lookback) of a word 30 dB under it: nothing in
    # the lookback reaches the speech level, so the background places the end.
    envelope = EnergyEnvelope(RATE, keep_seconds=2.0)
    for _ in range(10):
        envelope.add(_window(0.3), True)
    for _ in range(10):
        envelope.add(_window(0.01), True)
    word_end = envelope.position
    for _ in range(12):
        envelope.add(_window(0.00001), True)
    assert envelope.refine_end(word_end + 2 * W, lookback=round(0.3 * RATE)) == word_end
    # The utterance's level is forgotten at the first window outside it.
    envelope.add(_window(0.00001), False)
    assert envelope.speech_power == 0.0
