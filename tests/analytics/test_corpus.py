"""The labelled call corpus that the post-call analytics are scored on is what its README says.

Fast checks, no analyser, over the three files: ``calls.jsonl`` (dev/test split by
id), ``calls_dev_extra.jsonl`` (more dev calls) and ``calls_blind.jsonl`` (the blind
set, scored once at the end). Every line is a well-formed call, every label is in
its set and follows the annotation rules, ids are unique across the files, each
split holds every label, and no transcript (or long caller turn) is in both of
``calls.jsonl``'s splits nor in the blind file and any other file, so a score on a
held-out set is not a score on phrasings tuned against.
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


FILES = {"calls.jsonl": "c", "calls_dev_extra.jsonl": "d", "calls_blind.jsonl": "b"}
"""Each labelled file and the one letter its ids start with."""


def _calls(name: str) -> list[Call]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


BY_FILE = {name: _calls(name) for name in FILES}
CALLS = BY_FILE["calls.jsonl"]
ALL_CALLS = [call for calls in BY_FILE.values() for call in calls]
SPLITS = ("dev", "test", "dev_extra", "blind")
"""The README's count columns: calls.jsonl's two splits, then the two other files."""


def _column(call: Call) -> str:
    """The README count column of ``call``: its split, or its file for the two other files."""
    return {"d": "dev_extra", "b": "blind"}.get(call["id"][0], str(call["split"]))


def _caller_turns(call: Call) -> list[str]:
    return [e["text"] for e in call["events"] if e["role"] == "caller"]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _split_of(call_id: str) -> str:
    """The README's rule: calls.jsonl's id number modulo 5 is 0 or 3 -> test, else dev;
    every call of calls_dev_extra.jsonl is dev, every call of calls_blind.jsonl blind."""
    prefix = call_id[0]
    if prefix == "d":
        return "dev"
    if prefix == "b":
        return "blind"
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


@pytest.mark.parametrize("name", FILES)
def test_ids_are_unique_in_order_and_split_by_the_fixed_rule(name: str) -> None:
    ids = [call["id"] for call in BY_FILE[name]]

    assert all(re.fullmatch(FILES[name] + r"\d{3}", i) for i in ids)
    assert ids == sorted(set(ids)), "ids must be unique and in order"
    assert [call["split"] for call in BY_FILE[name]] == [_split_of(i) for i in ids]


def test_ids_are_unique_across_the_files() -> None:
    ids = Counter(call["id"] for call in ALL_CALLS)

    assert [i for i, n in ids.items() if n > 1] == []


def test_the_sets_are_large_enough_and_the_test_split_is_35_to_42_percent() -> None:
    sizes = Counter(call["split"] for call in CALLS)

    assert len(CALLS) >= 140
    assert 0.35 <= sizes["test"] / len(CALLS) <= 0.42
    assert len(BY_FILE["calls_dev_extra.jsonl"]) == 120
    assert len(BY_FILE["calls_blind.jsonl"]) == 100


@pytest.mark.parametrize("call", ALL_CALLS, ids=lambda call: str(call["id"]))
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


@pytest.mark.parametrize("call", ALL_CALLS, ids=lambda call: str(call["id"]))
def test_labels_are_in_their_sets_and_follow_the_guidelines(call: Call) -> None:
    labels = call["labels"]
    turns = labels["turn_sentiment"]

    assert set(labels) == {"turn_sentiment", "call_sentiment", "sentiment_end", "resolution"}
    assert set(turns) <= set(SENTIMENTS)
    assert len(turns) == len(_caller_turns(call))
    assert labels["call_sentiment"] == _call_sentiment(turns)
    assert labels["sentiment_end"] == _end_sentiment(turns)
    assert labels["resolution"] in RESOLUTIONS


@pytest.mark.parametrize("call", ALL_CALLS, ids=lambda call: str(call["id"]))
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


def test_every_label_is_in_every_split() -> None:
    for split in SPLITS:
        calls = [call for call in ALL_CALLS if _column(call) == split]
        resolutions = Counter(call["labels"]["resolution"] for call in calls)
        turns = Counter(t for call in calls for t in call["labels"]["turn_sentiment"])
        overall = Counter(call["labels"]["call_sentiment"] for call in calls)
        ends = Counter(call["labels"]["sentiment_end"] for call in calls)

        assert all(resolutions[r] >= 5 for r in RESOLUTIONS), (split, resolutions)
        assert all(turns[s] >= 20 for s in SENTIMENTS), (split, turns)
        assert all(overall[s] >= 5 and ends[s] >= 5 for s in SENTIMENTS), (split, overall, ends)


@pytest.mark.parametrize("name", FILES)
def test_resolutions_are_roughly_balanced(name: str) -> None:
    calls = BY_FILE[name]
    shares = Counter(call["labels"]["resolution"] for call in calls)
    wanted = {
        "resolved": 0.4,
        "transferred": 0.2,
        "unresolved": 0.2,
        "abandoned": 0.1,
        "failed": 0.1,
    }

    assert all(abs(shares[r] / len(calls) - share) <= 0.05 for r, share in wanted.items()), shares


def _transcripts(calls: list[Call]) -> set[tuple[str, ...]]:
    """The caller's words of each call that has any (a silent call is no phrasing to share)."""
    return {tuple(_words(t) for t in _caller_turns(call)) for call in calls} - {()}


def _long_turns(calls: list[Call]) -> set[str]:
    """The caller turns of four words or more: short ones ("yes please") are everywhere."""
    return {w for call in calls for w in map(_words, _caller_turns(call)) if len(w.split()) >= 4}


def test_no_transcript_or_long_caller_turn_is_in_both_splits() -> None:
    dev = [call for call in CALLS if call["split"] == "dev"]
    test = [call for call in CALLS if call["split"] == "test"]

    assert not _transcripts(dev) & _transcripts(test)
    assert not _long_turns(dev) & _long_turns(test)


def test_no_transcript_or_long_caller_turn_of_the_blind_set_is_in_another_file() -> None:
    blind = BY_FILE["calls_blind.jsonl"]
    others = [call for call in ALL_CALLS if call["split"] != "blind"]

    assert not _transcripts(blind) & _transcripts(others)
    assert not _long_turns(blind) & _long_turns(others)


def test_the_readme_counts_are_the_files_counts() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    row = r"^\| (\w+) \| (\w+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$"
    table = {(m[1], m[2]): tuple(map(int, m.groups()[2:])) for m in re.finditer(row, readme, re.M)}
    counted: Counter[tuple[str, str, str]] = Counter()
    for call in ALL_CALLS:
        labels, column = call["labels"], _column(call)
        counted["calls", "all", column] += 1
        counted["resolution", labels["resolution"], column] += 1
        counted["call_sentiment", labels["call_sentiment"], column] += 1
        counted["sentiment_end", labels["sentiment_end"], column] += 1
        for turn in labels["turn_sentiment"]:
            counted["turn_sentiment", turn, column] += 1

    assert table == {
        (label, value): tuple(counted[label, value, split] for split in SPLITS)
        for label, value, _ in counted
    }
