"""The callers' prepared utterances and the bits of G.711 the line needs.

Utterances are spoken once by the packaged offline voice (Piper, through
framekit) and cached as 8 kHz mu-law, exactly the bytes that go down the line,
under the temp dir: a load generator must not run a TTS model per call, and
locust's gevent process should not load onnxruntime at all. The mu-law codec is
the independent one of ``tests/phone_network.py`` (written from G.711, shared
with the served tests and benchmarks), not framekit's.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1] / "tests"
if str(_TESTS) not in sys.path:
    sys.path.append(str(_TESTS))

from phone_network import (  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
    mulaw_decode,
    mulaw_encode,
    resample_to_8k,
)

__all__ = [
    "FRAME_BYTES",
    "FRAME_S",
    "QUESTIONS",
    "SAMPLE_RATE",
    "SILENCE_FRAME",
    "cache_dir",
    "is_audible",
    "load_utterances",
    "prepare_utterances",
]

SAMPLE_RATE = 8000
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law: what Twilio sends
FRAME_S = FRAME_BYTES / SAMPLE_RATE
SILENCE_FRAME = b"\xff" * FRAME_BYTES  # mu-law 0xFF is a sample of 0
AUDIBLE = 64
"""Peak above which a frame counts as speech rather than line noise or padding."""

QUESTIONS = (
    "What are your opening hours?",
    "What is your return policy?",
    "How much does shipping cost?",
)
_QUIET = bytes(
    value for value in range(256) if abs(int(mulaw_decode(bytes([value]))[0])) <= AUDIBLE
)


def is_audible(ulaw: bytes) -> bool:
    """True when any sample of ``ulaw`` is louder than :data:`AUDIBLE` (one C-level pass)."""
    return bool(ulaw.translate(None, _QUIET))


def cache_dir() -> Path:
    """Where utterances are cached (``LOADTEST_SPEECH_DIR`` moves it)."""
    default = Path(tempfile.gettempdir()) / "framekit-loadtest-speech"
    return Path(os.environ.get("LOADTEST_SPEECH_DIR", default))


def _path(text: str) -> Path:
    return cache_dir() / (hashlib.sha256(text.encode()).hexdigest()[:16] + ".ulaw")


def prepare_utterances(texts: tuple[str, ...] = QUESTIONS) -> list[Path]:
    """Speak each of ``texts`` with Piper unless cached; the cached files' paths."""
    missing = [text for text in texts if not _path(text).exists()]
    if missing:
        import numpy as np

        from framekit.services.piper import PiperEngine

        engine = PiperEngine.shared()
        rate = engine.audio_format.sample_rate
        cache_dir().mkdir(parents=True, exist_ok=True)
        for text in missing:
            pcm = np.frombuffer(b"".join(engine.synthesize(text)), dtype=np.int16)
            partial = _path(text).with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(mulaw_encode(resample_to_8k(pcm, rate)))
            partial.replace(_path(text))  # atomic: a parallel run never reads half a file
    return [_path(text) for text in texts]


def load_utterances(texts: tuple[str, ...] = QUESTIONS) -> list[bytes]:
    """The cached utterances' mu-law bytes; a clear error if they were not prepared."""
    paths = [_path(text) for text in texts]
    absent = [str(path) for path in paths if not path.exists()]
    if absent:
        raise FileNotFoundError(
            f"caller speech not prepared ({', '.join(absent)}): run `python -m loadtest` "
            "once, or `python -c 'import loadtest.speech as s; s.prepare_utterances()'`"
        )
    return [path.read_bytes() for path in paths]
