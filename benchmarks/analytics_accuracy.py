"""Accuracy of the post-call analytics on the labelled calls, and their CPU cost.

Scores :func:`framekit.analytics.analyze_text` (offline: VADER plus the phone-call
rules, resolution from the outcome the call recorder would have stored) against the
hand labels of ``tests/data/analytics/calls.jsonl``, per split:

* turn sentiment: each caller turn's label;
* call sentiment: the call's label, and the end of the call's;
* resolution.

The rules were tuned on ``dev`` only; ``--errors`` lists the misses, and refuses to
for ``test`` (reading them would tune on the test split). ``--cpu`` also times the
whole analysis (:func:`framekit.analytics.analyze`, records to result) of a stored
5-minute call (60 caller and 60 bot turns, 60 tools, 60 turn metrics) in CPU seconds.

Usage::

    .venv/bin/python benchmarks/analytics_accuracy.py
    .venv/bin/python benchmarks/analytics_accuracy.py --errors dev
    .venv/bin/python benchmarks/analytics_accuracy.py --cpu
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from framekit.analytics import analyze, analyze_text, from_events, outcome_of
from framekit.storage import CallDetails
from framekit.storage.models import Call, ToolInvocation, TranscriptSegment, TurnMetric

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "analytics" / "calls.jsonl"
MEASURES = ("turn_sentiment", "call_sentiment", "sentiment_end", "resolution")


@dataclass
class Score:
    """Right and total per measure, and the misses."""

    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    misses: list[str] = field(default_factory=list, repr=False)
    """Kept out of the repr: a failed test assertion must not print test items."""

    def accuracy(self, measure: str) -> float:
        return self.right[measure] / self.total[measure] if self.total[measure] else 0.0


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The labelled calls."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def score(calls: list[dict[str, Any]]) -> Score:
    """The analytics' labels against the hand labels of ``calls``."""
    result = Score()
    for call in calls:
        events = from_events(call["events"])
        outcome = outcome_of(events, call["end_cause"]).value
        found = analyze_text(events, outcome, call["end_cause"])
        labels = call["labels"]
        caller = [e["text"] for e in call["events"] if e["role"] == "caller"]
        turns = zip(found.sentiment.turns, caller, labels["turn_sentiment"], strict=True)
        for turn, text, want in turns:
            _tally(result, "turn_sentiment", turn.label, want, f"{call['id']} {text!r}")
        for measure, got in (
            ("call_sentiment", found.sentiment.call),
            ("sentiment_end", found.sentiment.end),
            ("resolution", found.resolution),
        ):
            _tally(result, measure, got, labels[measure], f"{call['id']} ({call['end_cause']})")
    return result


def _tally(result: Score, measure: str, got: str, want: str, where: str) -> None:
    result.total[measure] += 1
    if got == want:
        result.right[measure] += 1
    else:
        result.misses.append(f"{measure}: {where}: got {got}, want {want}")


def five_minute_call() -> CallDetails:
    """A stored 5-minute call: 60 exchanges of 5 s, each with a tool and a turn metric."""
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    call = Call(
        id="bench",
        started_at=start,
        ended_at=start + timedelta(minutes=5),
        outcome="resolved",
        end_reason="caller_hung_up",
    )
    segments, tools, turns = [], [], []
    for n in range(60):
        at = start + timedelta(seconds=5 * n)
        segments.append(
            TranscriptSegment(
                call_id="bench",
                seq=2 * n,
                speaker="user",
                text="hi um I'm still waiting on order 4271, it's the third time I'm calling",
                started_at=at,
                ended_at=at + timedelta(seconds=2),
            )
        )
        segments.append(
            TranscriptSegment(
                call_id="bench",
                seq=2 * n + 1,
                speaker="bot",
                text="I'm sorry about that. Order 4271 shipped yesterday and arrives Monday.",
                started_at=at + timedelta(seconds=3),
                ended_at=at + timedelta(seconds=4.5),
                truncated=n % 7 == 0,
            )
        )
        tools.append(
            ToolInvocation(
                call_id="bench",
                seq=n,
                name="order_status",
                arguments={"order_number": "4271"},
                result={"status": "shipped", "eta": "2026-12-07"},
                started_at=at + timedelta(seconds=2.2),
                ended_at=at + timedelta(seconds=2.4),
            )
        )
        turns.append(TurnMetric(call_id="bench", turn_index=n, latency_s=0.6 + (n % 10) / 20))
    return CallDetails(call, segments, tools, turns)


def cpu_seconds(rounds: int = 20) -> Iterator[float]:
    """CPU seconds of :func:`analyze` on :func:`five_minute_call`, one per round (after one
    warm-up: VADER's lexicon and the intents' table load once per process)."""
    details = five_minute_call()
    analyze(details)
    for _ in range(rounds):
        began = time.process_time()
        analyze(details).columns()
        yield time.process_time() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=["dev"], help="list the misses of the dev split")
    parser.add_argument("--cpu", action="store_true", help="time a 5-minute call's analysis")
    parser.add_argument("--split", choices=["dev", "test"], help="score one split only")
    args = parser.parse_args()
    calls = load()
    for split in [args.split] if args.split else ["dev", "test"]:
        mine = [call for call in calls if call["split"] == split]
        result = score(mine)
        figures = ", ".join(
            f"{m} {100 * result.accuracy(m):.1f} % ({result.right[m]}/{result.total[m]})"
            for m in MEASURES
        )
        print(f"{split} ({len(mine)} calls): {figures}")
        if args.errors == split:
            print("\n".join(f"  {miss}" for miss in result.misses))
    if args.cpu:
        times = sorted(cpu_seconds())
        print(
            f"5-minute call (120 turns, 60 tools): CPU median {1000 * times[len(times) // 2]:.1f}"
            f" ms, max {1000 * times[-1]:.1f} ms over {len(times)} rounds"
        )


if __name__ == "__main__":
    main()
