"""RECORDINGS_S3_*: the served call's recordings land in the bucket and the API links them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("sqlmodel")
pytest.importorskip("twilio")
pytest.importorskip("boto3")
pytest.importorskip("moto.server")

import aiohttp
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.settings import Settings, SettingsError, load_settings

from contact_center._greeter import greeter
from contact_center._serving import listening
from framekit.servers.twilio import sign_stream_token
from framekit.testing.twilio_caller import TwilioCallerSimulator
from s3_server import fetch, s3_client, s3_endpoint

__all__ = ["s3_endpoint"]  # the fixture

TOKEN = "test-api-token-0123456789"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_bad_s3_settings_are_each_named() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "RECORDINGS_S3_BUCKET": "My_Calls",
                "RECORDINGS_S3_ENDPOINT_URL": "minio:9000",
                "RECORDINGS_S3_PREFIX": "/calls/{day}/",
                "RECORDINGS_S3_REGION": "EU West",
                "RECORDINGS_S3_DELETE_LOCAL": "maybe",
            },
            env_file=None,
        )
    problems = dict(caught.value.problems)
    assert "not an S3 bucket name" in problems["RECORDINGS_S3_BUCKET"]
    assert "http:// or https://" in problems["RECORDINGS_S3_ENDPOINT_URL"]
    assert "must not start with '/'" in problems["RECORDINGS_S3_PREFIX"]
    assert "region name" in problems["RECORDINGS_S3_REGION"]
    assert "true or false" in problems["RECORDINGS_S3_DELETE_LOCAL"]
    with pytest.raises(SettingsError) as caught:
        load_settings({"RECORDINGS_S3_PREFIX": "calls/{when}/"}, env_file=None)
    wrong, alone = caught.value.problems
    assert wrong[0] == "RECORDINGS_S3_PREFIX"
    assert "may use only {date} and {call_id}" in wrong[1]
    assert alone == (
        "RECORDINGS_S3_PREFIX",
        "needs RECORDINGS_S3_BUCKET (the bucket the recordings go to)",
    )
    good = load_settings(
        {
            "RECORDINGS_S3_BUCKET": "acme-calls",
            "RECORDINGS_S3_ENDPOINT_URL": "http://minio:9000",
            "RECORDINGS_S3_PREFIX": "calls/{date}/{call_id}/",
            "RECORDINGS_S3_REGION": "auto",
            "RECORDINGS_S3_DELETE_LOCAL": "true",
        },
        env_file=None,
    )
    assert (good.recordings_s3_bucket, good.recordings_s3_delete_local) == ("acme-calls", True)


async def _details(session: aiohttp.ClientSession, base: str, call_id: str) -> Any:
    async with session.get(f"{base}/api/calls/{call_id}", headers=AUTH) as response:
        assert response.status == 200
        return await response.json()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("delete_local", [False, True])
async def test_a_served_call_is_uploaded_and_the_api_links_the_copies(
    tmp_path: Path, s3_endpoint: str, delete_local: bool
) -> None:
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket="acme-calls")
    settings = Settings(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        webhook_base_url="https://bot.example.test",
        api_token=TOKEN,
        database_url=f"sqlite:///{tmp_path / 'calls.db'}",
        business_db_path=tmp_path / "shop.db",
        recordings_dir=tmp_path / "recordings",
        recordings_s3_bucket="acme-calls",
        recordings_s3_prefix="calls/{date}/",
        recordings_s3_endpoint_url=s3_endpoint,
        recordings_s3_delete_local=delete_local,
    )
    server = ContactCenterServer(settings, bot=greeter)
    call_sid = "CA" + "5" * 32
    async with listening(server) as (host, port, _, _):
        base = f"http://{host}:{port}"
        token = sign_stream_token(TWILIO_TOKEN, call_sid)
        url = f"{base.replace('http', 'ws', 1)}/twilio/stream?token={token}"
        async with TwilioCallerSimulator(url, call_sid=call_sid) as caller:
            await caller.wait_for_audio(0.25)
            await caller.hang_up()
        async with asyncio.timeout(10):
            await server.twilio.wait_until_idle()
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/api/calls", headers=AUTH) as response:
                [summary] = (await response.json())["calls"]
            # The upload ends after the call record was closed; the record is written
            # again by the server's writer thread, which no event here announces.
            async with asyncio.timeout(10):
                while True:
                    details = await _details(session, base, summary["id"])
                    if all("remote" in track for track in details["recordings"].values()):
                        break
                    await asyncio.sleep(0.05)

    tracks = details["recordings"]
    assert set(tracks) == {"caller", "bot"}
    for name, track in tracks.items():
        local = Path(track["location"])
        assert local.name == f"{summary['id']}.{name}.wav"
        bucket, _, key = track["remote"].removeprefix("s3://").partition("/")
        assert bucket == "acme-calls"
        assert key == f"calls/{summary['started_at'][:10]}/{local.name}"
        stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert stored.startswith(b"RIFF")
        assert len(stored) > 44  # a WAV header and samples
        if delete_local:
            assert not await asyncio.to_thread(local.exists)
            assert track["url"] is None  # nothing left for the API to serve
        else:
            assert track["url"] == f"/api/calls/{summary['id']}/recordings/{name}"
            assert stored == await asyncio.to_thread(local.read_bytes)
        assert await asyncio.to_thread(fetch, track["remote_url"]) == stored
