"""Moonshine's encoder with int8 matrix products, made once and cached on disk.

Why: the packaged int8 weights are folded into float32 at load (see
:mod:`framekit.models.ort_format`), so the encoder runs float32 matrix products,
and it is compute-bound on a CPU: ~46 ms of one core for 2 s of speech, the same
per utterance whether utterances run alone or batched. It is the part of a
recognition that batching across calls cannot share, so it caps what batching
saves. With onnxruntime's dynamic int8 ``MatMul`` (weights per output channel,
activations quantized per run: VNNI/AMX kernels where the CPU has them) the encoder
costs ~22 ms, and the word error rate on the corpus's dev split stayed 0.1118
alone (210 clips, ``benchmarks/bench_stt_batch_accuracy.py``). The decoder keeps
float32 weights.

The quantized file is written next to the converted models
(:func:`~framekit.models.ort_format.cache_dir`),
keyed by the source file, atomically; it takes a few seconds once. Where nothing can
be written the float encoder is used, and a warning says so.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path

from loguru import logger

from framekit.models.ort_format import cached_model_path

__all__ = ["QUANTIZER_VERSION", "quantized_encoder"]

QUANTIZER_VERSION = 1
"""Part of every cache key: bump it when the quantization's output changes."""


def quantized_encoder(source: str | bytes, cache: Path | None = None) -> str | bytes:
    """The path of ``source``'s int8-``MatMul`` form, or ``source`` itself where none can be made.

    ``source`` is an ``.onnx`` file's path (an in-memory model, from a cache that
    could not be written, is returned as it is).
    """
    if isinstance(source, bytes):
        return source
    path = Path(source)
    target = cached_model_path(path, QUANTIZER_VERSION, tag="-int8", cache=cache)
    folder = target.parent
    if target.is_file():
        return str(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as work:
            _quantize(path, Path(work))
            os.replace(Path(work) / "int8.onnx", target)
    except (OSError, ImportError) as exc:
        logger.warning(f"Moonshine's encoder stays float32 ({exc}): it costs about twice the CPU")
        return source
    logger.info(f"Quantized Moonshine's encoder to {target}")
    return str(target)


def _quantize(source: Path, work: Path) -> None:
    """Fold the weights to float32 (as a load does), then quantize its ``MatMul`` nodes."""
    ort = importlib.import_module("onnxruntime")
    quantization = importlib.import_module("onnxruntime.quantization")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(work / "folded.onnx")
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    quantization.quantize_dynamic(
        work / "folded.onnx",
        work / "int8.onnx",
        weight_type=quantization.QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
    )
