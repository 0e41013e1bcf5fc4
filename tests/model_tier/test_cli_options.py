"""``framekit models serve``'s flags reach the tier's options (no Ray needed).

The autoscaler's timing decides how long a surge of calls waits for a new replica, so
an operator sets it from the command line; a flag parsed but dropped on the way to
``ScalingOptions`` would silently leave Ray's 10-minute scale-down in place.
"""

from __future__ import annotations

import argparse

import pytest

from framekit.cli.models import MODELS, _options


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    MODELS.configure(parser)
    return parser.parse_args(["serve", *argv])


def test_the_autoscaler_timing_flags_reach_both_models() -> None:
    options = _options(
        _parse("--look-back", "5", "--upscale-delay", "2", "--downscale-delay", "10")
    )
    for scaling in (options.stt, options.tts):
        assert (scaling.look_back_period_s, scaling.upscale_delay_s) == (5.0, 2.0)
        assert scaling.downscale_delay_s == 10.0


def test_without_flags_the_timing_is_rays_default() -> None:
    options = _options(_parse())
    assert (options.stt.look_back_period_s, options.stt.upscale_delay_s) == (30.0, 30.0)
    assert options.tts.downscale_delay_s == 600.0


def test_a_negative_delay_is_refused_with_its_reason() -> None:
    with pytest.raises(ValueError, match="delays >= 0"):
        _options(_parse("--upscale-delay", "-1"))


def test_the_voice_batch_flag_reaches_the_tier() -> None:
    assert _options(_parse("--voice-max-batch-size", "4")).voice_max_batch_size == 4
    assert _options(_parse()).voice_max_batch_size is None  # per device, in the tier


def test_a_voice_batch_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="voice_max_batch_size"):
        _options(_parse("--voice-max-batch-size", "0"))
