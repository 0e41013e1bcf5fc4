"""CPU-seconds per call-minute of one ``framekit serve`` process under the locust load test.

Why this figure: the machine is shared, so wall-clock latencies move with the
neighbours' load, while the CPU time the server itself spends per minute of
conversation does not. It is the unit of the capacity model (issue 18): calls
per core = 60 / (CPU-seconds per call-minute).

How it is measured: it runs ``python -m loadtest --serve`` (real webhook, real
Media Streams, paced 20 ms mu-law callers) and, while the server lives:

* reads every thread's user+system CPU from ``/proc/<pid>/task/*/stat`` once a
  second, so the figure stops at the server's last live sample, before the
  SIGTERM drain;
* scrapes the server's ``framekit_active_calls`` gauge (``/metrics``) once a
  second and integrates it over the same window: the call-minutes, calls cut
  at the end included (locust's ``call`` samples leave those out);
* names the Python threads with ``py-spy dump`` (a thread's name, such as
  ``framekit-moonshine_0`` or ``piper_1``, by its native id); threads that py-spy
  does not list are native ones (onnxruntime's and CTranslate2's pools).

A server short of CPU answers late, so its callers take fewer turns per minute and
each call-minute asks less of it: the report gives the answered turns per
call-minute (the server's ``framekit_voice_to_voice_seconds`` count) beside the
figure (compare runs at similar turn rates) and the CPU-seconds per answered turn.
The callers follow the issue's workload by default: each takes a turn every ``--turn-every``
seconds (7; the load test's ``--turn-every``: a question starts that long after the previous
one began, or once the bot is quiet if its answer runs longer) for ``--turns`` questions a
call (8, so that the greeting and the hang-up weigh little), i.e. ~8.6 turns per call-minute
for a server that keeps up. ``--turn-every 0`` asks as soon as the bot is quiet.
``--skip S`` leaves the first S seconds out (a phrase cache filling up). It prints
the total and the per-thread-group CPU-seconds per call-minute, the
load (``/proc/loadavg``) before and after, and locust's voice-to-voice
percentiles. ``--model-tier`` first starts ``framekit models serve`` (a one-node Ray cluster
of its own) and points the server at it (``MODEL_TIER_URL``, ``MODEL_TIER_FALLBACK=apology``:
no speech model in the call node); the call node's figure stays its own process's, and the
tier's (its process and every live process below it: Ray's GCS, raylet, replicas) is
reported beside it, over the same window. ``--json PATH`` keeps all of it. ``--profile S``
samples the server with py-spy for S seconds from ``--skip`` on and reports where its event
loop spends its busy time (``_loop_profile.py``). ``MAX_CALLS`` defaults to
``--users`` so that no caller is refused. Other arguments go to the load test::

    python benchmarks/bench_cpu_per_call_minute.py --users 10 --run-time 120s --skip 30
    python benchmarks/bench_cpu_per_call_minute.py --model-tier --users 4 --run-time 150s
    STT_MODEL=moonshine python benchmarks/bench_cpu_per_call_minute.py --users 5 --turns 3
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _loop_profile

__all__ = ["Sample", "main", "thread_group"]

_SERVE_LINE = re.compile(r"^framekit serve \(pid (\d+), log (.+)\) on (\S+)")
_ACTIVE = re.compile(r"^framekit_active_calls(?:\{[^}]*\})? ([0-9.eE+-]+)$", re.MULTILINE)
_TURNS = re.compile(
    r"^framekit_voice_to_voice_seconds_count(?:\{[^}]*\})? ([0-9.eE+-]+)$", re.MULTILINE
)
_TICK = os.sysconf("SC_CLK_TCK")
_SUFFIX = re.compile(r"(_\d+|-\d+)$")
NATIVE = "native (onnxruntime, ctranslate2)"
_GRACE = 180.0
"""Seconds past the run time for the models to load and locust to stop, before it is stopped."""


@dataclass(slots=True)
class Sample:
    """One reading of the server: when, its active calls, turns answered so far, each
    thread's CPU-seconds."""

    at: float
    active_calls: float
    turns: float
    threads: dict[int, float] = field(default_factory=dict)
    tier: float = 0.0
    """CPU-seconds of the model tier's process tree (0 without one)."""


def thread_group(name: str | None) -> str:
    """The group a thread's CPU is reported under: its name without the pool index."""
    if name is None:
        return NATIVE
    return _SUFFIX.sub("", name)


def _thread_cpu(pid: int) -> dict[int, float]:
    """CPU-seconds (user + system) of every live thread of ``pid``."""
    found: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended between the listing and the read
            continue
        found[int(task.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    return found


def _tree_cpu(root: int) -> float:
    """CPU-seconds (user + system) of ``root`` and every live process below it."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended between the listing and the read
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


def _scrape(host: str) -> tuple[float, float]:
    """The server's active calls and the answers it has timed (voice-to-voice count)."""
    with urllib.request.urlopen(f"{host}/metrics", timeout=10) as response:
        text = response.read().decode()
    active = _ACTIVE.search(text)
    turns = sum(float(m) for m in _TURNS.findall(text))
    return (float(active.group(1)) if active else 0.0), turns


def _python_threads(pid: int) -> dict[int, str]:
    """Native thread id -> Python thread name, from ``py-spy dump`` (empty if it fails or
    py-spy is not installed: ``pip install py-spy``)."""
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when not on PATH
    try:
        done = subprocess.run(
            [
                str(beside) if beside.exists() else "py-spy",
                "dump",
                "--nonblocking",
                "--json",
                "--pid",
                str(pid),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return {}
    if done.returncode != 0:
        return {}
    return {t["os_thread_id"]: t["thread_name"] or "?" for t in json.loads(done.stdout)}


class _Watcher:
    """Samples the server once a second until it stops answering."""

    def __init__(self, pid: int, host: str, tier_pid: int | None = None) -> None:
        self.pid = pid
        self.host = host
        self.tier_pid = tier_pid
        self.samples: list[Sample] = []
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        started = time.monotonic()
        last_names = 0.0
        while not self._stop.is_set():
            try:
                calls, turns = _scrape(self.host)
                sample = Sample(time.monotonic() - started, calls, turns, _thread_cpu(self.pid))
                if self.tier_pid is not None:
                    sample.tier = _tree_cpu(self.tier_pid)
            except OSError:  # stopping, or a scrape slower than its timeout on a busy machine
                if not Path(f"/proc/{self.pid}").exists():
                    return
                self._stop.wait(1.0)
                continue
            self.samples.append(sample)
            if calls and sample.at - last_names > 20:
                self.names.update(_python_threads(self.pid))
                last_names = sample.at
            self._stop.wait(1.0)


def _seconds(run_time: str) -> float:
    """Locust's ``--run-time`` (``120s``, ``2m``, ``1h``, or plain seconds) in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    if run_time[-1] in units:
        return float(run_time[:-1]) * units[run_time[-1]]
    return float(run_time)


def _window(samples: list[Sample], run_time: float, skip: float) -> tuple[Sample, Sample]:
    """From the first sample ``skip`` s in to the first one after the run time (or the one
    after the last busy one).

    Calls that stay open after locust's run time (its users stopping) are not load.
    """
    busy = [i for i, s in enumerate(samples) if s.active_calls > 0]
    if not busy:
        raise SystemExit("no call was ever active: nothing to measure")
    end = min(busy[-1] + 1, len(samples) - 1)
    late = [i for i, s in enumerate(samples) if s.at >= run_time]
    start = next((s for s in samples if s.at >= skip), samples[0])
    return start, samples[min(end, late[0]) if late else end]


def _call_minutes(samples: list[Sample], first: Sample, last: Sample) -> float:
    inside = [s for s in samples if first.at <= s.at <= last.at]
    return (
        sum(
            (b.at - a.at) * (a.active_calls + b.active_calls) / 2
            for a, b in itertools.pairwise(inside)
        )
        / 60
    )


def _report(
    watcher: _Watcher, stats_csv: Path, load: tuple[str, str], run_time: float, skip: float
) -> dict[str, Any]:
    first, last = _window(watcher.samples, run_time, skip)
    minutes = _call_minutes(watcher.samples, first, last)
    groups: dict[str, float] = {}
    for tid, cpu in last.threads.items():
        used = cpu - first.threads.get(tid, 0.0)
        group = thread_group(watcher.names.get(tid))
        groups[group] = groups.get(group, 0.0) + used
    total = sum(groups.values())
    rows: dict[str, dict[str, str]] = {}
    if stats_csv.is_file():
        with stats_csv.open() as handle:
            rows = {r["Type"]: r for r in csv.DictReader(handle) if r["Name"] == "call"}
    v2v = rows.get("voice_to_voice", {})
    turns = last.turns - first.turns
    tier = last.tier - first.tier
    return {
        "argv": sys.argv[1:],
        "env": {
            k: os.environ[k]
            for k in ("STT_MODEL", "MAX_CALLS", "PYTHONPATH", "MODEL_TIER_URL")
            if k in os.environ
        },
        "load_before": load[0],
        "load_after": load[1],
        "window_s": last.at - first.at,
        "cpu_s": total,
        "cores": total / (last.at - first.at),
        "call_minutes": minutes,
        "cpu_s_per_call_minute": total / minutes,
        "turns_per_call_minute": turns / minutes,
        "cpu_s_per_turn": total / turns if turns else None,
        "tier": {
            "cpu_s": tier,
            "cores": tier / (last.at - first.at),
            "per_call_minute": tier / minutes,
            "per_turn": tier / turns if turns else None,
        }
        if watcher.tier_pid is not None
        else None,
        "groups": {
            g: {"cpu_s": s, "per_call_minute": s / minutes, "share": s / total}
            for g, s in sorted(groups.items(), key=lambda kv: -kv[1])
        },
        "voice_to_voice": {
            k: v2v.get(k) for k in ("Request Count", "Failure Count", "50%", "95%", "99%")
        },
        "calls": {k: rows.get("call", {}).get(k) for k in ("Request Count", "Failure Count")},
    }


def _print(report: dict[str, Any]) -> None:
    print(f"\nload before: {report['load_before']}   after: {report['load_after']}")
    print(
        f"server CPU {report['cpu_s']:.1f} s over {report['window_s']:.0f} s "
        f"({report['cores']:.2f} cores), {report['call_minutes']:.2f} call-minutes: "
        f"{report['cpu_s_per_call_minute']:.2f} CPU-s per call-minute "
        f"({report['turns_per_call_minute']:.1f} answered turns per call-minute, "
        f"{report['cpu_s_per_turn'] or 0:.2f} CPU-s per turn)"
    )
    for group, row in report["groups"].items():
        if row["cpu_s"] >= 0.05:
            print(
                f"  {group:<36} {row['cpu_s']:7.1f} s  {row['per_call_minute']:5.2f} /call-min"
                f"  {100 * row['share']:4.0f} %"
            )
    tier = report["tier"]
    if tier is not None:
        print(
            f"model tier CPU {tier['cpu_s']:.1f} s ({tier['cores']:.2f} cores): "
            f"{tier['per_call_minute']:.2f} CPU-s per call-minute, "
            f"{tier['per_turn'] or 0:.2f} per turn"
        )
    v2v = report["voice_to_voice"]
    print(
        f"voice_to_voice n={v2v['Request Count']} failures={v2v['Failure Count']} "
        f"p50 {v2v['50%']} p95 {v2v['95%']} p99 {v2v['99%']} ms; calls {report['calls']}"
    )


def _start_tier(port: int) -> subprocess.Popen[str]:
    """``framekit models serve`` on ``port``, once it says every replica is ready."""
    framekit = Path(sys.executable).with_name("framekit")
    command = [str(framekit), "models", "serve", "--port", str(port)]
    tier = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert tier.stdout is not None
    for line in tier.stdout:
        print(line, end="", flush=True)
        if line.startswith("model tier ready at"):
            threading.Thread(target=tier.stdout.read, daemon=True).start()  # keep it drained
            return tier
    raise SystemExit(f"framekit models serve exited ({tier.wait()}) before it was ready")


def _follow(
    loadtest: subprocess.Popen[str],
    watchers: list[_Watcher],
    tier_pid: int | None,
    on_server: Callable[[int], None],
) -> None:
    """Echo the load test's output; watch its server once it says where it listens."""
    assert loadtest.stdout is not None
    for line in loadtest.stdout:
        print(line, end="", flush=True)
        match = _SERVE_LINE.match(line)
        if match and not watchers:
            watchers.append(_Watcher(int(match.group(1)), match.group(3), tier_pid))
            watchers[0].start()
            on_server(int(match.group(1)))


def _profiler(seconds: float, skip: float, out: Path) -> Callable[[int], None]:
    """What starts ``py-spy record`` of the server ``skip`` s after it listens (0: nothing)."""

    def start(pid: int) -> None:
        if seconds > 0:
            threading.Timer(skip, lambda: _loop_profile.record(pid, seconds, out)).start()

    return start


def _wait(loadtest: subprocess.Popen[str], limit: float) -> int:
    """The load test's exit code; a locust still running ``limit`` s in gets a SIGTERM.

    Seen on the overloaded machine: locust's users never finished stopping after its
    run time, and the calls stayed open for minutes.
    """
    try:
        return loadtest.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        children = Path(f"/proc/{loadtest.pid}/task/{loadtest.pid}/children").read_text()
        for pid in children.split():
            if "locust" in Path(f"/proc/{pid}/cmdline").read_text():
                os.kill(int(pid), signal.SIGTERM)
        return loadtest.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the load test against a local server and print its CPU per call-minute."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--spawn-rate", default="1")
    parser.add_argument("--run-time", default="120s")
    parser.add_argument(
        "--skip", type=float, default=0.0, help="seconds of the run left out (caches filling)"
    )
    parser.add_argument("--turn-every", type=float, default=7.0, help="seconds per turn")
    parser.add_argument("--turns", type=int, default=8, help="questions per call")
    parser.add_argument("--model-tier", action="store_true", help="models on a local tier")
    parser.add_argument("--tier-port", type=int, default=8123)
    parser.add_argument("--json", type=Path, help="write the report here too")
    parser.add_argument(
        "--profile",
        type=float,
        default=0.0,
        help="seconds of py-spy samples of the server from --skip on: the event loop's shares",
    )
    args, rest = parser.parse_known_args(argv)
    os.environ.setdefault("MAX_CALLS", str(args.users))
    tier = _start_tier(args.tier_port) if args.model_tier else None
    if tier is not None:
        os.environ["MODEL_TIER_URL"] = f"http://127.0.0.1:{args.tier_port}"
        os.environ["MODEL_TIER_FALLBACK"] = "apology"
    try:
        return _run(args, rest, tier.pid if tier is not None else None)
    finally:
        if tier is not None:
            tier.send_signal(signal.SIGTERM)
            tier.wait(timeout=120)


def _run(args: argparse.Namespace, rest: list[str], tier_pid: int | None) -> int:
    """The load test, watched; the report printed (and written)."""
    prefix = Path(os.environ.get("TMPDIR", "/tmp")) / f"cpu-per-call-minute-{os.getpid()}"
    command = [sys.executable, "-m", "loadtest", "--serve", "--users", str(args.users)]
    command += ["--spawn-rate", args.spawn_rate, "--run-time", args.run_time]
    command += ["--turn-every", str(args.turn_every), "--turns", str(args.turns)]
    command += ["--csv", str(prefix), *rest]
    load_before = Path("/proc/loadavg").read_text().strip()
    root = Path(__file__).resolve().parents[1]
    loadtest = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    watchers: list[_Watcher] = []
    profile = Path(f"{prefix}_loop.txt")
    on_server = _profiler(args.profile, args.skip, profile)
    reader = threading.Thread(
        target=_follow, args=(loadtest, watchers, tier_pid, on_server), daemon=True
    )
    reader.start()
    code = _wait(loadtest, _seconds(args.run_time) + _GRACE)
    reader.join()
    if not watchers:
        raise SystemExit("the load test never started a server")
    watcher = watchers[0]
    watcher.stop()
    load = (load_before, Path("/proc/loadavg").read_text().strip())
    stats = Path(f"{prefix}_stats.csv")
    report = _report(watcher, stats, load, _seconds(args.run_time), args.skip)
    if profile.is_file():
        report["loop_profile"] = _loop_profile.summarize(profile)
    _print(report)
    if "loop_profile" in report:
        _loop_profile.print_summary(report["loop_profile"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
