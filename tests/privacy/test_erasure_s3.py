"""The serve app's deleter reaches the uploaded copies: an erasure deletes the caller's
objects in RECORDINGS_S3_BUCKET (moto's S3 server) and leaves another caller's; a
recording named outside RECORDINGS_DIR is refused, not deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("sqlmodel")
pytest.importorskip("boto3")
pytest.importorskip("moto.server")

from framekit_contact_center.retention import recording_deleter
from framekit_contact_center.settings import Settings
from sqlalchemy import update

from framekit.storage import make_engine, migrate
from framekit.storage.erasure import erase_caller
from privacy._records import TABLES, rows_by_call, seed_call
from s3_server import s3_client, s3_endpoint

__all__ = ["s3_endpoint"]  # the fixture

BUCKET = "calls-kept"


def test_erasure_deletes_the_callers_s3_copies_and_refuses_paths_outside(
    tmp_path: Path, s3_endpoint: str
) -> None:
    s3 = s3_client(s3_endpoint)
    s3.create_bucket(Bucket=BUCKET)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'calls.db'}",
        recordings_dir=tmp_path / "recordings",
        recordings_s3_bucket=BUCKET,
        recordings_s3_endpoint_url=s3_endpoint,
    )
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    settings.recordings_dir.mkdir()
    for call_id, caller in (("a1", "+15550100"), ("b1", "+15550111")):
        files = seed_call(
            engine, call_id, age_days=1, caller=caller, recordings=settings.recordings_dir
        )
        s3.put_object(Bucket=BUCKET, Key=f"r/{call_id}.wav", Body=b"audio")
        with engine.begin() as connection:
            connection.execute(
                update(TABLES["calls"])
                .where(TABLES["calls"].c.id == call_id)
                .values(
                    recordings={
                        "caller": str(files[0]),
                        "caller.remote": f"s3://{BUCKET}/r/{call_id}.wav",
                    }
                )
            )
    outside = tmp_path / "not-a-recording.txt"
    outside.write_text("keep me")
    seed_call(engine, "c1", age_days=1, caller="+15550122", recordings=settings.recordings_dir)
    with engine.begin() as connection:
        connection.execute(
            update(TABLES["calls"])
            .where(TABLES["calls"].c.id == "c1")
            .values(recordings={"caller": str(outside)})
        )

    deleter = recording_deleter(settings)
    report = erase_caller(engine, "+15550100", delete_recording=deleter)
    assert report.as_dict()["files"] == {"deleted": 2}
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == ["r/b1.wav"]

    refused = erase_caller(engine, "+15550122", delete_recording=deleter)
    assert refused.as_dict()["files"] == {"failed": 1}
    assert not refused.complete
    assert outside.read_text() == "keep me"
    assert set(rows_by_call(engine)["calls"]) == {"b1", "c1"}
    engine.dispose()
