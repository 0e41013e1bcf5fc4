"""Run model code in a fresh Python process where every network connection fails."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

_NO_NETWORK_AND_SPEECH = """
import socket

def refuse(*args, **kwargs):
    raise OSError("network access attempted")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import numpy as np
import soxr
from framekit.services.piper import PiperEngine

piper = PiperEngine.shared()
pcm = np.frombuffer(b"".join(piper.synthesize("Hello, how are you?")), dtype="<i2")
speech = np.asarray(soxr.resample(pcm, piper.sample_rate, 16000), dtype=np.int16)
"""


def transcribe_offline(
    home: Path, recognize: str, *, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``recognize`` (code that prints a transcript of ``speech``) with no network.

    ``speech`` is "Hello, how are you?" spoken by the packaged Piper voice, 16 kHz
    int16. The process gets ``home`` as its HOME and no framekit/XDG cache overrides,
    so model caches start empty.
    """
    drop = ("FRAMEKIT_CACHE_DIR", "XDG_CACHE_HOME")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(HOME=str(home), HF_HUB_OFFLINE="1")
    script = _NO_NETWORK_AND_SPEECH + textwrap.dedent(recognize)
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=timeout
    )
