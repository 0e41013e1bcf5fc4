"""build_bot: the offline brain by default; every configured provider, as fallback chains."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import cast

import pytest
from framekit_contact_center.bot import build_bot
from framekit_contact_center.data import BusinessStore
from framekit_contact_center.seed import seed_store
from framekit_contact_center.settings import Settings
from framekit_contact_center.tools import build_tools

from framekit.intents import IntentEngine
from framekit.intents.processor import IntentEngineProcessor
from framekit.pipeline import Pipeline
from framekit.processors import FrameProcessor
from framekit.processors.dtmf import DTMFAggregator
from framekit.processors.language import LanguageFilter, NoticeVoice
from framekit.processors.sensitive import SpokenEntryStage
from framekit.processors.stt.second_pass import SecondPassRecognizer
from framekit.processors.stt.utterance import UtteranceSTTProcessor
from framekit.processors.tts import TTSProcessor
from framekit.processors.tts.fallback import FallbackVoice
from framekit.processors.vad import TurnTextRelay, VADProcessor
from framekit.services.moonshine import MoonshineEngine
from framekit.services.piper import PiperVoice
from framekit.services.whisper import ModelUnavailableError, WhisperEngine
from framekit.tools import ToolRegistry, ToolRunner
from framekit.transports.twilio import MediaStreamSocket, TwilioMediaStreamTransport


@pytest.fixture
def tools(tmp_path: Path) -> ToolRegistry:
    store = BusinessStore(tmp_path / "shop.db")
    seed_store(store, today=dt.date(2026, 11, 25))
    return build_tools(store)


def _stages(task_pipeline: FrameProcessor) -> list[type[FrameProcessor]]:
    assert isinstance(task_pipeline, Pipeline)
    return [type(p) for p in task_pipeline.processors()]


class _FakeEngine:
    """Stands in for the IntentEngine (which loads a model): the processor asks for state."""

    def new_state(self) -> object:
        return object()


def test_offline_brain_by_default(tools: ToolRegistry) -> None:
    source, sink = FrameProcessor(), FrameProcessor()
    task = build_bot(
        source, sink, Settings(), tools=tools, engine=cast(IntentEngine, _FakeEngine())
    )
    assert _stages(task.pipeline) == [
        FrameProcessor,
        VADProcessor,
        UtteranceSTTProcessor,
        SpokenEntryStage,  # a spoken card number stops here
        TurnTextRelay,
        LanguageFilter,  # the language gate: a caller heard in another language is told so
        NoticeVoice,
        DTMFAggregator,
        IntentEngineProcessor,
        TTSProcessor,
        FrameProcessor,
    ]
    assert task.params.enable_metrics
    tts = list(task.pipeline.processors())[-2]
    assert isinstance(tts, TTSProcessor)
    assert isinstance(tts.voice, FallbackVoice)
    assert isinstance(tts.voice.voices[0], PiperVoice)  # no TTS_API_URL: Piper speaks first
    stt = list(task.pipeline.processors())[2]
    assert isinstance(stt, UtteranceSTTProcessor)
    # the 'moonshine' and 'whisper' extras are in 'dev'
    assert isinstance(stt.recognizer, SecondPassRecognizer)
    assert stt.recognizer.first is MoonshineEngine.shared()
    assert stt.recognizer.second is WhisperEngine.shared(allow_download=False)


@pytest.mark.parametrize(
    ("model", "recognizer"),
    [
        ("moonshine", MoonshineEngine),  # Moonshine alone
        ("base", WhisperEngine),  # any other name is a Whisper model
    ],
)
def test_stt_model_names_the_recognizer(tools: ToolRegistry, model: str, recognizer: type) -> None:
    settings = Settings(stt_model=model)
    task = build_bot(
        FrameProcessor(),
        FrameProcessor(),
        settings,
        tools=tools,
        engine=cast(IntentEngine, _FakeEngine()),
    )
    stt = list(task.pipeline.processors())[2]
    assert isinstance(stt, UtteranceSTTProcessor)
    assert type(stt.recognizer) is recognizer


def test_another_whisper_model_is_loaded_when_the_bot_is_built(tools: ToolRegistry) -> None:
    """Never downloaded: a Whisper name that is not on this machine fails the build at once."""
    with pytest.raises(ModelUnavailableError, match="no-such-whisper"):
        build_bot(
            FrameProcessor(),
            FrameProcessor(),
            Settings(stt_model="no-such-whisper"),
            tools=tools,
            engine=cast(IntentEngine, _FakeEngine()),
        )


def test_without_the_moonshine_extra_the_default_is_whisper_base(
    tools: ToolRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "moonshine_cpp", None)  # as if not installed
    task = build_bot(
        FrameProcessor(),
        FrameProcessor(),
        Settings(),
        tools=tools,
        engine=cast(IntentEngine, _FakeEngine()),
    )
    stt = list(task.pipeline.processors())[2]
    assert isinstance(stt, UtteranceSTTProcessor)
    assert isinstance(stt.recognizer, WhisperEngine)


def test_an_api_key_brings_the_llm_chain_with_the_same_tools(tools: ToolRegistry) -> None:
    pytest.importorskip("anthropic")
    from framekit.llm.fallback import FallbackLLMService
    from framekit.processors.llm.base import LLMProcessor

    task = build_bot(
        FrameProcessor(), FrameProcessor(), Settings(anthropic_api_key="sk-test"), tools=tools
    )
    stages = _stages(task.pipeline)
    assert LLMProcessor in stages
    assert IntentEngineProcessor not in stages
    assert stages.index(ToolRunner) < stages.index(TTSProcessor)
    llm = next(p for p in task.pipeline.processors() if isinstance(p, LLMProcessor))
    assert isinstance(llm.service, FallbackLLMService)
    # Claude, then the offline intent engine: a dead model never leaves the caller in silence.
    assert [link.service.provider for link in llm.service.links] == ["anthropic", "intents"]
    context = next(p.llm_context for p in task.pipeline.processors() if hasattr(p, "llm_context"))
    assert {tool["name"] for tool in context.tools} == {tool.name for tool in tools}


def test_the_chain_holds_every_configured_model_in_order(tools: ToolRegistry) -> None:
    pytest.importorskip("anthropic")
    pytest.importorskip("openai")
    from framekit.processors.llm.base import LLMProcessor

    settings = Settings(
        anthropic_api_key="sk-ant",
        openai_api_key="sk-openai",
        local_llm_base_url="http://127.0.0.1:8080/v1",
        local_llm_model="llama-test",
    )
    task = build_bot(FrameProcessor(), FrameProcessor(), settings, tools=tools)
    llm = next(p for p in task.pipeline.processors() if isinstance(p, LLMProcessor))
    links = llm.service.links  # type: ignore[attr-defined]
    assert [link.key for link in links] == [
        "anthropic:claude-haiku-4-5",
        "openai:gpt-4o-mini",
        "local:llama-test",
        "intents:intent-engine",
    ]
    # The local server never gets the OpenAI key.
    assert links[2].service.client.api_key != "sk-openai"


def test_asking_for_the_llm_without_a_model_fails_clearly(tools: ToolRegistry) -> None:
    with pytest.raises(ValueError, match="ANTHROPIC_API_KEY, OPENAI_API_KEY or LOCAL_LLM_BASE_URL"):
        build_bot(FrameProcessor(), FrameProcessor(), Settings(), tools=tools, brain="llm")


@pytest.mark.parametrize("deepgram", [False, True])
def test_a_phone_line_runs_the_call_at_8_khz(tools: ToolRegistry, deepgram: bool) -> None:
    """A Twilio head: the VAD and the utterance stage hear the line's 8 kHz as it is (each
    decode's audio brought to 16 kHz once); Deepgram's stage keeps 16 kHz, as a browser
    call does."""
    line = TwilioMediaStreamTransport(cast(MediaStreamSocket, object()))
    head = Pipeline([line.input(), FrameProcessor()])
    settings = Settings(deepgram_api_key="key" if deepgram else None)
    engine = cast(IntentEngine, _FakeEngine())

    phone = build_bot(head, line.output(), settings, tools=tools, engine=engine, phone=True)
    browser = build_bot(FrameProcessor(), FrameProcessor(), settings, tools=tools, engine=engine)

    rate = 16000 if deepgram else 8000
    assert phone.params.audio_in_sample_rate == rate
    (vad,) = [p for p in phone.pipeline.processors() if isinstance(p, VADProcessor)]
    assert vad.detector.sample_rate == rate
    assert browser.params.audio_in_sample_rate == 16000
