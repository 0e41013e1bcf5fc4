"""The model tier's clients against a local HTTP server that speaks the tier's protocol.

No Ray here: the server is a small aiohttp app answering ``/stt`` and ``/tts`` the way
the tier's replicas do, with faults on demand (a failed replica's ``500``, a bad
request's ``400``), so the retry and error rules are checked
in milliseconds; ``test_model_tier.py`` checks them against a real Ray cluster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

pytest.importorskip("aiohttp")

from aiohttp import web

from framekit.processors.stt.transcript import Segment, Transcript
from framekit.processors.tts.voice import TTSError
from framekit.services.model_tier import (
    ModelTierClient,
    ModelTierError,
    RemoteRecognizer,
    RemoteVoice,
)
from framekit.services.model_tier.protocol import (
    RecognitionQuery,
    transcript_from_json,
    transcript_to_json,
)

HEARD = Transcript(
    "What are your opening hours?",
    "en",
    1.0,
    (Segment(0.0, 1.5, "What are your opening hours?", -0.1, 0.0, 0.9),),
    1.5,
)


class FakeTier:
    """``/stt`` and ``/tts`` as a replica answers them; ``failures`` answers first fail."""

    def __init__(self) -> None:
        self.failures: list[int] = []
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_post("/stt", self._stt)
        self.app.router.add_post("/tts", self._tts)

    def _failure(self) -> web.Response | None:
        if self.failures:
            return web.Response(status=self.failures.pop(0), text="replica died")
        return None

    async def _stt(self, request: web.Request) -> web.Response:
        self.requests.append(("stt", await request.read(), dict(request.query)))
        failed = self._failure()
        if failed is not None:
            return failed
        headers = {"X-Framekit-Replica": f"r{len(self.requests)}", "X-Framekit-Batch-Size": "3"}
        return web.json_response(transcript_to_json(HEARD), headers=headers)

    async def _tts(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(("tts", body["text"].encode(), {}))
        failed = self._failure()
        if failed is not None:
            return failed
        response = web.StreamResponse(headers={"X-Sample-Rate": "22050"})
        response.content_type = "application/octet-stream"
        await response.prepare(request)
        for _ in range(3):
            await response.write(b"\x01\x00" * 2205)
        await response.write_eof()
        return response


@pytest.fixture
async def tier() -> AsyncIterator[tuple[FakeTier, str]]:
    fake = FakeTier()
    runner = web.AppRunner(fake.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def test_the_protocol_round_trips_a_transcript_and_a_query() -> None:
    assert transcript_from_json(transcript_to_json(HEARD)) == HEARD
    query = RecognitionQuery(language="en", prompt="order", urgent=False, expect="digits")
    assert RecognitionQuery.from_query(query.to_query()) == query
    with pytest.raises(ValueError, match="expect"):
        RecognitionQuery.from_query({"expect": "colour"})
    with pytest.raises(ValueError, match="not a transcript"):
        transcript_from_json({"text": "hi"})


async def test_a_recognizer_sends_pcm16_and_the_query(tier: tuple[FakeTier, str]) -> None:
    fake, url = tier
    client = ModelTierClient(url)
    recognizer = RemoteRecognizer(client)
    try:
        heard = await recognizer.transcribe_async(b"\x00\x01" * 1600, expect="digits")
    finally:
        await client.close()
    assert heard == HEARD
    [(_, body, query)] = fake.requests
    assert body == b"\x00\x01" * 1600
    assert query == {"urgent": "1", "expect": "digits"}
    assert recognizer.batch_sizes == {3: 1}
    assert client.retries == 0


async def test_a_failed_replica_is_retried_once(tier: tuple[FakeTier, str]) -> None:
    fake, url = tier
    fake.failures = [500]
    client = ModelTierClient(url)
    try:
        heard = await RemoteRecognizer(client).transcribe_async(b"\x00\x00" * 1600)
    finally:
        await client.close()
    assert heard.text == HEARD.text
    assert (len(fake.requests), client.retries) == (2, 1)


async def test_two_failures_raise_and_a_bad_request_is_not_retried(
    tier: tuple[FakeTier, str],
) -> None:
    fake, url = tier
    client = ModelTierClient(url)
    try:
        fake.failures = [503, 500]
        with pytest.raises(ModelTierError, match="failed 2x: 503"):
            await RemoteRecognizer(client).transcribe_async(b"\x00\x00" * 1600)
        fake.failures = [400]
        with pytest.raises(ModelTierError, match="400"):
            await RemoteRecognizer(client).transcribe_async(b"\x00\x00" * 1600)
    finally:
        await client.close()
    assert len(fake.requests) == 3


async def test_a_tier_that_is_not_there_fails_fast() -> None:
    client = ModelTierClient("http://127.0.0.1:9", connect_timeout=1.0)
    try:
        with pytest.raises(ModelTierError, match="failed 2x"):
            await RemoteRecognizer(client).transcribe_async(b"\x00\x00" * 1600)
    finally:
        await client.close()


async def test_a_voice_streams_pcm16_at_the_rate_the_tier_names(
    tier: tuple[FakeTier, str],
) -> None:
    fake, url = tier
    client = ModelTierClient(url)
    voice = RemoteVoice(client)
    try:
        chunks = [chunk async for chunk in voice.synthesize("Hello there.")]
        fake.failures = [500, 500]
        with pytest.raises(TTSError, match="failed 2x"):
            [chunk async for chunk in voice.synthesize("Hello again.")]
    finally:
        await client.close()
    assert sum(len(pcm) for pcm, _ in chunks) == 3 * 4410
    assert {fmt.sample_rate for _, fmt in chunks} == {22050}
    assert voice.phrase_key == f"model-tier:{url}:piper"
