"""A call's spans, in process: the testing kit runs a pipeline, the real OTLP exporter sends.

Frames are scripted (a turn as VAD, STT, the LLM, a tool and the TTS report it) and
cross several pass-through processors, so every frame is seen on several hops: each
span must still come once. The spans go through the SDK's batch processor and OTLP/HTTP
exporter to a local collector, and are read back from what it decoded.
"""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

pytest.importorskip("opentelemetry.sdk", reason="tracing needs the 'otel' extra")

from framekit.audio import PCM16_16K
from framekit.frames import (
    BotStartedSpeakingFrame,
    Frame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioFrame,
    TTSStartedFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors import FrameProcessor
from framekit.testing import Advance, run_processor
from framekit.tracing import Tracing, TracingUnavailable
from tracing.otlp_collector import CollectedSpan, OTLPCollector

CALLER = "+15551230000"
SAID = "my order is four seven two nine"


def _turn(t: int) -> list[Frame | Advance]:
    """One answered turn (1.92 s): the caller stops, STT, the LLM, a tool, the TTS, the bot."""
    chunk = b"\0\0" * 160
    return [
        UserStartedSpeakingFrame(),
        Advance(0),
        UserStoppedSpeakingFrame(),
        Advance(0.2),
        TranscriptionFrame(text=SAID),
        Advance(0),
        LLMResponseStartFrame(response_id=f"r{t}"),
        Advance(0.3),
        LLMTextFrame(text="Let me ", response_id=f"r{t}"),
        Advance(0.05),
        LLMTextFrame(text="look.", response_id=f"r{t}"),
        FunctionCallRequestedFrame(
            call_id=f"tool{t}", function_name="order_status", arguments={"order": "4729"}
        ),
        Advance(0.1),
        FunctionCallResultFrame(
            call_id=f"tool{t}", function_name="order_status", result={"status": "shipped"}
        ),
        TTSStartedFrame(context_id=f"u{t}", text="Let me look.", response_id=f"r{t}"),
        Advance(0.15),
        TTSAudioFrame(audio=chunk, format=PCM16_16K, context_id=f"u{t}"),
        Advance(0.02),
        TTSAudioFrame(audio=chunk, format=PCM16_16K, context_id=f"u{t}"),
        Advance(0.1),
        BotStartedSpeakingFrame(),
        Advance(0),
        LLMResponseEndFrame(response_id=f"r{t}"),
        Advance(1.0),
    ]


async def _traced_call(collector: OTLPCollector) -> list[CollectedSpan]:
    tracing = Tracing(endpoint=collector.endpoint, service_name="tests", caller_key=b"k" * 32)
    tracer = tracing.call(
        "call-abc",
        transport="test",
        caller=CALLER,
        outcome=lambda cause: f"decided from {cause.value}",
    )
    greeting: list[Frame | Advance] = [
        TTSStartedFrame(context_id="greeting", text="Hello!"),
        Advance(0.25),
        TTSAudioFrame(audio=b"\0\0" * 160, format=PCM16_16K, context_id="greeting"),
        Advance(0.75),
    ]
    frames = [*greeting, *_turn(1), *_turn(2), UserStoppedSpeakingFrame(), Advance(0.5)]
    line = [FrameProcessor(), FrameProcessor(), FrameProcessor()]
    await run_processor(line, frames, observers=[tracer])
    assert tracer.finished
    await asyncio.to_thread(tracing.shutdown)
    return await collector.wait_for(lambda spans: any(s.name == "call" for s in spans))


async def test_a_call_is_one_trace_of_turns_and_their_stages() -> None:
    started = time.time_ns()
    async with OTLPCollector() as collector:
        spans = await _traced_call(collector)
    assert collector.content_types == {"application/x-protobuf"}
    [call] = [s for s in spans if s.name == "call"]
    assert call.parent_id == ""
    assert {s.trace_id for s in spans} == {call.trace_id}
    assert call.service == "tests"
    assert call.kind == 2  # SERVER: a call comes in
    assert call.attributes["framekit.call.id"] == "call-abc"
    assert call.attributes["framekit.call.transport"] == "test"
    assert len(call.attributes["framekit.call.caller_digest"]) == 16
    assert call.attributes["framekit.call.end_cause"] == "completed"
    assert call.attributes["framekit.call.outcome"] == "decided from completed"
    assert call.attributes["framekit.call.turns"] == 3
    assert started <= call.start_ns <= time.time_ns()
    assert call.seconds == pytest.approx(1.0 + 2 * 1.92 + 0.5, abs=1e-6)  # the call's clock

    turns = sorted((s for s in spans if s.name == "turn"), key=lambda s: s.start_ns)
    assert [t.parent_id for t in turns] == [call.span_id] * 3
    assert [t.attributes["framekit.turn.index"] for t in turns] == [1, 2, 3]
    assert [t.attributes["framekit.turn.answered"] for t in turns] == [True, True, False]
    for turn in turns[:2]:
        # stopped at t, then 0.2 + 0.3 + 0.05 + 0.1 + 0.15 + 0.02 + 0.1 s to the bot's audio
        assert turn.attributes["framekit.turn.voice_to_voice_ms"] == pytest.approx(920, abs=1)
        assert turn.seconds == pytest.approx(0.92, abs=1e-6)
        children = {s.name: s for s in spans if s.parent_id == turn.span_id}
        assert set(children) == {"stt", "llm", "tool order_status", "tts"}
        assert children["stt"].seconds == pytest.approx(0.2, abs=1e-6)
        assert children["stt"].attributes["framekit.stt.transcribed"] is True
        llm = children["llm"]
        assert llm.attributes["framekit.llm.first_token_ms"] == pytest.approx(300, abs=1)
        assert llm.events == ["first token"]
        assert llm.seconds == pytest.approx(0.72, abs=1e-6)  # to the response's end
        tool = children["tool order_status"]
        assert tool.attributes == {"framekit.tool.name": "order_status", "framekit.tool.ok": True}
        assert tool.seconds == pytest.approx(0.1, abs=1e-6)
        tts = children["tts"]
        assert tts.attributes["framekit.tts.first_audio_ms"] == pytest.approx(150, abs=1)
    # the last turn: the caller stopped and the call ended before any answer
    assert turns[2].seconds == pytest.approx(0.5, abs=1e-6)
    assert "framekit.turn.voice_to_voice_ms" not in turns[2].attributes
    # the greeting, before any turn, hangs under the call
    [greeting] = [s for s in spans if s.parent_id == call.span_id and s.name == "tts"]
    assert greeting.attributes["framekit.tts.first_audio_ms"] == pytest.approx(250, abs=1)
    assert len(spans) == 1 + 1 + 3 + 2 * 4 + 1  # each frame counted once, whatever its hops

    values = [str(v) for s in spans for v in s.attributes.values()]
    assert not any(CALLER in v or CALLER[1:] in v for v in values)
    assert not any("four seven" in v or "4729" in v or "shipped" in v for v in values)


async def test_a_failed_tool_and_an_interrupted_response_are_marked() -> None:
    from framekit.frames import InterruptionFrame

    async with OTLPCollector() as collector:
        tracing = Tracing(endpoint=collector.endpoint)
        tracer = tracing.call("call-x", transport="test")
        frames: list[Frame | Advance] = [
            UserStoppedSpeakingFrame(),
            Advance(0.1),
            FunctionCallResultFrame(call_id="t", function_name="book", error="no slot"),
            LLMResponseStartFrame(response_id="r"),
            Advance(0.1),
            InterruptionFrame(),
            Advance(0.1),
        ]
        await run_processor(FrameProcessor(), frames, observers=[tracer], end=False)
        await asyncio.to_thread(tracing.shutdown)
        spans = await collector.wait_for(lambda spans: any(s.name == "call" for s in spans))
    by_name = {s.name: s for s in spans}
    assert by_name["call"].attributes["framekit.call.end_cause"] == "cancelled"
    assert "framekit.call.caller_digest" not in by_name["call"].attributes  # no key: left out
    assert by_name["tool book"].attributes["framekit.tool.ok"] is False
    assert by_name["tool book"].status_code == 2  # ERROR
    assert by_name["llm"].attributes["framekit.interrupted"] is True
    assert "framekit.llm.first_token_ms" not in by_name["llm"].attributes


def test_tracing_is_off_without_an_endpoint_and_on_with_one() -> None:
    assert Tracing.from_env(environ={}) is None
    on = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    tracing = Tracing.from_env(environ=on)
    assert tracing is not None
    tracing.shutdown()
    off = {**on, "OTEL_SDK_DISABLED": "true"}
    assert Tracing.from_env(environ=off) is None
    assert Tracing.from_env(endpoint="http://127.0.0.1:9", environ=off) is None


def test_asking_for_tracing_without_the_extra_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name.startswith("opentelemetry"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if not installed
    with pytest.raises(TracingUnavailable, match=r"pip install 'framekit\[otel\]'"):
        Tracing(endpoint="http://127.0.0.1:9")


def test_the_contact_center_setting_is_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from framekit_contact_center.settings import SettingsError, load_settings

    good = load_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}, env_file=None)
    assert good.otel_exporter_otlp_endpoint == "http://otel:4318"
    with pytest.raises(SettingsError, match="must start with http:// or https://"):
        load_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": "otel:4318"}, env_file=None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(SettingsError, match=r"needs opentelemetry: pip install 'framekit\[otel\]'"):
        load_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318"}, env_file=None)
