"""The part the Anthropic and OpenAI fakes share: an aiohttp server on a free local port that
records each request and answers it from the script.

Each provider module adds only its routes, its auth check and its wire format.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from framekit.testing.fakes._faults import (
    Fault,
    ResetAfter,
    SlowFirstToken,
    SseEvent,
    StallAfter,
    StreamErrorAfter,
    reset_connection,
    write_events,
)
from framekit.testing.fakes._llm_script import (
    HttpError,
    Script,
    ScriptCursor,
    ScriptStep,
    Step,
    StepFunction,
    Turn,
)
from framekit.testing.fakes._local_server import LocalHTTPServer

__all__ = ["FakeLLMServer", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it, for assertions; `step` is what answered it
    (None when the request was refused before the script was consulted)."""

    method: str
    path: str
    headers: Mapping[str, str]
    json: dict[str, Any]
    step: Step | None


class FakeLLMServer(LocalHTTPServer):
    """Base of the fake provider servers: lifecycle, request log, script, SSE plumbing.

    Use it as an async context manager; `base_url` is valid inside the block. `requests`
    logs what clients sent; `errors` holds script failures (a test can assert it is empty).
    """

    _ids = itertools.count(1)

    def __init__(self, script: Script = (), *, api_key: str | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self.errors: list[Exception] = []
        self._cursor = ScriptCursor(script)
        self._api_key = api_key
        self._closing = asyncio.Event()

    # Subclasses provide these.
    def _routes(self) -> list[web.RouteDef]:
        """The provider's endpoints; the generation endpoint's handler is :meth:`_answer`."""
        raise NotImplementedError

    def _refusal(self, request: web.Request, body: dict[str, Any]) -> web.Response | None:
        """The error the real API would answer before generating anything, if any."""
        return None

    def _error(
        self, status: int, message: str, *, error_type: str | None = None, **headers: str
    ) -> web.Response:
        """An error response in the provider's shape."""
        raise NotImplementedError

    def _response_body(self, turn: Turn, body: dict[str, Any]) -> dict[str, Any]:
        """The non-streamed answer to ``body``."""
        raise NotImplementedError

    def _stream_events(self, turn: Turn, body: dict[str, Any]) -> list[SseEvent]:
        """The streamed answer to ``body``."""
        raise NotImplementedError

    def _stream_error(self, error: StreamErrorAfter) -> SseEvent:
        """The in-stream error event a :class:`StreamErrorAfter` fault sends."""
        raise NotImplementedError

    def _base_path(self) -> str:
        return ""

    @property
    def base_url(self) -> str:
        """The URL to give the provider's SDK as `base_url`."""
        return self.url + self._base_path()

    @property
    def steps_used(self) -> int:
        """How many script steps have answered requests so far."""
        return self._cursor.used

    def push(self, *steps: ScriptStep | StepFunction) -> None:
        """Append steps to a list script while the server runs."""
        self._cursor.push(*steps)

    async def close(self) -> None:
        """Stop the server and end any stalled stream."""
        # Stalled streams must still end at shutdown, so release them before the runner waits.
        self._closing.set()
        await super().close()

    # Helpers for the provider modules.
    @classmethod
    def _new_id(cls, prefix: str) -> str:
        return f"{prefix}{next(cls._ids):08d}fake"

    async def _read(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        return body if isinstance(body, dict) else {}

    def _record(self, request: web.Request, body: dict[str, Any], step: Step | None) -> None:
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                headers={key.lower(): value for key, value in request.headers.items()},
                json=body,
                step=step,
            )
        )

    def _next_step(self, body: dict[str, Any]) -> Step:
        """The script's answer; a run-out script or a failing script function becomes a
        500 the SDKs do not retry, and the failure is kept in `errors`."""
        name = type(self).__name__
        try:
            step = self._cursor.next_step(body)
        except Exception as exc:
            self.errors.append(exc)
            return HttpError(500, f"{name}: script function raised {exc!r}", retryable=False)
        if step is None:
            message = f"{name}: script exhausted after {self.steps_used} steps"
            self.errors.append(LookupError(message))
            return HttpError(500, message, retryable=False)
        return step

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        """A generation request: checked, logged, then answered from the script."""
        body = await self._read(request)
        refusal = self._refusal(request, body)
        if refusal is not None:
            self._record(request, body, None)
            return refusal
        step = self._next_step(body)
        self._record(request, body, step)
        if isinstance(step, HttpError):
            return self._error(
                step.status,
                step.message or f"HTTP {step.status} (fake)",
                error_type=step.error_type,
                **self._error_headers(step),
            )
        if body.get("stream"):
            error = next((f for f in step.faults if isinstance(f, StreamErrorAfter)), None)
            error_event = self._stream_error(error) if error else None
            return await self._answer_stream(
                request, self._stream_events(step, body), step.faults, error_event
            )
        return await self._answer_unary(request, step.faults, self._response_body(step, body))

    async def _answer_unary(
        self, request: web.Request, faults: Sequence[Fault], payload: dict[str, Any]
    ) -> web.StreamResponse:
        """A non-streamed answer, with the stream faults that make sense for it."""
        for fault in faults:
            if isinstance(fault, SlowFirstToken):
                await asyncio.sleep(fault.delay)
            elif isinstance(fault, ResetAfter):
                reset_connection(request)
                return web.Response()
            elif isinstance(fault, StallAfter):
                await self._closing.wait()
                reset_connection(request)
                return web.Response()
        return web.json_response(payload, headers=self._extra_headers())

    async def _answer_stream(
        self,
        request: web.Request,
        events: Sequence[SseEvent],
        faults: Sequence[Fault],
        error_event: SseEvent | None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "content-type": "text/event-stream; charset=utf-8",
                "cache-control": "no-cache",
                **self._extra_headers(),
            }
        )
        await response.prepare(request)
        finished = await write_events(
            request, response, events, faults, closing=self._closing, error_event=error_event
        )
        if finished:
            await response.write_eof()
        return response

    def _extra_headers(self) -> dict[str, str]:
        return {}

    @staticmethod
    def _error_headers(error: HttpError) -> dict[str, str]:
        headers: dict[str, str] = {}
        if error.retry_after is not None:
            headers["retry-after"] = f"{error.retry_after:g}"
        if error.retryable is not None:
            headers["x-should-retry"] = "true" if error.retryable else "false"
        return headers
