"""How long a failing S3-compatible store holds a call's teardown (``S3Uploader``).

The recorder awaits its uploader when the call ends, so a store that is down costs
the call's teardown this long (the audio is long over; the files are complete).
Three failures, one 1 kB file each, with the uploader's defaults:

* ``closed port``: nothing listens (connection refused at once);
* ``never answers``: a socket that accepts connections and never reads (a hung
  store or a black-holed proxy): only the read timeout ends it.

Usage::

    .venv/bin/python benchmarks/bench_s3_failure.py [--read-timeout 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import tempfile
import time
from pathlib import Path

from loguru import logger

from framekit.processors.recording.s3 import S3Uploader


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connect-timeout", type=float, default=3.0)
    parser.add_argument("--read-timeout", type=float, default=10.0)
    parser.add_argument("--max-attempts", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    logger.remove()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "call.wav"
        wav.write_bytes(b"RIFF" + bytes(1020))
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            closed_port = closed.getsockname()[1]
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        cases = {
            "closed port": f"http://127.0.0.1:{closed_port}",
            "never answers": f"http://127.0.0.1:{silent.getsockname()[1]}",
        }
        print(
            f"connect_timeout={args.connect_timeout} s, read_timeout={args.read_timeout} s, "
            f"max_attempts={args.max_attempts}"
        )
        for name, endpoint in cases.items():
            uploader = S3Uploader(
                "bench-calls",
                endpoint_url=endpoint,
                region="us-east-1",
                connect_timeout=args.connect_timeout,
                read_timeout=args.read_timeout,
                max_attempts=args.max_attempts,
            )
            began = time.perf_counter()
            remote = await uploader.upload_files([wav])
            took = time.perf_counter() - began
            print(f"{name:14s} remote={remote} after {took:.2f} s")
        silent.close()


if __name__ == "__main__":
    asyncio.run(main())
