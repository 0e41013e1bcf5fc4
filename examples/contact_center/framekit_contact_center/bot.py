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

This module puts the call together; each stage's choice of provider is a module of
its own: :mod:`~framekit_contact_center.bot_stt`, :mod:`~framekit_contact_center.bot_brain`
and :mod:`~framekit_contact_center.bot_tts`, over what the process shares
(:mod:`~framekit_contact_center.bot_process`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from framekit.intents import IntentEngine, registry_caller
from framekit.intents.processor import IntentEngineProcessor
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor
from framekit.processors.call_flow import CallFlowProcessor
from framekit.processors.dtmf import DTMFAggregator, MenuOption
from framekit.processors.language import LanguageGate
from framekit.processors.sensitive import SpokenEntryStage
from framekit.processors.stt.utterance import UtteranceSTTProcessor
from framekit.processors.tts.phrases import PhraseCache
from framekit.processors.vad import TextTurnEndPolicy, TurnTextRelay, VADProcessor
from framekit.services.piper import PiperEngine
from framekit.services.silero import SileroVADEngine
from framekit.tools import ToolRegistry
from framekit_contact_center.bot_brain import SYSTEM_PROMPT, intent_engine
from framekit_contact_center.bot_brain import llm_stages as _llm_stages  # tests import it here
from framekit_contact_center.bot_process import (
    CALLER_RATE,
    LINE_RATE,
    PIPELINE_RATE,
    caller_rate,
    models_remote_only,
    provider_health,
)
from framekit_contact_center.bot_stt import local_recognizer, speech_to_text
from framekit_contact_center.bot_tts import text_to_speech
from framekit_contact_center.model_tier import APOLOGY, ApologyOnLostWords
from framekit_contact_center.settings import Settings

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

    A Twilio ``transport_input`` runs the call at the line's 8 kHz
    (:func:`~framekit_contact_center.bot_process.caller_rate`), anything else at 16 kHz.
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
    rate = caller_rate(settings, transport_input)  # a phone line's 8 kHz, not resampled
    head: list[FrameProcessor] = [
        transport_input,
        # The process's model: loaded once (warm_up does it off the event loop), then cached.
        VADProcessor(SileroVADEngine.shared(rate), turn_end=_TURN_END),
        *([ApologyOnLostWords()] if models_remote_only(settings) else []),
        speech_to_text(settings, captions=not phone),
        SpokenEntryStage(),  # a spoken card number stops here (docs/privacy.md)
        TurnTextRelay(),
        *([record_point] if record_point is not None else []),
        LanguageGate(transfer_to=settings.transfer_number),
        DTMFAggregator(timeout=settings.dtmf_timeout, menu=menu if phone else None, menu_once=True),
    ]
    tts = text_to_speech(settings, phrase_cache)
    spoken: list[FrameProcessor] = [call_flow(settings), tts] if phone else [tts]
    if use_llm:
        body = _llm_stages(settings, tools, spoken, engine)
    else:
        engine = engine or intent_engine(registry_caller(tools))
        body = [IntentEngineProcessor(engine, transfer_to=settings.transfer_number), *spoken]
    return PipelineTask(
        Pipeline([*head, *body, transport_output]),
        params=PipelineParams(
            audio_in_sample_rate=rate, enable_metrics=True, idle_timeout=idle_timeout
        ),
        observers=observers,
        call_id=call_id,
    )


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
    await asyncio.to_thread(SileroVADEngine.shared, CALLER_RATE)
    await asyncio.to_thread(SileroVADEngine.shared, LINE_RATE)
    remote_only = models_remote_only(settings)  # MODEL_TIER_FALLBACK=apology: no local model
    if not remote_only:
        recognizer = await asyncio.to_thread(local_recognizer, settings.stt_model)
        await UtteranceSTTProcessor(recognizer).warm_up()
    gate = LanguageGate()
    await gate.warm_up(PIPELINE_RATE)
    if not remote_only:
        await PiperEngine.shared_async(settings.tts_voice)
    tts = text_to_speech(settings, phrase_cache)
    try:
        phrases = [*call_flow(settings).phrases, *gate.phrases, *([APOLOGY] if remote_only else [])]
        await tts.warm_up(phrases, sample_rate=PIPELINE_RATE)
    finally:
        await tts.cleanup()
