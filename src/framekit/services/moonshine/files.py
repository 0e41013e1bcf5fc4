"""Where Moonshine's files come from: the ``moonshine-cpp`` package, converted once.

The package (MIT) ships base-en as int8 ONNX Runtime format files and its tokenizer;
only those files are read, never the package's native library (it needs AVX-512). An
``.ort`` file is converted to ``.onnx`` once and cached (:mod:`framekit.models.ort_format`
says why). Nothing is downloaded; a missing file or extra is a clear error naming the fix.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from framekit.models.ort_format import converted

__all__ = [
    "DECODER",
    "ENCODER",
    "INSTALL_EXTRA",
    "existing",
    "import_onnxruntime",
    "is_installed",
    "model_file",
    "packaged_model_dir",
]

INSTALL_EXTRA = "pip install 'framekit[moonshine]'"
ENCODER = "encoder_model"
DECODER = "decoder_model_merged"


def is_installed() -> bool:
    """Whether the ``moonshine`` extra is there (checked without importing anything)."""
    try:
        return all(
            importlib.util.find_spec(name) is not None
            for name in ("onnxruntime", "onnx", "moonshine_cpp")
        )
    except (ImportError, ValueError):
        return False


def packaged_model_dir() -> Path:
    """The base-en folder inside the installed ``moonshine-cpp`` package (not imported)."""
    try:
        spec = importlib.util.find_spec("moonshine_cpp")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not locations:
        raise ImportError(f"Moonshine STT needs the 'moonshine' extra: {INSTALL_EXTRA}")
    return Path(locations[0]) / "models" / "base-en"


def model_file(folder: Path, stem: str, cache: Path | None) -> str | bytes:
    """The ``.onnx`` file when the folder has one, else the ``.ort`` one converted (cached)."""
    onnx_file = folder / f"{stem}.onnx"
    if onnx_file.is_file():
        return str(onnx_file)
    try:
        found = converted(existing(folder / f"{stem}.ort"), cache)
    except ImportError as exc:
        raise ImportError(f"Moonshine STT needs the 'moonshine' extra: {INSTALL_EXTRA}") from exc
    return found if isinstance(found, bytes) else str(found)


def existing(path: Path) -> Path:
    """``path``, or an error naming what to install or give instead."""
    if not path.is_file():
        raise FileNotFoundError(
            f"Moonshine model file {path} is missing; reinstall the model ({INSTALL_EXTRA}) "
            "or give a folder with encoder_model, decoder_model_merged (.onnx or .ort) "
            "and tokenizer.bin"
        )
    return path


def import_onnxruntime() -> Any:
    """onnxruntime, imported when a model loads (the extra may be missing)."""
    try:
        return importlib.import_module("onnxruntime")
    except ImportError as exc:
        raise ImportError(f"Moonshine STT needs the 'moonshine' extra: {INSTALL_EXTRA}") from exc
