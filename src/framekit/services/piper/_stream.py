"""A Piper (VITS) voice cut in three ONNX graphs, so a sentence's audio can leave in pieces.

Why: Piper's one ONNX graph turns a sentence's phonemes into its whole waveform in
one run, so the first sample waits for the last (~80 ms per second of speech on a
2-core CPU: 180-250 ms for an ordinary sentence). Nearly all of that time is the
vocoder (HiFi-GAN), which is a stack of convolutions over time: a window of its
input gives the same samples as the whole input, once a margin on each side covers
the convolutions' reach. The same holds for the normalizing flow before it.

So the graph is cut where VITS hands tensors between its parts:

1. *prior*: text encoder, duration predictor, noise: phoneme ids to the latent
   ``z_p`` (one frame per ``hop_length`` samples) and its mask. It sees the whole
   sentence, so durations and intonation are those of the whole sentence;
2. *flow*: ``z_p`` to the vocoder's input ``z``, run per window with
   :data:`FLOW_MARGIN` frames of context on each side;
3. *decoder*: ``z`` to samples, per window with :data:`DECODER_MARGIN` frames.

Windows start small (the first is :data:`FIRST_FRAMES`, ~0.28 s of speech) and
double up to :data:`MAX_FRAMES`, so the first audio costs the prior plus one small
window, and each later window is computed many times faster than the one before it
plays. Joined, the windows equal the one-graph output to float rounding (~1e-5,
below one PCM16 step; ``tests/models/test_piper.py`` checks it).

The text encoder's cost grows faster than the sentence (relative attention over
all phonemes: ~30 ms for a 3 s sentence, ~150 ms for a 9 s one under load), so a
sentence longer than :data:`LONG_PHONEMES` is spoken clause by clause
(:func:`clauses`: cut only after espeak-ng's ``,``, ``;`` or ``:``, never inside a
clause): each clause gets its own prior run, the first one within the budget, the
next ones while the first plays. The model ends a clause with a comma's pause, so
the seam needs no trimming (measured: 0.33 s of silence at the cut, 0.38 s at the
same comma in the one-piece sentence). Sentences without such a mark stay whole.

The cut uses tensor names of Piper's VITS export (``/Add_output_0``,
``/Cast_2_output_0``, ``/Mul_7_output_0``). A voice exported otherwise, a
multi-speaker voice (its speaker embedding feeds every part) or a missing ``onnx``
package gives ``None`` from :func:`split_voice`, and the engine speaks whole sentences.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from loguru import logger

from framekit.models.ort_options import session_options

__all__ = [
    "DECODER_MARGIN",
    "FIRST_FRAMES",
    "FLOW_MARGIN",
    "LONG_PHONEMES",
    "MAX_FRAMES",
    "SplitVoice",
    "clauses",
    "split_voice",
    "windows",
]

_PRIOR_OUT = "/Add_output_0"
_MASK = "/Cast_2_output_0"
_DECODER_IN = "/Mul_7_output_0"

FIRST_FRAMES = 24
"""Latent frames in a sentence's first window (256 samples each: ~0.28 s at 22,050 Hz)."""
MAX_FRAMES = 192
"""Largest window: bigger ones only save a little per-run overhead."""
FLOW_MARGIN = 32
"""Context frames each side of a flow window: 4 coupling layers x 4 convolutions of width 5."""
DECODER_MARGIN = 16
"""Context frames each side of a vocoder window (measured exact to ~2e-7 at 16)."""

LONG_PHONEMES = 80
"""Phonemes (~3.5 s of speech) above which a sentence is spoken clause by clause."""
_SHORTEST_CLAUSE = 20
"""No piece shorter than this (about a second): a lone "please." would sound cut off."""
_CLAUSE_ENDS = frozenset(",;:")

FloatArray = npt.NDArray[np.float32]


def clauses(phonemes: list[str], longest: int = LONG_PHONEMES) -> list[list[str]]:
    """One sentence's phonemes, cut after clause marks into pieces of at most ``longest``.

    Pieces are whole clauses packed together; a clause longer than ``longest`` stays
    whole, and no piece is shorter than :data:`_SHORTEST_CLAUSE`. espeak-ng writes a
    clause mark followed by a space, and that is the only place a cut can fall.
    """
    if len(phonemes) <= longest:
        return [phonemes]
    ends = [
        i + 2
        for i in range(len(phonemes) - 1)
        if phonemes[i] in _CLAUSE_ENDS and phonemes[i + 1] == " "
    ]
    pieces: list[list[str]] = []
    start, previous = 0, 0
    for end in [*ends, len(phonemes)]:
        if (
            end - start > longest
            and previous - start >= _SHORTEST_CLAUSE
            and len(phonemes) - previous >= _SHORTEST_CLAUSE
        ):
            pieces.append(phonemes[start:previous])
            start = previous
        previous = end
    pieces.append(phonemes[start:])
    return pieces


def windows(
    frames: int, first: int = FIRST_FRAMES, largest: int = MAX_FRAMES
) -> Iterator[tuple[int, int]]:
    """``(start, end)`` latent frames of each window of a sentence ``frames`` long."""
    start, size = 0, first
    while start < frames:
        end = min(frames, start + size)
        yield start, end
        start, size = end, min(2 * size, largest)


@dataclass(frozen=True, slots=True)
class SplitVoice:
    """The three sessions of one voice; thread-safe as onnxruntime sessions are."""

    prior: Any
    flow: Any
    decoder: Any
    hop_length: int

    def latent(self, phoneme_ids: list[int], scales: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(z_p, mask)`` of one sentence: the whole-sentence part of synthesis."""
        ids = np.asarray([phoneme_ids], dtype=np.int64)
        lengths = np.asarray([len(phoneme_ids)], dtype=np.int64)
        z_p, mask = self.prior.run(None, {"input": ids, "input_lengths": lengths, "scales": scales})
        return z_p, mask

    def audio(self, z_p: FloatArray, mask: FloatArray, start: int, end: int) -> FloatArray:
        """Samples of latent frames ``start:end`` (float, unscaled), as a whole-sentence run."""
        frames = z_p.shape[2]
        lo, hi = max(0, start - DECODER_MARGIN), min(frames, end + DECODER_MARGIN)
        flo, fhi = max(0, lo - FLOW_MARGIN), min(frames, hi + FLOW_MARGIN)
        (z,) = self.flow.run(None, {_PRIOR_OUT: z_p[:, :, flo:fhi], _MASK: mask[:, :, flo:fhi]})
        (samples,) = self.decoder.run(None, {_DECODER_IN: z[:, :, lo - flo : hi - flo]})
        flat: FloatArray = samples.reshape(-1)
        first = (start - lo) * self.hop_length
        return flat[first : first + (end - start) * self.hop_length]


def split_voice(
    model_path: Path, *, hop_length: int, providers: list[str], threads: int
) -> SplitVoice | None:
    """The voice cut in three, or ``None`` (with the reason logged) when it cannot be."""
    try:
        import onnx
        import onnx.utils
        import onnxruntime  # type: ignore[import-untyped]
    except ImportError:
        logger.info("onnx is not installed: Piper speaks whole sentences (pip install onnx)")
        return None
    try:
        model = onnx.load(str(model_path))
        names = {output for node in model.graph.node for output in node.output}
        if not {_PRIOR_OUT, _MASK, _DECODER_IN} <= names or len(model.graph.input) != 3:
            logger.info(
                f"{model_path.name} is not a single-speaker Piper VITS graph: whole sentences"
            )
            return None
        extractor = onnx.utils.Extractor(model)
        parts = [
            extractor.extract_model(["input", "input_lengths", "scales"], [_PRIOR_OUT, _MASK]),
            extractor.extract_model([_PRIOR_OUT, _MASK], [_DECODER_IN]),
            extractor.extract_model([_DECODER_IN], [model.graph.output[0].name]),
        ]
        options = session_options(onnxruntime, threads)
        # Sessions load from files: from bytes they kept ~55 MB more resident memory.
        with tempfile.TemporaryDirectory(prefix="framekit-piper-") as folder:
            paths = [str(Path(folder) / f"{i}.onnx") for i in range(len(parts))]
            for part, path in zip(parts, paths, strict=True):
                onnx.save(part, path)
            del model, extractor, parts  # ~120 MB of protobuf, freed before the sessions
            prior, flow, decoder = (
                onnxruntime.InferenceSession(path, sess_options=options, providers=providers)
                for path in paths
            )
    except Exception as exc:  # a graph this code does not know: speak whole sentences
        logger.warning(f"Cannot split {model_path.name} for streaming ({exc}): whole sentences")
        return None
    return SplitVoice(prior=prior, flow=flow, decoder=decoder, hop_length=hop_length)
