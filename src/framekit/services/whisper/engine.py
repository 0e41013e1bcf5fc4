"""faster-whisper speech-to-text, one model per process shared by every call.

Why one model: a Whisper model costs hundreds of megabytes and a second or more
to load, while CTranslate2 runs concurrent requests on one model safely. So a
process holds one :class:`WhisperEngine` per (model, device, compute type,
threads, workers), and each call asks it to transcribe finished utterances.

Why the default needs no network: ``"base"`` comes from two PyPI packages and
loads from memory; other names and local folders work too, and fail fast with
the fix in the message when their files are missing (see
:mod:`framekit.services.whisper.source`).

Why these decoding defaults: we transcribe short, VAD-cut utterances and want
the text fast. Greedy search (``beam_size=1``), no Whisper VAD (ours ran already),
no conditioning on previous text (each utterance stands alone), no timestamp
tokens, one temperature (no fallback re-decoding), and a token budget that grows
with the audio so a hallucination loop cannot run to 448 tokens. Whisper's encoder
always sees a 30 s window, so its cost is fixed per call whatever the audio
length; pass ``language`` when you know it, or the encoder runs twice (once to
detect the language).
"""

from __future__ import annotations

import asyncio
import math
import time
from functools import partial
from pathlib import Path
from typing import Any

from loguru import logger

from framekit.frames.speech import ExpectedSpeech
from framekit.processors.stt.transcript import (
    SAMPLE_RATE,
    Segment,
    SpeechAudio,
    Transcript,
    confidence_from_logprob,
)
from framekit.services.engine import RecognizerEngine, model_key, to_float32, usable_cores
from framekit.services.whisper.source import (
    PACKAGED_MODEL,
    packaged_files,
    resolve_model,
)

__all__ = ["PACKAGED_MODEL", "WhisperEngine"]

_INSTALL_EXTRA = "pip install 'framekit[whisper]'"
_MAX_TOKENS = 440
_MAX_TOKENS_WITH_PROMPT = 220
_TOKENS_PER_SECOND = 10


class WhisperEngine(RecognizerEngine):
    """One loaded faster-whisper model, shared by every call in the process.

    Get it with :meth:`shared` (or :meth:`shared_async` inside an event loop, so
    the one-time load does not block other calls). :meth:`transcribe` is
    thread-safe; :meth:`transcribe_async` runs it on the engine's own pool of
    ``workers`` threads, so at most that many utterances decode at once and the
    rest queue instead of fighting over the cores.
    """

    def __init__(
        self,
        model: Any,
        *,
        name: str,
        device: str,
        compute_type: str,
        workers: int,
        load_seconds: float,
    ) -> None:
        """Wrap an already loaded ``faster_whisper.WhisperModel``; prefer :meth:`shared`."""
        super().__init__(
            name=name,
            device=device,
            compute_type=compute_type,
            workers=workers,
            load_seconds=load_seconds,
        )
        self._model = model

    @classmethod
    def shared(
        cls,
        model: str | Path = PACKAGED_MODEL,
        device: str = "cpu",
        compute_type: str | None = None,
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
        allow_download: bool = True,
        download_root: str | Path | None = None,
    ) -> WhisperEngine:
        """The process-wide engine for these settings, loading it on first use.

        ``model`` is ``"base"`` (the packaged model, else the hub's), another
        faster-whisper size or hub id, or a local CTranslate2 model folder.
        ``compute_type`` defaults to ``int8`` on CPU and to the model's own type
        elsewhere. ``cpu_threads`` defaults to the usable cores, at most 4.
        ``download_root`` is the Hugging Face cache folder for named models.
        """
        compute = compute_type or ("int8" if device == "cpu" else "default")
        threads = cpu_threads if cpu_threads is not None else min(4, usable_cores())
        load = partial(
            cls.load,
            model,
            device,
            compute,
            cpu_threads=threads,
            workers=workers,
            allow_download=allow_download,
            download_root=download_root,
        )
        return cls._shared((model_key(model), device, compute, threads, workers), load)

    @classmethod
    async def shared_async(
        cls,
        model: str | Path = PACKAGED_MODEL,
        device: str = "cpu",
        compute_type: str | None = None,
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
        allow_download: bool = True,
        download_root: str | Path | None = None,
    ) -> WhisperEngine:
        """:meth:`shared` from a thread, so a first load leaves the event loop running."""
        return await asyncio.to_thread(
            cls.shared,
            model,
            device,
            compute_type,
            cpu_threads=cpu_threads,
            workers=workers,
            allow_download=allow_download,
            download_root=download_root,
        )

    @classmethod
    def load(
        cls,
        model: str | Path = PACKAGED_MODEL,
        device: str = "cpu",
        compute_type: str | None = None,
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
        allow_download: bool = True,
        download_root: str | Path | None = None,
    ) -> WhisperEngine:
        """Load a new engine that nobody else shares (benchmarks, isolated tests)."""
        whisper_model_cls = _import_whisper_model()
        compute = compute_type or ("int8" if device == "cpu" else "default")
        threads = cpu_threads if cpu_threads is not None else min(4, usable_cores())
        options: dict[str, Any] = {
            "device": device,
            "compute_type": compute,
            "cpu_threads": threads,
            "num_workers": workers,
        }
        started = time.perf_counter()
        files = packaged_files() if str(model) == PACKAGED_MODEL else None
        if files is not None:
            with files["model.bin"]:
                loaded = whisper_model_cls(PACKAGED_MODEL, files=files, **options)
            name = f"{PACKAGED_MODEL} (packaged)"
        else:
            path = resolve_model(str(model), allow_download, download_root)
            loaded = whisper_model_cls(path, **options)
            name = str(model)
        seconds = time.perf_counter() - started
        logger.info(f"Loaded whisper {name} on {device}/{compute} in {seconds:.2f}s")
        return cls(
            loaded,
            name=name,
            device=device,
            compute_type=compute,
            workers=workers,
            load_seconds=seconds,
        )

    @property
    def is_multilingual(self) -> bool:
        """False for the ``.en`` models, which only ever answer in English."""
        return bool(self._model.model.is_multilingual)

    def transcribe(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        beam_size: int = 1,
        timestamps: bool = False,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        """Transcribe one utterance of 16 kHz mono audio (blocking; thread-safe).

        ``language`` is an ISO code such as ``"en"``; ``None`` detects it, which
        costs one more encoder pass. ``prompt`` biases spelling and vocabulary
        (product names, "order number"); ``expect`` is accepted and ignored (the
        :class:`~framekit.processors.stt.second_pass.SecondPassRecognizer` prompts instead).
        ``timestamps`` asks Whisper for segment times; without it there is one segment
        per 30 s window.
        """
        samples = to_float32(audio)
        duration = samples.size / SAMPLE_RATE
        if not self.is_multilingual and language is None:
            language = "en"
        if samples.size == 0:
            return Transcript("", language or "", 1.0 if language else 0.0, (), 0.0)
        budget = _MAX_TOKENS_WITH_PROMPT if prompt else _MAX_TOKENS
        raw_segments, info = self._model.transcribe(
            samples,
            language=language,
            beam_size=beam_size,
            best_of=1,
            temperature=0.0,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=not timestamps,
            initial_prompt=prompt,
            max_new_tokens=min(budget, 24 + math.ceil(_TOKENS_PER_SECOND * min(duration, 30.0))),
        )
        segments = tuple(_segment(s) for s in raw_segments)
        return Transcript(
            text=" ".join(s.text for s in segments if s.text),
            language=str(info.language),
            language_probability=float(info.language_probability),
            segments=segments,
            duration=duration,
        )


def _segment(raw: Any) -> Segment:
    avg_logprob = float(raw.avg_logprob)
    return Segment(
        start=float(raw.start),
        end=float(raw.end),
        text=str(raw.text).strip(),
        avg_logprob=avg_logprob,
        no_speech_prob=float(raw.no_speech_prob),
        confidence=confidence_from_logprob(avg_logprob),
    )


def _import_whisper_model() -> Any:
    try:
        from faster_whisper import WhisperModel  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ImportError(f"Whisper STT needs the 'whisper' extra: {_INSTALL_EXTRA}") from exc
    return WhisperModel
