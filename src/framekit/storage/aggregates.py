"""``GET /api/analytics``: the analysed calls of a period, totals and a series by hour or day.

One ``GROUP BY`` over ``call_analyses`` alone, so a dashboard over 10,000 calls reads
one row per call and never their turns: per bucket the calls, resolutions, handle
time and sentiment mix as SQL sums, and the calls' stored latency counts
(``latency_buckets``) and intents as one concatenated text (``string_agg`` on
PostgreSQL, ``group_concat`` on SQLite) that Python parses once and adds up. Totals
are the buckets' sums. Latency percentiles come from the merged counts
(:mod:`framekit.storage.latency_buckets`): nearest rank, reported as the middle of a
5 % bucket, so within 2.5 % of the exact value.

Buckets are UTC hours or days; the series has every bucket of the period, empty ones
with zero calls, so a chart's axis is continuous. Only ``done`` analyses count: a call
still being analysed joins the figures when its analysis is stored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, TypeAlias

from sqlalchemy import Engine, bindparam, text

from framekit.storage.latency_buckets import merge_buckets, percentile_ms
from framekit.storage.models import UTCDateTime
from framekit.storage.outcome import Outcome

__all__ = ["BUCKETS", "MAX_BUCKETS", "Bucket", "analytics_summary"]

Bucket: TypeAlias = Literal["hour", "day"]
BUCKETS: Final = ("hour", "day")
MAX_BUCKETS: Final = 2000
"""Buckets one answer may hold (83 days by the hour, 5 years by the day)."""

_RESOLUTIONS: Final = tuple(o.value for o in Outcome)
_SENTIMENTS: Final = ("positive", "neutral", "negative")
_STEP: Final = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
_KEY_LENGTH: Final = {"hour": 13, "day": 10}  # "YYYY-MM-DD HH" / "YYYY-MM-DD"
_PERCENTILES: Final = (50, 95, 99)
_PG_FORMAT: Final = {"hour": "YYYY-MM-DD HH24", "day": "YYYY-MM-DD"}
_WHERE: Final = "ca.status = 'done' AND ca.started_at >= :since AND ca.started_at < :until"


def analytics_summary(
    engine: Engine, since: datetime, until: datetime, bucket: Bucket = "day"
) -> dict[str, Any]:
    """The ``/api/analytics`` body for calls that started in ``[since, until)``.

    Raises ValueError for an unknown bucket, an empty period or more than
    :data:`MAX_BUCKETS` buckets.
    """
    if bucket not in _STEP:
        raise ValueError(f"bucket must be hour or day, got {bucket!r}")
    if until <= since:
        raise ValueError("until must be after since")
    first = _floor(since, bucket)
    count = -(-(until - first) // _STEP[bucket])  # ceiling: the last bucket may be partial
    if count > MAX_BUCKETS:
        raise ValueError(f"at most {MAX_BUCKETS} {bucket}s at once, asked for {count}")
    starts = [first + n * _STEP[bucket] for n in range(count)]
    query = _bound(_groups_sql(engine.dialect.name, bucket))
    with engine.connect() as connection:
        groups = [_Group(row) for row in connection.execute(query, _params(since, until))]
    by_key = {group.key: group for group in groups}
    series = [_bucket_json(start, by_key.get(_key(start, bucket))) for start in starts]
    return {
        "since": _iso(since),
        "until": _iso(until),
        "bucket": bucket,
        "totals": _totals(groups),
        "series": series,
    }


class _Group:
    """One bucket's row, its latency counts and intents parsed and added up."""

    def __init__(self, row: Any) -> None:
        self.key: str = row.b
        self.calls = int(row.calls)
        self.outcomes = {r: int(getattr(row, f"r_{r}") or 0) for r in _RESOLUTIONS}
        self.sentiment = {s: int(getattr(row, f"s_{s}") or 0) for s in _SENTIMENTS}
        self.handle = float(row.handle or 0.0)
        self.timed = int(row.timed)
        self.latency = merge_buckets(_parsed(row.latency))
        self.intents = Counter(name for names in _parsed(row.intents) for name in names or ())


def _parsed(joined: str | None) -> list[Any]:
    """The JSON values that ``string_agg``/``group_concat`` joined with commas."""
    return json.loads(f"[{joined}]") if joined else []


def _params(since: datetime, until: datetime) -> dict[str, Any]:
    return {"since": since, "until": until}


def _bound(sql: str) -> Any:
    return text(sql).bindparams(
        bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
    )


def _groups_sql(dialect: str, bucket: Bucket) -> str:
    if dialect == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC
        key = f"substr(ca.started_at, 1, {_KEY_LENGTH[bucket]})"
        latency, intents = "group_concat(ca.latency_buckets)", "group_concat(ca.intents)"
    elif dialect == "postgresql":
        key = f"to_char(ca.started_at AT TIME ZONE 'UTC', '{_PG_FORMAT[bucket]}')"
        latency = "string_agg(ca.latency_buckets::text, ',')"
        intents = "string_agg(ca.intents::text, ',')"
    else:
        raise NotImplementedError(f"analytics support SQLite and PostgreSQL, not {dialect}")
    counts = ", ".join(
        f"SUM(CASE WHEN ca.resolution = '{r}' THEN 1 ELSE 0 END) AS r_{r}" for r in _RESOLUTIONS
    )
    moods = ", ".join(
        f"SUM(CASE WHEN ca.sentiment = '{s}' THEN 1 ELSE 0 END) AS s_{s}" for s in _SENTIMENTS
    )
    return (
        f"SELECT {key} AS b, COUNT(*) AS calls, {counts}, {moods}, "
        "SUM(ca.duration_s) AS handle, COUNT(ca.duration_s) AS timed, "
        f"{latency} AS latency, {intents} AS intents "
        f"FROM call_analyses ca WHERE {_WHERE} GROUP BY b"
    )


def _totals(groups: Sequence[_Group]) -> dict[str, Any]:
    calls = sum(group.calls for group in groups)
    outcomes = {r: sum(group.outcomes[r] for group in groups) for r in _RESOLUTIONS}
    handle = sum(group.handle for group in groups)
    timed = sum(group.timed for group in groups)
    latency: Counter[int] = Counter()
    intents: Counter[str] = Counter()
    for group in groups:
        latency.update(group.latency)
        intents.update(group.intents)
    return {
        "calls": calls,
        "outcomes": outcomes,
        "resolution_rate": _share(outcomes["resolved"], calls),
        "transfer_rate": _share(outcomes["transferred"], calls),
        "avg_handle_s": round(handle / timed, 3) if timed else None,
        "sentiment": {s: sum(group.sentiment[s] for group in groups) for s in _SENTIMENTS},
        "latency_ms": {f"p{p}": percentile_ms(latency, p) for p in _PERCENTILES},
        "intents": dict(sorted(intents.items(), key=lambda i: -i[1])),
    }


def _bucket_json(start: datetime, group: _Group | None) -> dict[str, Any]:
    if group is None:
        return {
            "start": _iso(start),
            "calls": 0,
            "outcomes": dict.fromkeys(_RESOLUTIONS, 0),
            "avg_handle_s": None,
            "sentiment": dict.fromkeys(_SENTIMENTS, 0),
            "latency_ms": {"p50": None, "p95": None},
        }
    return {
        "start": _iso(start),
        "calls": group.calls,
        "outcomes": group.outcomes,
        "avg_handle_s": round(group.handle / group.timed, 3) if group.timed else None,
        "sentiment": group.sentiment,
        "latency_ms": {f"p{p}": percentile_ms(group.latency, p) for p in (50, 95)},
    }


def _floor(when: datetime, bucket: Bucket) -> datetime:
    """The start of the UTC hour or day ``when`` falls in."""
    start = when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start.replace(hour=0) if bucket == "day" else start


def _key(start: datetime, bucket: Bucket) -> str:
    return start.strftime("%Y-%m-%d %H" if bucket == "hour" else "%Y-%m-%d")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
