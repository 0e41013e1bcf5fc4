"""The settings of the services the contact center talks to, and their checks.

Twilio (the phone line and its REST API), the language models, Deepgram, the voices,
the WebRTC relays and the trace collector. Why a module of its own: each provider
brings variables that mean nothing alone (a base URL without its key), and those
rules read best next to the provider's other checks, not among the shop's.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Mapping
from typing import Any

from framekit_contact_center.settings_values import existing_file, not_empty, url

__all__ = ["NEEDS", "PARSERS", "twilio_problems"]


def _twilio_sid(value: str) -> str:
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", value):
        raise ValueError("must be 'AC' followed by 32 hexadecimal digits (see the Twilio console)")
    return value


def _phone(value: str) -> str:
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", value):
        raise ValueError("must be a phone number in E.164 form, like +15550100")
    return value


def _transfer_target(value: str) -> str:
    if value.lower().startswith(("sip:", "sips:")):
        if "@" not in value or any(c.isspace() for c in value):
            raise ValueError("must be a SIP URI like sip:agent@pbx.example.com")
        return value
    return _phone(value)


def _otlp_endpoint(value: str) -> str:
    url(("http", "https"))(value)
    if importlib.util.find_spec("opentelemetry.sdk") is None:
        raise ValueError("needs opentelemetry: pip install 'framekit[otel]'")
    return value


def _tier_fallback(value: str) -> str:
    if value not in ("local", "apology"):
        raise ValueError("must be 'local' (the local models answer) or 'apology'")
    return value


def _ice_urls(value: str) -> str:
    for item in value.split(","):
        if item.strip() and not item.strip().startswith(("stun:", "stuns:", "turn:", "turns:")):
            raise ValueError("must be stun: or turn: URLs, comma-separated")
    return value


PARSERS: dict[str, Callable[[str], Any]] = {
    "twilio_account_sid": _twilio_sid,
    "twilio_auth_token": not_empty,
    "twilio_phone_number": _phone,
    "anthropic_api_key": not_empty,
    "anthropic_base_url": url(("http", "https")),
    "openai_api_key": not_empty,
    "openai_base_url": url(("http", "https")),
    "local_llm_base_url": url(("http", "https")),
    "local_llm_api_key": not_empty,
    "deepgram_api_key": not_empty,
    "deepgram_url": url(("wss", "ws", "https", "http")),
    "tts_voice": existing_file,
    "tts_api_url": url(("http", "https")),
    "tts_api_key": not_empty,
    "stt_model": not_empty,
    "model_tier_url": url(("http", "https")),
    "model_tier_fallback": _tier_fallback,
    "transfer_number": _transfer_target,
    "twilio_api_base_url": url(("http", "https")),
    "otel_exporter_otlp_endpoint": _otlp_endpoint,
    "webrtc_ice_servers": _ice_urls,
    "webrtc_turn_username": not_empty,
    "webrtc_turn_password": not_empty,
}
"""The check of each provider setting, by field name."""

NEEDS: dict[str, tuple[str, str]] = {
    "OPENAI_BASE_URL": (
        "OPENAI_API_KEY",
        "it only moves the OpenAI client; for a local OpenAI-compatible server "
        "(llama.cpp, vLLM, Ollama) set LOCAL_LLM_BASE_URL instead",
    ),
    "ANTHROPIC_BASE_URL": ("ANTHROPIC_API_KEY", "it only moves the Anthropic client"),
    "LOCAL_LLM_API_KEY": ("LOCAL_LLM_BASE_URL", "the local server's URL"),
    "WEBRTC_TURN_PASSWORD": ("WEBRTC_TURN_USERNAME", "the TURN servers' user"),
    "DEEPGRAM_URL": ("DEEPGRAM_API_KEY", "a self-hosted Deepgram takes any non-empty key"),
    "TTS_API_KEY": ("TTS_API_URL", "the HTTP TTS service's URL"),
    "MODEL_TIER_FALLBACK": ("MODEL_TIER_URL", "the model tier's URL"),
}
"""Provider variables that mean nothing alone: ``variable: (what it needs, why)``."""


def twilio_problems(values: Mapping[str, str]) -> list[tuple[str, str]]:
    """The Twilio account's SID without its auth token, or the token without the SID."""
    twilio = [v for v in ("twilio_account_sid", "twilio_auth_token") if values.get(v.upper())]
    if len(twilio) == 1:
        missing = ({"twilio_account_sid", "twilio_auth_token"} - set(twilio)).pop()
        return [(missing.upper(), f"is required when {twilio[0].upper()} is set")]
    return []
