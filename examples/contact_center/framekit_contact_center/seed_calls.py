"""Fill a calls database with many believable calls, fast: for the dashboard's tests and benchmarks.

``python -m framekit_contact_center.seed_calls DATABASE_URL --calls 10000`` writes
10,000 calls over the last 30 days, each with its transcript, the tools the bot ran
and each turn's latency, as the contact center records them (order questions,
bookings, FAQs, transfers, callers who said nothing). Same ``seed``, same calls.

Why not through :class:`~framekit.storage.RecordWriter`: it writes a call's records
as they come, one transaction per batch, which is right for live calls and slow for
a million rows. Here each table gets multi-row ``INSERT`` statements of a few
thousand rows, in one transaction: 10,000 calls take seconds.

``recordings_dir`` and ``recorded``: the newest ``recorded`` calls also get their two
tracks (``{id}.caller.wav``, ``{id}.bot.wav``, 8 kHz), a tone wherever that side
speaks and silence elsewhere, so a player shows where each line is.

``analyze``: also store every call's analysis, made by that analyser (the serve app's
:func:`~framekit.analytics.analyze` with its sentiment head) from the very records
written, in the same bulk inserts, as :func:`~framekit.storage.analyses.save_analysis`
would store it. The post-call job then finds nothing to do: a dashboard's tests need
not wait minutes for it to work through thousands of calls one transaction at a
time. Without it the calls wait for the job, as a backlog does (its benchmarks).
"""

from __future__ import annotations

import argparse
import math
import random
import uuid
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Table, insert, text

from framekit.analytics import Analysis, analyze
from framekit.analytics.turn_model import head_scorer
from framekit.storage import CallDetails, make_engine, migrate
from framekit.storage.latency_buckets import count_buckets
from framekit.storage.models import (
    Call,
    CallAnalysis,
    ToolInvocation,
    TranscriptSegment,
    TurnMetric,
)

__all__ = ["SeededCalls", "seed_calls"]

_CHUNK = 2_000
_RATE = 8_000
_TOOL_TTFB = ("UtteranceSTTProcessor", "LLMProcessor", "TTSProcessor")


@dataclass
class SeededCalls:
    """What :func:`seed_calls` wrote: the rows of each table, and the calls with audio."""

    calls: int = 0
    segments: int = 0
    tools: int = 0
    turns: int = 0
    analysed: int = 0
    recorded: list[str] = field(default_factory=list)


# (outcome, end reason, weight, the lines: (speaker, text, tool or None))
_Line = tuple[str, str, tuple[str, dict[str, Any], Any] | None]
_ORDER = "{order}"
_SCRIPTS: tuple[tuple[str, str, int, tuple[_Line, ...]], ...] = (
    (
        "resolved",
        "caller_hung_up",
        30,
        (
            ("bot", "Thanks for calling. How can I help you today?", None),
            ("user", "Hi, where is my order {order}? It was supposed to come Tuesday.", None),
            (
                "bot",
                "Order {order} shipped with {carrier} and arrives on {day}.",
                ("order_status", {"order_number": _ORDER}, {"status": "shipped"}),
            ),
            ("user", "Great, thank you so much.", None),
            ("bot", "You're welcome. Anything else?", None),
            ("user", "No, that's all. Bye.", None),
        ),
    ),
    (
        "resolved",
        "bot_hung_up",
        20,
        (
            ("bot", "Thanks for calling. How can I help you today?", None),
            ("user", "I'd like to book an appointment for {day} please.", None),
            (
                "bot",
                "I have 10 AM, 2 PM and 4 PM on {day}. Which suits you?",
                ("check_availability", {"date": "{day}"}, {"slots": ["10:00", "14:00"]}),
            ),
            ("user", "Two PM works. The name is {name}.", None),
            (
                "bot",
                "Done: {name}, {day} at 2 PM. See you then!",
                ("book_appointment", {"name": "{name}", "when": "{day} 14:00"}, {"ok": True}),
            ),
        ),
    ),
    (
        "resolved",
        "caller_hung_up",
        10,
        (
            ("bot", "Thanks for calling. How can I help you today?", None),
            ("user", "What's your return policy? The {product} doesn't fit.", None),
            (
                "bot",
                "You can return any item within 30 days for a full refund.",
                ("faq_answer", {"topic": "returns"}, {"answer": "30 days"}),
            ),
            ("user", "Perfect, thanks.", None),
        ),
    ),
    (
        "transferred",
        "transferred",
        15,
        (
            ("bot", "Thanks for calling. How can I help you today?", None),
            ("user", "This is the third time I call about my refund, this is ridiculous.", None),
            ("bot", "I'm sorry about that. Let me check order {order}.", None),
            ("user", "I just want to talk to a real person.", None),
            (
                "bot",
                "Of course, I'm transferring you to a colleague now.",
                ("transfer_to_human", {}, {"transferred": True}),
            ),
        ),
    ),
    (
        "unresolved",
        "caller_hung_up",
        12,
        (
            ("bot", "Thanks for calling. How can I help you today?", None),
            ("user", "Yeah, um, I got a letter about my account?", None),
            ("bot", "I can help with orders, bookings and store questions. Which one?", None),
            ("user", "Never mind, I'll call back later.", None),
        ),
    ),
    ("abandoned", "silence", 8, (("bot", "Thanks for calling. How can I help you today?", None),)),
    (
        "failed",
        "error",
        5,
        (
            ("bot", "Thanks for calling. How can I help you today?", None),
            ("user", "Is order {order} on its way?", None),
            (
                "bot",
                "Sorry, I can't look that up right now.",
                ("order_status", {"order_number": _ORDER}, None),
            ),
        ),
    ),
)
_NAMES = ("Jane Doe", "Omar Khan", "Maria Garcia", "Kenji Tanaka", "Grace Lewis", "Liam Brown")
_PRODUCTS = ("running shoes", "coffee grinder", "desk lamp", "backpack", "kettle")
_CARRIERS = ("UPS", "FedEx", "USPS")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def seed_calls(
    database_url: str,
    *,
    calls: int = 10_000,
    days: int = 30,
    now: datetime | None = None,
    seed: int = 0,
    recordings_dir: Path | None = None,
    recorded: int = 0,
    analyze: Callable[[CallDetails], Analysis] | None = None,
) -> SeededCalls:
    """Write ``calls`` finished calls started over the ``days`` before ``now`` (migrating
    first), each with its analysis by ``analyze`` when given."""
    if calls < 0 or days < 1:
        raise ValueError("calls must be at least 0 and days at least 1")
    if recorded and recordings_dir is None:
        raise ValueError("recorded calls need a recordings_dir")
    migrate(database_url)
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    span = days * 86_400.0
    starts = sorted(now - timedelta(seconds=rng.uniform(60, span)) for _ in range(calls))
    report = SeededCalls()
    # Calls first: the other tables point at them.
    rows: dict[Table, list[dict[str, Any]]] = {
        _table(model): []
        for model in (Call, TranscriptSegment, ToolInvocation, TurnMetric, CallAnalysis)
    }
    analysed_at = datetime.now(UTC)
    engine = make_engine(database_url)
    newest = set(range(max(0, calls - recorded), calls))
    try:
        with engine.begin() as connection:
            for index, started in enumerate(starts):
                call = _call(rng, started, index)
                if index in newest and recordings_dir is not None:
                    call.recordings.update(_write_tracks(recordings_dir, call))
                    report.recorded.append(call.id)
                call.add_to(rows)
                if analyze is not None:
                    rows[_table(CallAnalysis)].append(_analysis(call, analyze, analysed_at))
                if len(rows[_table(TranscriptSegment)]) >= _CHUNK * 4:
                    _flush(connection, rows, report)
            _flush(connection, rows, report)
        if engine.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum would give them later: the planner then
            # uses the search indexes for rare words at once.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for table in rows:
                    connection.execute(text(f"ANALYZE {table.name}"))
    finally:
        engine.dispose()
    return report


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass
class _SeedCall:
    """One call's rows, before they are inserted."""

    id: str
    row: dict[str, Any]
    segments: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    turns: list[dict[str, Any]]
    recordings: dict[str, str] = field(default_factory=dict)

    def add_to(self, rows: dict[Table, list[dict[str, Any]]]) -> None:
        rows[_table(Call)].append({**self.row, "recordings": self.recordings})
        rows[_table(TranscriptSegment)].extend(self.segments)
        rows[_table(ToolInvocation)].extend(self.tools)
        rows[_table(TurnMetric)].extend(self.turns)


def _call(rng: random.Random, started: datetime, index: int) -> _SeedCall:
    outcome, reason, _, lines = rng.choices(_SCRIPTS, weights=[s[2] for s in _SCRIPTS])[0]
    words = {
        "order": str(rng.randint(1000, 9999)),
        "name": rng.choice(_NAMES),
        "product": rng.choice(_PRODUCTS),
        "carrier": rng.choice(_CARRIERS),
        "day": rng.choice(_DAYS),
    }
    call_id = uuid.UUID(int=rng.getrandbits(128)).hex
    at = 0.4 + rng.uniform(0, 0.4)
    segments: list[dict[str, Any]] = []
    tools: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    user_stopped: float | None = None
    for seq, (speaker, line, tool) in enumerate(lines):
        said = line.format(**words)
        if speaker == "bot" and user_stopped is not None:
            stt, llm, tts = rng.uniform(0.1, 0.4), rng.uniform(0.2, 0.9), rng.uniform(0.08, 0.3)
            if tool is not None:
                name, arguments, result = tool
                tool_at = user_stopped + stt + llm * 0.5
                tools.append(
                    {
                        "call_id": call_id,
                        "seq": len(tools),
                        "tool_call_id": f"call_{seq}",
                        "name": name,
                        "arguments": {k: v.format(**words) for k, v in arguments.items()},
                        "result": result,
                        "error": None if result is not None else "order service timed out",
                        "started_at": started + timedelta(seconds=tool_at),
                        "ended_at": started + timedelta(seconds=tool_at + rng.uniform(0.01, 0.2)),
                    }
                )
            latency = stt + llm + tts + rng.uniform(0.05, 0.2)
            turns.append(
                {
                    "call_id": call_id,
                    "turn_index": len(turns),
                    "latency_s": round(latency, 3),
                    "user_stopped_at": started + timedelta(seconds=user_stopped),
                    "bot_started_at": started + timedelta(seconds=user_stopped + latency),
                    "ttfb": dict(zip(_TOOL_TTFB, (stt, llm, tts), strict=True)),
                }
            )
            at = user_stopped + latency
        length = 0.9 + len(said) * rng.uniform(0.05, 0.07)
        segments.append(
            {
                "call_id": call_id,
                "seq": seq,
                "speaker": speaker,
                "text": said,
                "planned_text": None,
                "started_at": started + timedelta(seconds=at),
                "ended_at": started + timedelta(seconds=at + length),
                "heard": True,
                "truncated": False,
            }
        )
        at += length
        user_stopped = at if speaker == "user" else None
        at += rng.uniform(0.4, 1.5)
    if outcome == "abandoned":
        at += 16.0  # the silence prompts, then the goodbye
    row = {
        "id": call_id,
        "external_id": f"CA{call_id}",
        "caller": f"+1555{rng.randint(0, 9_999_999):07d}",
        "dialled": "+15550000000",
        "direction": "inbound" if index % 10 else "outbound",
        "started_at": started,
        "ended_at": started + timedelta(seconds=at + 0.5),
        "outcome": outcome,
        "end_reason": reason,
        "owner": None,
    }
    return _SeedCall(call_id, row, segments, tools, turns)


def _flush(connection: Any, rows: dict[Table, list[dict[str, Any]]], report: SeededCalls) -> None:
    """Insert what ``rows`` holds, table by table in its order, then empty it."""
    for table, batch in rows.items():
        for chunk in _chunks(batch, _CHUNK):
            connection.execute(insert(table), chunk)
        count = len(batch)
        if table is _table(Call):
            report.calls += count
        elif table is _table(CallAnalysis):
            report.analysed += count
        elif table is _table(TranscriptSegment):
            report.segments += count
        elif table is _table(ToolInvocation):
            report.tools += count
        else:
            report.turns += count
        batch.clear()


def _analysis(
    call: _SeedCall, analyze: Callable[[CallDetails], Analysis], analysed_at: datetime
) -> dict[str, Any]:
    """The ``call_analyses`` row the post-call job would store for ``call``."""
    details = CallDetails(
        Call(**call.row, recordings=call.recordings),
        [TranscriptSegment(**segment) for segment in call.segments],
        [ToolInvocation(**tool) for tool in call.tools],
        [TurnMetric(**turn) for turn in call.turns],
    )
    return {
        **analyze(details).columns(),
        "call_id": call.id,
        "status": "done",
        "attempts": 1,
        "error": None,
        "started_at": call.row["started_at"],
        "analysed_at": analysed_at,
        "latency_buckets": count_buckets(turn["latency_s"] for turn in call.turns),
    }


def _chunks(items: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_tracks(directory: Path, call: _SeedCall) -> dict[str, str]:
    """The call's two tracks: a quiet tone wherever that side speaks, silence elsewhere."""
    directory.mkdir(parents=True, exist_ok=True)
    started: datetime = call.row["started_at"]
    length = (call.row["ended_at"] - started).total_seconds()
    tracks = {"caller": np.zeros(math.ceil(length * _RATE), np.int16)}
    tracks["bot"] = tracks["caller"].copy()
    for segment in call.segments:
        track = tracks["caller" if segment["speaker"] == "user" else "bot"]
        first = int((segment["started_at"] - started).total_seconds() * _RATE)
        last = min(len(track), int((segment["ended_at"] - started).total_seconds() * _RATE))
        pitch = 220.0 if segment["speaker"] == "user" else 330.0
        times = np.arange(last - first) / _RATE
        track[first:last] = (np.sin(2 * np.pi * pitch * times) * 4000).astype(np.int16)
    locations: dict[str, str] = {}
    for name, samples in tracks.items():
        path = directory / f"{call.id}.{name}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(_RATE)
            out.writeframes(samples.tobytes())
        locations[name] = str(path)
    return locations


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m framekit_contact_center.seed_calls DATABASE_URL [--calls N] [--days D]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recordings-dir", type=Path)
    parser.add_argument("--recorded", type=int, default=0)
    parser.add_argument(
        "--analyse",
        action="store_true",
        help="store each call's offline analysis too (else the post-call job finds them)",
    )
    args = parser.parse_args(argv)
    report = seed_calls(
        args.database_url,
        calls=args.calls,
        days=args.days,
        seed=args.seed,
        recordings_dir=args.recordings_dir,
        recorded=args.recorded,
        analyze=partial(analyze, scorer=head_scorer()) if args.analyse else None,
    )
    print(
        f"seeded {report.calls} calls: {report.segments} transcript lines, "
        f"{report.tools} tool calls, {report.turns} turns, {report.analysed} analyses"
    )


if __name__ == "__main__":
    main()
