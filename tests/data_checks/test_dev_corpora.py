"""Checks the hand-written dev corpora: `calls_dev_extra{2,4}.jsonl` and `dev_extra{2,4}.jsonl`.

They only feed tuning, so a malformed line, a span that misses its value or a
sentence copied from another corpus file would silently skew the dev figures (or
leak held-out text into tuning). The cross-file checks compare strings only.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
MIX = {"resolved": 60, "transferred": 30, "unresolved": 30, "abandoned": 15, "failed": 15}
CALL_FILES = {
    DATA / "analytics" / "calls_dev_extra2.jsonl": "g",
    DATA / "analytics" / "calls_dev_extra4.jsonl": "n",
}
"""Each dev call file and the letter its ids (150 of them, that resolution mix) start with."""
PII_FILES = {
    DATA / "privacy" / "dev_extra2.jsonl": "w",
    DATA / "privacy" / "dev_extra4.jsonl": "v",
}
"""Each dev PII file and the letter its ids start with."""

SENTIMENTS = {"positive", "neutral", "negative"}
RESOLUTIONS = {"resolved", "transferred", "unresolved", "abandoned", "failed"}
END_CAUSES = {
    "completed",
    "caller_hung_up",
    "bot_hung_up",
    "transferred",
    "silence",
    "idle_timeout",
    "shutdown",
    "error",
    "cancelled",
}
TOOLS = {
    "order_status",
    "order_tracking",
    "faq_answer",
    "find_appointment",
    "check_availability",
    "book_appointment",
    "reschedule_appointment",
    "cancel_appointment",
    "transfer_to_human",
    "end_call",
    "take_card_payment",
}
KINDS = {"card", "bank", "ssn", "phone", "email", "dob", "address", "name"}


def _lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _others(path: Path) -> Iterator[Path]:
    """The other corpus files beside `path`, whoever wrote them."""
    return (p for p in sorted(path.parent.glob("*.jsonl")) if p != path)


def _caller_turns(call: dict[str, Any]) -> list[str]:
    return [e["text"] for e in call["events"] if e["role"] == "caller"]


def _transcript(call: dict[str, Any]) -> str:
    return "\n".join(f"{e['role']}: {e['text']}" for e in call["events"] if "text" in e)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _derived(turns: list[str]) -> tuple[str, str]:
    """`call_sentiment` and `sentiment_end` as the README's guidelines derive them."""
    end = next((t for t in reversed(turns[-2:]) if t != "neutral"), "neutral")
    pos, neg = turns.count("positive"), turns.count("negative")
    if pos != neg:
        return ("positive" if pos > neg else "negative"), end
    if pos == 0:
        return "neutral", end
    return (end if end != "neutral" else "negative"), end


@pytest.mark.parametrize("path", list(CALL_FILES), ids=lambda p: p.name)
def test_calls_are_well_formed(path: Path) -> None:
    calls = _lines(path)
    assert [c["id"] for c in calls] == [f"{CALL_FILES[path]}{i:03d}" for i in range(1, 151)]
    for call in calls:
        assert call["split"] == "dev", call["id"]
        assert call["end_cause"] in END_CAUSES, call["id"]
        assert call["note"].strip(), call["id"]
        for event in call["events"]:
            assert event["role"] in {"caller", "bot", "tool"}, call["id"]
            if event["role"] == "tool":
                assert event["name"] in TOOLS, call["id"]
                assert isinstance(event["arguments"], dict), call["id"]
                assert isinstance(event["result"], dict), call["id"]
            else:
                assert event["text"].strip(), call["id"]
        labels = call["labels"]
        turns = labels["turn_sentiment"]
        assert len(turns) == len(_caller_turns(call)), call["id"]
        assert set(turns) <= SENTIMENTS, call["id"]
        assert labels["resolution"] in RESOLUTIONS, call["id"]
        assert (labels["call_sentiment"], labels["sentiment_end"]) == _derived(turns), call["id"]


@pytest.mark.parametrize("path", list(CALL_FILES), ids=lambda p: p.name)
def test_call_labels_follow_the_guidelines(path: Path) -> None:
    for call in _lines(path):
        resolution, cause = call["labels"]["resolution"], call["end_cause"]
        tools = [e for e in call["events"] if e["role"] == "tool"]
        transferred = any(
            t["name"] == "transfer_to_human" and "transferred_to" in t["result"] for t in tools
        )
        assert (resolution == "transferred") == (transferred and cause == "transferred"), call["id"]
        if resolution == "abandoned":
            assert not _caller_turns(call), call["id"]
        if resolution == "failed":
            assert cause in {"error", "shutdown", "cancelled", "idle_timeout"}, call["id"]


@pytest.mark.parametrize("path", list(CALL_FILES), ids=lambda p: p.name)
def test_calls_hold_the_drawn_resolution_mix(path: Path) -> None:
    counts: dict[str, int] = {}
    for call in _lines(path):
        counts[call["labels"]["resolution"]] = counts.get(call["labels"]["resolution"], 0) + 1
    assert counts == MIX


@pytest.mark.parametrize(
    ("path", "other"),
    [(path, other) for path in CALL_FILES for other in _others(path)],
    ids=lambda p: p.name,
)
def test_calls_are_not_in_another_file(path: Path, other: Path) -> None:
    ours = _lines(path)
    theirs = _lines(other)
    assert not [c["id"] for c in ours if c["id"] in {t["id"] for t in theirs}]
    their_transcripts = {_norm(_transcript(c)) for c in theirs}
    their_turns = {_norm(t) for c in theirs for t in _caller_turns(c) if len(t.split()) >= 4}
    # Only our ids are reported: another file's text is never printed. A call where
    # the caller never spoke holds only the bot's fixed prompts, the same in every file.
    clashes = [
        c["id"] for c in ours if _caller_turns(c) and _norm(_transcript(c)) in their_transcripts
    ]
    clashes += [
        c["id"]
        for c in ours
        for turn in _caller_turns(c)
        if len(turn.split()) >= 4 and _norm(turn) in their_turns
    ]
    assert not clashes


@pytest.mark.parametrize("path", list(CALL_FILES), ids=lambda p: p.name)
def test_caller_turns_are_not_repeated_within_the_file(path: Path) -> None:
    seen: set[str] = set()
    for call in _lines(path):
        for turn in _caller_turns(call):
            if len(turn.split()) >= 4:
                assert _norm(turn) not in seen, call["id"]
                seen.add(_norm(turn))


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@pytest.mark.parametrize("path", list(PII_FILES), ids=lambda p: p.name)
def test_pii_lines_are_well_formed(path: Path) -> None:
    lines = _lines(path)
    assert [u["id"] for u in lines] == [
        f"{PII_FILES[path]}{i:04d}" for i in range(1, len(lines) + 1)
    ]
    for line in lines:
        text = line["text"]
        assert line["split"] == "dev", line["id"]
        assert line["source"] in {"speech", "text"}, line["id"]
        assert line["note"].strip(), line["id"]
        end = 0
        for span in sorted(line["spans"], key=lambda s: s["start"]):
            assert span["kind"] in KINDS, line["id"]
            assert end <= span["start"] < span["end"] <= len(text), line["id"]
            value = text[span["start"] : span["end"]]
            assert value == value.strip(), line["id"]
            assert value[-1] not in ".,;!?", line["id"]
            if span["kind"] == "card" and re.fullmatch(r"[\d -]+", value):
                assert _luhn(re.sub(r"\D", "", value)), line["id"]
            end = span["end"]


@pytest.mark.parametrize(
    ("path", "other"),
    [(path, other) for path in PII_FILES for other in _others(path)],
    ids=lambda p: p.name,
)
def test_pii_texts_are_not_in_another_file(path: Path, other: Path) -> None:
    theirs = {_norm(u["text"]) for u in _lines(other) if "text" in u}
    assert not [u["id"] for u in _lines(path) if _norm(u["text"]) in theirs]


@pytest.mark.parametrize("path", list(PII_FILES), ids=lambda p: p.name)
def test_pii_texts_are_not_repeated(path: Path) -> None:
    texts = [_norm(u["text"]) for u in _lines(path)]
    assert len(texts) == len(set(texts))
