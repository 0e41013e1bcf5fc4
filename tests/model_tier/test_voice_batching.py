"""The tier's voice batches concurrent sentences on a real two-raylet Ray cluster.

Deployed with ``voice_max_batch_size=8`` (on a CPU the default is 1: batching VITS saves
no CPU there, see :mod:`framekit.services.piper.batch`), one voice replica takes four
callers' sentences at once: the replica's counters must show prior and window runs
shared by several sentences, and every caller must still get its sentence streamed in
windows, not in one body at the end. The test process stands for the call nodes and
never imports Ray.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator

import pytest

for _module in ("ray", "piper", "moonshine_cpp"):
    pytest.importorskip(_module, reason="the model tier needs the models extra")

from framekit.services.model_tier import ModelTierClient, RemoteVoice  # noqa: E402
from framekit.services.model_tier.protocol import STATS_PATH, TTS_PATH  # noqa: E402
from model_tier.ray_cluster import ModelTier, RayCluster, free_port, model_tier_with  # noqa: E402

pytestmark = pytest.mark.timeout(300)

TEXTS = (
    "Your order shipped yesterday by courier.",
    "Our return policy is thirty days from delivery.",
    "I can book that appointment for tomorrow afternoon.",
    "Let me put you through to a person right away.",
)


@pytest.fixture(scope="module")
def tier(cluster: RayCluster) -> Iterator[ModelTier]:
    port = free_port()
    one = "ScalingOptions(min_replicas=1, max_replicas=1, num_cpus=0.5)"
    options = (
        f"TierOptions(voice_max_batch_size=8, stt={one}, tts={one}, port={port},"
        " proxy_location='HeadOnly')"
    )
    with model_tier_with(cluster, options, port) as running:
        yield running


def _stats(url: str) -> dict[str, list[int]]:
    with urllib.request.urlopen(url + TTS_PATH + STATS_PATH, timeout=30) as response:
        runs: dict[str, list[int]] = json.load(response)["model_runs"]
    return runs


async def _spoken(voice: RemoteVoice, text: str) -> list[bytes]:
    return [chunk async for chunk, _ in voice.synthesize(text)]


async def test_concurrent_sentences_share_the_voices_runs(tier: ModelTier) -> None:
    client = ModelTierClient(tier.url, first_byte_timeout=60)
    voice = RemoteVoice(client)
    try:
        await _spoken(voice, "Hello.")  # warm: the replica's first runs are slow
        before = await asyncio.to_thread(_stats, tier.url)
        spoken = await asyncio.gather(*(_spoken(voice, text) for text in TEXTS))
        after = await asyncio.to_thread(_stats, tier.url)
    finally:
        await client.close()
    for chunks in spoken:
        assert len(chunks) > 1  # streamed as made, not one body at the end
        assert sum(map(len, chunks)) / 2 / 22050 > 1.5
    runs, requests = (after["windows"][i] - before["windows"][i] for i in (0, 1))
    assert requests >= 3 * len(TEXTS)
    assert runs < requests, after  # windows of several sentences went through one run
    priors = after["prior"][1] - before["prior"][1]
    assert priors == len(TEXTS)
