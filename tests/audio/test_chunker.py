"""Re-chunking byte streams into fixed frames."""

from __future__ import annotations

import numpy as np
import pytest

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    AudioChunker,
    AudioEncoding,
    audio_format,
    silence,
)


@pytest.mark.parametrize(
    ("fmt", "frame_bytes"),
    [
        (MULAW_8K, 160),
        (PCM16_16K, 640),
        (audio_format(22050), 882),
        (audio_format(48000, 2, AudioEncoding.FLOAT32), 7680),
    ],
)
def test_random_pieces_come_out_as_exact_frames(fmt, frame_bytes: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    stream = rng.integers(0, 256, 10 * frame_bytes + 37, dtype=np.uint8).tobytes()
    chunker = AudioChunker(fmt, 20)
    assert chunker.frame_bytes == frame_bytes
    frames: list[bytes] = []
    start = 0
    while start < len(stream):
        size = int(rng.integers(0, 3 * frame_bytes))
        frames += chunker.push(stream[start : start + size])
        start += size
        assert chunker.pending_bytes < frame_bytes  # the carry never grows past a frame
    assert all(len(frame) == frame_bytes for frame in frames)
    assert b"".join(frames) == stream[: 10 * frame_bytes]
    assert chunker.pending_bytes == 37
    whole_instants = 37 - 37 % fmt.bytes_per_frame
    assert chunker.flush() == stream[10 * frame_bytes : 10 * frame_bytes + whole_instants]
    assert chunker.pending_bytes == 0


def test_exact_frame_passes_through_without_copy() -> None:
    chunker = AudioChunker(MULAW_8K)
    frame = bytes(range(160))
    assert chunker.push(frame)[0] is frame


def test_many_frames_at_once_and_byte_by_byte_agree() -> None:
    stream = bytes(range(256)) * 10
    at_once = AudioChunker(PCM16_8K).push(stream)
    byte_by_byte = AudioChunker(PCM16_8K)
    drip = [frame for i in range(len(stream)) for frame in byte_by_byte.push(stream[i : i + 1])]
    assert at_once == drip
    assert len(at_once) == len(stream) // 320


def test_flush_pads_with_the_format_silence() -> None:
    mulaw = AudioChunker(MULAW_8K)
    mulaw.push(b"\x01\x02")
    assert mulaw.flush(pad=True) == b"\x01\x02" + b"\xff" * 158
    pcm = AudioChunker(PCM16_8K)
    pcm.push(b"\x01\x02\x03")  # one sample and half of another
    assert pcm.flush(pad=True) == b"\x01\x02" + b"\x00" * 318
    assert pcm.flush(pad=True) == b""  # nothing held: no frame of pure silence


def test_reset_drops_held_bytes() -> None:
    chunker = AudioChunker(PCM16_16K)
    chunker.push(b"\x00" * 100)
    chunker.reset()
    assert chunker.pending_bytes == 0
    assert chunker.push(b"\x01" * 640) == [b"\x01" * 640]


def test_frames_must_hold_whole_samples() -> None:
    with pytest.raises(ValueError, match="whole number of samples"):
        AudioChunker(audio_format(22050), 10)
    with pytest.raises(ValueError, match="positive"):
        AudioChunker(PCM16_8K, 0)


def test_silence_per_encoding() -> None:
    assert silence(MULAW_8K, 3) == b"\xff\xff\xff"
    assert silence(PCM16_8K, 4) == b"\x00" * 4
    with pytest.raises(ValueError, match="whole number"):
        silence(PCM16_8K, 3)
