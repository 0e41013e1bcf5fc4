"""The shared Moonshine engine hears real English speech, offline, from the packaged files.

Speech comes from the packaged Piper voice (nothing recorded in the repository,
nothing downloaded): Piper says a sentence, Moonshine must write it back. The
engine loads once per test session; the ``.ort`` conversion is tested into a
temporary cache.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from accuracy.wer import word_error_rate
from framekit.models.ort_format import cache_dir, converted
from framekit.processors.stt.transcript import Transcript, confidence_from_logprob
from framekit.services.moonshine import INSTALL_EXTRA, MoonshineEngine
from framekit.services.moonshine.files import packaged_model_dir
from framekit.services.moonshine.tokenizer import MoonshineTokenizer
from framekit.services.piper import PiperEngine
from models._offline import transcribe_offline

pytest.importorskip("onnxruntime", reason="needs the 'moonshine' extra")
pytest.importorskip("onnx", reason="needs the 'moonshine' extra")
pytest.importorskip("piper", reason="needs the 'piper' extra")
if importlib.util.find_spec("moonshine_cpp") is None:  # never imported: only its files are used
    pytest.skip("needs the 'moonshine' extra (moonshine-cpp)", allow_module_level=True)

I16 = npt.NDArray[np.int16]
SENTENCE = "Your order number is 4 2 7 1 and it shipped yesterday."


@pytest.fixture(scope="module")
def moonshine() -> MoonshineEngine:
    return MoonshineEngine.shared()


@pytest.fixture(scope="module")
def speech_16k() -> I16:
    """``SENTENCE`` spoken by the packaged Piper voice, as 16 kHz int16."""
    piper = PiperEngine.shared()
    pcm = np.frombuffer(b"".join(piper.synthesize(SENTENCE, varied=False)), dtype="<i2")
    return np.asarray(soxr.resample(pcm, piper.sample_rate, 16000), dtype=np.int16)


def test_shared_is_one_engine_per_settings(moonshine: MoonshineEngine) -> None:
    assert MoonshineEngine.shared() is moonshine
    assert MoonshineEngine.shared("moonshine") is moonshine
    assert not moonshine.is_multilingual
    assert moonshine.compute_type == "int8"


def test_transcribes_synthesized_speech(moonshine: MoonshineEngine, speech_16k: I16) -> None:
    result = moonshine.transcribe(speech_16k, "en")

    assert word_error_rate(SENTENCE, result.text) <= 0.2, result.text
    assert result.language == "en"
    assert result.language_probability == 1.0
    assert result.duration == pytest.approx(speech_16k.size / 16000)
    (segment,) = result.segments
    assert segment.text == result.text
    assert segment.confidence == pytest.approx(confidence_from_logprob(segment.avg_logprob))
    assert 0.3 < result.confidence <= 1.0


def test_telephone_quality_audio_still_transcribes(
    moonshine: MoonshineEngine, speech_16k: I16
) -> None:
    """8 kHz keeps only the band below 4 kHz, as on a phone line."""
    narrow = soxr.resample(speech_16k, 16000, 8000)
    back = np.asarray(soxr.resample(narrow, 8000, 16000), dtype=np.int16)

    result = moonshine.transcribe(back.tobytes())

    assert word_error_rate(SENTENCE, result.text) <= 0.3, result.text


async def test_async_transcription_leaves_the_event_loop_running(
    moonshine: MoonshineEngine, speech_16k: I16
) -> None:
    decode = asyncio.ensure_future(
        moonshine.transcribe_async(speech_16k.astype(np.float32) / 32768)
    )

    async def decoding_when_the_loop_runs() -> bool:
        return not decode.done()

    loop_ran_during_the_decode = await asyncio.ensure_future(decoding_when_the_loop_runs())
    first = await decode

    assert loop_ran_during_the_decode
    assert first.text == moonshine.transcribe(speech_16k).text


def test_empty_and_very_short_audio(moonshine: MoonshineEngine) -> None:
    assert moonshine.transcribe(b"") == Transcript("", "en", 1.0, (), 0.0)
    short = moonshine.transcribe(np.zeros(400, dtype=np.int16))  # 25 ms, padded for the encoder
    assert short.duration == pytest.approx(0.025)


def test_only_english(moonshine: MoonshineEngine, speech_16k: I16) -> None:
    with pytest.raises(ValueError, match="only transcribes English"):
        moonshine.transcribe(speech_16k, "de")


def test_the_tokenizer_reads_the_packaged_vocabulary() -> None:
    tokenizer = MoonshineTokenizer((packaged_model_dir() / "tokenizer.bin").read_bytes())

    assert len(tokenizer) == 32000
    assert tokenizer.decode([1, 2]) == ""  # start and end marks are not text
    with pytest.raises(ValueError, match="tokenizer"):
        MoonshineTokenizer(b"\x05ab")


def test_the_ort_files_are_converted_once_into_the_cache(tmp_path: Path) -> None:
    source = packaged_model_dir() / "encoder_model.ort"

    first = converted(source, tmp_path)
    assert isinstance(first, Path)
    assert first.parent == tmp_path / "onnx"
    written = first.stat().st_mtime_ns
    second = converted(source, tmp_path)
    assert second == first
    assert first.stat().st_mtime_ns == written
    assert [p.name for p in (tmp_path / "onnx").iterdir()] == [first.name]  # no temporary left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_cache_converts_in_memory(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        model = converted(packaged_model_dir() / "encoder_model.ort", tmp_path)
    finally:
        tmp_path.chmod(0o700)
    assert isinstance(model, bytes)


def test_a_cache_that_is_a_file_converts_in_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")

    model = converted(packaged_model_dir() / "encoder_model.ort", blocked)

    assert isinstance(model, bytes)


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAMEKIT_CACHE_DIR", "/srv/cache")
    assert cache_dir() == Path("/srv/cache")
    monkeypatch.delenv("FRAMEKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/me")
    assert cache_dir() == Path("/var/cache/me/framekit")


def test_loads_a_folder_of_onnx_files(tmp_path: Path, speech_16k: I16) -> None:
    """A user's own export: here the packaged model converted and copied."""
    packaged = packaged_model_dir()
    for stem in ("encoder_model", "decoder_model_merged"):
        model = converted(packaged / f"{stem}.ort", tmp_path / "cache")
        data = model if isinstance(model, bytes) else model.read_bytes()
        (tmp_path / f"{stem}.onnx").write_bytes(data)
    (tmp_path / "tokenizer.bin").write_bytes((packaged / "tokenizer.bin").read_bytes())

    engine = MoonshineEngine.load(tmp_path, cpu_threads=1)

    assert engine.name == f"moonshine {tmp_path}"
    assert word_error_rate(SENTENCE, engine.transcribe(speech_16k).text) <= 0.2


def test_a_folder_without_the_model_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"encoder_model\.ort is missing"):
        MoonshineEngine.load(tmp_path, cache=tmp_path)


@pytest.mark.parametrize("missing", ["moonshine_cpp", "onnxruntime"])
def test_a_missing_extra_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)

    with pytest.raises(ImportError, match="moonshine") as caught:
        MoonshineEngine.load()

    assert INSTALL_EXTRA in str(caught.value)
    assert INSTALL_EXTRA == "pip install 'framekit[moonshine]'"


@pytest.mark.timeout(120)
def test_a_fresh_home_converts_and_runs_with_no_network(tmp_path: Path) -> None:
    """A new process, empty cache, every socket refused: the packaged model still runs."""
    done = transcribe_offline(
        tmp_path,
        """
        from framekit.services.moonshine import MoonshineEngine
        print(MoonshineEngine.shared().transcribe(speech).text)
        """,
        timeout=110,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert word_error_rate("hello how are you", done.stdout) <= 0.25, done.stdout
    cached = sorted(p.name for p in (tmp_path / ".cache/framekit/onnx").iterdir())
    # The two converted graphs and the encoder quantized once (int8 matrix products).
    assert len(cached) == 3, cached
    assert next(name for name in cached if "-int8-" in name).startswith("encoder_model-")


def test_digit_bias_favours_whole_number_words_only(moonshine: MoonshineEngine) -> None:
    tokenizer = moonshine._tokenizer
    numbers = {tokenizer.decode([i]) for i in tokenizer.number_tokens()}
    assert {"four", "zero", "oh", "hundred", "7"} <= numbers
    assert not any(word.isdigit() and not word.isascii() for word in numbers)  # no "²"
    assert len(tokenizer.number_tokens()) < 80  # "one" inside "phone" is not a number


def test_expecting_digits_keeps_a_clear_sentence_and_its_confidence(
    moonshine: MoonshineEngine, speech_16k: I16
) -> None:
    """The bias narrows a doubtful choice; what the model hears clearly stays as it was."""
    plain = moonshine.transcribe(speech_16k, "en")
    biased = moonshine.transcribe(speech_16k, "en", expect="digits")

    assert word_error_rate(SENTENCE, biased.text) <= 0.2, biased.text
    assert biased.confidence == pytest.approx(plain.confidence, abs=0.1)
    assert moonshine.transcribe(speech_16k, "en", expect="name").text == plain.text
