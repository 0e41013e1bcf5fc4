"""Serving one recording file over HTTP: as it is, or decrypted on the fly, with ``Range``.

Why decrypt while streaming: an encrypted recording (``.wav.enc``) is never written
to disk in clear, not even to a temporary file; the reader opens the chunks a
request's range touches, one at a time, on the API's threads, so memory does not
follow the file's length and a player can seek. A file in clear goes out through
aiohttp's own file response (which handles ``Range`` itself).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path

from aiohttp import web
from loguru import logger

from framekit.privacy.envelope import EncryptedFileReader, EnvelopeError, KeyRing
from framekit.processors.recording import ENCRYPTED_SUFFIX

__all__ = ["serve_recording"]

_CONTENT_TYPE = "audio/wav"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


async def serve_recording(
    request: web.Request, path: Path, keys: KeyRing | None, executor: Executor
) -> web.StreamResponse:
    """The recording at ``path`` as ``audio/wav``, decrypted with ``keys`` if it is encrypted."""
    if not path.name.endswith(ENCRYPTED_SUFFIX):
        return web.FileResponse(path, headers={"Content-Type": _CONTENT_TYPE})
    if keys is None:
        return web.json_response(
            {"error": "the recording is encrypted and no key is configured"}, status=503
        )
    loop = asyncio.get_running_loop()
    try:
        reader = await loop.run_in_executor(executor, EncryptedFileReader, path, keys)
    except EnvelopeError as exc:
        logger.error(f"recording {path.name} cannot be decrypted: {exc}")
        return web.json_response({"error": "the recording cannot be decrypted"}, status=500)
    try:
        wanted = _byte_range(request.headers.get("Range"), reader.size)
        if wanted is None:
            return web.json_response(
                {"error": "unsatisfiable range"},
                status=416,
                headers={"Content-Range": f"bytes */{reader.size}"},
            )
        start, end = wanted
        response = web.StreamResponse(
            status=206 if "Range" in request.headers else 200,
            headers={
                "Content-Type": _CONTENT_TYPE,
                "Accept-Ranges": "bytes",
                "Cache-Control": "private, no-store",
            },
        )
        if response.status == 206:
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{reader.size}"
        response.content_length = end - start
        await response.prepare(request)
        pieces = reader.chunks(start, end) if request.method != "HEAD" else iter(())
        while piece := await loop.run_in_executor(executor, _next, pieces):
            await response.write(piece)
        await response.write_eof()
        return response
    finally:
        await loop.run_in_executor(executor, reader.close)


def _next(pieces: Iterator[bytes]) -> bytes:
    return next(pieces, b"")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` (end exclusive) of one ``Range: bytes=...``; the whole file without
    one; None when it cannot be served (a multi-range or past the end)."""
    if header is None:
        return 0, size
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last N bytes
        return max(0, size - int(match[2])), size
    start = int(match[1])
    end = min(size, int(match[2]) + 1) if match[2] else size
    if start >= size or end <= start:
        return None
    return start, end
