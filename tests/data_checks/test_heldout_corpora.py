"""The outside annotators' held-out files are well-formed and new.

`tests/data/analytics/calls_blind{2..7}.jsonl` and `tests/data/privacy/heldout{2..7}.jsonl`
are each scored once, by the lead, at the end. A malformed line would make that one
score wrong, and a line copied from a corpus the analyser or the redactor was tuned on
would make it flattering, so every file is checked here by string comparison only:
these tests read the other corpora, nobody has to. A file not written yet is skipped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from framekit_contact_center.tools import TOOL_NAMES

from framekit.frames import EndCause
from framekit.privacy.kinds.numbers import luhn_valid

DATA = Path(__file__).resolve().parents[1] / "data"


class HeldOut(NamedTuple):
    """One held-out file: where it lives, how its ids read, and its split."""

    path: Path
    id_prefix: str
    id_width: int
    split: str

    def ids(self, count: int) -> list[str]:
        return [f"{self.id_prefix}{i:0{self.id_width}d}" for i in range(1, count + 1)]


CALL_FILES = [
    HeldOut(DATA / "analytics" / "calls_blind2.jsonl", "f", 3, "blind2"),
    HeldOut(DATA / "analytics" / "calls_blind3.jsonl", "k", 3, "blind3"),
    HeldOut(DATA / "analytics" / "calls_blind4.jsonl", "q", 3, "blind4"),
    HeldOut(DATA / "analytics" / "calls_blind5.jsonl", "r", 3, "blind5"),
    HeldOut(DATA / "analytics" / "calls_blind6.jsonl", "t", 3, "blind6"),
    HeldOut(DATA / "analytics" / "calls_blind7.jsonl", "w", 3, "blind7"),
    HeldOut(DATA / "analytics" / "calls_blind8.jsonl", "y", 3, "blind8"),
]
PII_FILES = [
    HeldOut(DATA / "privacy" / "heldout2.jsonl", "h", 4, "heldout2"),
    HeldOut(DATA / "privacy" / "heldout3.jsonl", "p", 4, "heldout3"),
    HeldOut(DATA / "privacy" / "heldout4.jsonl", "r", 4, "heldout4"),
    HeldOut(DATA / "privacy" / "heldout5.jsonl", "s", 4, "heldout5"),
    HeldOut(DATA / "privacy" / "heldout6.jsonl", "t", 4, "heldout6"),
    HeldOut(DATA / "privacy" / "heldout7.jsonl", "e", 4, "heldout7"),
    HeldOut(DATA / "privacy" / "heldout8.jsonl", "j", 4, "heldout8"),
    HeldOut(DATA / "privacy" / "heldout9.jsonl", "m", 4, "heldout9"),
]

_TECHNICAL_ENDS = {"error", "shutdown", "cancelled", "idle_timeout"}
SENTIMENTS = {"positive", "neutral", "negative"}
RESOLUTIONS = {"resolved": 40, "transferred": 20, "unresolved": 20, "abandoned": 10, "failed": 10}
# Lines with at least one span of the kind: the floors the brief set for the file.
KIND_FLOORS = {
    "ssn": 80,
    "card": 50,
    "bank": 40,
    "phone": 40,
    "email": 40,
    "address": 40,
    "dob": 20,
    "name": 20,
}
WITH_PII_FLOOR = 330
WITHOUT_PII_FLOOR = 170


def _lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _norm(text: str) -> str:
    """Lowercase words only, so a copy differing in casing or punctuation still matches."""
    return " ".join(re.findall(r"[\w']+", text.lower()))


def _callers(call: dict[str, Any]) -> list[str]:
    return [e["text"] for e in call["events"] if e["role"] == "caller"]


def _others(folder: Path, own: Path) -> list[dict[str, Any]]:
    """Every other corpus's rows; tests compare against them through a bool, so that a
    failure names only the held-out line, never the annotators' unseen files."""
    return [row for p in sorted(folder.glob("*.jsonl")) if p != own for row in _lines(p)]


def _load(held: HeldOut) -> list[dict[str, Any]]:
    if not held.path.exists():
        pytest.skip(f"{held.path.name} is not written yet")
    return _lines(held.path)


@pytest.fixture(scope="module", params=CALL_FILES, ids=lambda h: h.path.name)
def calls_file(request: pytest.FixtureRequest) -> HeldOut:
    held: HeldOut = request.param
    return held


@pytest.fixture(scope="module")
def calls(calls_file: HeldOut) -> list[dict[str, Any]]:
    return _load(calls_file)


@pytest.fixture(scope="module", params=PII_FILES, ids=lambda h: h.path.name)
def pii_file(request: pytest.FixtureRequest) -> HeldOut:
    held: HeldOut = request.param
    return held


@pytest.fixture(scope="module")
def pii(pii_file: HeldOut) -> list[dict[str, Any]]:
    return _load(pii_file)


def test_calls_ids_split_and_resolution_mix(
    calls: list[dict[str, Any]], calls_file: HeldOut
) -> None:
    assert [c["id"] for c in calls] == calls_file.ids(100)
    assert {c["split"] for c in calls} == {calls_file.split}
    assert Counter(c["labels"]["resolution"] for c in calls) == RESOLUTIONS


def test_calls_events_use_real_tools_and_end_causes(calls: list[dict[str, Any]]) -> None:
    causes = {cause.value for cause in EndCause}
    for call in calls:
        assert call["end_cause"] in causes, call["id"]
        assert call["note"].strip(), call["id"]
        for event in call["events"]:
            if event["role"] == "tool":
                assert event["name"] in TOOL_NAMES, call["id"]
                assert isinstance(event["arguments"], dict), call["id"]
                assert isinstance(event["result"], dict), call["id"]
            else:
                assert event["role"] in {"bot", "caller"}, call["id"]
                assert event["text"].strip(), call["id"]


def test_calls_labels_follow_the_guidelines(calls: list[dict[str, Any]]) -> None:
    for call in calls:
        labels = call["labels"]
        turns = labels["turn_sentiment"]
        assert len(turns) == len(_callers(call)), call["id"]
        assert set(turns) <= SENTIMENTS, call["id"]
        end = next((t for t in reversed(turns[-2:]) if t != "neutral"), "neutral")
        assert labels["sentiment_end"] == end, call["id"]
        votes = Counter(t for t in turns if t != "neutral")
        if not votes:
            overall = "neutral"
        elif votes["positive"] != votes["negative"]:
            overall = max(votes, key=lambda k: votes[k])
        else:
            overall = end if end != "neutral" else "negative"
        assert labels["call_sentiment"] == overall, call["id"]


def test_calls_resolution_matches_the_transcript(calls: list[dict[str, Any]]) -> None:
    for call in calls:
        resolution = call["labels"]["resolution"]
        transferred = any(
            e["role"] == "tool" and "transferred_to" in e["result"] for e in call["events"]
        )
        if resolution == "transferred":
            assert transferred, call["id"]
            assert call["end_cause"] == "transferred", call["id"]
        else:
            assert call["end_cause"] != "transferred", call["id"]
        if resolution == "abandoned":
            assert not _callers(call), call["id"]
        else:
            assert _callers(call) or resolution == "failed", call["id"]
        if resolution == "failed":
            assert call["end_cause"] in _TECHNICAL_ENDS, call["id"]


def test_calls_about_half_recognizer_style(calls: list[dict[str, Any]]) -> None:
    turns = [t for c in calls for t in _callers(c)]
    plain = [t for t in turns if t == t.lower() and not re.search(r"[.,?!]", t)]
    assert 0.4 <= len(plain) / len(turns) <= 0.65


def test_calls_are_in_no_other_corpus(calls: list[dict[str, Any]], calls_file: HeldOut) -> None:
    others = _others(calls_file.path.parent, calls_file.path)
    assert others, "the other analytics corpora are missing"
    seen_turns = {_norm(t) for c in others for t in _callers(c)}
    seen_calls = {_norm(" ".join(_callers(c))) for c in others if _callers(c)}
    for call in calls:
        # A call whose caller said one short thing ("operator") may match another
        # writer's by chance: like a turn, it counts as copied from four words on.
        said = _norm(" ".join(_callers(call)))
        copied_call = len(said.split()) >= 4 and said in seen_calls
        assert not copied_call, call["id"]
        for turn in _callers(call):
            copied_turn = len(turn.split()) >= 4 and _norm(turn) in seen_turns
            assert not copied_turn, (call["id"], turn)


def test_pii_ids_and_fields(pii: list[dict[str, Any]], pii_file: HeldOut) -> None:
    assert [row["id"] for row in pii] == pii_file.ids(len(pii))
    texts = [row["text"] for row in pii]
    assert len(set(texts)) == len(texts)
    for row in pii:
        assert row["split"] == pii_file.split, row["id"]
        assert row["source"] in {"speech", "text"}, row["id"]
        assert row["note"].strip(), row["id"]
        if row["source"] == "speech":
            assert row["text"] == row["text"].lower(), row["id"]


def test_pii_spans_are_exact(pii: list[dict[str, Any]]) -> None:
    for row in pii:
        text, end = row["text"], 0
        for span in row["spans"]:
            assert span["kind"] in KIND_FLOORS, row["id"]
            assert end <= span["start"] < span["end"] <= len(text), row["id"]
            value = text[span["start"] : span["end"]]
            assert value == value.strip(" ,.;:!?"), (row["id"], value)
            if span["start"] > 0:
                assert not text[span["start"] - 1].isalnum(), (row["id"], value)
            if span["end"] < len(text):
                assert not text[span["end"]].isalnum(), (row["id"], value)
            end = span["end"]


def test_pii_typed_cards_pass_luhn_and_references_do_not(pii: list[dict[str, Any]]) -> None:
    for row in pii:
        for span in row["spans"]:
            value = row["text"][span["start"] : span["end"]]
            digits = re.sub(r"[ -]", "", value)
            if span["kind"] == "card" and digits.isdigit():
                assert luhn_valid(digits), (row["id"], value)
        if row["note"] == "ref16":
            for run in re.findall(r"\d[\d ]{14,}\d", row["text"]):
                assert not luhn_valid(run.replace(" ", "")), row["id"]


def test_pii_counts_per_kind(pii: list[dict[str, Any]]) -> None:
    lines_per_kind = Counter(k for row in pii for k in {s["kind"] for s in row["spans"]})
    for kind, floor in KIND_FLOORS.items():
        assert lines_per_kind[kind] >= floor, kind
    assert sum(1 for row in pii if row["spans"]) >= WITH_PII_FLOOR
    assert sum(1 for row in pii if not row["spans"]) >= WITHOUT_PII_FLOOR


def test_pii_lines_are_in_no_other_corpus(pii: list[dict[str, Any]], pii_file: HeldOut) -> None:
    others = _others(pii_file.path.parent, pii_file.path)
    assert others, "the other privacy corpora are missing"
    seen = {_norm(row["text"]) for row in others}
    for row in pii:
        copied = _norm(row["text"]) in seen
        assert not copied, (row["id"], row["text"])
