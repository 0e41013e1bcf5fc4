"""Moonshine speech-to-text (English), one model per process shared by every call.

Why Moonshine next to Whisper: Whisper's encoder always processes a 30 s window,
so even 2 s of speech costs a full decode (about 1.4 s for base on two cores).
Moonshine's encoder sees only the audio it is given, so its cost grows with the
utterance: base-en decodes 3 s of speech in roughly a tenth of a second here, with
accuracy close to Whisper base on our English contact-centre sentences (see
``docs/benchmarks.md``). It only knows English; Whisper stays for other languages.

Where the model comes from: the ``moonshine-cpp`` package (MIT) ships base-en as
int8 ONNX Runtime format files plus its tokenizer. Only those files are used, never
the package's native library. The ``.ort`` files are converted once to ``.onnx``
and cached (:mod:`framekit.models.ort_format` says why: constant folding makes the
decoder ~5x faster). Nothing is downloaded. onnxruntime folds the int8 weights into
float32 at load, so a loaded engine holds about 700 MB.

Why greedy decoding with a token budget: we transcribe short, VAD-cut utterances.
Moonshine has no timestamps or language tokens; like every autoregressive decoder it
can loop on noise, so it may emit at most about 6.5 tokens per second of audio.

Why a digit bias: after the bot asks for an order number, the caller's next words
are mostly numbers, and a number word misheard as a near word ("zero" as "near a")
loses the turn. With ``expect="digits"`` every whole-word number token (``four``,
``forty``, ``hundred``, digit strings) gets :data:`DIGIT_BIAS` added to its score
before the greedy choice, the way a phone system's digit grammar narrows what it
listens for, without forbidding the other words callers say around the number.
The size was chosen on the corpus's development split (``docs/stt.md``).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from loguru import logger

from framekit.frames.speech import ExpectedSpeech
from framekit.models.ort_options import session_options
from framekit.processors.stt.transcript import (
    SAMPLE_RATE,
    RecognitionRequest,
    Segment,
    SpeechAudio,
    Transcript,
    confidence_from_logprob,
)
from framekit.services.engine import (
    RecognizerEngine,
    audio_seconds,
    model_key,
    to_float32,
)
from framekit.services.moonshine.files import (
    DECODER,
    ENCODER,
    existing,
    import_onnxruntime,
    model_file,
    packaged_model_dir,
)
from framekit.services.moonshine.quantize import quantized_encoder
from framekit.services.moonshine.tokenizer import END, START, MoonshineTokenizer

__all__ = [
    "BATCH_PADDING",
    "BATCH_PADDING_SHARE",
    "DEFAULT_CPU_THREADS",
    "DIGIT_BIAS",
    "LANGUAGE",
    "PACKAGED_MODEL",
    "MoonshineEngine",
]

PACKAGED_MODEL = "moonshine"
"""The name that selects the packaged base-en model (``STT_MODEL=moonshine``)."""
LANGUAGE = "en"
"""The only language Moonshine's English models speak."""

_TOKENS_PER_SECOND = 6.5
_MIN_TOKENS = 8
_MIN_SAMPLES = SAMPLE_RATE // 4
"""Shorter audio is padded with silence: the encoder's convolutions need some length."""
_SHRINK_AFTER_SAMPLES = 8 * 16000
"""Utterances longer than 8 s give their working memory back after each model run."""
DIGIT_BIAS = 2.0
"""Added to the score of every number token when digits are expected (see the module doc)."""
DEFAULT_CPU_THREADS = 1
"""onnxruntime threads per run, sized for many calls rather than one: the decoder's
steps are a few milliseconds each, so a second thread mostly waits and wakes (a
decode cost 0.139 CPU-s on two threads, 0.119 on one, on the loaded 2-core machine),
while batching (:meth:`MoonshineEngine.transcribe_batch`) gives the throughput. One
caller alone on an idle machine hears its answer a little sooner with 2."""
BATCH_PADDING = 0.5
"""Seconds by which two batched rows may differ in length, whatever their length (rows
of similar length end their decoding at similar steps, so the batch stays full)."""
BATCH_PADDING_SHARE = 0.3
"""Share of the longer utterance by which two batched rows may differ in length."""

_F32: TypeAlias = npt.NDArray[np.float32]


class MoonshineEngine(RecognizerEngine):
    """One loaded Moonshine model (encoder, decoder, tokenizer), shared by every call.

    Same shape as :class:`~framekit.services.whisper.WhisperEngine` (both are
    :class:`~framekit.services.engine.RecognizerEngine`): get it with :meth:`shared`
    (or :meth:`shared_async`), so the utterance processor takes either engine.
    Utterances of several calls that wait at the same moment decode as one batch
    (:meth:`transcribe_batch`, up to :attr:`max_batch` rows of similar length).
    """

    max_batch = 8
    coalesce = 0.005

    def __init__(
        self,
        encoder: Any,
        decoder: Any,
        tokenizer: MoonshineTokenizer,
        *,
        name: str,
        workers: int,
        load_seconds: float,
    ) -> None:
        """Wrap loaded onnxruntime sessions; prefer :meth:`shared`."""
        super().__init__(
            name=name,
            device="cpu",
            compute_type="int8",
            workers=workers,
            load_seconds=load_seconds,
        )
        self._encoder = encoder
        self._decoder = decoder
        self._tokenizer = tokenizer
        self._past_names = [i.name for i in decoder.get_inputs() if i.name.startswith("past_")]
        self._present_names = [o.name for o in decoder.get_outputs()[1:]]
        self._past_shapes = {
            i.name: (1, int(i.shape[1]), 0, int(i.shape[3]))
            for i in decoder.get_inputs()
            if i.name.startswith("past_")
        }
        self._digit_bias = np.zeros(len(tokenizer), dtype=np.float64)
        self._digit_bias[tokenizer.number_tokens()] = DIGIT_BIAS
        self._shrink = import_onnxruntime().RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    @classmethod
    def shared(
        cls,
        model: str | Path = PACKAGED_MODEL,
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
    ) -> MoonshineEngine:
        """The process-wide engine for these settings, loading it on first use.

        ``model`` is ``"moonshine"`` (base-en from ``moonshine-cpp``) or a folder
        with ``encoder_model``, ``decoder_model_merged`` (``.onnx`` or ``.ort``) and
        ``tokenizer.bin``. ``cpu_threads`` (onnxruntime's threads per run) defaults
        to :data:`DEFAULT_CPU_THREADS`.
        """
        threads = cpu_threads if cpu_threads is not None else DEFAULT_CPU_THREADS
        load = partial(cls.load, model, cpu_threads=threads, workers=workers)
        return cls._shared((model_key(model), threads, workers), load)

    @classmethod
    async def shared_async(
        cls,
        model: str | Path = PACKAGED_MODEL,
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
    ) -> MoonshineEngine:
        """:meth:`shared` from a thread, so a first load leaves the event loop running."""
        return await asyncio.to_thread(cls.shared, model, cpu_threads=cpu_threads, workers=workers)

    @classmethod
    def load(
        cls,
        model: str | Path = PACKAGED_MODEL,
        *,
        cpu_threads: int | None = None,
        workers: int = 1,
        cache: Path | None = None,
        int8_encoder: bool = True,
    ) -> MoonshineEngine:
        """Load a new engine that nobody else shares (benchmarks, isolated tests).

        ``cache`` is the folder for converted ``.ort`` files (default:
        :func:`framekit.models.ort_format.cache_dir`). ``int8_encoder`` runs the
        encoder's matrix products in int8 (:mod:`.quantize` says why); False keeps
        the float32 encoder (to compare).
        """
        ort = import_onnxruntime()
        packaged = str(model) == PACKAGED_MODEL
        folder = packaged_model_dir() if packaged else Path(model).expanduser()
        started = time.perf_counter()
        # Idle worker threads would spin on the cores that the event loop and the
        # other calls' VAD need; a decode is many short steps, each waking them.
        threads = cpu_threads if cpu_threads is not None else DEFAULT_CPU_THREADS
        options = session_options(ort, threads)
        files = {stem: model_file(folder, stem, cache) for stem in (ENCODER, DECODER)}
        if int8_encoder:
            files[ENCODER] = quantized_encoder(files[ENCODER], cache)
        encoder, decoder = (
            ort.InferenceSession(files[stem], options, providers=["CPUExecutionProvider"])
            for stem in (ENCODER, DECODER)
        )
        tokenizer = MoonshineTokenizer(existing(folder / "tokenizer.bin").read_bytes())
        seconds = time.perf_counter() - started
        name = "moonshine base-en (packaged)" if packaged else f"moonshine {folder}"
        logger.info(f"Loaded {name} on cpu in {seconds:.2f}s")
        return cls(encoder, decoder, tokenizer, name=name, workers=workers, load_seconds=seconds)

    @property
    def is_multilingual(self) -> bool:
        """Always False: Moonshine's English models answer in English only."""
        return False

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

        ``language`` must be ``None`` or ``"en"``. ``expect="digits"`` favours number
        words (see the module doc); other expectations change nothing. ``prompt``,
        ``beam_size`` and ``timestamps`` are accepted so that callers of either engine
        can pass them, and ignored: the decoding is greedy, unprompted, one segment.
        """
        request = RecognitionRequest(audio, language, prompt, beam_size, timestamps, expect)
        return self.transcribe_batch([request])[0]

    def transcribe_batch(self, requests: Sequence[RecognitionRequest]) -> list[Transcript]:
        """Transcribe several utterances, each encoded alone, in one decoder loop.

        Blocking and thread-safe; one transcript per request, in order, each as
        :meth:`transcribe` describes. Shorter rows' encoder states are padded with
        zeros (:meth:`_encode`); :meth:`transcribe_async` batches utterances of
        similar length (:data:`BATCH_PADDING`), whose decodings end together; a row
        leaves the decoder loop at its end token, its own token budget, or the step
        after its request was abandoned (:attr:`RecognitionRequest.abandoned`).
        """
        for request in requests:
            if request.language not in (None, LANGUAGE):
                raise ValueError(
                    f"Moonshine only transcribes English, not {request.language!r}; "
                    "use Whisper for it"
                )
        samples = [to_float32(r.audio) for r in requests]
        results: list[Transcript | None] = [
            Transcript("", LANGUAGE, 1.0, (), 0.0) if s.size == 0 else None for s in samples
        ]
        rows = [i for i, s in enumerate(samples) if s.size]
        if rows:
            budgets = [
                _MIN_TOKENS + math.ceil(_TOKENS_PER_SECOND * samples[i].size / SAMPLE_RATE)
                for i in rows
            ]
            biased = [requests[i].expect == "digits" for i in rows]
            abandoned = [requests[i].abandoned for i in rows]
            decoded = self._decode([samples[i] for i in rows], budgets, biased, abandoned)
            for i, (ids, logprob) in zip(rows, decoded, strict=True):
                results[i] = self._transcript(ids, logprob, samples[i].size / SAMPLE_RATE)
        return [r for r in results if r is not None]

    def _fits(self, first: RecognitionRequest, other: RecognitionRequest) -> bool:
        """Whether ``other`` pads little enough next to ``first`` to share its run."""
        a, b = audio_seconds(first.audio), audio_seconds(other.audio)
        return abs(a - b) <= max(BATCH_PADDING, BATCH_PADDING_SHARE * max(a, b))

    def _transcript(self, ids: list[int], logprob: float, duration: float) -> Transcript:
        text = self._tokenizer.decode(ids)
        segment = Segment(
            start=0.0,
            end=duration,
            text=text,
            avg_logprob=logprob,
            no_speech_prob=0.0 if text else 1.0,
            confidence=confidence_from_logprob(logprob),
        )
        return Transcript(
            text=text,
            language=LANGUAGE,
            language_probability=1.0,
            segments=(segment,) if text else (),
            duration=duration,
        )

    def _encode(self, samples: list[_F32], options: Any) -> _F32:
        """Each row's encoder states, computed alone and padded with zeros to the longest.

        Why alone: the graphs take no mask, so a row padded with silence before the
        encoder is heard differently (HEAD's batches of up to 8: 171 of the dev
        split's 210 clips read as alone), and the encoder's CPU per row does not
        fall in a batch. Zero states after a row's end barely move the decoder's
        cross-attention: 208 of 210 read as alone, word error rate 0.1144 either way
        (``benchmarks/bench_stt_batch_accuracy.py``).
        """
        states = [
            self._encoder.run(
                None, {"input_values": np.pad(s, (0, max(0, _MIN_SAMPLES - s.size)))[None]}, options
            )[0][0]
            for s in samples
        ]
        longest = max(len(state) for state in states)
        hidden = np.zeros((len(states), longest, states[0].shape[1]), dtype=np.float32)
        for row, state in enumerate(states):
            hidden[row, : len(state)] = state
        return hidden

    def _decode(
        self,
        samples: list[_F32],
        budgets: list[int],
        biased: list[bool],
        abandoned: Sequence[threading.Event | None],
    ) -> list[tuple[list[int], float]]:
        """Greedy tokens for each row of audio and their mean log-probability.

        A biased row gets :data:`DIGIT_BIAS` added to its number tokens' scores
        before each choice; the log-probability (the confidence) is the model's
        own, unbiased. Finished rows leave the batch, so the later steps run only
        the rows still speaking. An abandoned row leaves it too, after the step in
        progress: a stale early decode (the caller spoke again) stops costing the
        engine ~20 ms a token, and the decode queued behind it starts. A batch whose
        every row was abandoned before it began skips even the encoder.

        A long utterance's activations would grow onnxruntime's memory arena for good
        (~50 MB for 15 s, kept by the process); its runs give that memory back after
        each step instead. Short ones keep the arena, which is faster.
        """
        if all(flag is not None and flag.is_set() for flag in abandoned):
            return [([], math.nan) for _ in samples]
        length = max(_MIN_SAMPLES, *(s.size for s in samples))
        options = self._shrink if length * len(samples) > _SHRINK_AFTER_SAMPLES else None
        hidden = self._encode(samples, options)
        count = len(samples)
        past: dict[str, Any] = {
            name: np.zeros((count, *shape[1:]), dtype=np.float32)
            for name, shape in self._past_shapes.items()
        }
        ids: list[list[int]] = [[] for _ in samples]
        logprobs: list[list[float]] = [[] for _ in samples]
        live = np.arange(count)
        tokens = np.full((count, 1), START, dtype=np.int64)
        bias = np.where(np.array(biased)[:, np.newaxis], self._digit_bias, 0.0)
        cached = False
        for step in range(max(budgets)):
            feeds = {
                "input_ids": tokens,
                "encoder_hidden_states": hidden,
                "use_cache_branch": np.array([cached]),
                **past,
            }
            logits, *presents = self._decoder.run(None, feeds, options)
            for name, value in zip(self._present_names, presents, strict=True):
                # The cross-attention keys and values are computed on the first step only.
                if not cached or ".decoder." in name:
                    past[name.replace("present", "past_key_values", 1)] = value
            cached = True
            scores = logits[:, -1].astype(np.float64)
            top = scores.max(axis=1, keepdims=True)
            log_total = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
            size = min(bias.shape[1], scores.shape[1])  # the vocabulary may be padded
            scores[:, :size] += bias[live, :size]
            chosen = scores.argmax(axis=1)
            keep = np.ones(live.size, dtype=bool)
            for row, (index, token) in enumerate(zip(live, chosen, strict=True)):
                logprobs[index].append(float(logits[row, -1, token]) - float(log_total[row]))
                flag = abandoned[int(index)]
                stale = flag is not None and flag.is_set()
                if token == END or step + 1 >= budgets[index] or stale:
                    keep[row] = False
                if token != END:
                    ids[index].append(int(token))
            if not keep.any():
                break
            if not keep.all():
                live, hidden, chosen = live[keep], hidden[keep], chosen[keep]
                past = {name: value[keep] for name, value in past.items()}
            tokens = chosen[:, np.newaxis].astype(np.int64)
        return [
            (row_ids, (sum(row) / len(row)) if row else math.nan)
            for row_ids, row in zip(ids, logprobs, strict=True)
        ]
