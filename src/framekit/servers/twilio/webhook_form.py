"""A Twilio webhook's form, read off a connection anyone can open: bounded, UTF-8 only.

Why a module: the body must be read before its signature can be checked, so
everything here runs for unauthenticated clients, and aiohttp's ``request.post()``
is too trusting for that (a body that is not UTF-8 raised an exception that became
a 500 with a traceback; a body trickling in held the connection for as long as the
client liked). :func:`read_form` reads at most ``max_bytes`` within ``within``
seconds and accepts only what Twilio sends, a UTF-8
``application/x-www-form-urlencoded`` form:

* over ``max_bytes`` (declared in ``Content-Length`` or counted): **413**;
* not complete within ``within`` seconds: **408**, and the connection is closed at once
  (aiohttp would otherwise keep reading the rest for its ``lingering_time``, which a
  trickle never ends); the route must be wrapped in :func:`webhook` for that;
* another content type or charset, bytes that are not UTF-8 (raw or
  percent-encoded), more than 200 fields: **400** with a message.

Each refusal is one ``WARNING`` line, never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from aiohttp import web
from loguru import logger
from multidict import MultiDict

__all__ = ["FORM_TYPE", "MAX_FORM_FIELDS", "read_form", "webhook"]

FORM_TYPE = "application/x-www-form-urlencoded"
"""The only body a Twilio webhook carries."""
MAX_FORM_FIELDS = 200
"""Fields accepted in one form (Twilio's voice webhook has about 25)."""

_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def read_form(request: web.Request, *, max_bytes: int, within: float) -> MultiDict[str]:
    """The request's form (repeated fields kept, as the signature covers them); raises
    an HTTP error (400, 413) or answers 408 itself (see the module docstring)."""
    body = await _body(request, max_bytes, within)
    if not body:
        return MultiDict()
    charset = (request.charset or "utf-8").lower()
    if request.content_type != FORM_TYPE or charset not in _CHARSETS:
        _refuse(request, f"content type {request.headers.get('Content-Type', '')[:80]!r}")
        raise web.HTTPBadRequest(text=f"a Twilio webhook body is a UTF-8 {FORM_TYPE} form")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except UnicodeDecodeError:
        _refuse(request, "body not UTF-8")
        raise web.HTTPBadRequest(text="the webhook body is not UTF-8") from None
    except ValueError:
        _refuse(request, f"more than {MAX_FORM_FIELDS} fields")
        raise web.HTTPBadRequest(text="too many form fields") from None
    return MultiDict(pairs)


def webhook(handler: Handler) -> Handler:
    """``handler`` as a route whose :func:`read_form` may have answered already (408)."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except _Answered as answered:
            return answered.response

    return answer


async def _body(request: web.Request, limit: int, within: float) -> bytes:
    too_big = web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=limit + 1)
    if request.content_length is not None and request.content_length > limit:
        _refuse(request, f"body of {request.content_length} bytes")
        raise too_big
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(within):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > limit:
                    _refuse(request, f"body over {limit} bytes")
                    raise too_big
                chunks.append(chunk)
    except TimeoutError:
        _refuse(request, f"body not complete within {within:g} s")
        raise _Answered(await _close_on_slow_body(request)) from None
    return b"".join(chunks)


class _Answered(Exception):
    """The webhook has been answered already (and its connection closed)."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__()
        self.response = response


async def _close_on_slow_body(request: web.Request) -> web.StreamResponse:
    response = web.Response(status=408, text="request body too slow")
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()  # after the answer is flushed
    return response


def _refuse(request: web.Request, why: str) -> None:
    logger.warning(f"twilio webhook {request.path} refused ({why}) from {request.remote}")
