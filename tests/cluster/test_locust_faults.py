"""The issue's "must hold" under the locust load test: one fault at a time, no record lost.

Locust, started by its one command (``python -m loadtest --host ...``), calls two
tone-bot nodes through the real nginx (the cluster of ``cluster.py``, for this module
with greetings of ``TONE_SECONDS``): ``USERS`` callers place call after call, each a
greeting heard to its end (``--turns 0``: the tone bot answers no question) with its
largest audio gap checked against 2 s. While it runs the test restarts Redis (empty),
waits until the nodes have registered again, then SIGKILLs node ``b`` while it holds
calls. Then, from locust's CSV, its per-call log (``--calls-csv``) and PostgreSQL:

* every call that got a Media Stream has a stored record, and every record is closed;
* every call that failed was on the killed node, and its record was closed
  ``failed``/``orphaned`` by the survivor within ``ORPHANS_CLOSED_WITHIN`` s;
* every other call (the survivor's, and the killed node's before the kill) heard the
  whole greeting with no gap in the bot's audio over 2 s, across the Redis restart too.

A second test keeps Redis away longer than the voice webhook holds a call: the caller
follows the hold's redirects, then hears the apology, which locust counts apart.

Why the gap limit allows for the caller's lateness: on this machine's two shared
cores the load generator itself may be starved (locust's ``caller_lateness``: its
20 ms frames went out up to 2.7 s late in one run at load 21), and then it records
the bot's messages late by as much; a gap counts against the nodes only beyond it.
Why a gap limit on the whole call and the audio heard: locust's ``audio_gap`` is per
answer, and a stall longer than ``--answer-quiet`` would end the answer (and, with no
questions, the call) before it could be measured; a call cut short hears less tone.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("psycopg", reason="the cluster needs the 'db' extra")
pytest.importorskip("redis", reason="the cluster needs the 'redis' extra")
pytest.importorskip("twilio", reason="the serve app needs the 'twilio' extra")
if importlib.util.find_spec("locust") is None or importlib.util.find_spec("websocket") is None:
    pytest.skip("the load test needs the 'load' extra (locust)", allow_module_level=True)

from .cluster import (
    ACCOUNT,
    AUTH_TOKEN,
    HEARTBEAT,
    PUBLIC,
    Cluster,
    running_cluster,
    shared_database,
    voice_webhook,
)

pytestmark = pytest.mark.timeout(200)
ROOT = Path(__file__).resolve().parents[2]

USERS = 6
"""Concurrent callers: 3 a node, all 6 on the survivor after the kill, within its
MAX_CALLS=8 (with 8, places still held for calls that just ended made it answer busy)."""
TONE_SECONDS = 8
RUN_TIME = 40
MAX_GAP = 2.0
"""The issue's limit: no other call silent for more than 2 s."""
ANSWER_QUIET = 3.0
"""Above MAX_GAP: a longer stall is still inside the greeting, measured as a gap."""
HELD_AFTER_REDIS = 1.0
"""A call held while Redis was away gets its last hold answer at most this long after
Redis is back (then connects one ``<Pause>`` later)."""
ORPHANS_CLOSED_WITHIN = 15.0
"""The sweep closes a dead node's calls ~6-7 s after its last heartbeat (cluster.py)."""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    database_url = shared_database()
    directory = tmp_path_factory.mktemp("locust-cluster")
    env = {"TONE_SECONDS": str(TONE_SECONDS)}
    with running_cluster(directory, database_url, env) as running:
        yield running


def _locust(
    cluster: Cluster, prefix: Path, users: int = USERS, run_time: int = RUN_TIME
) -> subprocess.Popen[str]:
    """``python -m loadtest`` against nginx, headless; its output in ``prefix``.log."""
    command = [sys.executable, "-m", "loadtest", "--host", cluster.lb_url]
    command += ["--users", str(users), "--spawn-rate", "4", "--run-time", f"{run_time}s"]
    command += ["--csv", str(prefix), "--calls-csv", f"{prefix}_calls.csv"]
    command += ["--turns", "0", "--account-sid", ACCOUNT, "--stop-timeout", "20"]
    command += ["--answer-quiet", str(ANSWER_QUIET), "--answer-timeout", "20"]
    command += ["--max-gap-ms", str(MAX_GAP * 1000)]
    env = dict(os.environ, LOADTEST_TWILIO_AUTH_TOKEN=AUTH_TOKEN, LOADTEST_PUBLIC_URL=PUBLIC)
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=Path(f"{prefix}.log").open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(condition: Callable[[], bool], within: float, what: str) -> float:
    """Poll ``condition`` every 0.1 s; the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < within, f"not within {within} s: {what}"
        time.sleep(0.1)
    return time.monotonic() - start


def _a_call_is_accepted(cluster: Cluster) -> Callable[[], bool]:
    """Whether the voice webhook, through nginx, now answers a new call with a stream.

    One ``CallSid`` for every try: answered with a stream, the call holds one place
    (until its token expires), however many tries it took.
    """
    call_sid = "CA" + uuid.uuid4().hex

    def accepted() -> bool:
        status, twiml = voice_webhook(cluster.lb_url, call_sid)
        assert status == 200, (status, twiml)  # never refused, even while Redis is away
        return "<Stream" in twiml

    return accepted


def test_a_node_killed_and_redis_restarted_under_locust_lose_no_record(
    cluster: Cluster, tmp_path: Path
) -> None:
    a, b = cluster.nodes["a"], cluster.nodes["b"]
    prefix = tmp_path / "locust"
    locust = _locust(cluster, prefix)
    try:
        _wait(
            lambda: min(cluster.open_calls().get(n.owner, 0) for n in (a, b)) >= 2,
            within=40,
            what="locust's calls on both nodes",
        )
        redis_down = time.time()
        cluster.stop_redis()
        time.sleep(2 * HEARTBEAT)
        cluster.start_redis()  # empty: the nodes register again within a heartbeat
        redis_up = time.time()
        accepted_after = _wait(_a_call_is_accepted(cluster), 10, "a call accepted again")
        time.sleep(8.0)  # past a key's life and the sweep's grace: a false close shows
        _wait(lambda: cluster.open_calls().get(b.owner, 0) >= 1, 20, "calls on node b")
        assert b.process is not None
        b.process.send_signal(signal.SIGKILL)
        closed_after = _wait(
            lambda: cluster.open_calls().get(b.owner, 0) == 0,
            within=ORPHANS_CLOSED_WITHIN,
            what="the killed node's calls closed by the survivor",
        )
        locust.wait(RUN_TIME + 60)
    finally:
        if locust.poll() is None:
            locust.kill()
            locust.wait()
    log = Path(f"{prefix}.log").read_text()
    assert locust.returncode in (0, 1), log[-3000:]  # 1: locust counted failures

    with Path(f"{prefix}_calls.csv").open() as handle:
        calls = list(csv.reader(handle))
    apologised = [sid for sid, result, *_ in calls if result == "CallApologisedError"]
    placed = [sid for sid, result, *_ in calls if result != "CallApologisedError"]
    _wait(lambda: not cluster.open_calls(), 15, "every call closed")
    rows = cluster.calls(placed)
    lost = sorted(set(placed) - set(rows))
    assert not lost, f"{len(lost)} of {len(placed)} calls have no stored record"
    with Path(f"{prefix}_stats.csv").open() as handle:
        stats = {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}
    killed = {sid for sid, row in rows.items() if row["owner"] == b.owner}
    orphaned = {sid for sid in killed if rows[sid]["end_reason"] == "orphaned"}
    failed = {sid for sid, result, *_ in calls if result not in ("ok", "CallApologisedError")}
    heard = [
        (sid, float(gap) / 1000, float(audio), float(late) / 1000)
        for sid, _, gap, audio, late, *_ in calls
        if sid in rows
    ]
    others = [call for call in heard if call[0] not in orphaned]
    largest = max(gap for _, gap, _, _ in others)
    starved = max(late for *_, late in heard)
    access = cluster.access_log()
    webhooks = [line for line in access if line[2] == "/twilio/voice"]
    # Fail closed: a stream whose token was issued just before Redis stopped is refused.
    streams_refused = [line for line in access if line[2] == "/twilio/stream" and line[3] == "500"]
    holds = [(float(held), float(at)) for _, _, _, _, _, held, at in calls if float(held)]
    print(
        f"\nlocust: {len(placed)} calls ({len(failed)} failed), {len(killed)} on the killed "
        f"node, {len(orphaned)} of them orphaned, closed {closed_after:.1f} s after the kill; "
        f"largest gap on every other call {largest * 1000:.0f} ms; the callers' own "
        f"lateness up to {starved * 1000:.0f} ms; "
        f"/proc/loadavg {Path('/proc/loadavg').read_text().split()[0]}"
    )
    print(
        f"Redis away {redis_up - redis_down:.1f} s; a new call accepted again "
        f"{accepted_after * 1000:.0f} ms after it was back; {len(holds)} calls held "
        f"{[round(held, 1) for held, _ in holds]} s, their last hold "
        f"{[round(at - redis_up, 2) for _, at in holds]} s after Redis was back; "
        f"{len(apologised)} apologies; streams refused (500) {len(streams_refused)}; "
        f"webhooks not 200: {[line for line in webhooks if line[3] != '200']}"
    )
    assert orphaned, "node b held no call when it was killed"
    # A call fails only on the killed node, or when its stream met the outage (fail closed).
    assert len(failed - orphaned) <= len(streams_refused), {s: rows[s] for s in failed - orphaned}
    for sid in orphaned:
        assert (rows[sid]["outcome"], rows[sid]["end_reason"]) == ("failed", "orphaned")
    for sid, gap, audio, late in others:
        if sid in failed:
            continue
        assert rows[sid]["outcome"] != "failed", rows[sid]
        assert gap < MAX_GAP + late, f"{sid} was silent {gap:.1f} s (the caller late {late} s)"
        assert audio >= TONE_SECONDS - 0.5, f"{sid} heard {audio:.1f} s of {TONE_SECONDS} s"
    assert int(stats["audio_gap", "call"]["Failure Count"]) == 0
    assert int(stats["POST", "/twilio/voice"]["Failure Count"]) == 0  # no busy <Reject>
    # The Redis outage takes no node out of nginx: no webhook is refused, ever; a call
    # that rings during it is held and connects within HELD_AFTER_REDIS of its return.
    refused = [line for line in webhooks if line[3] != "200"]
    assert not refused, f"webhooks refused: {refused}"
    assert not apologised, f"{len(apologised)} calls apologised to: Redis was away 2 s"
    late_holds = [at - redis_up for _, at in holds if at - redis_up > HELD_AFTER_REDIS]
    assert not late_holds, f"calls still held {late_holds} s after Redis was back"
    assert accepted_after < HELD_AFTER_REDIS


def test_a_caller_held_past_the_retries_hears_an_apology_counted_apart(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Redis away longer than the hold (5 retries of 1 s): locust's caller follows each
    ``<Redirect>`` as Twilio would, then is apologised to; locust counts it as an
    ``apology``, not as a failed ``call``, and nginx saw only ``200`` webhooks."""
    prefix = tmp_path / "apology"
    cluster.stop_redis()
    try:
        locust = _locust(cluster, prefix, users=1, run_time=9)
        locust.wait(60)
    finally:
        cluster.start_redis()
    with Path(f"{prefix}_stats.csv").open() as handle:
        stats = {(row["Type"], row["Name"]): row for row in csv.DictReader(handle)}
    with Path(f"{prefix}_calls.csv").open() as handle:
        calls = list(csv.reader(handle))
    apology, held = stats["apology", "call"], stats["held", "call"]
    print(
        f"\n{apology['Request Count']} apologies after {float(apology['Min Response Time']):.0f}"
        f"-{float(apology['Max Response Time']):.0f} ms of hold; calls: {calls}"
    )
    assert int(apology["Request Count"]) >= 1
    assert int(apology["Failure Count"]) == int(apology["Request Count"])
    assert int(held["Failure Count"]) == 0
    assert float(apology["Min Response Time"]) >= 5000  # five 1 s pauses first
    assert ("call", "call") not in stats  # no call crashed (and none connected)
    assert calls
    assert all(result == "CallApologisedError" for _, result, *_ in calls), calls
    assert int(stats["POST", "/twilio/voice retry"]["Failure Count"]) == 0
    webhooks = [line for line in cluster.access_log() if line[2] == "/twilio/voice"]
    assert all(line[3] == "200" for line in webhooks)
