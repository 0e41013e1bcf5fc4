"""The contact-center bot: one pipeline per call, from the caller's audio to the bot's voice.

::

    input -> Silero VAD (turn end by the words so far) -> speech to text -> relay
          -> language gate -> keypad -> brain [-> call flow] -> text to speech -> output

The keypad stage (:class:`~framekit.processors.dtmf.DTMFAggregator`) turns the
caller's keys into one entry (``4729#``), which the brain reads as words. The
language gate (:class:`~framekit.processors.language.LanguageGate`) answers a
caller whom the recognizer heard speak another language with a notice in that
language, and puts them through to ``TRANSFER_NUMBER`` when one is set.

A phone call (``phone=True``, what ``framekit serve`` builds) also has the call
flow (:class:`~framekit.processors.call_flow.CallFlowProcessor`): the greeting as
soon as the call starts, prompts when the line stays silent, a goodbye and hang-up
after the last prompt, and a word to the caller when a transfer is refused; and the
announced key menu (``KEY_MENU``), whose keys act at once until the caller's first
request. The scripted callers of ``framekit demo`` and ``simulate`` speak first
and have neither. :func:`warm_up` loads every model a call uses and speaks the
call flow's sentences into the process's phrase cache before the first call.

Every provider the settings name is used, each behind the library's fallback for
its stage, so a dead service changes the voice or the wording, never the call:

* speech to text: Deepgram (``DEEPGRAM_API_KEY``), falling back to the local
  recognizer (a :class:`~framekit.processors.stt.fallback_streaming.FallbackStreamingRecognizer`
  of Deepgram and a :class:`~framekit.processors.stt.batch_stream.BatchStreamingRecognizer`);
  the local recognizer alone without a key, its engines loaded once per process
  (:func:`local_recognizer`) and passed to the stage;
* the brain: the offline intent engine, or, when a model is configured, the chain
  Claude -> GPT -> a local OpenAI-compatible server -> the offline intent engine
  (:class:`~framekit.llm.fallback.FallbackLLMService`), of which only the
  configured models are present and the intent engine always closes;
* text to speech: an HTTP TTS service (``TTS_API_URL``) -> Piper -> espeak-ng
  (:class:`~framekit.processors.tts.fallback.FallbackVoice`), espeak-ng
  only where it is installed.

The circuit breakers of the recognizers, the LLM links and the voices are the process's (one
:class:`~framekit.health.ProviderHealth`, passed to each chain): a provider that is down is
skipped by every call, not timed out by each. Both brains run the same
:func:`~framekit_contact_center.tools.build_tools` registry. The transports are
parameters, so the same bot answers a WAV file (``framekit demo``), a phone line
or a test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import shutil
from collections.abc import Callable, Sequence
from typing import Literal
from urllib.parse import urlparse

from loguru import logger

from framekit.health import ProviderHealth
from framekit.intents import IntentClassifier, IntentEngine, ToolCaller, registry_caller
from framekit.intents.processor import IntentEngineProcessor
from framekit.llm import LLMContext
from framekit.llm.events import LLMService
from framekit.llm.fallback import FallbackLink, FallbackLLMService
from framekit.llm.intent_service import IntentEngineService
from framekit.llm.placeholders import PlaceholderLLMService
from framekit.models.embeddings import SentenceEmbedder
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor
from framekit.processors.call_flow import CallFlowProcessor
from framekit.processors.dtmf import DTMFAggregator, MenuOption
from framekit.processors.language import LanguageGate
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.processors.llm.base import LLMProcessor
from framekit.processors.sensitive import SpokenEntryStage
from framekit.processors.stt.batch_stream import BatchStreamingRecognizer
from framekit.processors.stt.fallback_streaming import FallbackStreamingRecognizer
from framekit.processors.stt.second_pass import SecondPassRecognizer
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.streaming import StreamingSTTProcessor
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.processors.tts import TTSProcessor, Voice
from framekit.processors.tts.fallback import FallbackVoice
from framekit.processors.tts.phrases import PhraseCache
from framekit.processors.vad import TextTurnEndPolicy, TurnTextRelay, VADProcessor
from framekit.services.espeak import EspeakVoice
from framekit.services.moonshine import INSTALL_EXTRA as MOONSHINE_EXTRA
from framekit.services.moonshine import PACKAGED_MODEL as MOONSHINE
from framekit.services.moonshine import MoonshineEngine
from framekit.services.moonshine import is_installed as moonshine_installed
from framekit.services.piper import PiperEngine, PiperVoice
from framekit.services.silero import SileroVADEngine
from framekit.services.whisper import PACKAGED_MODEL as WHISPER_BASE
from framekit.services.whisper import WhisperEngine
from framekit.tools import ToolRegistry, ToolRunner
from framekit_contact_center.model_tier import (
    APOLOGY,
    ApologyOnLostWords,
    tier_recognizer,
    tier_voice,
)
from framekit_contact_center.settings import SECOND_PASS_MODEL, Settings, redactor

__all__ = [
    "SYSTEM_PROMPT",
    "Brain",
    "build_bot",
    "call_flow",
    "intent_engine",
    "local_recognizer",
    "provider_health",
    "warm_up",
]

Brain = Literal["auto", "intents", "llm"]

SYSTEM_PROMPT = (
    "You answer the phone for Northwind, an online shop. Everything you write is spoken, so be "
    "brief and warm: one or two short sentences, no lists, no markdown. Read order numbers and "
    "phone numbers digit by digit. "
    "Say only what a tool returned. Never state an order status, a date, a carrier or a booking "
    "that a tool did not return, and never invent an order. Look orders up with order_status or "
    "order_tracking. If the lookup returns an error, say you can't find that order, and ask the "
    "caller to repeat the number digit by digit or type it on the keypad. If the second number "
    "can't be found either, offer to put them through to a colleague with transfer_to_human. "
    "To book, call check_availability for the day first. If the time they want is not free, "
    "offer the nearest free times. Read the day and time back and ask them to confirm. Book only "
    "when they say yes. "
    "To move or cancel an appointment, first call find_appointment, with their name or with the "
    "phone number they give you. Tell them which appointment you found. Confirm before moving or "
    "cancelling it, and act only when they say yes. "
    "For questions about the shop, call faq_answer with one of these topics: hours, returns, "
    "exchanges, refunds, shipping, international, payment, location, damaged, order_changes, "
    "gift_cards, price_match. Say its answer in your own words and add nothing. "
    "If you don't understand the caller, ask them to say it again. After two turns you can't "
    "understand, offer a colleague. When they ask for a person, or you can't help, call "
    "transfer_to_human. "
    "After you answer, ask if there's anything else. When they say goodbye, say goodbye and call "
    "end_call."
)
_TURN_END = TextTurnEndPolicy()  # stateless: one serves every call
_BREAKERS = ProviderHealth()  # the process's: a provider that is down is skipped by every call
_PIPELINE_RATE = PipelineParams().audio_out_sample_rate
# What the VAD and the STT hear: the input transport converts the line (Twilio's 8 kHz
# mu-law) once to it. The local recognizers take 16 kHz only; Deepgram is asked for it.
_CALLER_RATE = PipelineParams().audio_in_sample_rate

# The chain's deadlines (docs/llm.md, "Measured": a 1 s stall deadline switches in
# under 1.5 s on local servers). A model that has not started answering within the
# budget is passed over for the next link; once the budget is spent the intent
# engine answers at once.
_SILENCE_BUDGET = 2.0
_STALL = 1.0
_LOCAL_NO_KEY = "sk-no-key-required"  # never OPENAI_API_KEY: it must not go to another server


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
    phone: bool = False,
    phrase_cache: PhraseCache | None = None,
    record_point: FrameProcessor | None = None,
) -> PipelineTask:
    """One call of the contact-center bot between two transports, metrics on.

    ``engine`` is the process's :class:`IntentEngine` (it holds the embedding
    model, so build it once and pass it to every call): the offline brain, or the
    last link of the LLM chain, which then shares its classifier. Without it the
    offline brain builds one, and the chain's last link embeds the intents'
    examples when it first answers. ``brain="auto"`` takes the LLM chain when
    :attr:`Settings.llm_providers` names a model.

    ``phone`` adds the call flow and the key menu (see the module's docstring);
    ``phrase_cache`` (the process's) replays fixed sentences instead of
    synthesizing them again. ``record_point`` (a call record's) goes right after the
    speech-to-text stage, before any stage that answers the caller's words itself.

    ``interim_results`` gives the turn-end policy the caller's words while they
    speak. It is off by default: Whisper on a shared CPU decodes slower than people
    talk, so interim decodes only queue up in front of the final one (see
    ``docs/vad.md``); without words the policy waits its "unknown" 0.6 s.
    """
    use_llm = brain == "llm" or (brain == "auto" and bool(settings.llm_providers))
    menu = {key: MenuOption(f"key-{key}", text) for key, text in settings.key_menu}
    head: list[FrameProcessor] = [
        transport_input,
        # The process's model: loaded once (warm_up does it off the event loop), then cached.
        VADProcessor(SileroVADEngine.shared(_CALLER_RATE), turn_end=_TURN_END),
        *([ApologyOnLostWords()] if _models_remote_only(settings) else []),
        _speech_to_text(settings, captions=not phone),
        SpokenEntryStage(),  # a spoken card number stops here (docs/privacy.md)
        TurnTextRelay(),
        *([record_point] if record_point is not None else []),
        LanguageGate(transfer_to=settings.transfer_number),
        DTMFAggregator(timeout=settings.dtmf_timeout, menu=menu if phone else None, menu_once=True),
    ]
    tts = _text_to_speech(settings, phrase_cache)
    spoken: list[FrameProcessor] = [call_flow(settings), tts] if phone else [tts]
    if use_llm:
        body = _llm_stages(settings, tools, spoken, engine)
    else:
        engine = engine or intent_engine(registry_caller(tools))
        body = [IntentEngineProcessor(engine, transfer_to=settings.transfer_number), *spoken]
    return PipelineTask(
        Pipeline([*head, *body, transport_output]),
        params=PipelineParams(enable_metrics=True, idle_timeout=idle_timeout),
        observers=observers,
        call_id=call_id,
    )


def provider_health() -> ProviderHealth:
    """The process's provider breakers, shared by every call (what ``/metrics`` reports)."""
    return _BREAKERS


def intent_engine(
    tools: ToolCaller,
    *,
    classifier: IntentClassifier | None = None,
    clock: Callable[[], dt.datetime] = dt.datetime.now,
) -> IntentEngine:
    """The offline brain, with the process's embedding model (``classifier``: one built with it).

    Blocking: the first one loads the model and embeds the intents' examples (about a
    second), so a server or a command builds it in a thread, once per process.
    """
    if classifier is not None:
        return IntentEngine(tools, classifier=classifier, clock=clock)
    return IntentEngine(tools, embedder=SentenceEmbedder.shared(), clock=clock)


def call_flow(settings: Settings) -> CallFlowProcessor:
    """The greeting and silence handling of a phone call, as the settings say."""
    return CallFlowProcessor(
        greeting=settings.greeting or None,
        silence_timeout=settings.silence_timeout,
        max_silence_prompts=settings.silence_prompts,
    )


async def warm_up(settings: Settings, phrase_cache: PhraseCache) -> None:
    """Load every model a call of this bot uses, and speak its fixed sentences once.

    What a call would otherwise do on its first use: load Silero, the local
    recognizer (and decode once) and the voice, and synthesize the greeting and
    prompts into ``phrase_cache``. A server awaits it before it listens.
    """
    await asyncio.to_thread(SileroVADEngine.shared, _CALLER_RATE)
    remote_only = _models_remote_only(settings)  # MODEL_TIER_FALLBACK=apology: no local model
    if not remote_only:
        recognizer = await asyncio.to_thread(local_recognizer, settings.stt_model)
        await UtteranceSTTProcessor(recognizer).warm_up()
    gate = LanguageGate()
    await gate.warm_up(_PIPELINE_RATE)
    if not remote_only:
        await PiperEngine.shared_async(settings.tts_voice)
    tts = _text_to_speech(settings, phrase_cache)
    try:
        phrases = [*call_flow(settings).phrases, *gate.phrases, *([APOLOGY] if remote_only else [])]
        await tts.warm_up(phrases, sample_rate=_PIPELINE_RATE)
    finally:
        await tts.cleanup()


def _speech_to_text(settings: Settings, *, captions: bool) -> FrameProcessor:
    """Deepgram when a key is set, with the local recognizer as its fallback; else the latter.

    ``captions``: the local recognizer also decodes every second of speech for interim
    words (a browser shows them); a phone call has only the decodes at pauses, which
    are what the turn-end policy reads.

    The fallback is one streaming stage over a chain of recognizers, its breakers the
    process's (Deepgram down: every call starts on the local recognizer, none waits).
    """
    if not settings.deepgram_api_key:
        return _local_stt(settings, captions=captions)
    from framekit.services.deepgram import DeepgramRecognizer, DeepgramSettings

    deepgram = DeepgramRecognizer(
        DeepgramSettings(
            api_key=settings.deepgram_api_key, url=settings.deepgram_url, sample_rate=_CALLER_RATE
        )
    )
    local = BatchStreamingRecognizer(_batch_recognizer(settings))
    return StreamingSTTProcessor(FallbackStreamingRecognizer([deepgram, local], health=_BREAKERS))


def _local_stt(settings: Settings, *, captions: bool) -> UtteranceSTTProcessor:
    """The utterance stage with the batch recognizer, with interim results."""
    options = UtteranceOptions(interim_results=True, interim_interval=1.0 if captions else None)
    return UtteranceSTTProcessor(_batch_recognizer(settings), options)


def _batch_recognizer(settings: Settings) -> Recognizer:
    """The model tier's (``MODEL_TIER_URL``, with its fallback), else ``STT_MODEL``'s."""
    if settings.model_tier_url:
        return tier_recognizer(settings, _BREAKERS, lambda: local_recognizer(settings.stt_model))
    return local_recognizer(settings.stt_model)


def _models_remote_only(settings: Settings) -> bool:
    """Whether the call node runs no speech model: a model tier that apologises when down."""
    return bool(settings.model_tier_url) and settings.model_tier_fallback == "apology"


def local_recognizer(model: str) -> Recognizer:
    """The recognizer ``STT_MODEL`` names: Moonshine, Moonshine then Whisper, or a Whisper.

    Loads its engines on first use (blocking; :func:`warm_up` does it in a thread before
    a server listens) and returns the process's shared ones after that.

    ``moonshine+whisper``: Moonshine hears every utterance (favouring number words
    after "what's your order number?"), Whisper base again the ones Moonshine is
    unsure of, and it identifies another language (``docs/stt.md``, "Choosing the
    engines").
    ``moonshine``: Moonshine alone, several times cheaper than Whisper base on a
    small CPU; any other name is a Whisper model. Without the ``moonshine`` extra
    the first two fall back to the packaged Whisper base, and say so once.
    """
    if model in (MOONSHINE, SECOND_PASS_MODEL):
        if moonshine_installed():
            moonshine = MoonshineEngine.shared()
            if model == SECOND_PASS_MODEL:
                # Per call: the combination is free, and its statistics are the call's.
                return SecondPassRecognizer(moonshine, WhisperEngine.shared(allow_download=False))
            return moonshine
        _warn_no_moonshine(model)
        model = WHISPER_BASE
    return WhisperEngine.shared(model, allow_download=False)


@functools.cache
def _warn_no_moonshine(model: str) -> None:
    logger.warning(
        f"STT_MODEL={model} but the extra is missing ({MOONSHINE_EXTRA}): "
        f"using Whisper {WHISPER_BASE}, several times slower"
    )


def _text_to_speech(settings: Settings, phrases: PhraseCache | None) -> TTSProcessor:
    """HTTP TTS (when configured) -> Piper -> espeak-ng (when installed), one voice per sentence.

    Always a fallback voice, even with Piper alone: the stage is the same in every
    configuration, for metrics and for tests. The voices' breakers are the process's.
    """
    voices: dict[str, Voice] = {}  # by the short name metrics and the demo print
    if settings.tts_api_url:
        from framekit.services.http_tts import HTTPVoice, HTTPVoiceSettings

        # Short deadlines: until they pass, the caller hears nothing of the sentence.
        http = HTTPVoiceSettings(
            url=settings.tts_api_url,
            api_key=settings.tts_api_key,
            connect_timeout=1.0,
            first_audio_timeout=2.0,
        )
        key = f"http:{_host(settings.tts_api_url)}"
        voices[key] = HTTPVoice(http, name=f"tts:{key}")
    if settings.model_tier_url:
        voices["model-tier"] = tier_voice(settings)
    if not _models_remote_only(settings):
        # The process's voice: loaded once (warm_up does it off the event loop), then cached.
        voices["piper"] = PiperVoice(PiperEngine.shared(settings.tts_voice), name="tts:piper")
    if _espeak_installed():
        voices["espeak-ng"] = EspeakVoice(name="tts:espeak-ng")
    return TTSProcessor(
        FallbackVoice(list(voices.values()), health=_BREAKERS),  # breakers keyed by voice name
        phrase_cache=phrases,
        repeated_sentences=True,  # the intent engine's templated answers: spoken once
        name="tts:" + ">".join(voices),
    )


def _llm_stages(
    settings: Settings,
    tools: ToolRegistry,
    spoken: Sequence[FrameProcessor],
    engine: IntentEngine | None,
) -> list[FrameProcessor]:
    """user -> LLM chain -> assistant -> tools -> [call flow ->] TTS.

    See ``docs/llm.md``.
    """
    context = LLMContext(SYSTEM_PROMPT, tools=tools.schemas(), max_turns=40)
    aggregators = create_context_aggregators(context)
    return [
        aggregators.user,
        LLMProcessor(_brain(settings, engine)),
        aggregators.assistant,
        ToolRunner(tools),
        *spoken,
    ]


def _brain(settings: Settings, engine: IntentEngine | None) -> FallbackLLMService:
    """Claude -> GPT -> local model, those configured, then always the offline intent engine.

    The SDKs do not retry (``max_retries=0``): the next link answers sooner than a
    backoff. The intent engine's tool calls go through the pipeline's ``ToolRunner``
    like a model's, so the context stays whole whichever link answers next.
    """
    if not settings.llm_providers:
        needed = "ANTHROPIC_API_KEY, OPENAI_API_KEY or LOCAL_LLM_BASE_URL"
        raise ValueError(f"brain='llm' needs {needed}")
    links: list[FallbackLink] = []
    if settings.anthropic_api_key:
        from framekit.services.anthropic import AnthropicLLMService

        claude = AnthropicLLMService(
            api_key=settings.anthropic_api_key,
            base_url=settings.anthropic_base_url,
            model=settings.anthropic_model,
            max_tokens=400,
            max_retries=0,
        )
        links.append(FallbackLink(_placeholders(settings, claude), stall_timeout=_STALL))
    if settings.openai_api_key or settings.local_llm_base_url:
        from framekit.services.openai import OpenAILLMService

        if settings.openai_api_key:
            gpt = OpenAILLMService(
                api_key=settings.openai_api_key,
                base_url=settings.openai_base_url,
                model=settings.openai_model,
                max_retries=0,
            )
            links.append(FallbackLink(_placeholders(settings, gpt), stall_timeout=_STALL))
        if settings.local_llm_base_url:
            local = OpenAILLMService(
                api_key=settings.local_llm_api_key or _LOCAL_NO_KEY,
                base_url=settings.local_llm_base_url,
                model=settings.local_llm_model,
                max_retries=0,
            )
            name = f"local:{settings.local_llm_model}"
            private = _placeholders(settings, local, cloud=False)
            links.append(FallbackLink(private, stall_timeout=_STALL, name=name))
    if engine is not None:
        offline = IntentEngineService(classifier=engine.classifier)
    else:  # embeds the intents' examples when it first answers
        offline = IntentEngineService(embedder=SentenceEmbedder.shared())
    links.append(FallbackLink(offline))
    return FallbackLLMService(links, health=_BREAKERS, silence_budget=_SILENCE_BUDGET)


def _placeholders(settings: Settings, model: LLMService, *, cloud: bool = True) -> LLMService:
    """``model`` seeing callers' personal data as placeholders, as ``LLM_PLACEHOLDERS`` says.

    On for the cloud models by default: they need no caller's card, phone or email to
    answer (the tools get the real values), so none leaves for a third party's servers.
    A local model runs on the operator's machines: ``all`` covers it too.
    """
    wanted = settings.llm_placeholders == "all" or (cloud and settings.llm_placeholders == "on")
    return PlaceholderLLMService(model, redactor(settings)) if wanted else model


def _host(url: str) -> str:
    """``host:port`` of ``url``: a breaker key without the credentials a URL may carry."""
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port}" if parsed.port else str(parsed.hostname)


@functools.cache
def _espeak_installed() -> bool:
    return shutil.which("espeak-ng") is not None
