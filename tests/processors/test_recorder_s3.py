"""S3Uploader against a real S3 wire protocol: moto's server on 127.0.0.1, boto3 over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from framekit.audio import PCM16_16K, write_wav
from framekit.processors.recording import CallAudioRecorder, Recording
from framekit.testing import Advance, run_processor
from framekit.transports.base.output import OutputTransport
from framekit.transports.local import WavFileInput

pytest.importorskip("boto3")
pytest.importorskip("moto.server")

from framekit.processors.recording.s3 import S3Uploader
from s3_server import fetch, free_port, s3_client, s3_endpoint

__all__ = ["s3_endpoint"]  # the fixture


class NullOutput(OutputTransport):
    """An output transport whose wire goes nowhere."""

    async def write_audio(self, chunk: bytes) -> None:
        pass


async def record_call(tmp_path: Path, recorder: CallAudioRecorder) -> Recording:
    """A finished two-track call: 1.5 s of a caller's tone through both taps."""
    t = np.arange(24000) / 16000
    tone = (3000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()
    wav = tmp_path / "caller-input.wav"
    write_wav(wav, tone, PCM16_16K)
    output = NullOutput()
    pipeline = [WavFileInput(wav), recorder.caller_tap(), recorder.bot_tap(output), output]
    # The upload runs as the call ends; boto3's first client loads its service data,
    # seconds on a loaded machine, so the call gets more than run_processor's 10 s.
    await run_processor(pipeline, [Advance(1.5)], time_limit=45)
    recording = recorder.recording
    assert recording is not None
    return recording


@pytest.fixture
def errors() -> Iterator[list[str]]:
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="ERROR")
    try:
        yield lines
    finally:
        logger.remove(sink)


@pytest.mark.timeout(60)
async def test_a_finished_two_track_recording_lands_in_the_bucket_byte_for_byte(
    tmp_path: Path, s3_endpoint: str
) -> None:
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket="acme-calls")
    uploader = S3Uploader("acme-calls", prefix="calls/{date}/{call_id}/", endpoint_url=s3_endpoint)
    recorder = CallAudioRecorder(
        tmp_path / "rec", stereo=False, call_id="call-1", uploader=uploader
    )
    recording = await record_call(tmp_path, recorder)

    day = recording.timeline.wall_start.astimezone(UTC).strftime("%Y-%m-%d")
    keys = [f"calls/{day}/call-1/call-1.caller.wav", f"calls/{day}/call-1/call-1.bot.wav"]
    assert recording.remote == tuple(f"s3://acme-calls/{key}" for key in keys)
    listed = s3.list_objects_v2(Bucket="acme-calls")["Contents"]
    assert sorted(item["Key"] for item in listed) == sorted(keys)
    for path, key in zip(recording.paths, keys, strict=True):
        obj = s3.get_object(Bucket="acme-calls", Key=key)
        assert obj["ContentType"] == "audio/wav"
        assert obj["Body"].read() == path.read_bytes()  # the local files stay, equal
    # The presigned link is plain HTTPS(-or-HTTP) anyone can fetch until it expires.
    url = uploader.presigned_url(recording.remote[0], expires_in=60)
    assert url is not None
    assert "X-Amz-Signature=" in url
    assert await asyncio.to_thread(fetch, url) == recording.paths[0].read_bytes()
    assert uploader.presigned_url("s3://another-bucket/key") is None


@pytest.mark.timeout(60)
async def test_delete_local_removes_the_files_only_after_the_upload(
    tmp_path: Path, s3_endpoint: str
) -> None:
    s3_client(s3_endpoint).create_bucket(Bucket="acme-calls")
    uploader = S3Uploader("acme-calls", endpoint_url=s3_endpoint, delete_local=True)
    recording = await record_call(tmp_path, CallAudioRecorder(tmp_path / "rec", uploader=uploader))
    assert len(recording.remote) == 1
    assert recording.remote[0].startswith("s3://acme-calls/recordings/")
    assert not recording.paths[0].exists()


@pytest.mark.timeout(60)
async def test_a_missing_bucket_is_one_log_line_and_the_files_stay(
    tmp_path: Path, s3_endpoint: str, errors: list[str]
) -> None:
    uploader = S3Uploader("no-such-bucket", endpoint_url=s3_endpoint, delete_local=True)
    recording = await record_call(tmp_path, CallAudioRecorder(tmp_path / "rec", uploader=uploader))
    assert recording.remote == ()
    assert recording.paths[0].stat().st_size > 40_000  # 1.5 s stereo, still on disk
    [line] = errors
    assert "s3://no-such-bucket/" in line
    assert "NoSuchBucket" in line
    assert "the local files stay" in line


@pytest.mark.timeout(60)
async def test_a_store_that_is_down_fails_the_upload_not_the_call(
    tmp_path: Path, errors: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there any more
    uploader = S3Uploader("acme-calls", endpoint_url=dead, region="us-east-1")
    recording = await record_call(tmp_path, CallAudioRecorder(tmp_path / "rec", uploader=uploader))
    assert recording.remote == ()
    assert recording.paths[0].is_file()
    [line] = errors
    assert "EndpointConnectionError" in line
    assert dead in line


def test_keys_and_bucket_names() -> None:
    uploader = S3Uploader("acme-calls", prefix="x/{date}/", region="us-east-1")
    when = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    assert uploader.key_for(Path("/r/c.wav"), when=when) == "x/2026-11-25/c.wav"
    for bad in ("Acme", "ab", "a..b", "-abc", "192.168.1.1", "a_b"):
        with pytest.raises(ValueError, match="bucket name"):
            S3Uploader(bad, region="us-east-1")
