"""Moonshine decodes several callers' utterances as one batch, hearing each as alone.

Speech comes from the packaged Piper voice, as in ``test_moonshine.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util

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
SENTENCES = (
    "What are your opening hours?",
    "What is your return policy?",
    "My order number is 4 2 7 1.",
    "Can I talk to a person please, it is about a refund for a broken lamp?",
)


@pytest.fixture(scope="module")
def moonshine() -> MoonshineEngine:
    return MoonshineEngine.shared()


@pytest.fixture(scope="module")
def speech() -> list[I16]:
    """Each sentence spoken by the packaged Piper voice, as 16 kHz int16."""
    piper = PiperEngine.shared()
    found = []
    for text in SENTENCES:
        pcm = np.frombuffer(b"".join(piper.synthesize(text, varied=False)), dtype="<i2")
        found.append(np.asarray(soxr.resample(pcm, piper.sample_rate, 16000), dtype=np.int16))
    return found


def test_a_batch_hears_each_row_as_it_would_alone(
    moonshine: MoonshineEngine, speech: list[I16]
) -> None:
    requests = [RecognitionRequest(s, "en") for s in speech[:3]]
    requests.append(RecognitionRequest(speech[2], expect="digits"))
    requests.append(RecognitionRequest(b""))
    batched = moonshine.transcribe_batch(requests)
    alone = [moonshine.transcribe(r.audio, r.language, expect=r.expect) for r in requests]
    assert [t.text for t in batched] == [t.text for t in alone]
    assert [t.duration for t in batched] == [t.duration for t in alone]
    for b, a in zip(batched[:4], alone[:4], strict=True):
        # Padding with silence moves the token probabilities a little (here not the words):
        # up to 0.055 for a 1.5 s row padded to the 2.6 s one since Piper's quiet lead-in
        # is cut (b4b7a9b); far from the second pass's 0.5 (SecondPassPolicy).
        assert b.confidence == pytest.approx(a.confidence, abs=0.08)
    assert batched[4].text == ""


def test_a_shorter_row_is_encoded_as_it_would_be_alone(
    moonshine: MoonshineEngine, speech: list[I16]
) -> None:
    """Its encoder states are its own (zero-padded), not those of its audio padded with silence."""
    short, long = speech[0], speech[2]
    assert short.size < long.size
    batched = moonshine._encode([s.astype(np.float32) / 32768 for s in (short, long)], None)
    alone = moonshine._encode([short.astype(np.float32) / 32768], None)[0]
    assert batched.shape[1] > alone.shape[0]
    np.testing.assert_allclose(batched[0, : alone.shape[0]], alone, atol=1e-5)
    assert not batched[0, alone.shape[0] :].any()


def test_only_utterances_of_similar_length_share_a_run(
    moonshine: MoonshineEngine, speech: list[I16]
) -> None:
    short, similar, long = (RecognitionRequest(speech[i]) for i in (0, 1, 3))
    assert moonshine._fits(short, similar)
    assert not moonshine._fits(short, long)


async def test_callers_that_wait_together_decode_in_one_run(
    moonshine: MoonshineEngine, speech: list[I16]
) -> None:
    runs, requests = moonshine.batches.runs, moonshine.batches.requests
    texts = await asyncio.gather(
        *(moonshine.transcribe_async(s) for s in (*speech[:3], *speech[:3]))
    )
    assert [t.text for t in texts[:3]] == [t.text for t in texts[3:]]
    assert moonshine.batches.requests - requests == 6
    assert moonshine.batches.runs - runs < 6  # without batching: one run per utterance
