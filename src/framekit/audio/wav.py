"""WAV files to and from ``bytes`` + :class:`~framekit.audio.format.AudioFormat`.

Tests, examples and the benchmark feed recorded calls to pipelines as WAV files.
The standard library's ``wave`` (Python 3.11) reads only plain PCM (format tag 1),
but telephone recordings are often mu-law (tag 7) and tools write float (tag 3)
or ``WAVE_FORMAT_EXTENSIBLE`` (tag 0xFFFE), so this module walks the RIFF chunks
itself: about fifty lines, and one code path for every format framekit knows.
Files it writes are plain PCM files for PCM16, which ``wave`` and every player
read; the tests check both directions against ``wave``.

Anything else (8/24/32-bit integer PCM, A-law, ADPCM, RF64, ...) raises
:class:`WavError` naming what was found and what is supported.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO, Final

from framekit.audio.format import AudioEncoding, AudioFormat, audio_format

__all__ = ["WavError", "decode_wav", "encode_wav", "read_wav", "write_wav"]

_PCM: Final = 0x0001
_IEEE_FLOAT: Final = 0x0003
_MULAW: Final = 0x0007
_EXTENSIBLE: Final = 0xFFFE

# (format tag, bits per sample) -> encoding; the only combinations framekit reads.
_ENCODINGS: Final = {
    (_PCM, 16): AudioEncoding.PCM16,
    (_IEEE_FLOAT, 32): AudioEncoding.FLOAT32,
    (_MULAW, 8): AudioEncoding.MULAW,
}
_TAGS: Final = {encoding: tag for (tag, _bits), encoding in _ENCODINGS.items()}
_TAG_NAMES: Final = {
    _PCM: "PCM",
    0x0002: "MS ADPCM",
    _IEEE_FLOAT: "IEEE float",
    0x0006: "A-law",
    _MULAW: "mu-law",
    0x0011: "IMA ADPCM",
    0x0055: "MP3",
}
_SUPPORTED: Final = "16-bit PCM, 32-bit IEEE float or 8-bit mu-law"


class WavError(ValueError):
    """The bytes are not a WAV file framekit can read, and the message says why."""


def decode_wav(content: bytes) -> tuple[bytes, AudioFormat]:
    """Parse a whole WAV file's bytes into its sample bytes and their format."""
    if len(content) < 12 or content[:4] != b"RIFF" or content[8:12] != b"WAVE":
        kind = "an RF64 file (unsupported)" if content[:4] == b"RF64" else "a RIFF/WAVE file"
        raise WavError(f"not {kind}: starts with {content[:12]!r}")
    fmt: AudioFormat | None = None
    block_align = 0
    pos = 12
    while pos + 8 <= len(content):
        chunk_id = content[pos : pos + 4]
        (size,) = struct.unpack_from("<I", content, pos + 4)
        body = content[pos + 8 : pos + 8 + size]
        if chunk_id == b"fmt ":
            fmt, block_align = _parse_fmt(body)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError("the data chunk comes before any fmt chunk")
            # A writer that died (or streamed) may leave a size past the end: keep what is there.
            return body[: len(body) - len(body) % block_align], fmt
        pos += 8 + size + (size & 1)
    raise WavError("no fmt chunk" if fmt is None else "no data chunk")


def _parse_fmt(body: bytes) -> tuple[AudioFormat, int]:
    if len(body) < 16:
        raise WavError(f"fmt chunk too short ({len(body)} bytes)")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE:
        if len(body) < 40:
            raise WavError("WAVE_FORMAT_EXTENSIBLE fmt chunk too short")
        (tag,) = struct.unpack_from("<H", body, 24)  # first two bytes of the sub-format GUID
    encoding = _ENCODINGS.get((tag, bits))
    if encoding is None:
        name = _TAG_NAMES.get(tag, "unknown format")
        raise WavError(f"unsupported WAV: {name} (tag {tag:#06x}), {bits} bits; use {_SUPPORTED}")
    if channels == 0 or rate == 0:
        raise WavError(f"invalid WAV: {channels} channels at {rate} Hz")
    if block_align != channels * encoding.sample_width:
        raise WavError(f"invalid WAV: block align {block_align} for {channels}x{bits}-bit samples")
    return audio_format(rate, channels, encoding), block_align


def encode_wav(data: bytes, fmt: AudioFormat) -> bytes:
    """The bytes of a WAV file holding ``data`` in ``fmt``.

    PCM16 gets the classic 16-byte fmt chunk; mu-law and float get the 18-byte one
    and the ``fact`` chunk that the format requires for non-PCM data.
    """
    if len(data) % fmt.bytes_per_frame:
        raise WavError(f"{len(data)} bytes is not a whole number of {fmt} sample instants")
    tag = _TAGS[fmt.encoding]
    width = fmt.encoding.sample_width
    fields = (tag, fmt.channels, fmt.sample_rate, fmt.sample_rate * fmt.bytes_per_frame)
    fmt_body = struct.pack("<HHIIHH", *fields, fmt.bytes_per_frame, 8 * width)
    chunks = [_chunk(b"fmt ", fmt_body if tag == _PCM else fmt_body + b"\x00\x00")]
    if tag != _PCM:
        chunks.append(_chunk(b"fact", struct.pack("<I", len(data) // fmt.bytes_per_frame)))
    chunks.append(_chunk(b"data", data))
    body = b"".join(chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    pad = b"\x00" if len(body) & 1 else b""
    return chunk_id + struct.pack("<I", len(body)) + body + pad


def read_wav(source: str | os.PathLike[str] | BinaryIO) -> tuple[bytes, AudioFormat]:
    """Read a WAV file (a path or a binary file object) into sample bytes and format."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            return decode_wav(file.read())
    return decode_wav(source.read())


def write_wav(target: str | os.PathLike[str] | BinaryIO, data: bytes, fmt: AudioFormat) -> None:
    """Write ``data`` in ``fmt`` as a WAV file (a path or a binary file object)."""
    content = encode_wav(data, fmt)
    if isinstance(target, str | os.PathLike):
        with open(target, "wb") as file:
            file.write(content)
    else:
        target.write(content)
