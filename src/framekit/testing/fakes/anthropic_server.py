"""A local server that speaks the Anthropic Messages API, for testing with the real `anthropic` SDK.

Point `anthropic.AsyncAnthropic(base_url=server.base_url, api_key=...)` at it. It answers
`POST /v1/messages`, streamed (server-sent events: `message_start`, `content_block_start`,
`ping`, `content_block_delta` with `text_delta` / `input_json_delta`, `content_block_stop`,
`message_delta`, `message_stop`) or not, from a script of turns, and checks what the real API
checks before answering: the `x-api-key` and `anthropic-version` headers, the required fields,
and that every `tool_use` is answered by a `tool_result` in the next message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from framekit.testing.fakes import _llm_api
from framekit.testing.fakes._faults import SseEvent, StreamErrorAfter, malformed_of
from framekit.testing.fakes._llm_api import *  # noqa: F403 - one import serves a test
from framekit.testing.fakes._llm_script import (
    Script,
    Text,
    ToolCall,
    ToolCalls,
    Turn,
    usage_of,
)
from framekit.testing.fakes._llm_server import FakeLLMServer

__all__ = ["FakeAnthropicServer", *_llm_api.__all__]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def _sse(event: str, data: Mapping[str, Any], *, content: bool = False) -> SseEvent:
    body = f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
    return SseEvent(body.encode(), content=content)


def _arguments_object(call: ToolCall) -> Any:
    """The `input` object of a non-streamed tool_use (the real API always sends valid JSON)."""
    if not isinstance(call.arguments, str):
        return dict(call.arguments)
    try:
        return json.loads(call.arguments)
    except json.JSONDecodeError:
        return {}


def _missing_tool_results(messages: list[Any]) -> str | None:
    """The API's 400 message when a tool_use lacks its tool_result in the next message."""
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        used = [b.get("id") for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use"]
        if not used:
            continue
        following = messages[index + 1] if index + 1 < len(messages) else {}
        reply = following.get("content") if isinstance(following, dict) else None
        answered = {
            b.get("tool_use_id")
            for b in (reply if isinstance(reply, list) else [])
            if isinstance(b, dict) and b.get("type") == "tool_result"
        }
        missing = [tool_id for tool_id in used if tool_id not in answered]
        if missing:
            return (
                f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(map(str, missing))}. Each `tool_use` block must "
                "have a corresponding `tool_result` block in the next message."
            )
    return None


class FakeAnthropicServer(FakeLLMServer):
    """The Anthropic Messages API on `127.0.0.1`, answering from `script`.

    `api_key`, when given, is the only key accepted (others get a 401); otherwise any
    non-empty key is. `strict=False` skips the request checks a real API would 400 on.
    """

    def __init__(
        self, script: Script = (), *, api_key: str | None = None, strict: bool = True
    ) -> None:
        super().__init__(script, api_key=api_key)
        self._strict = strict

    def _routes(self) -> list[web.RouteDef]:
        return [web.post("/v1/messages", self._answer)]

    def _extra_headers(self) -> dict[str, str]:
        return {"request-id": self._new_id("req_")}

    def _error(
        self, status: int, message: str, *, error_type: str | None = None, **headers: str
    ) -> web.Response:
        body = {
            "type": "error",
            "error": {
                "type": error_type or _ERROR_TYPES.get(status, "api_error"),
                "message": message,
            },
        }
        return web.json_response(body, status=status, headers={**self._extra_headers(), **headers})

    def _refusal(self, request: web.Request, body: dict[str, Any]) -> web.Response | None:
        """The error the real API would answer before generating anything, if any."""
        key = request.headers.get("x-api-key", "")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not (key or bearer):
            return self._error(401, "x-api-key header is required")
        if self._api_key is not None and self._api_key not in (key, bearer):
            return self._error(401, "invalid x-api-key")
        if "anthropic-version" not in request.headers:
            return self._error(400, "anthropic-version: header is required")
        if not self._strict:
            return None
        for required in ("model", "max_tokens", "messages"):
            if required not in body:
                return self._error(400, f"{required}: Field required")
        messages = body["messages"]
        if not isinstance(messages, list) or not messages:
            return self._error(400, "messages: at least one message is required")
        problem = _missing_tool_results(messages)
        return self._error(400, problem) if problem else None

    def _stream_error(self, error: StreamErrorAfter) -> SseEvent:
        body = {"type": "error", "error": {"type": error.error_type, "message": error.message}}
        return _sse("error", body)

    def _blocks(self, turn: Turn) -> list[Text | ToolCall]:
        if isinstance(turn, Text):
            return [turn]
        preamble: list[Text | ToolCall] = [Text(turn.text)] if turn.text else []
        return preamble + list(turn.calls)

    @staticmethod
    def _stop_reason(turn: Turn) -> str:
        if isinstance(turn, ToolCalls):
            return "tool_use"
        return "max_tokens" if turn.truncated else "end_turn"

    def _response_body(self, turn: Turn, body: dict[str, Any]) -> dict[str, Any]:
        """The non-streamed Message object."""
        input_tokens, output_tokens = usage_of(turn, body)
        content: list[dict[str, Any]] = []
        for block in self._blocks(turn):
            if isinstance(block, Text):
                content.append({"type": "text", "text": block.text})
            else:
                content.append(
                    {
                        "type": "tool_use",
                        "id": block.id or self._new_id("toolu_"),
                        "name": block.name,
                        "input": _arguments_object(block),
                    }
                )
        return {
            "id": self._new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": str(body.get("model", "claude-fake")),
            "content": content,
            "stop_reason": self._stop_reason(turn),
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }

    def _stream_events(self, turn: Turn, body: dict[str, Any]) -> list[SseEvent]:
        """The stream of events for one turn, in the order the real API sends them."""
        input_tokens, output_tokens = usage_of(turn, body)
        malformed = malformed_of(turn.faults)
        start = self._response_body(turn, body)
        start.update(content=[], stop_reason=None)
        start["usage"] = {"input_tokens": input_tokens, "output_tokens": 1}
        events = [_sse("message_start", {"type": "message_start", "message": start})]
        for index, block in enumerate(self._blocks(turn)):
            if isinstance(block, Text):
                opening: dict[str, Any] = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": chunk} for chunk in block.chunks()]
            else:
                tool_id = block.id or self._new_id("toolu_")
                opening = {"type": "tool_use", "id": tool_id, "name": block.name, "input": {}}
                fragments = ["", *block.fragments(malformed)]
                deltas = [{"type": "input_json_delta", "partial_json": f} for f in fragments]
            events.append(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": opening},
                )
            )
            if index == 0:
                events.append(_sse("ping", {"type": "ping"}))
            events.extend(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    content=True,
                )
                for delta in deltas
            )
            events.append(
                _sse("content_block_stop", {"type": "content_block_stop", "index": index})
            )
        delta = {"stop_reason": self._stop_reason(turn), "stop_sequence": None}
        usage = {"input_tokens": input_tokens, "output_tokens": output_tokens}
        events.append(
            _sse("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        )
        events.append(_sse("message_stop", {"type": "message_stop"}))
        return events
