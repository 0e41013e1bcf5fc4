"""Piper's sentences from many calls, synthesized in shared ONNX runs and still streamed.

Why: in the model tier one voice replica speaks for every call node, and the cost of
a run on a GPU is mostly fixed (kernel launches, the host's work per run), so the
sentences of several calls that wait at the same moment should go through the model
together. On a CPU this saves nothing: VITS is convolutions, bound by arithmetic,
and a run of eight rows costs eight runs of one (measured on this machine: 167 ms
CPU per sentence alone, 204 ms in whole-graph batches of 8 padded to the longest;
the windows of :mod:`._stream` the same within 5 %, ``docs/model-tier.md``). So the
tier batches the voice only where it pays (:mod:`framekit.servers.model_tier`).

How a sentence still streams: it takes the split voice's steps
(:mod:`framekit.services.piper._stream`): one *prior* run per clause (phonemes to
latent frames), then a flow and vocoder run per window of frames, windows doubling
in size. Each step is a request to a :class:`~framekit.models.batching.BatchQueue`,
one queue per kind of step, so what several sentences need at the same moment runs
as one batch: priors padded to the longest phonemes (each row's own
``input_lengths``; its frames read back from the mask), windows padded with zeros to
the widest. Each row's audio is cut back to its own samples, and a window leaves as
soon as its batch returns: no step waits for a batch to fill (no timer), only behind
the run already in flight, and the cheapest steps (first windows, priors) run first.
Padding changes a row's samples by at most ~1e-4 (below 4 PCM16 steps;
``tests/models/test_piper_batch.py``).

Only one ``scales`` vector goes with a run (noise, length, noise width are the
graph's inputs for the whole batch), so only sentences with the same settings share
one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from framekit.models.batching import BatchQueue
from framekit.models.scheduling import FairExecutor
from framekit.services.piper._lead import quiet_lead
from framekit.services.piper._stream import (
    _DECODER_IN,
    _MASK,
    _PRIOR_OUT,
    DECODER_MARGIN,
    FLOW_MARGIN,
    MAX_FRAMES,
    SplitVoice,
    clauses,
    windows,
)
from framekit.services.piper.engine import PiperEngine

__all__ = ["CPU_RUN_BUDGET", "BatchedPiper"]

FloatArray = npt.NDArray[np.float32]
Scales = tuple[float, float, float]

_INT16_MAX = 32767.0
_PADDING = 4 / 3
"""A row joins a run only if the run's widest row is at most this much wider."""
_PRIOR_COST = 0.2e-3
_FRAME_COST = 0.8e-3
"""CPU seconds per phoneme of a prior and per frame of a window (measured, 1 thread):
the executor runs the cheapest steps first, so a new sentence's first audio overtakes
the long windows of sentences already playing."""
CPU_RUN_BUDGET = _FRAME_COST * (MAX_FRAMES + 2 * (DECODER_MARGIN + FLOW_MARGIN))
"""Estimated CPU seconds of the largest single window: as ``max_cost``, a batch on a CPU
never holds a new sentence's first step longer than one unbatched window would."""


@dataclass(frozen=True, slots=True)
class _Prior:
    ids: list[int]
    scales: Scales


@dataclass(frozen=True, slots=True)
class _Window:
    z_p: FloatArray
    mask: FloatArray
    start: int
    end: int

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """``(flow_lo, flow_hi, lo, hi)``: the frames the flow and the vocoder read."""
        frames = self.z_p.shape[2]
        lo, hi = max(0, self.start - DECODER_MARGIN), min(frames, self.end + DECODER_MARGIN)
        return max(0, lo - FLOW_MARGIN), min(frames, hi + FLOW_MARGIN), lo, hi


class BatchedPiper:
    """Speaks through ``engine``'s split voice, batching the steps of concurrent texts.

    ``max_batch``: most rows in one run (1: every step alone, in the same queues).
    ``max_cost``: most estimated CPU seconds in one run (:data:`CPU_RUN_BUDGET` on a
    CPU; ``None``: no bound). ``workers``: threads running batches (each batch is one
    ONNX run per part). Needs a streaming engine (:attr:`PiperEngine.streaming`).
    """

    def __init__(
        self,
        engine: PiperEngine,
        *,
        max_batch: int,
        max_cost: float | None = None,
        workers: int = 1,
    ) -> None:
        split = engine.split  # the sessions this module batches over
        if split is None:
            raise ValueError(f"{engine!r} speaks whole sentences: it cannot be batched")
        self.engine = engine
        self._split: SplitVoice = split
        self._voice: Any = engine.voice  # phonemes and the voice's config
        executor = FairExecutor(workers, name="framekit-piper-batch")
        self.priors: BatchQueue[_Prior, tuple[FloatArray, FloatArray]] = BatchQueue(
            executor, self.latents, max_batch=max_batch, fits=_priors_fit, max_cost=max_cost
        )
        """Prior runs (their ``runs`` and ``requests`` give the mean batch)."""
        self.windows: BatchQueue[_Window, FloatArray] = BatchQueue(
            executor, self.audio, max_batch=max_batch, fits=_windows_fit, max_cost=max_cost
        )
        """Flow and vocoder runs, one per batch of windows."""

    def latents(self, rows: Sequence[_Prior]) -> list[tuple[FloatArray, FloatArray]]:
        """``(z_p, mask)`` of each row, cut to its own frames: one prior run for all."""
        ids = np.zeros((len(rows), max(len(r.ids) for r in rows)), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row.ids)] = row.ids
        lengths = np.asarray([len(r.ids) for r in rows], dtype=np.int64)
        scales = np.asarray(rows[0].scales, dtype=np.float32)
        z_p, mask = self._split.prior.run(
            None, {"input": ids, "input_lengths": lengths, "scales": scales}
        )
        frames = mask.reshape(len(rows), -1).sum(axis=1).astype(int)
        return [(z_p[i : i + 1, :, :n], mask[i : i + 1, :, :n]) for i, n in enumerate(frames)]

    def audio(self, rows: Sequence[_Window]) -> list[FloatArray]:
        """Float samples of each window (frames ``start:end`` of its sentence): one flow
        and one vocoder run for all, rows padded with zeros on the right."""
        bounds = [row.bounds for row in rows]
        channels = rows[0].z_p.shape[1]
        z_p = np.zeros((len(rows), channels, max(fh - fl for fl, fh, _, _ in bounds)), np.float32)
        mask = np.zeros((len(rows), 1, z_p.shape[2]), np.float32)
        for i, (row, (flo, fhi, _, _)) in enumerate(zip(rows, bounds, strict=True)):
            z_p[i, :, : fhi - flo] = row.z_p[0, :, flo:fhi]
            mask[i, :, : fhi - flo] = row.mask[0, :, flo:fhi]
        (z,) = self._split.flow.run(None, {_PRIOR_OUT: z_p, _MASK: mask})
        decoder_in = np.zeros((len(rows), z.shape[1], max(hi - lo for _, _, lo, hi in bounds)))
        for i, (flo, _, lo, hi) in enumerate(bounds):
            decoder_in[i, :, : hi - lo] = z[i, :, lo - flo : hi - flo]
        (samples,) = self._split.decoder.run(None, {_DECODER_IN: decoder_in.astype(np.float32)})
        flat = samples.reshape(len(rows), -1)
        hop = self._split.hop_length
        return [
            flat[i, (row.start - lo) * hop : (row.end - lo) * hop]
            for i, (row, (_, _, lo, _)) in enumerate(zip(rows, bounds, strict=True))
        ]

    async def synthesize(
        self,
        text: str,
        *,
        length_scale: float | None = None,
        volume: float = 1.0,
        varied: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """PCM16 chunks of ``text`` spoken, as :meth:`PiperEngine.synthesize` makes them.

        Same windows, gain and cut lead-in; only the runs are shared with other texts.
        Closing the generator (an interruption) drops its steps not yet run.
        """
        config = self._voice.config
        scales: Scales = (
            float(config.noise_scale) if varied else 0.0,
            float(config.length_scale if length_scale is None else length_scale),
            float(config.noise_w_scale) if varied else 0.0,
        )
        sentences = await asyncio.to_thread(self._voice.phonemize, text)
        scale = self.engine.gain * volume * _INT16_MAX
        first = True
        for sentence in sentences:
            for phonemes in clauses(sentence):
                if not phonemes:
                    continue
                ids = self._voice.phonemes_to_ids(phonemes)
                z_p, mask = await self.priors.run(_Prior(ids, scales), cost=_PRIOR_COST * len(ids))
                for start, end in windows(z_p.shape[2]):
                    window = _Window(z_p, mask, start, end)
                    flo, fhi, _, _ = window.bounds
                    samples = await self.windows.run(window, cost=_FRAME_COST * (fhi - flo))
                    if samples.size and first:
                        first = False
                        lead = quiet_lead(samples * (scale / _INT16_MAX), self.engine.sample_rate)
                        samples = samples[lead:]
                    if samples.size:
                        pcm16 = np.clip(samples * scale, -_INT16_MAX, _INT16_MAX).astype("<i2")
                        yield pcm16.tobytes()


def _priors_fit(first: _Prior, other: _Prior) -> bool:
    """Same settings, and neither row padded past :data:`_PADDING` of its length."""
    shorter, longer = sorted((len(first.ids), len(other.ids)))
    return first.scales == other.scales and longer <= _PADDING * shorter


def _windows_fit(first: _Window, other: _Window) -> bool:
    """Windows of similar width (the cheapest first: what follows is as wide or wider)."""
    a, b = (w.bounds for w in (first, other))
    shorter, longer = sorted((a[1] - a[0], b[1] - b[0]))
    return longer <= _PADDING * shorter
