"""The contact-center bot: one pipeline per call, from the caller's audio to the bot's voice.

::

    input -> Silero VAD (turn end by the words so far) -> Whisper -> relay
          -> brain -> Piper -> output

The brain is the offline intent engine unless an LLM key is configured; both
run the same :func:`~framekit_contact_center.tools.build_tools` registry. The
transports are parameters, so the same bot answers a WAV file (``framekit
demo``), a phone line or a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from framekit.intents import IntentEngine, registry_caller
from framekit.intents.processor import IntentEngineProcessor
from framekit.llm import LLMContext
from framekit.llm.aggregators import create_context_aggregators
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor
from framekit.processors.stt.whisper import WhisperSTTProcessor
from framekit.processors.tts.piper import PiperTTSProcessor
from framekit.processors.vad import SileroVADProcessor, TextTurnEndPolicy, TurnTextRelay
from framekit.tools import ToolRegistry, ToolRunner
from framekit_contact_center.settings import Settings

__all__ = ["SYSTEM_PROMPT", "Brain", "build_bot"]

Brain = Literal["auto", "intents", "llm"]

SYSTEM_PROMPT = (
    "You answer the phone for Northwind, an online shop. Be brief and warm: one or two "
    "short sentences, no lists, no markdown, since everything you write is spoken. Use the "
    "tools to look up orders and tracking, check and book appointments, and answer questions "
    "about hours, returns, shipping, payment and the store's address. Read order numbers "
    "digit by digit. Confirm before booking, moving or cancelling. When the caller asks for a "
    "person, or you cannot help, call transfer_to_human; when they say goodbye, call end_call."
)
_TURN_END = TextTurnEndPolicy()  # stateless: one serves every call


def build_bot(
    transport_input: FrameProcessor,
    transport_output: FrameProcessor,
    settings: Settings,
    *,
    tools: ToolRegistry,
    engine: IntentEngine | None = None,
    brain: Brain = "auto",
    observers: Sequence[Observer] = (),
    interim_results: bool = False,
    speculative: bool = True,
    idle_timeout: float | None = 120.0,
    call_id: str | None = None,
) -> PipelineTask:
    """One call of the contact-center bot between two transports, metrics on.

    ``engine`` is the process's :class:`IntentEngine` (it holds the embedding
    model, so build it once and pass it to every call); one is built when the
    offline brain is used and none is given. ``brain="auto"`` takes the LLM when
    :attr:`Settings.llm_provider` names one.

    ``interim_results`` gives the turn-end policy the caller's words while they
    speak. It is off by default: Whisper on a shared CPU decodes slower than people
    talk, so interim decodes only queue up in front of the final one (see
    ``docs/vad.md``); without words the policy waits its "unknown" 0.6 s.
    """
    use_llm = brain == "llm" or (brain == "auto" and settings.llm_provider is not None)
    stt = WhisperSTTProcessor(model=settings.stt_model, interim_results=True, allow_download=False)
    head: list[FrameProcessor] = [
        transport_input,
        SileroVADProcessor(turn_end=_TURN_END),
        stt,
        TurnTextRelay(),
    ]
    tts = PiperTTSProcessor(voice=settings.tts_voice)
    if use_llm:
        body = _llm_stages(settings, tools, tts)
    else:
        engine = engine or IntentEngine(registry_caller(tools))
        body = [IntentEngineProcessor(engine, transfer_to=settings.transfer_number), tts]
    return PipelineTask(
        Pipeline([*head, *body, transport_output]),
        params=PipelineParams(enable_metrics=True, idle_timeout=idle_timeout),
        observers=observers,
        call_id=call_id,
    )


def _llm_stages(
    settings: Settings, tools: ToolRegistry, tts: FrameProcessor
) -> list[FrameProcessor]:
    """user -> LLM -> assistant -> tools -> TTS -> playback (see ``docs/llm.md``)."""
    context = LLMContext(SYSTEM_PROMPT, tools=tools.schemas(), max_turns=40)
    aggregators = create_context_aggregators(context)
    llm: FrameProcessor
    if settings.anthropic_api_key:
        from framekit.processors.llm.anthropic import AnthropicLLMProcessor

        llm = AnthropicLLMProcessor(
            api_key=settings.anthropic_api_key, model=settings.anthropic_model, max_tokens=400
        )
    elif settings.openai_api_key or settings.openai_base_url:
        from framekit.processors.llm.openai import OpenAILLMProcessor

        llm = OpenAILLMProcessor(
            api_key=settings.openai_api_key or "local",
            model=settings.openai_model,
            base_url=settings.openai_base_url,
        )
    else:
        raise ValueError("brain='llm' needs ANTHROPIC_API_KEY, OPENAI_API_KEY or OPENAI_BASE_URL")
    return [
        aggregators.user,
        llm,
        aggregators.assistant,
        ToolRunner(tools),
        tts,
        aggregators.playback,
    ]
