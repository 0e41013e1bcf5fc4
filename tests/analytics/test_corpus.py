"""The labelled call corpus that the post-call analytics are scored on is what its README says.

Fast checks, no analyser: every line is a well-formed call, every label is in its
set and follows the annotation rules, the split is the README's fixed rule, both
splits hold every label, and no transcript (or long caller turn) is in both, so a
score on the test split is not a score on phrasings tuned against on dev.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from framekit_contact_center.tools import TOOL_NAMES

from framekit.frames import EndCause

DATA = Path(__file__).parents[1] / "data" / "analytics"
SENTIMENTS = ("positive", "neutral", "negative")
RESOLUTIONS = ("resolved", "transferred", "unresolved", "abandoned", "failed")
TECHNICAL_ENDS = {EndCause.ERROR, EndCause.SHUTDOWN, EndCause.CANCELLED, EndCause.IDLE}

Call = dict[str, Any]


def _calls() -> list[Call]:
    with (DATA / "calls.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


CALLS = _calls()


def _caller_turns(call: Call) -> list[str]:
    return [e["text"] for e in call["events"] if e["role"] == "caller"]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _split_of(call_id: str) -> str:
    """The README's rule: the id's number modulo 5 is 0 or 3 -> test, else dev."""
    return "test" if int(call_id[1:]) % 5 in (0, 3) else "dev"


def _end_sentiment(turns: list[str]) -> str:
    """The README's rule: the last non-neutral label of the final two caller turns."""
    return next((t for t in reversed(turns[-2:]) if t != "neutral"), "neutral")


def _call_sentiment(turns: list[str]) -> str:
    """The README's rule: the majority of non-neutral turns; a tie goes to the end, or negative."""
    positive, negative = turns.count("positive"), turns.count("negative")
    if positive != negative:
        return "positive" if positive > negative else "negative"
    if positive == 0:
        return "neutral"
    end = _end_sentiment(turns)
    return end if end != "neutral" else "negative"


def test_ids_are_unique_in_order_and_split_by_the_fixed_rule() -> None:
    ids = [call["id"] for call in CALLS]

    assert all(re.fullmatch(r"c\d{3}", i) for i in ids)
    assert ids == sorted(set(ids)), "ids must be unique and in order"
    assert [call["split"] for call in CALLS] == [_split_of(i) for i in ids]


def test_the_set_is_large_enough_and_the_test_split_is_35_to_42_percent() -> None:
    sizes = Counter(call["split"] for call in CALLS)

    assert len(CALLS) >= 140
    assert 0.35 <= sizes["test"] / len(CALLS) <= 0.42


@pytest.mark.parametrize("call", CALLS, ids=lambda call: str(call["id"]))
def test_each_call_is_well_formed(call: Call) -> None:
    assert set(call) == {"id", "split", "end_cause", "events", "labels", "note"}
    assert call["end_cause"] in {cause.value for cause in EndCause}
    assert isinstance(call["note"], str)
    assert call["note"].strip()
    assert call["events"], "a call has at least the greeting"
    for event in call["events"]:
        if event["role"] == "tool":
            assert set(event) == {"role", "name", "arguments", "result"}
            assert event["name"] in TOOL_NAMES
            assert isinstance(event["arguments"], dict)
            assert isinstance(event["result"], dict)
            assert event["result"], "a result is a value or {'error': ...}"
        else:
            assert set(event) == {"role", "text"}
            assert event["role"] in ("caller", "bot")
            assert isinstance(event["text"], str)
            assert event["text"].strip()


@pytest.mark.parametrize("call", CALLS, ids=lambda call: str(call["id"]))
def test_labels_are_in_their_sets_and_follow_the_guidelines(call: Call) -> None:
    labels = call["labels"]
    turns = labels["turn_sentiment"]

    assert set(labels) == {"turn_sentiment", "call_sentiment", "sentiment_end", "resolution"}
    assert set(turns) <= set(SENTIMENTS)
    assert len(turns) == len(_caller_turns(call))
    assert labels["call_sentiment"] == _call_sentiment(turns)
    assert labels["sentiment_end"] == _end_sentiment(turns)
    assert labels["resolution"] in RESOLUTIONS


@pytest.mark.parametrize("call", CALLS, ids=lambda call: str(call["id"]))
def test_resolution_agrees_with_how_the_call_ended(call: Call) -> None:
    resolution = call["labels"]["resolution"]
    transferred = any(
        e["role"] == "tool" and e["name"] == "transfer_to_human" and "transferred_to" in e["result"]
        for e in call["events"]
    )

    assert (resolution == "transferred") == (call["end_cause"] == EndCause.TRANSFERRED)
    assert (resolution == "transferred") == transferred
    if resolution == "abandoned":
        assert not _caller_turns(call), "an abandoned call has no caller words"
        assert call["end_cause"] not in TECHNICAL_ENDS - {EndCause.IDLE}
    if resolution == "failed":
        assert call["end_cause"] in TECHNICAL_ENDS
    if resolution in ("resolved", "unresolved"):
        assert _caller_turns(call), "only a caller who spoke can be helped or not"


def test_every_label_is_in_both_splits() -> None:
    for split in ("dev", "test"):
        calls = [call for call in CALLS if call["split"] == split]
        resolutions = Counter(call["labels"]["resolution"] for call in calls)
        turns = Counter(t for call in calls for t in call["labels"]["turn_sentiment"])
        overall = Counter(call["labels"]["call_sentiment"] for call in calls)
        ends = Counter(call["labels"]["sentiment_end"] for call in calls)

        assert all(resolutions[r] >= 5 for r in RESOLUTIONS), (split, resolutions)
        assert all(turns[s] >= 20 for s in SENTIMENTS), (split, turns)
        assert all(overall[s] >= 5 and ends[s] >= 5 for s in SENTIMENTS), (split, overall, ends)


def test_resolutions_are_roughly_balanced() -> None:
    shares = Counter(call["labels"]["resolution"] for call in CALLS)
    wanted = {
        "resolved": 0.4,
        "transferred": 0.2,
        "unresolved": 0.2,
        "abandoned": 0.1,
        "failed": 0.1,
    }

    assert all(abs(shares[r] / len(CALLS) - share) <= 0.05 for r, share in wanted.items()), shares


def test_no_transcript_or_long_caller_turn_is_in_both_splits() -> None:
    def by_split(key: Any) -> dict[str, set[Any]]:
        found: dict[str, set[Any]] = {"dev": set(), "test": set()}
        for call in CALLS:
            found[call["split"]] |= key(call)
        return found

    transcripts = by_split(lambda call: {tuple(_words(t) for t in _caller_turns(call))})
    long_turns = by_split(
        lambda call: {w for w in map(_words, _caller_turns(call)) if len(w.split()) >= 4}
    )

    assert not transcripts["dev"] & transcripts["test"] - {()}
    assert not long_turns["dev"] & long_turns["test"]


def test_the_readme_counts_are_the_files_counts() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    table = {
        (m[1], m[2]): (int(m[3]), int(m[4]))
        for m in re.finditer(r"^\| (\w+) \| (\w+) \| (\d+) \| (\d+) \|$", readme, re.M)
    }
    counted: Counter[tuple[str, str, str]] = Counter()
    for call in CALLS:
        labels = call["labels"]
        counted["calls", "all", call["split"]] += 1
        counted["resolution", labels["resolution"], call["split"]] += 1
        counted["call_sentiment", labels["call_sentiment"], call["split"]] += 1
        counted["sentiment_end", labels["sentiment_end"], call["split"]] += 1
        for turn in labels["turn_sentiment"]:
            counted["turn_sentiment", turn, call["split"]] += 1

    assert table == {
        (label, value): (counted[label, value, "dev"], counted[label, value, "test"])
        for label, value, _ in counted
    }
