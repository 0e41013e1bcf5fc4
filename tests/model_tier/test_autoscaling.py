"""The tier's autoscaling on a real two-raylet Ray cluster: load adds a replica, idle removes it.

The voice (``/tts``) is deployed with 1 to 2 replicas, a target of one ongoing request
each, and short delays (look back 5 s, up 2 s, down 10 s; Ray's defaults, 30/30/600 s,
would make the test minutes long). Six callers ask for speech without pause; Serve's
controller, sampled by a separate Ray driver (:class:`~model_tier.ray_cluster.ReplicaWatcher`),
must start a second replica, the second must answer requests too, and once the callers
stop it must be removed. The recognizer stays at one replica. The test process never
imports Ray.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

for _module in ("ray", "piper", "moonshine_cpp"):
    pytest.importorskip(_module, reason="the model tier needs the models extra")

from framekit.services.model_tier.protocol import REPLICA_HEADER, TTS_PATH  # noqa: E402
from model_tier.ray_cluster import (  # noqa: E402
    RayCluster,
    ReplicaWatcher,
    free_port,
    model_tier_with,
)

pytestmark = pytest.mark.timeout(300)

CALLERS = 6
TEXT = "Your order shipped yesterday by courier and should arrive within three business days."
_SCALING = (
    "ScalingOptions(min_replicas=1, max_replicas=2, target_ongoing_requests=1.0,"
    " num_cpus=0.5, max_ongoing_requests=4, look_back_period_s=5.0, upscale_delay_s=2.0,"
    " downscale_delay_s=10.0)"
)


class VoiceLoad:
    """``CALLERS`` threads that each ask ``/tts`` for ``TEXT`` again as soon as it is spoken."""

    def __init__(self, url: str) -> None:
        self.replicas: Counter[str] = Counter()
        self._url = url + TTS_PATH
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._speak) for _ in range(CALLERS)]
        for thread in self._threads:
            thread.start()

    def _speak(self) -> None:
        body = json.dumps({"text": TEXT}).encode()
        while not self._stop.is_set():
            request = urllib.request.Request(
                self._url, data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                self.replicas[response.headers[REPLICA_HEADER]] += 1

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)


def _starting(states: dict[str, int]) -> bool:
    return states.get("STARTING", 0) + states.get("RUNNING", 0) >= 2


def test_load_adds_a_voice_replica_and_idle_removes_it(cluster: RayCluster) -> None:
    began = time.time()
    port = free_port()
    options = (
        "TierOptions(stt=ScalingOptions(min_replicas=1, max_replicas=1, num_cpus=0.5),"
        f" tts={_SCALING}, port={port}, proxy_location='HeadOnly')"
    )
    with model_tier_with(cluster, options, port) as tier:
        ready = time.time()
        watcher = ReplicaWatcher(cluster, "framekit-tts", "Speech")
        try:
            watcher.wait_for(1, within=60)
            loaded = time.time()
            load = VoiceLoad(tier.url)
            try:
                started = watcher.wait_until(_starting, within=120, since=loaded) - loaded
                added = watcher.wait_for(2, within=120, since=loaded) - loaded
                time.sleep(5.0)  # both replicas answer
            finally:
                load.stop()
            idle = time.time()
            removed = watcher.wait_for(1, within=90, since=idle) - idle
        finally:
            watcher.stop()
    print(
        f"\ntier ready {ready - began:.0f} s after the test began; second voice replica "
        f"starting {started:.1f} s and running {added:.1f} s after {CALLERS} callers began, "
        f"removed {removed:.1f} s after they stopped; answers by replica "
        f"{sorted(load.replicas.values())}; /proc/loadavg "
        f"{Path('/proc/loadavg').read_text().split()[0]}"
    )
    assert len(load.replicas) == 2, load.replicas
