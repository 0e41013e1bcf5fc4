"""A spoken sensitive entry started over: "let me start again" takes back the digits said.

The keypad's ``*`` starts a keyed entry over; a caller who misreads a card aloud says
so in words. Through the real pipeline of ``tests/processors/test_sensitive_spoken.py``
(gate, recording tap, utterance recognizer, spoken-entry stage, call record): the
digits before the restart, in its own sentence or in the same one, never reach the
tool, and the number said after it completes the entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from framekit.frames import SensitiveEntryEnd, SensitiveEntryRequestFrame
from framekit.privacy.kinds.spoken import after_restart
from processors.test_sensitive_spoken import CARD, SAID, _Ask, _call, utterance

MISREAD = 6000
"""Six digits of another card, then the restart, in one sentence."""
MISREAD_THEN_START = 7000
"""Six digits, "scratch that", then the card's first eight, in one sentence."""


@pytest.fixture(autouse=True)
def _sayings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SAID, MISREAD, "four five three nine one two, sorry, let me start again")
    monkeypatch.setitem(
        SAID,
        MISREAD_THEN_START,
        "four five one two two two scratch that four five three nine one four eight eight",
    )


@pytest.mark.parametrize(
    "levels", [[MISREAD, 2000, 3000], [MISREAD_THEN_START, 3000]], ids=["apart", "within"]
)
async def test_digits_said_before_a_restart_never_reach_the_tool(
    tmp_path: Path, levels: list[int]
) -> None:
    request = SensitiveEntryRequestFrame(spoken=True, min_digits=13, trailing_silence=0.1)
    script = [_Ask(frame=request)] + [item for level in levels for item in utterance(level)]
    call = await _call(tmp_path, script)
    entry = request.answer.result()
    assert (entry.reveal(), entry.end) == (CARD, SensitiveEntryEnd.COMPLETE)
    assert call.words() == []  # nothing of the entry, the restart included, passed the stage


@pytest.mark.parametrize(
    ("said", "after"),
    [
        ("one two, sorry, start over. three", ". three"),
        ("one two let me try that again three", " three"),
        ("from the top: four five", ": four five"),
        ("one two, no, three", None),  # a correction of the last digits, not a restart
        ("i'd like to start paying", None),
    ],
)
def test_a_restart_is_read_from_its_words(said: str, after: str | None) -> None:
    assert after_restart(said) == after
