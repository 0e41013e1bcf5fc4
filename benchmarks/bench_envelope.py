"""What encrypting recordings costs the recorder's writer thread, and what serving one costs.

Writes one hour of 8 kHz mono PCM16 (the served calls' tracks) through the recorder's
WAV writer one second at a time, as a call does, in clear and encrypted, then reads the
encrypted file back whole. Prints the CPU seconds of each (``time.process_time``).

    .venv/bin/python benchmarks/bench_envelope.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from framekit.privacy.envelope import EncryptedFileReader, KeyRing, MasterKey
from framekit.processors.recording._wav_stream import WavStreamWriter

SECONDS = 3600
RATE = 8000


def _write(path: Path, keys: KeyRing | None) -> float:
    piece = os.urandom(2 * RATE)
    started = time.process_time()
    writer = WavStreamWriter(path, RATE, 1, keys)
    for _ in range(SECONDS):
        writer.write(piece)
    writer.close()
    return time.process_time() - started


def main() -> None:
    keys = KeyRing([MasterKey.generate("bench")])
    with tempfile.TemporaryDirectory() as directory:
        plain = _write(Path(directory) / "plain.wav", None)
        sealed_path = Path(directory) / "sealed.wav.enc"
        sealed = _write(sealed_path, keys)
        started = time.process_time()
        with EncryptedFileReader(sealed_path, keys) as reader:
            size = sum(len(piece) for piece in reader.chunks())
        read = time.process_time() - started
        overhead = sealed_path.stat().st_size / (Path(directory) / "plain.wav").stat().st_size
    print(
        f"one hour of 8 kHz mono written 1 s at a time: clear {plain:.2f} s CPU, "
        f"encrypted {sealed:.2f} s CPU ({1000 * (sealed - plain) / SECONDS:.3f} ms more "
        f"per second of audio); file {100 * (overhead - 1):.2f} % larger"
    )
    print(f"read back decrypted ({size / 1e6:.1f} MB): {read:.2f} s CPU")


if __name__ == "__main__":
    main()
