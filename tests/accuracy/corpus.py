"""The speech-recognition corpus: every voice says every utterance over a phone line.

Why generated speech: nothing is recorded in the repository and nothing is
downloaded; the synthesizers installed here (:mod:`accuracy.voices`) say the
utterances of :mod:`accuracy.utterances`, and :mod:`accuracy.line` impairs them as
a phone call would, ending as 16 kHz PCM16 decoded from 20 ms mu-law packets.

A clip is one utterance, one voice and one line condition. Each (utterance, voice)
pair gets ONE condition, so the corpus stays one clip per pair: within a split, the
utterances of one kind are ordered by a stable hash of utterance id and voice name
and dealt the conditions in turn. With five utterances a kind, every voice hears every
kind under every condition exactly once, so the WER by voice, by kind and by
condition are not confounded with each other. Adding an utterance to a kind deals
that kind's conditions again (for every voice); nothing else moves.

Why a disk cache (``$FRAMEKIT_CORPUS_CACHE``, else ``~/.cache/framekit/stt-corpus``):
building the corpus takes minutes, and Piper samples its speech at random, so the
same sentence sounds a little different on every synthesis. Cached clips make runs
on one machine compare exactly; another machine (or an emptied cache) gets other
Piper takes, and its Piper WER moves by a few percent. The key is a hash of the
voice's spec, the condition, the utterance id and its text (plus a version of this
recipe), so editing any of them makes a new clip rather than reading a stale one.
The files are WAV: listen to them.

The older two-voice helpers (:data:`SENTENCES`, :func:`phone_line`,
:func:`phone_speech`, :func:`synthesize` by name) stay for ``test_stt_wer.py``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accuracy.line import CONDITIONS, transmit
from accuracy.utterances import UTTERANCES, Split, Utterance, utterances
from accuracy.voices import Voice, available_voices, voice_named
from accuracy.voices import synthesize as synthesize_voice
from framekit.audio import PCM16_16K, AudioFormat, decode_wav, encode_wav

__all__ = [
    "SENTENCES",
    "Clip",
    "build",
    "cache_dir",
    "clip_audio",
    "clips",
    "condition_of",
    "phone_line",
    "phone_speech",
    "synthesize",
]

_RECIPE = "1"  # bump when synthesis, padding or the line change what a cached clip holds
_PAD_SECONDS = 0.2


@dataclass(frozen=True)
class Clip:
    """One utterance said by one voice over one line condition."""

    utterance: Utterance
    voice: Voice
    condition: str

    @property
    def id(self) -> str:
        """``<utterance id>/<voice name>``: unique in the corpus, and the line's seed."""
        return f"{self.utterance.id}/{self.voice.name}"


def condition_of(utterance: Utterance, voice: Voice) -> str:
    """The line condition of ``utterance`` said by ``voice`` (see the module doc)."""
    group = [u for u in UTTERANCES if u.split == utterance.split and u.kind == utterance.kind]
    group.sort(key=lambda u: hashlib.sha256(f"{u.id}|{voice.name}".encode()).digest())
    return CONDITIONS[group.index(utterance) % len(CONDITIONS)]


def clips(split: Split, voices: Iterable[Voice] | None = None) -> list[Clip]:
    """Every utterance of ``split`` said by every voice (default: every available one)."""
    chosen = available_voices() if voices is None else tuple(voices)
    return [Clip(u, v, condition_of(u, v)) for v in chosen for u in utterances(split)]


def cache_dir() -> Path:
    """Where clips are kept: ``$FRAMEKIT_CORPUS_CACHE`` or ``~/.cache/framekit/stt-corpus``."""
    configured = os.environ.get("FRAMEKIT_CORPUS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache/framekit/stt-corpus"


def _clip_path(clip: Clip) -> Path:
    spec = f"{_RECIPE}|{clip.voice!r}|{clip.condition}|{clip.utterance.id}|{clip.utterance.spoken}"
    digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
    name = f"{clip.utterance.id}.{clip.condition}.{digest}.wav"
    return cache_dir() / clip.utterance.split / clip.voice.name / name


def clip_audio(clip: Clip) -> bytes:
    """The clip as the recognizer gets it: 16 kHz PCM16, 0.2 s of line around the speech.

    The padding goes on before the line, so a noisy line is noisy there too; it stands
    for what a VAD keeps around speech (pre-roll and the end-of-speech window).
    """
    path = _clip_path(clip)
    try:
        pcm, fmt = decode_wav(path.read_bytes())
        if fmt == PCM16_16K:
            return pcm
    except FileNotFoundError:
        pass
    pcm, fmt = synthesize_voice(clip.voice, clip.utterance.spoken)
    pad = bytes(fmt.bytes_for(_PAD_SECONDS))
    heard = transmit(pad + pcm + pad, fmt, clip.condition, clip.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.{time.monotonic_ns()}.part")
    partial.write_bytes(encode_wav(heard, PCM16_16K))
    partial.replace(path)  # atomic: a reader never sees half a file
    return heard


def build(
    split: Split, voices: Iterable[Voice] | None = None, *, workers: int | None = None
) -> list[Clip]:
    """Synthesize every clip of ``split`` that is not cached yet; return all the clips.

    Threads, not processes: the synthesizers are subprocesses or onnxruntime, which
    leave the GIL, and one shared Piper engine beats one load per process.
    """
    every = clips(split, voices)
    todo = [clip for clip in every if not _clip_path(clip).exists()]
    todo.sort(key=lambda clip: clip.voice.synthesizer not in ("piper", "festival"))  # slow first
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        for _ in pool.map(clip_audio, todo):
            pass
    return every


SENTENCES: tuple[str, ...] = (
    "My order number is 4 2 7 1 9.",
    "My name is Sarah Johnson.",
    "The delivery was scheduled for March 14th.",
    "I was charged twice for the same item.",
    "My account number is 8 3 0 5 6 2.",
    "Can I speak to a manager, please?",
    "How do I reset my password?",
    "The item arrived damaged and I want a refund.",
    "I placed the order on January 3rd.",
    "My zip code is 9 4 1 0 3.",
)
"""The first corpus (``test_stt_wer.py``): ten sentences, two voices, a clean line."""

_LEGACY_VOICES = {"piper": "piper-joe", "espeak-ng": "espeak-us"}


def synthesize(voice: str, text: str) -> tuple[bytes, AudioFormat]:
    """``text`` spoken by ``"piper"`` or ``"espeak-ng"`` (en-us, 160 wpm), in its own format."""
    if voice not in _LEGACY_VOICES:
        raise ValueError(f"unknown voice {voice!r}; one of {tuple(_LEGACY_VOICES)}")
    return synthesize_voice(voice_named(_LEGACY_VOICES[voice]), text)


def phone_line(pcm: bytes, fmt: AudioFormat) -> bytes:
    """``pcm`` after a clean phone line: 8 kHz mu-law, then 16 kHz PCM16."""
    return transmit(pcm, fmt, "mulaw")


@functools.cache
def phone_speech(voice: str, text: str) -> bytes:
    """``text`` said by ``voice`` over a clean phone line, 0.2 s of silence around it."""
    pcm, fmt = synthesize(voice, text)
    samples = np.frombuffer(phone_line(pcm, fmt), dtype="<i2")
    pad = np.zeros(PCM16_16K.bytes_for(_PAD_SECONDS) // 2, dtype=np.int16)
    return np.concatenate([pad, samples, pad]).tobytes()
