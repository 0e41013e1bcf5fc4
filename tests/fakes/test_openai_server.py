"""The fake OpenAI (and OpenAI-compatible local model) server, driven by the real `openai` SDK."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

pytest.importorskip("aiohttp")
openai = pytest.importorskip("openai")

from framekit.testing.fakes.openai_server import (  # noqa: E402
    FakeOpenAIServer,
    HttpError,
    MalformedToolArguments,
    ResetAfter,
    SlowFirstToken,
    StallAfter,
    StreamErrorAfter,
    Text,
    ToolCall,
    ToolCalls,
)

from .sdk_clients import sdk_client  # noqa: E402

MODEL = "gpt-fake"
USER = [{"role": "user", "content": "Where is my order A17?"}]


def _client(server: FakeOpenAIServer, **kwargs: Any) -> Any:
    return sdk_client(openai.AsyncOpenAI, server, default_key="sk-test", **kwargs)


async def _stream(client: Any, texts: list[str], **kwargs: Any) -> Any:
    """Stream one completion with raw chunks, collecting content into `texts`; return the
    chunks (the way an LLM processor consumes the stream)."""
    kwargs.setdefault("messages", USER)
    chunks = []
    stream = await client.chat.completions.create(model=MODEL, stream=True, **kwargs)
    async for chunk in stream:
        chunks.append(chunk)
        for choice in chunk.choices:
            if choice.delta.content:
                texts.append(choice.delta.content)
    return chunks


async def test_text_streams_in_chunks_with_a_final_usage_chunk() -> None:
    turn = Text("Your order ships tomorrow.", input_tokens=12, output_tokens=6)
    async with FakeOpenAIServer([turn]) as server:
        texts: list[str] = []
        chunks = await _stream(_client(server), texts, stream_options={"include_usage": True})
    assert texts == ["Your", " order", " ships", " tomorrow."]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert all(chunk.model == MODEL for chunk in chunks)
    finish = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finish[-1] == "stop"
    assert set(finish[:-1]) == {None}
    last = chunks[-1]
    assert last.choices == []
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (12, 6)
    assert last.usage.total_tokens == 18


async def test_usage_chunk_only_when_asked() -> None:
    async with FakeOpenAIServer([Text("Hi there.")]) as server:
        chunks = await _stream(_client(server), [])
    assert all(chunk.usage is None for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_parallel_tool_calls_assemble_in_the_sdk_stream_helper() -> None:
    calls = [
        ToolCall("lookup_order", {"order_id": "A17", "include_items": True}, id="call_a"),
        ToolCall("get_weather", {"city": "Paris"}, id="call_b", fragment_size=3),
    ]
    async with FakeOpenAIServer([ToolCalls(calls, text="Let me check.")]) as server:
        helper = _client(server).chat.completions.stream(model=MODEL, messages=USER)
        async with helper as stream:
            async for _ in stream:
                pass
            completion = await stream.get_final_completion()
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "Let me check."
    assert [(c.id, c.function.name) for c in choice.message.tool_calls] == [
        ("call_a", "lookup_order"),
        ("call_b", "get_weather"),
    ]
    arguments = [json.loads(c.function.arguments) for c in choice.message.tool_calls]
    assert arguments == [{"order_id": "A17", "include_items": True}, {"city": "Paris"}]


async def test_tool_call_arguments_arrive_as_fragments_cut_mid_token() -> None:
    call = ToolCall("lookup_order", {"order_id": "A17"}, id="call_1")
    async with FakeOpenAIServer([ToolCalls([call])]) as server:
        chunks = await _stream(_client(server), [])
    fragments: list[str] = []
    for chunk in chunks:
        for tool_call in chunk.choices[0].delta.tool_calls or []:
            assert tool_call.index == 0
            fragments.append(tool_call.function.arguments)
    opening = chunks[1].choices[0].delta.tool_calls[0]
    assert (opening.id, opening.function.name) == ("call_1", "lookup_order")
    assert chunks[0].choices[0].delta.content is None
    assert "".join(fragments) == '{"order_id": "A17"}'
    assert not any("order_id" in fragment for fragment in fragments)


async def test_script_function_answers_after_the_tool_result() -> None:
    def brain(request: dict[str, Any]) -> Text | ToolCalls:
        tools = [m for m in request["messages"] if m["role"] == "tool"]
        if tools:
            return Text(f"Order status: {tools[-1]['content']}.")
        return ToolCalls([ToolCall("lookup_order", {"order_id": "A17"})])

    async with FakeOpenAIServer(brain) as server:
        client = _client(server)
        first = await client.chat.completions.create(model=MODEL, messages=USER)
        (call,) = first.choices[0].message.tool_calls
        assert json.loads(call.function.arguments) == {"order_id": "A17"}
        messages = [
            *USER,
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "shipped"},
        ]
        second = await client.chat.completions.create(model=MODEL, messages=messages)
    assert second.choices[0].message.content == "Order status: shipped."
    assert second.choices[0].finish_reason == "stop"
    assert server.requests[1].json["messages"][-1]["tool_call_id"] == call.id


async def test_unanswered_tool_call_is_a_bad_request_like_the_real_api() -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_9",
                    "type": "function",
                    "function": {"name": "f", "arguments": "{}"},
                }
            ],
        },
        {"role": "user", "content": "and?"},
    ]
    async with FakeOpenAIServer([Text("never")]) as server:
        with pytest.raises(openai.BadRequestError, match="call_9"):
            await _stream(_client(server), [], messages=messages)
    assert server.steps_used == 0


async def test_bearer_token_is_recorded_and_checked() -> None:
    async with FakeOpenAIServer([Text("ok")], api_key="sk-right") as server:
        await _stream(_client(server, api_key="sk-right"), [])
        with pytest.raises(openai.AuthenticationError) as caught:
            await _stream(_client(server, api_key="sk-wrong"), [])
    assert server.requests[0].headers["authorization"] == "Bearer sk-right"
    assert server.requests[0].path == "/v1/chat/completions"
    assert caught.value.code == "invalid_api_key"
    assert server.steps_used == 1


async def test_works_as_an_openai_compatible_local_model_server() -> None:
    """llama.cpp, vLLM and Ollama speak this protocol and accept any key."""
    script = [Text("Hello from a local model.")]
    async with FakeOpenAIServer(script, models=["llama-3.2-3b-instruct"]) as server:
        client = _client(server, api_key="not-needed")
        models = await client.models.list()
        texts: list[str] = []
        stream = await client.chat.completions.create(
            model="llama-3.2-3b-instruct", messages=USER, stream=True
        )
        async for chunk in stream:
            texts.extend(c.delta.content or "" for c in chunk.choices)
    assert [model.id for model in models.data] == ["llama-3.2-3b-instruct"]
    assert "".join(texts) == "Hello from a local model."


async def test_rate_limit_surfaces_as_rate_limit_error_with_retry_after() -> None:
    async with FakeOpenAIServer([HttpError.rate_limited(retry_after=3)]) as server:
        with pytest.raises(openai.RateLimitError) as caught:
            await _stream(_client(server), [])
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.code == "rate_limit_exceeded"


async def test_sdk_retries_a_rate_limit_after_retry_after() -> None:
    script = [HttpError.rate_limited(retry_after=0.2), Text("Recovered.")]
    async with FakeOpenAIServer(script) as server:
        started = time.monotonic()
        texts: list[str] = []
        await _stream(_client(server, max_retries=2), texts)
        elapsed = time.monotonic() - started
    assert "".join(texts) == "Recovered."
    assert len(server.requests) == 2
    assert elapsed >= 0.2


async def test_server_error_after_retries_are_exhausted() -> None:
    script = [HttpError(500, retry_after=0.01), HttpError(500, retry_after=0.01)]
    async with FakeOpenAIServer(script) as server:
        with pytest.raises(openai.InternalServerError) as caught:
            await _stream(_client(server, max_retries=1), [])
    assert caught.value.status_code == 500
    assert caught.value.type == "server_error"
    assert len(server.requests) == 2


async def test_connection_reset_mid_stream_after_partial_text() -> None:
    # Chunks: the role chunk, then one chunk per word.
    async with FakeOpenAIServer([Text("One two three four.", faults=[ResetAfter(3)])]) as server:
        texts: list[str] = []
        with pytest.raises(openai.APIConnectionError):
            await _stream(_client(server), texts)
    assert texts == ["One", " two"]


async def test_stalled_stream_times_out_with_the_sdk_timeout() -> None:
    async with FakeOpenAIServer([Text("One two three.", faults=[StallAfter(2)])]) as server:
        texts: list[str] = []
        with pytest.raises(openai.APITimeoutError):
            await _stream(_client(server, timeout=0.3), texts)
    assert texts == ["One"]


async def test_stalled_non_streamed_answer_times_out() -> None:
    async with FakeOpenAIServer([Text("never", faults=[StallAfter(0)])]) as server:
        with pytest.raises(openai.APITimeoutError):
            await _client(server, timeout=0.3).chat.completions.create(model=MODEL, messages=USER)


async def test_malformed_tool_arguments_reach_the_caller_as_invalid_json() -> None:
    turn = ToolCalls(
        [ToolCall("lookup_order", {"order_id": "A17"})], faults=[MalformedToolArguments()]
    )
    async with FakeOpenAIServer([turn]) as server:
        completion = await _client(server).chat.completions.create(model=MODEL, messages=USER)
    (call,) = completion.choices[0].message.tool_calls
    with pytest.raises(json.JSONDecodeError):
        json.loads(call.function.arguments)


async def test_error_chunk_mid_stream_raises_api_error() -> None:
    script = [Text("One two three.", faults=[StreamErrorAfter(2, message="Upstream overloaded")])]
    async with FakeOpenAIServer(script) as server:
        texts: list[str] = []
        with pytest.raises(openai.APIError, match="Upstream overloaded"):
            await _stream(_client(server), texts)
    assert texts == ["One"]


async def test_slow_first_token() -> None:
    async with FakeOpenAIServer([Text("Late answer.", faults=[SlowFirstToken(0.3)])]) as server:
        started = time.monotonic()
        stream = await _client(server).chat.completions.create(
            model=MODEL, messages=USER, stream=True
        )
        first_content = None
        async for chunk in stream:
            if first_content is None and chunk.choices and chunk.choices[0].delta.content:
                first_content = time.monotonic()
    assert first_content is not None
    assert first_content - started >= 0.3


async def test_the_same_script_steps_drive_both_fakes() -> None:
    """A fallback test writes its conversation once and replays it on each provider."""
    anthropic = pytest.importorskip("anthropic")
    from framekit.testing.fakes.anthropic_server import FakeAnthropicServer

    step = ToolCalls([ToolCall("transfer_call", {"department": "billing"})])
    async with FakeOpenAIServer([step]) as gpt, FakeAnthropicServer([step]) as claude:
        completion = await _client(gpt).chat.completions.create(model=MODEL, messages=USER)
        async with anthropic.AsyncAnthropic(
            base_url=claude.base_url, api_key="k", max_retries=0
        ) as client:
            message = await client.messages.create(model="c", max_tokens=64, messages=USER)
    (call,) = completion.choices[0].message.tool_calls
    (tool,) = message.content
    assert json.loads(call.function.arguments) == tool.input == {"department": "billing"}
    assert call.function.name == tool.name == "transfer_call"


async def test_truncated_turn_finishes_with_length() -> None:
    async with FakeOpenAIServer([Text("Cut off mid", truncated=True)]) as server:
        completion = await _client(server).chat.completions.create(model=MODEL, messages=USER)
    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.content == "Cut off mid"


async def test_a_step_of_the_wrong_type_is_reported() -> None:
    async with FakeOpenAIServer(lambda request: "not a step") as server:  # type: ignore[arg-type,return-value]
        with pytest.raises(openai.InternalServerError, match="script function raised"):
            await _client(server, max_retries=2).chat.completions.create(model=MODEL, messages=USER)
    (error,) = server.errors
    assert isinstance(error, TypeError)
    assert len(server.requests) == 1
