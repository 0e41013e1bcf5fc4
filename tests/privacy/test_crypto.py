"""framekit.privacy.envelope: round trips, tampering, truncation, wrong keys, rotation."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from framekit.privacy.envelope import (
    EncryptedFileReader,
    EncryptedFileWriter,
    EnvelopeError,
    KeyRing,
    MasterKey,
    UnknownKeyError,
    decrypt_bytes,
    encrypt_bytes,
    is_encrypted,
    read_header,
    rewrap_file,
)
from framekit.privacy.envelope.format import HEADER_SIZE

CHUNK = 64
KEY1 = MasterKey("k1", bytes(range(32)))
KEY2 = MasterKey("k2", bytes(range(32, 64)))


def _write(path: Path, data: bytes, keys: KeyRing, pieces: int = 3) -> None:
    writer = EncryptedFileWriter(path, keys, chunk_size=CHUNK)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start : start + step])
        writer.flush()
    writer.close()


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 127, 128, 129, 1000, 4096])
def test_round_trip_of_many_sizes(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.enc"
    _write(path, data, KeyRing([KEY1]))
    with EncryptedFileReader(path, KeyRing([KEY1])) as reader:
        assert reader.size == size
        assert reader.read() == data
        for start, end in [(0, 1), (5, 70), (63, 65), (size - 3, size + 10), (size, size)]:
            assert b"".join(reader.chunks(start, end)) == data[max(0, start) : end]


def test_the_default_chunk_size_and_whole_file_helpers(tmp_path: Path) -> None:
    data = os.urandom(200_000)
    encrypt_bytes(tmp_path / "f.enc", data, KeyRing([KEY1]))
    assert decrypt_bytes(tmp_path / "f.enc", KeyRing([KEY1])) == data


def test_the_file_is_readable_at_every_flush_and_its_start_can_be_patched(tmp_path: Path) -> None:
    path = tmp_path / "f.enc"
    writer = EncryptedFileWriter(path, KeyRing([KEY1]), chunk_size=CHUNK)
    written = bytearray()
    for n in range(20):
        piece = bytes([n]) * 37
        writer.write(piece)
        written += piece
        header = f"len={len(written):05d}".encode()
        writer.patch_start(header)
        written[: len(header)] = header
        writer.flush()
        assert decrypt_bytes(path, KeyRing([KEY1])) == written
    writer.close()
    assert decrypt_bytes(path, KeyRing([KEY1])) == written


def test_the_file_holds_no_plaintext(tmp_path: Path) -> None:
    pcm = (b"\x10\x27\xf0\xd8" * 4000)[:16000]  # a square wave: +10000, -10000
    wav = b"RIFF" + bytes(4) + b"WAVEfmt " + pcm
    path = tmp_path / "f.enc"
    _write(path, wav, KeyRing([KEY1]))
    stored = path.read_bytes()
    assert is_encrypted(stored)
    assert b"RIFF" not in stored
    assert b"WAVE" not in stored
    assert pcm[:8] not in stored
    assert KEY1.secret not in stored


def test_every_changed_byte_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "f.enc"
    data = os.urandom(300)
    _write(path, data, KeyRing([KEY1]))
    original = path.read_bytes()
    for position in range(len(original)):
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        path.write_bytes(damaged)
        with pytest.raises(EnvelopeError):
            decrypt_bytes(path, KeyRing([KEY1]))


def test_truncation_is_detected_at_every_length(tmp_path: Path) -> None:
    path = tmp_path / "f.enc"
    _write(path, os.urandom(300), KeyRing([KEY1]))
    original = path.read_bytes()
    for length in range(len(original)):
        path.write_bytes(original[:length])
        with pytest.raises(EnvelopeError):
            decrypt_bytes(path, KeyRing([KEY1]))
    path.write_bytes(original[: HEADER_SIZE + 2 * (12 + CHUNK + 16)])
    with pytest.raises(EnvelopeError, match="truncated"):
        decrypt_bytes(path, KeyRing([KEY1]))


def test_chunks_cannot_be_swapped_or_moved_between_files(tmp_path: Path) -> None:
    record = 12 + CHUNK + 16
    first, second = tmp_path / "a.enc", tmp_path / "b.enc"
    _write(first, os.urandom(300), KeyRing([KEY1]))
    _write(second, os.urandom(300), KeyRing([KEY1]))
    a = first.read_bytes()
    swapped = a[:HEADER_SIZE] + a[HEADER_SIZE + record : HEADER_SIZE + 2 * record]
    swapped += a[HEADER_SIZE : HEADER_SIZE + record] + a[HEADER_SIZE + 2 * record :]
    first.write_bytes(swapped)
    with pytest.raises(EnvelopeError, match="chunk 0 fails"):
        decrypt_bytes(first, KeyRing([KEY1]))
    b = second.read_bytes()
    first.write_bytes(b[:HEADER_SIZE] + a[HEADER_SIZE:])  # b's header (and key), a's chunks
    with pytest.raises(EnvelopeError):
        decrypt_bytes(first, KeyRing([KEY1]))


def test_a_wrong_or_missing_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "f.enc"
    _write(path, b"secret audio", KeyRing([KEY1]))
    with pytest.raises(UnknownKeyError, match="master key 'k1', which is not configured"):
        decrypt_bytes(path, KeyRing([KEY2]))
    impostor = MasterKey("k1", bytes(32))
    with pytest.raises(EnvelopeError, match="'k1' does not open this file") as caught:
        decrypt_bytes(path, KeyRing([impostor]))
    assert impostor.secret.hex() not in str(caught.value)
    (tmp_path / "plain.wav").write_bytes(b"RIFF" + bytes(200))
    with pytest.raises(EnvelopeError, match="not a framekit encrypted file"):
        decrypt_bytes(tmp_path / "plain.wav", KeyRing([KEY1]))


def test_rotation_keeps_old_files_readable_and_rewrap_moves_them(tmp_path: Path) -> None:
    old, new = tmp_path / "old.enc", tmp_path / "new.enc"
    _write(old, b"recorded under k1" * 20, KeyRing([KEY1]))
    rotated = KeyRing([KEY2, KEY1])  # k2 added first: it wraps new files
    _write(new, b"recorded under k2" * 20, rotated)
    assert (read_header(old).key_id, read_header(new).key_id) == ("k1", "k2")
    assert decrypt_bytes(old, rotated) == b"recorded under k1" * 20
    chunks_before = old.read_bytes()[HEADER_SIZE:]
    assert rewrap_file(old, rotated) is True
    assert rewrap_file(old, rotated) is False  # already under the current key
    assert rewrap_file(new, rotated) is False
    assert old.read_bytes()[HEADER_SIZE:] == chunks_before  # the audio is not re-encrypted
    only_k2 = KeyRing([KEY2])
    assert decrypt_bytes(old, only_k2) == b"recorded under k1" * 20
    assert decrypt_bytes(new, only_k2) == b"recorded under k2" * 20
    with pytest.raises(UnknownKeyError):
        decrypt_bytes(old, KeyRing([KEY1]))


def test_key_text_forms_and_their_errors() -> None:
    ring = KeyRing.parse(f"# newest first\n{KEY2.line()}\n{KEY1.line()}  # old\n")
    assert ring.ids == ("k2", "k1")
    assert ring.current == KEY2
    assert KeyRing.parse(f"{KEY2.line()},{KEY1.line()}").ids == ("k2", "k1")
    assert KEY1.secret.hex() not in repr(ring)
    assert "secret" not in repr(KEY1)
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKey.parse("k:" + "QUJD")
    with pytest.raises(ValueError, match="not valid base64"):
        MasterKey.parse("k:not base64!")
    with pytest.raises(ValueError, match="id:base64"):
        MasterKey.parse("QUJD")
    with pytest.raises(ValueError, match="key id"):
        MasterKey("bad id", bytes(32))
    with pytest.raises(ValueError, match="appears twice"):
        KeyRing([KEY1, KEY1])
    with pytest.raises(ValueError, match="at least one"):
        KeyRing.parse("# nothing\n")


def test_the_writer_holds_two_chunks_whatever_the_file_length(tmp_path: Path) -> None:
    piece = os.urandom(32_000)  # a second of 16 kHz PCM16
    writer = EncryptedFileWriter(tmp_path / "f.enc", KeyRing([KEY1]))
    tracemalloc.start()
    try:
        for _ in range(300):  # five minutes: 9.6 MB
            writer.write(piece)
            writer.patch_start(b"RIFF")
            writer.flush()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        writer.close()
    assert peak < 300_000, peak  # the piece, two 32 KiB chunks, the sealed copies
    assert (tmp_path / "f.enc").stat().st_size > 9_600_000
