"""``LLM_PLACEHOLDERS`` in the contact center: which links it wraps, and a served call.

The served call is ``framekit serve``'s application called as Twilio would call it
(``tests/phone_network.py``, the caller's words spoken by Piper), its brain the fake
OpenAI server as ``OPENAI_BASE_URL`` (a cloud link, so placeholders are on by
default). The caller says an email; the requests the fake received must hold its
placeholder and none of it, and the bot's answer, which the model wrote with the
placeholder, must have reached the caller with the email (stored redacted as
``[email]``, as every bot sentence is).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from framekit.llm.placeholders import PlaceholderLLMService
from framekit.processors import FrameProcessor
from framekit.processors.llm.base import LLMProcessor
from framekit.testing.fakes._llm_script import Step, Text
from framekit.testing.fakes.openai_server import FakeOpenAIServer
from framekit.tools import ToolRegistry

pytestmark = pytest.mark.timeout(240)

SAID = "My email is john dot smith at example dot com."
LEAKS = ["smith", "example"]


@pytest.mark.parametrize(
    ("setting", "wrapped"),
    [("on", [True, True, False, False]), ("all", [True, True, True, False]), ("off", [False] * 4)],
)
def test_the_setting_wraps_the_cloud_links_or_all_or_none(
    setting: str, wrapped: list[bool]
) -> None:
    pytest.importorskip("anthropic")
    pytest.importorskip("openai")
    from framekit_contact_center.bot import build_bot
    from framekit_contact_center.settings import Settings

    settings = Settings(
        anthropic_api_key="sk-ant",
        openai_api_key="sk-openai",
        local_llm_base_url="http://127.0.0.1:8080/v1",
        local_llm_model="llama-test",
        llm_placeholders=setting,
    )
    task = build_bot(FrameProcessor(), FrameProcessor(), settings, tools=ToolRegistry())
    llm = next(p for p in task.pipeline.processors() if isinstance(p, LLMProcessor))
    links = llm.service.links  # type: ignore[attr-defined]
    assert [isinstance(link.service, PlaceholderLLMService) for link in links] == wrapped
    # The breakers keep their names: a wrapped link is the same provider and model.
    assert [link.key for link in links][:3] == [
        "anthropic:claude-haiku-4-5",
        "openai:gpt-4o-mini",
        "local:llama-test",
    ]


def _model(request: dict[str, Any]) -> Step:
    """Answers an email with its placeholder, anything else briefly."""
    last = str(request["messages"][-1].get("content", ""))
    if "<email_1>" in last:
        return Text("Thank you, the receipt goes to <email_1>. Anything else?")
    return Text("Goodbye, and thank you for calling.")


async def test_a_served_call_sends_the_cloud_model_no_email_and_speaks_it_back(
    tmp_path: Path,
) -> None:
    from contact_center.test_served_calls import say, served

    async with FakeOpenAIServer(_model) as model:
        async with served(
            tmp_path,
            openai_api_key="test-key",
            openai_base_url=model.base_url,
            openai_model="gpt-placeholders-served",
            transfer_number="",
        ) as running:
            call = await running.call()
            await call.wait_for_quiet(0.3, timeout=20)
            await say(call, SAID)
            await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)
            await call.wait_for_quiet(0.5, timeout=30)
            await call.hang_up()
            record = await running.record_of(call.call_sid)
        sent = json.dumps([r.json for r in model.requests]).lower()
    assert model.errors == []
    assert model.requests, "the model was never asked"
    assert "<email_1>" in sent
    assert [leak for leak in LEAKS if leak in sent] == []
    bot = [s["text"] for s in record["transcript"] if s["speaker"] != "user"]
    answer = [text for text in bot if "receipt" in text]
    assert answer, bot
    # Restored before it was spoken: stored as every email is, never as the placeholder.
    assert "[email]" in answer[0]
    assert "<email" not in json.dumps(record)
