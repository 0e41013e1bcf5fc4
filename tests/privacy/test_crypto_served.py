"""A served call with RECORDINGS_ENCRYPTION_KEY: only encrypted files on disk and in the
bucket, the API plays them decrypted (ranges too), and `framekit keys` rotates them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import wave
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("sqlmodel")
pytest.importorskip("twilio")
pytest.importorskip("boto3")
pytest.importorskip("moto.server")

import aiohttp
from framekit_contact_center.keys import recording_keys
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings, SettingsError, load_settings
from loguru import logger

from contact_center._greeter import greeter
from contact_center._serving import listening
from framekit.privacy.envelope import KeyRing, MasterKey, decrypt_bytes, read_header
from framekit.servers.twilio import sign_stream_token
from framekit.testing.twilio_caller import TwilioCallerSimulator
from s3_server import s3_client, s3_endpoint

__all__ = ["s3_endpoint"]  # the fixture

TOKEN = "test-api-token-0123456789"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OLD = MasterKey("2026-06", bytes(range(32)))
NEW = MasterKey("2026-12", bytes(range(100, 132)))
FRAMEKIT = Path(sys.executable).with_name("framekit")


def _settings(tmp_path: Path, keys: str, **extra: Any) -> Settings:
    return Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=f"sqlite:///{tmp_path / 'calls.db'}",
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
        recordings_encryption_key=keys,
        **extra,
    )


def _framekit(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FRAMEKIT, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


async def _call(server: ContactCenterServer, base: str) -> None:
    call_sid = "CA" + "7" * 32
    token = sign_stream_token(TWILIO_TOKEN, call_sid)
    url = f"{base.replace('http', 'ws', 1)}/twilio/stream?token={token}"
    async with TwilioCallerSimulator(url, call_sid=call_sid) as caller:
        await caller.wait_for_audio(0.25)
        await caller.send_audio(bytes([0x20] * 10 + [0xA0] * 10) * 400)  # 1 s of 400 Hz
        await caller.hang_up()
    async with asyncio.timeout(10):
        await server.twilio.wait_until_idle()


async def _tracks(session: aiohttp.ClientSession, base: str) -> tuple[str, dict[str, Any]]:
    async with session.get(f"{base}/api/calls", headers=AUTH) as response:
        [summary] = (await response.json())["calls"]
    async with asyncio.timeout(10):  # the upload is noted after the record closed
        while True:
            async with session.get(f"{base}/api/calls/{summary['id']}", headers=AUTH) as got:
                tracks: dict[str, Any] = (await got.json())["recordings"]
            if tracks and all("remote" in track for track in tracks.values()):
                return summary["id"], tracks
            await asyncio.sleep(0.05)


async def _play(
    session: aiohttp.ClientSession, base: str, url: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes, Any]:
    async with session.get(f"{base}{url}", headers={**AUTH, **(headers or {})}) as response:
        return response.status, await response.read(), response.headers


@pytest.mark.timeout(90)
async def test_a_served_call_is_encrypted_at_rest_and_played_decrypted(
    tmp_path: Path, s3_endpoint: str
) -> None:
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket="sealed-calls")
    settings = _settings(
        tmp_path,
        OLD.line(),
        recordings_s3_bucket="sealed-calls",
        recordings_s3_endpoint_url=s3_endpoint,
        recordings_s3_server_side_encryption="AES256",
    )
    server = ContactCenterServer(settings, bot=greeter)
    async with listening(server) as (host, port, _, _):
        base = f"http://{host}:{port}"
        await _call(server, base)
        async with aiohttp.ClientSession() as session:
            call_id, tracks = await _tracks(session, base)
            played: dict[str, bytes] = {}
            for name, track in tracks.items():
                local = Path(track["location"])
                assert local.name == f"{call_id}.{name}.wav.enc"
                status, body, headers = await _play(session, base, track["url"])
                assert status == 200
                assert headers["Content-Type"] == "audio/wav"
                assert body == decrypt_bytes(local, KeyRing([OLD]))
                played[name] = body
                async with session.head(f"{base}{track['url']}", headers=AUTH) as head:
                    assert head.status == 200
                    assert head.content_length == len(body)
                    assert await head.read() == b""
                status, part, headers = await _play(
                    session, base, track["url"], {"Range": "bytes=40-10099"}
                )
                assert status == 206
                assert headers["Content-Range"] == f"bytes 40-10099/{len(body)}"
                assert part == body[40:10100]
                status, _, _ = await _play(
                    session, base, track["url"], {"Range": f"bytes={len(body)}-"}
                )
                assert status == 416
                stored = s3.get_object(Bucket="sealed-calls", Key=track["remote"].split("/", 3)[3])
                assert stored["Body"].read() == await asyncio.to_thread(local.read_bytes)
                assert stored["ContentType"] == "application/octet-stream"
                assert stored["ServerSideEncryption"] == "AES256"

    on_disk = sorted((tmp_path / "recordings").rglob("*"))
    assert [path.name for path in on_disk] == sorted(f"{call_id}.{t}.wav.enc" for t in tracks)
    caller = played["caller"]
    voiced = [
        caller[i : i + 32] for i in range(44, len(caller) - 32, 320) if any(caller[i : i + 32])
    ]
    assert len(voiced) >= 20  # the caller's second of audio, decrypted
    for path in on_disk:
        stored_bytes = path.read_bytes()
        assert b"RIFF" not in stored_bytes
        assert b"WAVEfmt" not in stored_bytes
        assert not [run for run in voiced if run in stored_bytes]
    for body in played.values():
        with wave.open(BytesIO(body)) as reader:  # a valid WAV, its sizes final
            assert reader.getnframes() * reader.getsampwidth() == len(body) - 44
            assert reader.getnframes() > reader.getframerate()  # more than a second
    assert len(played["caller"]) == len(played["bot"])

    # Rotation: the new key first, rewrap, then the old key can go.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RECORDINGS_")},
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
        "RECORDINGS_ENCRYPTION_KEY": f"{NEW.line()},{OLD.line()}",
    }
    status = await asyncio.to_thread(_framekit, "keys", "status", env=env, cwd=tmp_path)
    assert status.stdout.splitlines() == ["2026-12\t0 files\tnewest", "2026-06\t2 files\tolder"]
    rewrap = await asyncio.to_thread(_framekit, "keys", "rewrap", env=env, cwd=tmp_path)
    assert rewrap.returncode == 0, rewrap.stderr
    assert "2 files rewrapped to key '2026-12', 0 already under it, 0 failed" in rewrap.stdout
    assert {read_header(path).key_id for path in on_disk} == {"2026-12"}
    server = ContactCenterServer(_settings(tmp_path, NEW.line()), bot=greeter)
    async with listening(server) as (host, port, _, _), aiohttp.ClientSession() as session:
        for name, track in tracks.items():
            status_code, body, _ = await _play(session, f"http://{host}:{port}", track["url"])
            assert status_code == 200
            assert body == played[name]
        damaged = bytearray(await asyncio.to_thread(on_disk[0].read_bytes))
        damaged[-1] ^= 1
        await asyncio.to_thread(on_disk[0].write_bytes, bytes(damaged))
        track = next(t for t in tracks.values() if Path(t["location"]) == on_disk[0])
        status_code, body, _ = await _play(session, f"http://{host}:{port}", track["url"])
        assert status_code == 500
        assert body == b'{"error": "the recording cannot be decrypted"}'


def test_bad_key_settings_are_named_without_the_key() -> None:
    secret = "c2VjcmV0" * 4
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "RECORDINGS_ENCRYPTION_KEY": f"k1:{secret}",
                "RECORDINGS_ENCRYPTION_KEY_FILE": "/no/such/keys",
                "RECORDINGS_S3_SERVER_SIDE_ENCRYPTION": "yes",
            },
            env_file=None,
        )
    problems = caught.value.problems
    assert [name for name, _ in problems] == [
        "RECORDINGS_S3_SERVER_SIDE_ENCRYPTION",
        "RECORDINGS_ENCRYPTION_KEY",
        "RECORDINGS_ENCRYPTION_KEY_FILE",
        "RECORDINGS_S3_SERVER_SIDE_ENCRYPTION",
        "RECORDINGS_ENCRYPTION_KEY_FILE",
    ]
    said = [problem for _, problem in problems]
    assert "must be AES256 or aws:kms" in said[0]
    assert "must be 32 bytes" in said[1]
    assert "cannot be read" in said[2]
    assert "needs RECORDINGS_S3_BUCKET" in said[3]
    assert "not both" in said[4]
    assert secret not in str(caught.value)


def test_a_key_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    key_file = tmp_path / "recording-keys"
    key_file.write_text(f"# newest first\n{NEW.line()}\n{OLD.line()}\n")
    key_file.chmod(0o644)
    settings = load_settings({"RECORDINGS_ENCRYPTION_KEY_FILE": str(key_file)}, env_file=None)
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message}")
    try:
        assert recording_keys(settings).ids == ("2026-12", "2026-06")  # type: ignore[union-attr]
        key_file.chmod(0o600)
        recording_keys(settings)
    finally:
        logger.remove(sink)
    assert len(lines) == 1
    assert "can be read by other users (mode 644): chmod 600" in lines[0]
    assert NEW.line().split(":")[1] not in lines[0]
