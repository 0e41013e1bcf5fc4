"""The fake Anthropic server, driven by the real `anthropic` SDK over HTTP."""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

import pytest

pytest.importorskip("aiohttp")
anthropic = pytest.importorskip("anthropic")

from framekit.testing.fakes.anthropic_server import (  # noqa: E402
    FakeAnthropicServer,
    HttpError,
    MalformedToolArguments,
    Pace,
    ResetAfter,
    SlowFirstToken,
    StallAfter,
    StreamErrorAfter,
    Text,
    ToolCall,
    ToolCalls,
)

from .sdk_clients import sdk_client  # noqa: E402

MODEL = "claude-fake-1"
USER = [{"role": "user", "content": "Where is my order A17?"}]


def _httpx_error(name: str) -> tuple[type[BaseException], ...]:
    """The SDK's HTTP library error `name` (httpx2 in new SDKs, httpx in older ones)."""
    found: list[type[BaseException]] = []
    for module in ("httpx2", "httpx"):
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _client(server: FakeAnthropicServer, **kwargs: Any) -> Any:
    return sdk_client(anthropic.AsyncAnthropic, server, default_key="sk-ant-test", **kwargs)


async def _stream(client: Any, texts: list[str], **kwargs: Any) -> Any:
    """Stream one answer, collecting text deltas into `texts`; return the final message."""
    kwargs.setdefault("messages", USER)
    async with client.messages.stream(model=MODEL, max_tokens=256, **kwargs) as stream:
        async for event in stream:
            if event.type == "text":
                texts.append(event.text)
        return await stream.get_final_message()


async def test_text_streams_in_several_deltas_and_assembles() -> None:
    async with FakeAnthropicServer([Text("Your order ships tomorrow.", output_tokens=7)]) as server:
        texts: list[str] = []
        message = await _stream(_client(server), texts)
    assert texts == ["Your", " order", " ships", " tomorrow."]
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == "Your order ships tomorrow."
    assert message.stop_reason == "end_turn"
    assert message.model == MODEL
    assert message.usage.output_tokens == 7
    assert message.usage.input_tokens > 0


async def test_request_is_recorded_with_auth_headers() -> None:
    async with FakeAnthropicServer([Text("Hi.")]) as server:
        await _stream(_client(server, api_key="sk-ant-secret"), [], system="Be brief.")
    (request,) = server.requests
    assert request.path == "/v1/messages"
    assert request.json["model"] == MODEL
    assert request.json["stream"] is True
    assert request.json["system"] == "Be brief."
    assert request.json["messages"] == USER
    assert "anthropic-version" in request.headers
    sent_key = request.headers.get("x-api-key") or request.headers["authorization"]
    assert sent_key.endswith("sk-ant-secret")


async def test_wrong_api_key_is_refused() -> None:
    async with FakeAnthropicServer([Text("never")], api_key="right") as server:
        with pytest.raises(anthropic.AuthenticationError) as caught:
            await _stream(_client(server, api_key="wrong"), [])
    assert caught.value.status_code == 401
    assert server.steps_used == 0


async def test_tool_call_arguments_stream_in_fragments_cut_mid_token() -> None:
    arguments = {"order_id": "A17", "include_items": True, "limit": 3}
    turn = ToolCalls([ToolCall("lookup_order", arguments, id="toolu_1")], text="Checking.")
    async with FakeAnthropicServer([turn]) as server:
        fragments: list[str] = []
        async with _client(server).messages.stream(
            model=MODEL, max_tokens=256, messages=USER
        ) as stream:
            async for event in stream:
                if event.type == "input_json":
                    fragments.append(event.partial_json)
            message = await stream.get_final_message()
    assert "".join(fragments) == json.dumps(arguments)
    assert not any("order_id" in fragment for fragment in fragments)  # the key was cut
    assert message.stop_reason == "tool_use"
    text, tool = message.content
    assert text.text == "Checking."
    assert (tool.type, tool.id, tool.name) == ("tool_use", "toolu_1", "lookup_order")
    assert tool.input == arguments


async def test_script_function_answers_from_the_conversation() -> None:
    def brain(request: dict[str, Any]) -> Text | ToolCalls:
        last = request["messages"][-1]["content"]
        results = [b for b in last if isinstance(b, dict) and b["type"] == "tool_result"]
        if results:
            return Text(f"Order status: {results[0]['content']}.")
        return ToolCalls([ToolCall("lookup_order", {"order_id": "A17"})])

    async with FakeAnthropicServer(brain) as server:
        client = _client(server)
        first = await _stream(client, [])
        (tool,) = first.content
        assert tool.input == {"order_id": "A17"}
        messages = [
            *USER,
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": tool.id, "name": tool.name, "input": tool.input}
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "shipped"}],
            },
        ]
        second = await _stream(client, [], messages=messages)
    assert second.content[0].text == "Order status: shipped."
    assert second.stop_reason == "end_turn"
    assert len(server.requests) == 2


async def test_missing_tool_result_is_a_bad_request_like_the_real_api() -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_9", "name": "f", "input": {}}],
        },
        {"role": "user", "content": "and?"},
    ]
    async with FakeAnthropicServer([Text("never")]) as server:
        with pytest.raises(anthropic.BadRequestError, match="toolu_9"):
            await _stream(_client(server), [], messages=messages)
    assert server.steps_used == 0


async def test_non_streaming_message_with_tool_use() -> None:
    turn = ToolCalls([ToolCall("hang_up", {"reason": "done"})], input_tokens=11, output_tokens=4)
    async with FakeAnthropicServer([turn]) as server:
        message = await _client(server).messages.create(model=MODEL, max_tokens=64, messages=USER)
    (tool,) = message.content
    assert (tool.name, tool.input) == ("hang_up", {"reason": "done"})
    assert message.stop_reason == "tool_use"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (11, 4)


async def test_rate_limit_surfaces_as_rate_limit_error_with_retry_after() -> None:
    async with FakeAnthropicServer([HttpError.rate_limited(retry_after=2)]) as server:
        with pytest.raises(anthropic.RateLimitError) as caught:
            await _stream(_client(server), [])
    assert caught.value.response.headers["retry-after"] == "2"
    assert caught.value.body["error"]["type"] == "rate_limit_error"


async def test_sdk_retries_a_rate_limit_after_retry_after() -> None:
    script = [HttpError.rate_limited(retry_after=0.2), Text("Recovered.")]
    async with FakeAnthropicServer(script) as server:
        started = time.monotonic()
        message = await _stream(_client(server, max_retries=2), [])
        elapsed = time.monotonic() - started
    assert message.content[0].text == "Recovered."
    assert len(server.requests) == 2
    assert elapsed >= 0.2


@pytest.mark.parametrize(("status", "error_type"), [(500, "api_error"), (529, "overloaded_error")])
async def test_server_errors_after_retries_are_exhausted(status: int, error_type: str) -> None:
    script = [HttpError(status, retry_after=0.01), HttpError(status, retry_after=0.01)]
    async with FakeAnthropicServer(script) as server:
        with pytest.raises(anthropic.InternalServerError) as caught:
            await _stream(_client(server, max_retries=1), [])
    assert caught.value.status_code == status
    assert caught.value.body["error"]["type"] == error_type
    assert len(server.requests) == 2


async def test_connection_reset_mid_stream_after_partial_text() -> None:
    # Events: message_start, content_block_start, ping, then one text delta per word.
    async with FakeAnthropicServer([Text("One two three four.", faults=[ResetAfter(5)])]) as server:
        texts: list[str] = []
        errors = (anthropic.APIConnectionError, *_httpx_error("NetworkError"))
        with pytest.raises(errors):
            await _stream(_client(server), texts)
    assert texts == ["One", " two"]


async def test_connection_reset_before_a_non_streamed_answer() -> None:
    async with FakeAnthropicServer([Text("lost", faults=[ResetAfter(0)])]) as server:
        with pytest.raises(anthropic.APIConnectionError):
            await _client(server).messages.create(model=MODEL, max_tokens=64, messages=USER)


async def test_stalled_stream_times_out_with_the_sdk_timeout() -> None:
    async with FakeAnthropicServer([Text("One two three.", faults=[StallAfter(4)])]) as server:
        texts: list[str] = []
        errors = (anthropic.APITimeoutError, *_httpx_error("TimeoutException"))
        with pytest.raises(errors):
            await _stream(_client(server, timeout=0.3), texts)
    assert texts == ["One"]


async def test_malformed_tool_arguments_fail_the_sdk_parser() -> None:
    turn = ToolCalls([ToolCall("lookup_order", {"order_id": "A17"})])
    async with FakeAnthropicServer(
        [ToolCalls(turn.calls, faults=[MalformedToolArguments()])]
    ) as server:
        with pytest.raises(ValueError, match="Unable to parse tool parameter JSON"):
            await _stream(_client(server), [])


async def test_error_event_mid_stream_raises_api_status_error() -> None:
    script = [Text("One two three.", faults=[StreamErrorAfter(4)])]
    async with FakeAnthropicServer(script) as server:
        texts: list[str] = []
        with pytest.raises(anthropic.APIStatusError) as caught:
            await _stream(_client(server), texts)
    assert texts == ["One"]
    assert caught.value.body["error"]["type"] == "overloaded_error"


async def test_slow_first_token_delays_the_content() -> None:
    async with FakeAnthropicServer([Text("Late answer.", faults=[SlowFirstToken(0.3)])]) as server:
        seen: dict[str, float] = {}
        started = time.monotonic()
        async with _client(server).messages.stream(
            model=MODEL, max_tokens=64, messages=USER
        ) as stream:
            async for event in stream:
                seen.setdefault(event.type, time.monotonic())
    assert list(seen)[:2] == ["message_start", "content_block_start"]
    assert seen["text"] - started >= 0.3


async def test_pace_spaces_the_deltas() -> None:
    async with FakeAnthropicServer([Text("a b c d", faults=[Pace(0.05)])]) as server:
        stamps: list[float] = []
        started = time.monotonic()
        async with _client(server).messages.stream(
            model=MODEL, max_tokens=64, messages=USER
        ) as stream:
            async for event in stream:
                if event.type == "text":
                    stamps.append(time.monotonic())
    assert len(stamps) == 4
    assert stamps[-1] - started >= 3 * 0.05  # three pauses, between four deltas


async def test_exhausted_script_is_an_error_the_sdk_does_not_retry() -> None:
    async with FakeAnthropicServer([Text("only one")]) as server:
        client = _client(server, max_retries=3)
        await _stream(client, [])
        with pytest.raises(anthropic.InternalServerError, match="script exhausted"):
            await _stream(client, [])
    assert len(server.requests) == 2
    assert [type(error) for error in server.errors] == [LookupError]


async def test_a_failing_script_function_is_reported_not_retried() -> None:
    def brain(request: dict[str, Any]) -> Text:
        raise KeyError("no tool_result yet")

    async with FakeAnthropicServer(brain) as server:
        with pytest.raises(anthropic.InternalServerError, match="script function raised"):
            await _stream(_client(server, max_retries=3), [])
    assert len(server.requests) == 1
    (error,) = server.errors
    assert isinstance(error, KeyError)


async def test_push_extends_a_running_script() -> None:
    async with FakeAnthropicServer() as server:
        server.push(Text("pushed"))
        message = await _stream(_client(server), [])
    assert message.content[0].text == "pushed"


async def test_truncated_turn_stops_on_max_tokens() -> None:
    async with FakeAnthropicServer([Text("Cut off mid", truncated=True)]) as server:
        message = await _stream(_client(server), [])
    assert message.stop_reason == "max_tokens"
    assert message.content[0].text == "Cut off mid"
