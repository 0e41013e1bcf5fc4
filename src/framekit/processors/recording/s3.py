"""Recordings copied to S3-compatible storage (AWS S3, MinIO, Cloudflare R2, ...) after a call.

Use::

    uploader = S3Uploader("acme-calls", prefix="calls/{date}/", endpoint_url="http://minio:9000")
    recorder = CallAudioRecorder(uploader=uploader)

Credentials come from boto3's standard chain (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, ``~/.aws``, an instance role); nothing
secret passes through framekit. The upload runs in a worker thread once the call
has ended, so it never touches the call's audio. Why short timeouts and few
retries: the recorder awaits the upload in the call's teardown, and boto3's
defaults (60 s connect and read timeouts, several retries) would hold a call open
for minutes when the store is down; the local files are already complete, so a
failed upload loses nothing. A failure is one log line; :meth:`S3Uploader.upload`
then returns nothing and the files stay on disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from loguru import logger

from framekit.processors.recording.recorder import ENCRYPTED_SUFFIX
from framekit.processors.recording.timeline import Recording
from framekit.processors.recording.upload import bucket_name_problem

try:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("uploading recordings to S3 needs boto3: pip install 'framekit[s3]'") from exc

__all__ = ["DEFAULT_PREFIX", "S3Uploader", "bucket_name_problem", "parse_s3_url"]

DEFAULT_PREFIX: Final = "recordings/{date}/"
"""Objects land under ``recordings/2026-11-25/``: a day's calls list together."""

CONTENT_TYPE: Final = "audio/wav"
ENCRYPTED_CONTENT_TYPE: Final = "application/octet-stream"
"""An encrypted recording (``.wav.enc``) is uploaded as it is on disk: no player opens it."""


def parse_s3_url(location: str) -> tuple[str, str] | None:
    """``(bucket, key)`` of an ``s3://bucket/key`` location, else None."""
    if not location.startswith("s3://"):
        return None
    bucket, _, key = location[len("s3://") :].partition("/")
    return (bucket, key) if bucket and key else None


class S3Uploader:
    """Copies a finished recording's files to ``bucket``; returns their ``s3://bucket/key``.

    ``prefix`` starts every key; ``{date}`` (the call's UTC day, ``YYYY-MM-DD``) and
    ``{call_id}`` are filled in, and the file's name follows. ``endpoint_url``
    points at any S3-compatible store (``None``: AWS). ``delete_local`` removes
    the local files once every one of them is uploaded (default: keep them).
    ``connect_timeout``/``read_timeout`` (seconds) and ``max_attempts`` bound how
    long a dead store can hold a call's teardown: a refused connection fails at once,
    a store that accepts and never answers after about three read timeouts
    (``benchmarks/bench_s3_failure.py``: 0.05 s and 33 s with the defaults).
    ``server_side_encryption`` (``AES256``, ``aws:kms``) asks the store to encrypt
    each object too, on top of a recording encrypted by framekit (``docs/privacy.md``).
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        endpoint_url: str | None = None,
        region: str | None = None,
        delete_local: bool = False,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 2,
        server_side_encryption: str | None = None,
    ) -> None:
        problem = bucket_name_problem(bucket)
        if problem:
            raise ValueError(f"bucket name {bucket!r} {problem}")
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.delete_local = delete_local
        self._extra: dict[str, str] = (
            {"ServerSideEncryption": server_side_encryption} if server_side_encryption else {}
        )
        config = Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            signature_version="s3v4",  # presigned links that every store accepts
            # Path-style keys (host/bucket/key): what MinIO and other self-hosted stores expect.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        # One client for every call: boto3 clients are thread-safe, sessions are not.
        self._client: Any = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def key_for(self, path: Path, *, call_id: str = "", when: datetime | None = None) -> str:
        """The object key of local file ``path`` (the prefix, filled in, then the file's name)."""
        day = (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d")
        prefix = self.prefix.format(date=day, call_id=call_id)
        return f"{prefix}{path.name}"

    async def upload(self, recording: Recording) -> Sequence[str]:
        """Upload every file of ``recording``; ``()`` (and one log line) if any upload failed."""
        return await self.upload_files(
            recording.paths, call_id=recording.call_id, when=recording.timeline.wall_start
        )

    async def upload_files(
        self, paths: Sequence[Path], *, call_id: str = "", when: datetime | None = None
    ) -> tuple[str, ...]:
        """Upload ``paths`` (in order); their ``s3://`` locations, or ``()`` on a failure."""
        keys = [self.key_for(path, call_id=call_id, when=when) for path in paths]
        try:
            await asyncio.to_thread(self._put_all, paths, keys)
        except Exception as exc:
            where = self.endpoint_url or "AWS"
            logger.error(
                f"uploading recording {paths[0].name if paths else '?'} to "
                f"s3://{self.bucket}/ ({where}) failed, the local files stay: "
                f"{type(exc).__name__}: {exc}"
            )
            return ()
        if self.delete_local:
            for path in paths:
                path.unlink(missing_ok=True)
        return tuple(f"s3://{self.bucket}/{key}" for key in keys)

    def presigned_url(self, location: str, expires_in: int = 3600) -> str | None:
        """An HTTPS link to ``s3://bucket/key`` valid ``expires_in`` seconds, else None.

        Signing is local (no request to the store); only this uploader's bucket is signed.
        """
        parsed = parse_s3_url(location)
        if parsed is None or parsed[0] != self.bucket:
            return None
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": parsed[0], "Key": parsed[1]},
            ExpiresIn=expires_in,
        )
        return url

    def delete(self, location: str) -> None:
        """Delete the object at ``s3://bucket/key`` (retention, erasure); a missing object is
        no error. Only this uploader's bucket; OSError when the store refuses or fails."""
        parsed = parse_s3_url(location)
        if parsed is None or parsed[0] != self.bucket:
            raise OSError(f"not an object of bucket {self.bucket!r}: {location}")
        try:
            self._client.delete_object(Bucket=parsed[0], Key=parsed[1])
        except Exception as exc:  # botocore's errors share no base worth naming here
            raise OSError(f"deleting {location} failed: {type(exc).__name__}: {exc}") from exc

    def _put_all(self, paths: Sequence[Path], keys: Sequence[str]) -> None:
        # One PutObject a file (no multipart: a call's WAV is far below its 5 GB limit), so
        # the attempts and timeouts above are all there is (upload_file's transfer manager
        # adds its own waits: 48 s against a store that never answers, read timeout 15 s).
        for path, key in zip(paths, keys, strict=True):
            encrypted = path.name.endswith(ENCRYPTED_SUFFIX)
            with path.open("rb") as body:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentType=ENCRYPTED_CONTENT_TYPE if encrypted else CONTENT_TYPE,
                    **self._extra,
                )
