"""WAV reading and writing, checked against the standard library's wave module."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from framekit.audio import (
    MULAW_8K,
    PCM16_16K,
    AudioEncoding,
    AudioFormat,
    WavError,
    audio_format,
    decode_wav,
    encode_wav,
    read_wav,
    write_wav,
)

STEREO_48K = audio_format(48000, 2)
FLOAT_24K = audio_format(24000, 1, AudioEncoding.FLOAT32)


def _samples(fmt: AudioFormat, instants: int) -> bytes:
    rng = np.random.default_rng(11)
    return rng.integers(0, 256, instants * fmt.bytes_per_frame, dtype=np.uint8).tobytes()


def _riff(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"".join(
        cid + struct.pack("<I", len(data)) + data + b"\0" * (len(data) & 1) for cid, data in chunks
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def _fmt(tag: int, channels: int, rate: int, bits: int, extra: bytes = b"") -> bytes:
    align = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits) + extra


@pytest.mark.parametrize("fmt", [PCM16_16K, STEREO_48K, MULAW_8K, FLOAT_24K])
def test_round_trip(fmt: AudioFormat) -> None:
    data = _samples(fmt, 161)  # odd: mu-law data gets a pad byte
    assert decode_wav(encode_wav(data, fmt)) == (data, fmt)
    assert decode_wav(encode_wav(data, fmt))[1] is fmt  # the interned format


def test_written_pcm16_reads_in_stdlib_wave() -> None:
    data = _samples(STEREO_48K, 480)
    with wave.open(io.BytesIO(encode_wav(data, STEREO_48K))) as reader:
        params = reader.getparams()
        assert (params.nchannels, params.sampwidth, params.framerate) == (2, 2, 48000)
        assert reader.readframes(reader.getnframes()) == data


def test_reads_stdlib_wave_output() -> None:
    data = _samples(PCM16_16K, 320)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(data)
    assert decode_wav(buffer.getvalue()) == (data, PCM16_16K)


def test_mulaw_file_layout() -> None:
    content = encode_wav(b"\x01\x02\x03", MULAW_8K)
    assert content[12:20] == b"fmt " + struct.pack("<I", 18)
    # tag 7, 1 channel, 8000 Hz, 8000 bytes/s, 1-byte blocks, 8 bits, no extension
    assert struct.unpack_from("<HHIIHHH", content, 20) == (7, 1, 8000, 8000, 1, 8, 0)
    assert content[38:50] == b"fact" + struct.pack("<II", 4, 3)
    assert content[50:58] == b"data" + struct.pack("<I", 3)
    assert len(content) == 62  # 3 data bytes and a pad byte
    assert struct.unpack_from("<I", content, 4)[0] == 54


def test_reads_mulaw_written_by_another_tool_with_extra_chunks() -> None:
    content = _riff(
        (b"fmt ", _fmt(7, 1, 8000, 8, b"\0\0")),
        (b"LIST", b"INFOISFT\x05\0\0\0sox!\0\0"),
        (b"data", b"\xff\x7f\x00"),
    )
    assert decode_wav(content) == (b"\xff\x7f\x00", MULAW_8K)


def test_reads_wave_format_extensible() -> None:
    pcm_guid = struct.pack("<H", 1) + bytes.fromhex("000000001000800000aa00389b71")
    extension = struct.pack("<HHI", 22, 16, 0x3) + pcm_guid
    content = _riff((b"fmt ", _fmt(0xFFFE, 2, 48000, 16, extension)), (b"data", b"\0" * 8))
    assert decode_wav(content) == (b"\0" * 8, STEREO_48K)


def test_truncated_data_keeps_whole_samples() -> None:
    content = encode_wav(_samples(PCM16_16K, 100), PCM16_16K)[:-3]  # cut mid-sample
    data, fmt = decode_wav(content)
    assert fmt is PCM16_16K
    assert len(data) == 98 * 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"OggS" + b"\0" * 40, "not a RIFF/WAVE file"),
        (b"RF64" + b"\0" * 40, "RF64"),
        (_riff((b"fmt ", _fmt(1, 1, 16000, 24)), (b"data", b"")), "PCM .tag 0x0001., 24 bits"),
        (_riff((b"fmt ", _fmt(6, 1, 8000, 8)), (b"data", b"")), "A-law"),
        (_riff((b"fmt ", _fmt(2, 1, 8000, 4)), (b"data", b"")), "MS ADPCM"),
        (_riff((b"fmt ", _fmt(1, 1, 16000, 16))), "no data chunk"),
        (_riff((b"data", b"\0\0")), "before any fmt chunk"),
        (_riff((b"fmt ", b"\1\0")), "fmt chunk too short"),
        (_riff((b"fmt ", _fmt(1, 0, 16000, 16)), (b"data", b"")), "0 channels"),
    ],
)
def test_unsupported_or_broken_files_say_why(content: bytes, message: str) -> None:
    with pytest.raises(WavError, match=message):
        decode_wav(content)


def test_write_refuses_partial_samples() -> None:
    with pytest.raises(WavError, match="whole number"):
        encode_wav(b"\0\0\0", PCM16_16K)


def test_paths_and_file_objects(tmp_path: Path) -> None:
    data = _samples(MULAW_8K, 800)
    path = tmp_path / "call.wav"
    write_wav(path, data, MULAW_8K)
    assert read_wav(path) == (data, MULAW_8K)
    assert read_wav(str(path)) == (data, MULAW_8K)
    buffer = io.BytesIO()
    write_wav(buffer, data, MULAW_8K)
    buffer.seek(0)
    assert read_wav(buffer) == (data, MULAW_8K)
