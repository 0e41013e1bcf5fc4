"""FrameTypeMap: the one per-type lookup the processor base, tool runner and call recorder share."""

from __future__ import annotations

import pytest

import framekit.frames as frames
from framekit.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioFrame,
    InterruptionFrame,
    LLMTextFrame,
    StartFrame,
    SystemFrame,
    TextFrame,
)
from framekit.frames.dispatch import FrameTypeMap
from framekit.processors.base import Route, route_of


def test_the_nearest_declared_base_wins_and_is_cached() -> None:
    kinds: FrameTypeMap[str] = FrameTypeMap({TextFrame: "text", Frame: "any"})
    assert kinds.get(LLMTextFrame) == "text"
    assert kinds.get(InputAudioFrame) == "any"
    assert kinds.cached[LLMTextFrame] == "text"

    kinds.declare(LLMTextFrame, "words")
    assert kinds.cached == {}
    assert kinds.get(LLMTextFrame) == "words"
    assert kinds.get(TextFrame) == "text"


def test_nothing_declared_is_none_and_resolve_says_so() -> None:
    kinds: FrameTypeMap[str] = FrameTypeMap({TextFrame: "text"})
    assert kinds.get(InputAudioFrame) is None
    with pytest.raises(LookupError, match="InputAudioFrame"):
        kinds.resolve(InputAudioFrame)


def _ladder(frame_type: type[Frame]) -> Route:
    """The routing rule as the base stated it before the map: first match wins."""
    for base, route in (
        (StartFrame, Route.START),
        (EndFrame, Route.END),
        (CancelFrame, Route.CANCEL),
        (InterruptionFrame, Route.INTERRUPTION),
        (SystemFrame, Route.SYSTEM),
    ):
        if issubclass(frame_type, base):
            return route
    return Route.ORDERED


def test_every_public_frame_type_is_routed_as_the_rule_says() -> None:
    frame_types = [
        value
        for value in vars(frames).values()
        if isinstance(value, type) and issubclass(value, Frame)
    ]
    assert len(frame_types) > 30
    for frame_type in frame_types:
        assert route_of(frame_type) is _ladder(frame_type), frame_type.__name__
