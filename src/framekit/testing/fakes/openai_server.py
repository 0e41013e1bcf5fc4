"""A local server speaking the OpenAI Chat Completions API, to test with the real `openai` SDK.

Point `openai.AsyncOpenAI(base_url=server.base_url, api_key=...)` at it (`base_url` ends in
`/v1`). It answers `POST /v1/chat/completions`, streamed (`chat.completion.chunk` objects, tool
calls as `index`/`id`/`function.name`/`arguments` fragments, the usage chunk when
`stream_options.include_usage` is set, then `data: [DONE]`) or not, and `GET /v1/models`.
This is also the protocol of OpenAI-compatible local model servers (llama.cpp server, vLLM,
Ollama), so the same fake stands in for a "local Llama": without `api_key` it accepts any key,
or none, as those servers do.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
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

__all__ = ["FakeOpenAIServer", *_llm_api.__all__]

_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


def _sse(data: Mapping[str, Any], *, content: bool = False) -> SseEvent:
    return SseEvent(f"data: {json.dumps(data, separators=(',', ':'))}\n\n".encode(), content)


def _error_body(status: int, message: str, error_type: str | None = None) -> dict[str, Any]:
    default_type, code = _ERRORS.get(status, ("server_error", None))
    return {
        "error": {
            "message": message,
            "type": error_type or default_type,
            "param": None,
            "code": code,
        }
    }


def _unanswered_tool_calls(messages: list[Any]) -> str | None:
    """The API's 400 message when tool calls and tool messages do not pair up."""
    pending: list[str] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in pending:
                return (
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceding message with 'tool_calls'."
                )
            pending.remove(str(message.get("tool_call_id")))
            continue
        if pending:
            break
        calls = message.get("tool_calls") if role == "assistant" else None
        pending = [str(c.get("id")) for c in calls or [] if isinstance(c, dict)]
    if pending:
        return (
            "An assistant message with 'tool_calls' must be followed by tool messages "
            "responding to each 'tool_call_id'. The following tool_call_ids did not have "
            f"response messages: {', '.join(pending)}"
        )
    return None


class FakeOpenAIServer(FakeLLMServer):
    """The OpenAI Chat Completions API on `127.0.0.1`, answering from `script`.

    `api_key`, when given, is the only bearer token accepted (others get a 401); otherwise
    any or none is. `models` is what `GET /v1/models` lists. `strict=False` skips the request
    checks a real API would 400 on.
    """

    def __init__(
        self,
        script: Script = (),
        *,
        api_key: str | None = None,
        models: Sequence[str] = ("fake-model",),
        strict: bool = True,
    ) -> None:
        super().__init__(script, api_key=api_key)
        self._models = list(models)
        self._strict = strict

    def _base_path(self) -> str:
        return "/v1"

    def _routes(self) -> list[web.RouteDef]:
        # Some OpenAI-compatible clients leave out the /v1 prefix; local servers accept both.
        return [
            web.post("/v1/chat/completions", self._answer),
            web.post("/chat/completions", self._answer),
            web.get("/v1/models", self._list_models),
            web.get("/models", self._list_models),
        ]

    def _extra_headers(self) -> dict[str, str]:
        return {"x-request-id": self._new_id("req_")}

    def _error(
        self, status: int, message: str, *, error_type: str | None = None, **headers: str
    ) -> web.Response:
        return web.json_response(
            _error_body(status, message, error_type),
            status=status,
            headers={**self._extra_headers(), **headers},
        )

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if self._api_key is None:
            return None
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token == self._api_key:
            return None
        return self._error(401, f"Incorrect API key provided: {token[:4]}****.")

    def _refusal(self, request: web.Request, body: dict[str, Any]) -> web.Response | None:
        """The error the real API would answer before generating anything, if any."""
        unauthorized = self._unauthorized(request)
        if unauthorized is not None or not self._strict:
            return unauthorized
        if "model" not in body:
            return self._error(400, "you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self._error(400, "[] is too short - 'messages'")
        problem = _unanswered_tool_calls(messages)
        return self._error(400, problem) if problem else None

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        unauthorized = self._unauthorized(request)
        if unauthorized is not None:
            return unauthorized
        data = [
            {"id": model, "object": "model", "created": 0, "owned_by": "framekit-fake"}
            for model in self._models
        ]
        return web.json_response({"object": "list", "data": data})

    def _stream_error(self, error: StreamErrorAfter) -> SseEvent:
        return _sse(_error_body(500, error.message, error.error_type))

    @staticmethod
    def _finish_reason(turn: Turn) -> str:
        if isinstance(turn, ToolCalls):
            return "tool_calls"
        return "length" if turn.truncated else "stop"

    @staticmethod
    def _usage(turn: Turn, body: dict[str, Any]) -> dict[str, int]:
        prompt, completion = usage_of(turn, body)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _calls(self, turn: Turn) -> list[tuple[str, ToolCall]]:
        if isinstance(turn, Text):
            return []
        return [(call.id or self._new_id("call_"), call) for call in turn.calls]

    def _response_body(self, turn: Turn, body: dict[str, Any]) -> dict[str, Any]:
        """The non-streamed `chat.completion` object."""
        malformed = malformed_of(turn.faults)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": turn.text or (None if isinstance(turn, ToolCalls) else ""),
            "refusal": None,
        }
        calls = self._calls(turn)
        if calls:
            message["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json(malformed)},
                }
                for call_id, call in calls
            ]
        return {
            "id": self._new_id("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model", "fake-model")),
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": self._finish_reason(turn),
                }
            ],
            "usage": self._usage(turn, body),
        }

    def _stream_events(self, turn: Turn, body: dict[str, Any]) -> list[SseEvent]:
        """The `chat.completion.chunk` stream for one turn, ending with `[DONE]`."""
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        base: dict[str, Any] = {
            "id": self._new_id("chatcmpl-"),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": str(body.get("model", "fake-model")),
            "system_fingerprint": None,
        }
        if include_usage:
            base["usage"] = None

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**base, "choices": [choice]}

        opening = "" if isinstance(turn, Text) or turn.text else None
        events = [_sse(chunk({"role": "assistant", "content": opening, "refusal": None}))]
        if turn.text or isinstance(turn, Text):
            pieces = turn.chunks() if isinstance(turn, Text) else Text(turn.text).chunks()
            events.extend(_sse(chunk({"content": piece}), content=True) for piece in pieces)
        malformed = malformed_of(turn.faults)
        for index, (call_id, call) in enumerate(self._calls(turn)):
            function = {"name": call.name, "arguments": ""}
            start = {"index": index, "id": call_id, "type": "function", "function": function}
            events.append(_sse(chunk({"tool_calls": [start]}), content=True))
            events.extend(
                _sse(
                    chunk({"tool_calls": [{"index": index, "function": {"arguments": f}}]}),
                    content=True,
                )
                for f in call.fragments(malformed)
            )
        events.append(_sse(chunk({}, self._finish_reason(turn))))
        if include_usage:
            events.append(_sse({**base, "choices": [], "usage": self._usage(turn, body)}))
        events.append(SseEvent(b"data: [DONE]\n\n"))
        return events
