"""The largest load a 2-raylet model tier plus two call nodes holds, and one process at it.

Issue 18's first target, on this machine: the compose topology
(``deploy/compose/compose.yaml``) as processes (``tests/deploy/compose_topology.py``:
a Ray head running ``framekit models serve`` and a worker raylet, two ``framekit
serve`` nodes with no speech model of their own, nginx in front, the machine's
PostgreSQL and Redis), then the locust load test (``python -m loadtest --host``,
docs/load-testing.md) through the balancer at increasing users. A step *holds* when
voice-to-voice p95 is under 1 s, no answer has an audio gap over 100 ms (locust's
``audio_gap`` failures) and no call failed. The steps stop at the first that does
not hold (a locust still stopping 120 s after its run time is sent SIGTERM, as
``bench_cpu_per_call_minute.py`` does: seen on this overloaded machine, its callers
then go on calling). Then, in the same run, one all-in-one ``framekit serve`` (local models,
``python -m loadtest --serve``) takes the largest load that held (the first step's
when none held), with the same callers and recognizer (``STT_MODEL=moonshine``).

Each step prints locust's figures and ``/proc/loadavg`` before and after: the machine
is shared, so say what else ran. Needs ``FRAMEKIT_TEST_DATABASE_URL`` and
``FRAMEKIT_TEST_REDIS_URL`` (what the tests use)::

    python benchmarks/bench_cluster.py --users 1,2,4,6,8 --run-time 60s
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the compose topology the deploy tests run

from bench_cpu_per_call_minute import _wait  # noqa: E402  (a locust that does not stop)
from deploy.compose_topology import AUTH_TOKEN, PUBLIC, compose_topology  # noqa: E402

__all__ = ["Step", "main"]

V2V_P95_MS = 1000.0
MAX_GAP_MS = 100.0
_STOP_LIMIT = 120.0  # s past the run time before a locust still stopping gets a SIGTERM


@dataclass
class Step:
    """One locust run: what it put on the system and what the callers measured."""

    setup: str
    users: int
    calls: int
    failed_calls: int
    v2v_n: int
    v2v_p50_ms: float
    v2v_p95_ms: float
    gap_answers: int
    gaps_over_limit: int
    gap_max_ms: float
    load_before: str
    load_after: str

    @property
    def holds(self) -> bool:
        return (
            self.v2v_n > 0
            and self.v2v_p95_ms < V2V_P95_MS
            and self.gaps_over_limit == 0
            and self.gap_max_ms <= MAX_GAP_MS
            and self.failed_calls == 0
        )


def _seconds(run_time: str) -> float:
    """Locust's ``--run-time`` (``90s``, ``2m``) in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    return float(run_time[:-1]) * units[run_time[-1]] if run_time[-1] in units else float(run_time)


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _rows(stats_csv: Path) -> dict[str, dict[str, str]]:
    with stats_csv.open() as handle:
        return {row["Type"]: row for row in csv.DictReader(handle) if row["Name"] == "call"}


def _number(row: dict[str, str] | None, key: str) -> float:
    return float(row[key]) if row and row.get(key) not in (None, "", "N/A") else 0.0


def run_step(setup: str, users: int, run_time: str, target: list[str], env: dict[str, str]) -> Step:
    """One ``python -m loadtest`` run; ``target`` is ``--host URL`` or ``--serve``."""
    prefix = Path(tempfile.mkdtemp(prefix="bench-cluster-")) / "locust"
    before = _loadavg()
    command = [sys.executable, "-m", "loadtest", *target, "--users", str(users)]
    command += ["--spawn-rate", "1", "--run-time", run_time, "--csv", str(prefix)]
    loadtest = subprocess.Popen(command, env=env, cwd=ROOT, text=True)
    _wait(loadtest, _seconds(run_time) + _STOP_LIMIT)
    rows = _rows(Path(f"{prefix}_stats.csv"))
    call, v2v, gap = rows.get("call"), rows.get("voice_to_voice"), rows.get("audio_gap")
    return Step(
        setup=setup,
        users=users,
        calls=int(_number(call, "Request Count")),
        failed_calls=int(_number(call, "Failure Count")),
        v2v_n=int(_number(v2v, "Request Count")),
        v2v_p50_ms=_number(v2v, "50%"),
        v2v_p95_ms=_number(v2v, "95%"),
        gap_answers=int(_number(gap, "Request Count")),
        gaps_over_limit=int(_number(gap, "Failure Count")),
        gap_max_ms=_number(gap, "Max Response Time"),
        load_before=before,
        load_after=_loadavg(),
    )


def _print(step: Step) -> None:
    print(
        f"{step.setup:<8} users={step.users:<3} calls={step.calls:<4} failed={step.failed_calls:<3}"
        f" v2v n={step.v2v_n} p50={step.v2v_p50_ms:.0f} p95={step.v2v_p95_ms:.0f} ms"
        f" gap max={step.gap_max_ms:.0f} ms over={step.gaps_over_limit}/{step.gap_answers}"
        f" holds={step.holds} load {step.load_before} -> {step.load_after}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="1,2,4,6,8", help="the steps, comma-separated")
    parser.add_argument("--run-time", default="60s", help="each step's locust run time")
    parser.add_argument("--json", type=Path, help="write every step here")
    args = parser.parse_args()
    steps_users = [int(u) for u in args.users.split(",")]
    capacity = str(max(steps_users))
    env = {
        **os.environ,
        "LOADTEST_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "LOADTEST_PUBLIC_URL": PUBLIC,
    }
    steps: list[Step] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-topology-"))
    print(f"topology logs in {folder}; load {_loadavg()}", flush=True)
    with compose_topology(
        folder,
        os.environ["FRAMEKIT_TEST_DATABASE_URL"],
        os.environ["FRAMEKIT_TEST_REDIS_URL"],
        node_env={"MAX_CALLS": capacity},
    ) as topology:
        print(f"cluster ready: balancer {topology.entry}; load {_loadavg()}", flush=True)
        for users in steps_users:
            step = run_step("cluster", users, args.run_time, ["--host", topology.entry], env)
            steps.append(step)
            _print(step)
            if not step.holds:
                break
    held = [s.users for s in steps if s.holds]
    load = max(held) if held else steps_users[0]
    one = {**env, "MAX_CALLS": str(load), "STT_MODEL": "moonshine"}
    step = run_step("one", load, args.run_time, ["--serve"], one)
    steps.append(step)
    _print(step)
    print(f"largest load that held on the cluster: {max(held) if held else 'none'} users")
    if args.json:
        records = [{**asdict(s), "holds": s.holds} for s in steps]
        args.json.write_text(json.dumps(records, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
