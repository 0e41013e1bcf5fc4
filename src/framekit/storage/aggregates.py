"""``GET /api/analytics``: the analysed calls of a period, totals and a series by hour or day.

Aggregated in SQL, so a dashboard over 10,000 calls reads a few rows, not the calls:

* one ``GROUP BY`` over ``call_analyses``, read from one index alone (status and start,
  then the resolution, sentiment and handle time it sums): calls, resolutions, handle
  time, sentiment mix per bucket; totals are the buckets' sums;
* one pass over the turns of those calls (``turn_metrics``, through an index that
  holds their latency): voice-to-voice latency percentiles per bucket and over the
  period, nearest rank (the same definition as each call's own percentiles in
  :mod:`framekit.analytics.measures`): ``percentile_disc`` with grouping sets on
  PostgreSQL; SQLite has no percentile function, so its latencies are read sorted
  once and picked in Python;
* one count of the intents (``json_each`` on SQLite, ``json_array_elements_text`` on
  PostgreSQL).

Buckets are UTC hours or days; the series has every bucket of the period, empty ones
with zero calls, so a chart's axis is continuous. Only ``done`` analyses count: a call
still being analysed joins the figures when its analysis is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, TypeAlias

from sqlalchemy import Engine, bindparam, text

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
    dialect = engine.dialect.name
    key = _key_sql(dialect, bucket)
    params = {"since": since, "until": until}
    with engine.connect() as connection:
        groups = connection.execute(_bound(_groups_sql(key)), params).mappings().all()
        turns = connection.execute(_bound(_latency_sql(dialect, key)), params).all()
        intents = connection.execute(_bound(_intents_sql(dialect)), params).all()
    by_key = {row["b"]: row for row in groups}
    latency_by_key = _percentiles(dialect, turns)
    keys = [(start, _key(start, bucket)) for start in starts]
    series = [_bucket_json(start, by_key.get(k), latency_by_key.get(k)) for start, k in keys]
    return {
        "since": _iso(since),
        "until": _iso(until),
        "bucket": bucket,
        "totals": _totals(groups, latency_by_key.get(None), intents),
        "series": series,
    }


def _bound(sql: str) -> Any:
    return text(sql).bindparams(
        bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())
    )


def _key_sql(dialect: str, bucket: Bucket) -> str:
    if dialect == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', in UTC
        return f"substr(ca.started_at, 1, {_KEY_LENGTH[bucket]})"
    if dialect == "postgresql":
        return f"to_char(ca.started_at AT TIME ZONE 'UTC', '{_PG_FORMAT[bucket]}')"
    raise NotImplementedError(f"analytics support SQLite and PostgreSQL, not {dialect}")


def _groups_sql(key: str) -> str:
    counts = ", ".join(
        f"SUM(CASE WHEN ca.resolution = '{r}' THEN 1 ELSE 0 END) AS r_{r}" for r in _RESOLUTIONS
    )
    moods = ", ".join(
        f"SUM(CASE WHEN ca.sentiment = '{s}' THEN 1 ELSE 0 END) AS s_{s}" for s in _SENTIMENTS
    )
    return (
        f"SELECT {key} AS b, COUNT(*) AS calls, {counts}, {moods}, "
        "SUM(ca.duration_s) AS handle, COUNT(ca.duration_s) AS timed "
        f"FROM call_analyses ca WHERE {_WHERE} GROUP BY b"
    )


def _latency_sql(dialect: str, key: str) -> str:
    """Each turn's latency with its bucket: nearest-rank percentiles per bucket and for the
    period (PostgreSQL's ``percentile_disc``, one pass with grouping sets; SQLite has no
    percentile function: its latencies come sorted, once, and are picked in Python)."""
    turns = (
        f"SELECT {key} AS b, tm.latency_s AS v FROM turn_metrics tm "
        f"JOIN call_analyses ca ON ca.call_id = tm.call_id WHERE {_WHERE}"
    )
    if dialect == "sqlite":
        return f"{turns} ORDER BY v"
    picks = ", ".join(
        f"percentile_disc({p / 100}) WITHIN GROUP (ORDER BY v) AS p{p}" for p in _PERCENTILES
    )
    return f"SELECT b, {picks} FROM ({turns}) t GROUP BY GROUPING SETS ((b), ())"


def _percentiles(dialect: str, rows: Sequence[Any]) -> dict[str | None, dict[int, float]]:
    """Each bucket's percentiles (seconds), and the period's under the key None."""
    if dialect != "sqlite":
        return {row.b: {p: getattr(row, f"p{p}") for p in _PERCENTILES} for row in rows}
    by_bucket: dict[str | None, list[float]] = {None: []}
    for bucket, value in rows:  # sorted by value: each list stays sorted
        by_bucket.setdefault(bucket, []).append(value)
        by_bucket[None].append(value)
    return {
        bucket: {p: _nearest_rank(values, p) for p in _PERCENTILES}
        for bucket, values in by_bucket.items()
        if values
    }


def _nearest_rank(sorted_values: Sequence[float], percent: int) -> float:
    """The value at rank ``ceil(percent / 100 * n)``: what ``percentile_disc`` picks."""
    rank = max(1, -(-percent * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def _intents_sql(dialect: str) -> str:
    if dialect == "sqlite":
        each = "json_each(ca.intents) AS j"
    else:
        each = "json_array_elements_text(ca.intents) AS j(value)"
    return f"SELECT j.value, COUNT(*) FROM call_analyses ca, {each} WHERE {_WHERE} GROUP BY j.value"


def _totals(groups: Any, latency: dict[int, float] | None, intents: Any) -> dict[str, Any]:
    calls = sum(row["calls"] for row in groups)
    outcomes = {r: sum(int(row[f"r_{r}"] or 0) for row in groups) for r in _RESOLUTIONS}
    handle = sum(float(row["handle"] or 0.0) for row in groups)
    timed = sum(row["timed"] for row in groups)
    return {
        "calls": calls,
        "outcomes": outcomes,
        "resolution_rate": _share(outcomes["resolved"], calls),
        "transfer_rate": _share(outcomes["transferred"], calls),
        "avg_handle_s": round(handle / timed, 3) if timed else None,
        "sentiment": {s: sum(int(row[f"s_{s}"] or 0) for row in groups) for s in _SENTIMENTS},
        "latency_ms": {f"p{p}": _ms(latency[p]) if latency else None for p in _PERCENTILES},
        "intents": dict(sorted(((str(name), int(n)) for name, n in intents), key=lambda i: -i[1])),
    }


def _bucket_json(start: datetime, row: Any, latency: Any) -> dict[str, Any]:
    calls = int(row["calls"]) if row else 0
    timed = int(row["timed"]) if row else 0
    return {
        "start": _iso(start),
        "calls": calls,
        "outcomes": {r: int(row[f"r_{r}"] or 0) if row else 0 for r in _RESOLUTIONS},
        "avg_handle_s": round(float(row["handle"]) / timed, 3) if row and timed else None,
        "sentiment": {s: int(row[f"s_{s}"] or 0) if row else 0 for s in _SENTIMENTS},
        "latency_ms": {
            "p50": _ms(latency[50]) if latency else None,
            "p95": _ms(latency[95]) if latency else None,
        },
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


def _ms(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) * 1000, 1)
