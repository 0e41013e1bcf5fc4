"""``seed_calls(analyze=...)``: the analyses it stores are the post-call job's, byte for byte."""

from __future__ import annotations

from functools import partial

import pytest
from framekit_contact_center.seed_calls import seed_calls

from framekit.analytics import analyze
from framekit.analytics.turn_model import head_scorer
from framekit.storage import get_call, make_engine
from framekit.storage.analyses import begin_analysis, save_analysis, unanalysed_calls
from framekit.storage.queries import get_analysis, list_calls

pytestmark = pytest.mark.timeout(120)

_COMPARED = (
    "status",
    "started_at",
    "duration_s",
    "talk_caller_s",
    "talk_bot_s",
    "turns",
    "interruptions",
    "silence_s",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_max_ms",
    "latency_buckets",
    "outcome",
    "resolution",
    "sentiment",
    "sentiment_score",
    "sentiment_start",
    "sentiment_end",
    "intents",
    "summary",
    "details",
)


def test_seeded_analyses_equal_what_the_job_stores_from_the_records(database_url: str) -> None:
    analyzer = partial(analyze, scorer=head_scorer())
    report = seed_calls(database_url, calls=60, days=2, seed=3, analyze=analyzer)
    engine = make_engine(database_url)
    try:
        assert report.analysed == report.calls == 60
        assert unanalysed_calls(engine) == []  # the job has nothing left to do
        seeded = {c.id: get_analysis(engine, c.id) for c in list_calls(engine, limit=60).calls}
        with engine.begin() as connection:  # the job's turn: forget them, then analyse
            connection.exec_driver_sql("DELETE FROM call_analyses")
        for call_id in seeded:
            begin_analysis(engine, call_id)
            details = get_call(engine, call_id)
            assert details is not None
            save_analysis(engine, call_id, analyzer(details).columns())
            stored = get_analysis(engine, call_id)
            for column in _COMPARED:
                assert getattr(seeded[call_id], column) == getattr(stored, column), column
        kinds = {row.resolution for row in seeded.values() if row is not None}
        assert {"resolved", "transferred"} <= kinds  # the scripts' variety is analysed
    finally:
        engine.dispose()
