"""A Moonshine decode that nobody waits for any more stops at its next decoder step.

The utterance stage cancels an early decode made stale (the caller spoke again), and
the engine is shared by every call, one decode at a time: a decode that ran its ~10
decoder steps to the end (~20 ms each, more on a loaded core) held the next one back.
Speech comes from the packaged Piper voice, as in ``test_moonshine.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from framekit.processors.stt.transcript import RecognitionRequest
from framekit.services.moonshine import MoonshineEngine
from framekit.services.piper import PiperEngine

pytest.importorskip("onnxruntime", reason="needs the 'moonshine' extra")
pytest.importorskip("piper", reason="needs the 'piper' extra")
if importlib.util.find_spec("moonshine_cpp") is None:
    pytest.skip("needs the 'moonshine' extra (moonshine-cpp)", allow_module_level=True)

I16 = npt.NDArray[np.int16]
QUESTION = "What are your opening hours?"
REQUEST = "My order number is 4 2 7 1, can you tell me where it is?"


class _Counted:
    """An onnxruntime session that counts its runs and calls ``on_run(n)`` after each."""

    def __init__(self, session: Any, on_run: Callable[[int], None]) -> None:
        self._session = session
        self._on_run = on_run
        self.runs = 0

    def run(self, *args: Any) -> Any:
        result = self._session.run(*args)
        self.runs += 1
        self._on_run(self.runs)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


@pytest.fixture(scope="module")
def moonshine() -> MoonshineEngine:
    return MoonshineEngine.shared()


@pytest.fixture(scope="module")
def speech() -> dict[str, I16]:
    piper = PiperEngine.shared()
    found = {}
    for text in (QUESTION, REQUEST):
        pcm = np.frombuffer(b"".join(piper.synthesize(text, varied=False)), dtype="<i2")
        found[text] = np.asarray(soxr.resample(pcm, piper.sample_rate, 16000), dtype=np.int16)
    return found


@pytest.fixture
def counted(moonshine: MoonshineEngine) -> Iterator[Callable[[Callable[[int], None]], _Counted]]:
    """Wraps the shared engine's decoder session for one test, then puts it back."""
    original = moonshine._decoder

    def wrap(on_run: Callable[[int], None]) -> _Counted:
        wrapped = _Counted(original, on_run)
        moonshine._decoder = wrapped
        return wrapped

    yield wrap
    moonshine._decoder = original


def test_an_abandoned_row_leaves_the_batch_and_the_others_are_unchanged(
    moonshine: MoonshineEngine,
    speech: dict[str, I16],
    counted: Callable[[Callable[[int], None]], _Counted],
) -> None:
    alone = moonshine.transcribe(speech[REQUEST]).text
    stale = threading.Event()
    decoder = counted(lambda runs: stale.set() if runs == 2 else None)
    kept, dropped = moonshine.transcribe_batch(
        [RecognitionRequest(speech[REQUEST]), RecognitionRequest(speech[QUESTION], abandoned=stale)]
    )
    assert kept.text == alone
    # The question's row left after the step on which it was abandoned: its first two
    # tokens, where its whole decode has about eight.
    assert len(dropped.text.split()) <= 2
    assert QUESTION.startswith(dropped.text)
    assert decoder.runs > 10  # the request ran on to its end

    abandoned = threading.Event()
    abandoned.set()
    decoder = counted(lambda runs: None)
    (nothing,) = moonshine.transcribe_batch(
        [RecognitionRequest(speech[QUESTION], abandoned=abandoned)]
    )
    assert nothing.text == ""
    assert decoder.runs == 0  # not even the encoder ran


async def test_a_cancelled_decode_frees_the_engine_within_a_step(
    moonshine: MoonshineEngine,
    speech: dict[str, I16],
    counted: Callable[[Callable[[int], None]], _Counted],
) -> None:
    loop = asyncio.get_running_loop()
    stale = asyncio.ensure_future(moonshine.transcribe_async(speech[REQUEST], urgent=False))

    def cancel_after_two_steps(runs: int) -> None:
        if runs == 2:
            loop.call_soon_threadsafe(stale.cancel)
            time.sleep(0.2)  # the event loop cancels it meanwhile (it is otherwise idle)

    decoder = counted(cancel_after_two_steps)
    with pytest.raises(asyncio.CancelledError):
        await stale
    # The request has ~17 tokens: it stopped on the step after the cancel.
    assert decoder.runs <= 3
    answer = await moonshine.transcribe_async(speech[QUESTION])
    assert answer.text == QUESTION
