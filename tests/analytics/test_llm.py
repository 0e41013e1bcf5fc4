"""An LLM's summary and call sentiment, against the local OpenAI-protocol fake server with
the real SDK, from the worker's thread; the offline analysis stays when the LLM fails."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

pytest.importorskip("openai", reason="the LLM summary test drives the openai SDK")

from framekit.analytics.llm import LLMAnalysis
from framekit.services.openai import OpenAILLMService
from framekit.storage import CallDetails, get_call, make_engine
from framekit.testing.fakes._llm_script import HttpError, Text
from framekit.testing.fakes.openai_server import FakeOpenAIServer

from ._records import ORDER_CALL, call_records, write

VERDICT = {
    "summary": "The caller asked where order 4271 was; it had shipped.",
    "sentiment": "neutral",
}


def _details(sqlite_url: str, spool_dir: Path) -> CallDetails:
    write(sqlite_url, spool_dir, call_records("l1", **ORDER_CALL))  # type: ignore[arg-type]
    engine = make_engine(sqlite_url)
    try:
        details = get_call(engine, "l1")
    finally:
        engine.dispose()
    assert details is not None
    return details


async def _analysed(server: FakeOpenAIServer, details: CallDetails) -> dict[str, object]:
    service = OpenAILLMService(
        model="gpt-fake", base_url=server.base_url, api_key="test-key", max_retries=0
    )
    llm = LLMAnalysis(service, timeout=5.0)
    analyze = llm.analyzer()

    def in_the_workers_thread() -> dict[str, object]:
        try:
            return analyze(details).columns()
        finally:
            llm.close()

    return await asyncio.to_thread(in_the_workers_thread)


async def test_the_llm_writes_the_summary_and_the_call_sentiment(
    sqlite_url: str, spool_dir: Path
) -> None:
    details = _details(sqlite_url, spool_dir)
    answer = "```json\n" + json.dumps(VERDICT) + "\n```"
    async with FakeOpenAIServer([Text(answer)]) as server:
        columns = await _analysed(server, details)
        [request] = server.requests

    assert columns["summary"] == VERDICT["summary"]
    assert columns["sentiment"] == "neutral"  # VADER alone says positive
    assert columns["sentiment_end"] == "positive"  # the turns stay VADER's
    assert columns["details"]["methods"]["summary"] == "llm:openai"  # type: ignore[index]
    sent = json.dumps(request.json)
    assert "Caller: hi, where is my order 4271?" in sent
    assert "[tool order_status: ok]" in sent


@pytest.mark.parametrize(
    "step",
    [HttpError(503, "overloaded"), Text("Sure! The caller was happy."), Text('{"summary": ""}')],
    ids=["server-error", "not-json", "no-label"],
)
async def test_without_a_usable_answer_the_offline_analysis_stays(
    sqlite_url: str, spool_dir: Path, step: object
) -> None:
    details = _details(sqlite_url, spool_dir)
    async with FakeOpenAIServer([step]) as server:  # type: ignore[list-item]
        columns = await _analysed(server, details)

    assert columns["summary"].startswith('Caller: "hi, where is my order 4271?')  # type: ignore[union-attr]
    assert columns["sentiment"] == "positive"
    assert columns["details"]["methods"]["summary"] == "extractive"  # type: ignore[index]
