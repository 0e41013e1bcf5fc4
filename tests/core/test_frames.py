from __future__ import annotations

import pytest

from framekit.audio import MULAW_8K, PCM16_16K
from framekit.frames import (
    CancelFrame,
    ControlFrame,
    DataFrame,
    EndFrame,
    Frame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    HangUpFrame,
    InputAudioFrame,
    InterruptionFrame,
    LLMTextFrame,
    OutputAudioFrame,
    StartFrame,
    SystemFrame,
    TextFrame,
    TranscriptionFrame,
)
from framekit.interruptions import survives_interruption


def test_frame_kinds_follow_the_documented_semantics() -> None:
    assert isinstance(StartFrame(), SystemFrame)
    assert isinstance(CancelFrame(), SystemFrame)
    assert isinstance(InterruptionFrame(), SystemFrame)
    assert isinstance(InputAudioFrame(), SystemFrame)
    assert isinstance(EndFrame(), ControlFrame)
    assert isinstance(OutputAudioFrame(), DataFrame)
    assert isinstance(LLMTextFrame(), TextFrame)


@pytest.mark.parametrize(
    ("frame", "survives"),
    [
        (TextFrame(text="hi"), False),
        (OutputAudioFrame(), False),
        (FunctionCallRequestedFrame(), False),
        (TranscriptionFrame(text="hi"), True),
        (FunctionCallResultFrame(), True),
        (EndFrame(), True),
        (HangUpFrame(), True),
        (InputAudioFrame(), True),
        (CancelFrame(), True),
    ],
)
def test_what_survives_an_interruption(frame: Frame, survives: bool) -> None:
    assert survives_interruption(frame) is survives


def test_frames_are_slotted_and_compared_by_identity() -> None:
    a, b = TextFrame(text="x"), TextFrame(text="x")
    assert not hasattr(a, "__dict__")
    assert a != b
    assert len({a, b}) == 2
    assert b.id > a.id
    assert a.name == f"TextFrame#{a.id}"


def test_audio_frames_carry_their_format() -> None:
    frame = InputAudioFrame(audio=b"\x00" * 640, format=PCM16_16K)
    assert frame.duration == pytest.approx(0.02)
    phone = OutputAudioFrame(audio=b"\xff" * 160, format=MULAW_8K)
    assert phone.duration == pytest.approx(0.02)
    assert str(phone.format) == "mulaw/8000Hz/1ch"
