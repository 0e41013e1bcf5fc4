"""How the locust caller reads an answer it may have talked over (``loadtest/turns.py``).

With ``--barge-in`` a caller asks its next question while the bot may still be
answering the last one: the bot's audio before the server's ``clear`` belongs to
that answer, and an answer's gap is measured only up to its end.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def turns(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("loadtest.turns")


def test_the_answer_starts_after_the_clear_that_stopped_the_last_one(turns: ModuleType) -> None:
    # The question began at 10.0 and its speech ended at 11.5; the bot stopped at 11.8.
    assert turns.answer_may_start(11.5, [3.0, 10.3, 11.8], 10.0) == 11.8


def test_an_early_clear_leaves_the_end_of_speech_as_the_start(turns: ModuleType) -> None:
    assert turns.answer_may_start(11.5, [3.0, 10.3], 10.0) == 11.5


def test_clears_before_the_question_do_not_count(turns: ModuleType) -> None:
    assert turns.answer_may_start(11.5, [3.0, 9.9], 10.0) == 11.5


def test_an_answers_gap_stops_at_its_end(turns: ModuleType) -> None:
    times = [0.0, 0.02, 0.19, 0.21, 2.5, 3.9]
    assert turns.largest_gap(times, 1.0) == pytest.approx(0.17)


def test_one_message_has_no_gap(turns: ModuleType) -> None:
    assert turns.largest_gap([4.0], 1.0) == 0.0
    assert turns.largest_gap([], 1.0) == 0.0
