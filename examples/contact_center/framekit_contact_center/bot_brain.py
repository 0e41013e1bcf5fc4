"""The contact-center bot's brain: the offline intent engine, or an LLM chain closed by it.

Why a module of its own: what answers the caller (the prompt, which models in which
order, their deadlines, what personal data they see) is the business's policy,
apart from how the rest of the call is put together (:mod:`~framekit_contact_center.bot`).
Both brains run the same :func:`~framekit_contact_center.tools.build_tools` registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from framekit.intents import IntentClassifier, IntentEngine, ToolCaller
from framekit.llm import LLMContext
from framekit.llm.events import LLMService
from framekit.llm.fallback import FallbackLink, FallbackLLMService
from framekit.llm.intent_service import IntentEngineService
from framekit.llm.placeholders import PlaceholderLLMService
from framekit.models.embeddings import SentenceEmbedder
from framekit.processors import FrameProcessor
from framekit.processors.llm.aggregators import create_context_aggregators
from framekit.processors.llm.base import LLMProcessor
from framekit.tools import ToolRegistry, ToolRunner
from framekit_contact_center.bot_process import provider_health
from framekit_contact_center.settings import Settings, redactor

__all__ = ["SYSTEM_PROMPT", "intent_engine", "llm_stages"]

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

# The chain's deadlines (docs/llm.md, "Measured": a 1 s stall deadline switches in
# under 1.5 s on local servers). A model that has not started answering within the
# budget is passed over for the next link; once the budget is spent the intent
# engine answers at once.
_SILENCE_BUDGET = 2.0
_STALL = 1.0
_LOCAL_NO_KEY = "sk-no-key-required"  # never OPENAI_API_KEY: it must not go to another server


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


def llm_stages(
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
    return FallbackLLMService(links, health=provider_health(), silence_budget=_SILENCE_BUDGET)


def _placeholders(settings: Settings, model: LLMService, *, cloud: bool = True) -> LLMService:
    """``model`` seeing callers' personal data as placeholders, as ``LLM_PLACEHOLDERS`` says.

    On for the cloud models by default: they need no caller's card, phone or email to
    answer (the tools get the real values), so none leaves for a third party's servers.
    A local model runs on the operator's machines: ``all`` covers it too.
    """
    wanted = settings.llm_placeholders == "all" or (cloud and settings.llm_placeholders == "on")
    return PlaceholderLLMService(model, redactor(settings)) if wanted else model
