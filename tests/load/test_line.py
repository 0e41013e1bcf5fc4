"""Where the load test's voice to voice starts: the end of the caller's speech.

The caller's recordings end with Piper's quiet (~0.15-0.2 s). The measure used to
start when the whole file had gone out, which made every answer look that much
faster; it now starts when the last audible frame went out (``loadtest/line.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

if importlib.util.find_spec("gevent") is None or importlib.util.find_spec("websocket") is None:
    pytest.skip("the load test needs the load extra", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
FRAME = 160  # 20 ms of 8 kHz mu-law
SILENT = b"\xff" * FRAME  # mu-law 0xFF: a sample of 0
LOUD = b"\x00" * FRAME  # mu-law 0x00: the loudest negative sample


@pytest.fixture
def line(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``loadtest.line`` as ``python -m loadtest`` imports it (gevent imported, not patched in)."""
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("loadtest.line")


def test_speech_ends_with_its_last_audible_frame(line: ModuleType) -> None:
    utterance = LOUD * 3 + SILENT + LOUD + SILENT * 9
    assert line._speech_bytes(utterance) == 5 * FRAME


def test_a_recording_without_speech_has_none(line: ModuleType) -> None:
    assert line._speech_bytes(SILENT * 4) == 0
    assert line._speech_bytes(b"") == 0


def test_the_prepared_questions_end_in_quiet_that_is_not_speech(line: ModuleType) -> None:
    speech = importlib.import_module("loadtest.speech")
    speech.prepare_utterances()
    for ulaw in speech.load_utterances():
        padded = ulaw + SILENT[: -len(ulaw) % FRAME]
        quiet_seconds = (len(padded) - line._speech_bytes(padded)) / 8000
        assert 0.05 < quiet_seconds < 0.5
