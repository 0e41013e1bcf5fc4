"""Each measure of a stored call, on real records in SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from framekit.analytics import analyze
from framekit.storage import get_call, make_engine

from ._records import ORDER_CALL, call_records, write


def _analysed(database_url: str, spool_dir: Path, call_id: str, **call: Any) -> Any:
    write(database_url, spool_dir, call_records(call_id, **call))
    engine = make_engine(database_url)
    try:
        details = get_call(engine, call_id)
    finally:
        engine.dispose()
    assert details is not None
    return analyze(details)


def test_timing_talk_turns_barge_ins_silence_and_latency(
    database_url: str, spool_dir: Path
) -> None:
    found = _analysed(database_url, spool_dir, "m1", **ORDER_CALL)
    timing = found.timing

    assert timing.duration_s == 20.0
    assert (timing.talk_caller_s, timing.talk_bot_s) == (6.0, 6.5)
    assert (timing.turns, timing.interruptions) == (2, 1)
    assert timing.silence_s == pytest.approx(20.0 - 12.5)
    assert (timing.latency_p50_ms, timing.latency_p95_ms, timing.latency_max_ms) == (
        900.0,
        1400.0,
        1400.0,
    )


def test_overlapping_speech_is_not_counted_twice_as_talk_free_time(
    database_url: str, spool_dir: Path
) -> None:
    said = [("bot", "Hello there, how can I help?", 0.0, 4.0), ("user", "agent please", 3.0, 5.0)]
    timing = _analysed(database_url, spool_dir, "m2", said=said, ended=10.0).timing

    assert timing.silence_s == pytest.approx(5.0)  # 0-5 s spoken, once


def test_tools_outcome_resolution_intents_sentiment_and_summary(
    database_url: str, spool_dir: Path
) -> None:
    found = _analysed(database_url, spool_dir, "m3", **ORDER_CALL)
    columns = found.columns()

    assert columns["details"]["tools"] == [{"name": "order_status", "ok": True}]
    assert (columns["outcome"], columns["resolution"]) == ("resolved", "resolved")
    assert columns["intents"] == ["order_status"]
    assert [t["label"] for t in columns["details"]["turn_sentiment"]] == ["negative", "positive"]
    assert (columns["sentiment_start"], columns["sentiment_end"]) == ("negative", "positive")
    assert "where is my order 4271" in columns["summary"]
    assert "order_status (ok)" in columns["summary"]


def test_a_tool_error_is_not_ok_and_a_rejected_answer_is_unresolved(
    database_url: str, spool_dir: Path
) -> None:
    said = [
        ("user", "can I change the email on my account", 1.0, 3.0),
        ("bot", "Our opening hours are 9 to 5.", 4.0, 6.0),
        ("user", "that's not what I asked. forget it", 7.0, 9.0),
    ]
    tools = [
        ("faq_answer", {"topic": "hours"}, {"answer": "9 to 5"}, 3.5),
        ("order_status", {"order_number": "1"}, {"raised": "TimeoutError"}, 3.8),
    ]
    columns = _analysed(database_url, spool_dir, "m4", said=said, tools=tools, ended=10.0).columns()

    assert columns["details"]["tools"] == [
        {"name": "faq_answer", "ok": True},
        {"name": "order_status", "ok": False},
    ]
    assert columns["outcome"] == "resolved"  # what the recorder saw: a tool answered
    assert columns["resolution"] == "unresolved"  # what the caller said of it
    assert columns["sentiment"] == "negative"


def test_a_call_with_no_caller_words_is_abandoned_and_neutral(
    database_url: str, spool_dir: Path
) -> None:
    said = [("bot", "Thanks for calling, how can I help?", 0.0, 3.0)]
    columns = _analysed(
        database_url, spool_dir, "m5", said=said, outcome="abandoned", cause="silence"
    ).columns()

    assert columns["resolution"] == "abandoned"
    assert (columns["sentiment"], columns["turns"], columns["latency_p50_ms"]) == (
        "neutral",
        0,
        None,
    )
