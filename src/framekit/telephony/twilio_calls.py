"""Call control through Twilio's REST API: place, hang up, transfer and record calls.

Why the official ``twilio`` client and its asynchronous HTTP client: the request building
(field names, repeated fields, Basic auth) and the error parsing are Twilio's own, so what is
tested against :class:`~framekit.testing.fakes.twilio_api.FakeTwilioAPI` is what reaches
api.twilio.com; only ``api_base_url`` differs. Each request runs on the event loop, bounded by
``timeout``, and never blocks a call's audio.

A hang-up must not fail because the caller hung up first: Twilio then answers 404 / 20404 (the
call resource is gone) or 400 / 21220 (the call is no longer in progress), and
:meth:`TwilioCallControl.hang_up` takes both as "already over" (Pipecat logs them as errors:
pipecat#2145).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from loguru import logger

try:
    import aiohttp
    from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
    from twilio.http.async_http_client import (  # type: ignore[import-untyped]
        AsyncTwilioHttpClient,
    )
    from twilio.rest import Client  # type: ignore[import-untyped]
    from twilio.twiml.voice_response import VoiceResponse  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("Twilio call control needs twilio: pip install 'framekit[twilio]'") from exc

__all__ = [
    "CALL_GONE_CODES",
    "DEFAULT_STATUS_EVENTS",
    "CallEndedError",
    "CallInfo",
    "RecordingInfo",
    "TwilioCallControl",
    "TwilioCallError",
    "dial_twiml",
    "place_outbound_call",
]

T = TypeVar("T")

CALL_GONE_CODES: Final = frozenset({20404, 21220})
"""Twilio error codes meaning the call is already over: not found, not in progress."""

DEFAULT_STATUS_EVENTS: Final = ("initiated", "ringing", "answered", "completed")
"""Status callback events asked for on outbound calls (Twilio sends only ``completed`` else)."""


class TwilioCallError(Exception):
    """A call-control request failed: Twilio refused it, or it never got an answer.

    ``status`` and ``code`` are Twilio's HTTP status and error code (None when the request did
    not reach Twilio: connection refused, timeout).
    """

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class CallEndedError(TwilioCallError):
    """The call is not live (20404: gone, 21220: not in progress), so it cannot be changed.

    For a hang-up this means the caller hung up first; for a recording it may also mean the
    call has not been answered yet.
    """


@dataclass(frozen=True, slots=True)
class CallInfo:
    """A call as Twilio describes it."""

    sid: str
    status: str
    to: str
    from_: str
    direction: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """A call recording as Twilio describes it when it starts."""

    sid: str
    call_sid: str
    status: str
    channels: int | None = None


def dial_twiml(target: str, *, caller_id: str | None = None, timeout: int | None = None) -> str:
    """The TwiML that bridges a live call to ``target``.

    ``target`` is a phone number (``+15551234567``), a SIP URI (``sip:agent@pbx.example``) or a
    Twilio Client identity (``client:alice``). Built with the ``twilio`` package's
    ``VoiceResponse``, which escapes the text, so a target cannot inject TwiML verbs.
    """
    target = target.strip()
    if not target:
        raise ValueError("a transfer needs a target (phone number, sip: URI or client: identity)")
    response = VoiceResponse()
    dial = response.dial(caller_id=caller_id, timeout=timeout)
    if target.lower().startswith(("sip:", "sips:")):
        dial.sip(target)
    elif target.lower().startswith("client:"):
        dial.client(target.partition(":")[2])
    else:
        dial.number(target)
    return str(response)


def _instructions(twiml_or_url: str) -> dict[str, str]:
    """``twiml=`` for TwiML (it starts with ``<``), ``url=`` for a webhook URL."""
    instructions = twiml_or_url.strip()
    if instructions.startswith("<"):
        return {"twiml": instructions}
    if instructions.startswith(("https://", "http://")):
        return {"url": instructions}
    raise ValueError("twiml_or_url must be TwiML ('<Response>...') or an http(s) URL")


def _call_info(call: Any) -> CallInfo:
    return CallInfo(
        sid=str(call.sid),
        status=str(call.status),
        to=str(call.to),
        from_=str(call._from),
        direction=call.direction,
    )


class TwilioCallControl:
    """Asynchronous Twilio call control for one account.

    Use it as an async context manager, or call :meth:`close` when done: it holds an HTTP
    connection pool, created on first use inside the running event loop.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio call control needs an account SID and an auth token")
        self.account_sid = account_sid
        self._auth_token = auth_token
        self._api_base_url = api_base_url
        self.timeout = timeout
        self._client: Any = None
        self._http: Any = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, api_base_url: str | None = None
    ) -> TwilioCallControl:
        """Credentials from ``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``."""
        env = os.environ if environ is None else environ
        missing = [key for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not env.get(key)]
        if missing:
            raise ValueError(f"set {' and '.join(missing)} to control Twilio calls")
        return cls(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"], api_base_url=api_base_url)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP connection pool (a later request opens a new one)."""
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()

    # --- the operations --------------------------------------------------------------------

    async def place_call(
        self,
        to: str,
        from_: str,
        twiml_or_url: str,
        *,
        status_callback: str | None = None,
        status_events: Sequence[str] = DEFAULT_STATUS_EVENTS,
        record: bool = False,
    ) -> CallInfo:
        """Place an outbound call from ``from_`` (a Twilio number) to ``to``.

        ``twiml_or_url`` is what Twilio runs when the callee answers: TwiML (starts with ``<``)
        or the ``https://`` URL of a webhook that returns it, such as framekit's
        ``/twilio/voice``. ``record`` asks Twilio to record the whole call.
        """
        kwargs: dict[str, Any] = {"to": to, "from_": from_, "record": record}
        kwargs.update(_instructions(twiml_or_url))
        if status_callback:
            kwargs["status_callback"] = status_callback
            kwargs["status_callback_event"] = list(status_events)
        call = await self._request(
            f"placing a call to {to}", self._rest().calls.create_async(**kwargs)
        )
        logger.info(f"twilio: placed call {call.sid} to {to} ({call.status})")
        return _call_info(call)

    async def fetch(self, call_sid: str) -> CallInfo:
        """The call's current state."""
        call = await self._request(
            f"fetching {call_sid}", self._rest().calls(call_sid).fetch_async()
        )
        return _call_info(call)

    async def hang_up(self, call_sid: str) -> bool:
        """End the call; returns False when it was already over (the caller hung up first).

        Raises :class:`TwilioCallError` only when the call may still be live (network failure,
        timeout, refused credentials).
        """
        try:
            call = await self._request(
                f"hanging up {call_sid}",
                self._rest().calls(call_sid).update_async(status="completed"),
            )
        except CallEndedError as exc:
            logger.info(
                f"twilio: call {call_sid} had already ended ({exc.code}); nothing to hang up"
            )
            return False
        logger.info(f"twilio: hung up call {call_sid} ({call.status})")
        return True

    async def transfer(
        self, call_sid: str, target: str, *, caller_id: str | None = None
    ) -> CallInfo:
        """Bridge the live call to ``target`` by replacing its instructions with ``<Dial>``.

        Twilio ends the Media Stream (and so this call's pipeline) and dials the target; the
        caller stays on the line. Raises :class:`CallEndedError` when the caller has gone.
        """
        twiml = dial_twiml(target, caller_id=caller_id)
        call = await self._request(
            f"transferring {call_sid} to {target}",
            self._rest().calls(call_sid).update_async(twiml=twiml),
        )
        logger.info(f"twilio: transferred call {call_sid} to {target}")
        return _call_info(call)

    async def redirect(self, call_sid: str, twiml_or_url: str) -> CallInfo:
        """Replace the live call's instructions with TwiML or the URL of a webhook returning it.

        Use it to play a message or put the caller on hold; Twilio leaves the Media Stream.
        Raises :class:`CallEndedError` when the caller has gone.
        """
        kwargs = _instructions(twiml_or_url)
        call = await self._request(
            f"redirecting {call_sid}", self._rest().calls(call_sid).update_async(**kwargs)
        )
        logger.info(f"twilio: redirected call {call_sid}")
        return _call_info(call)

    async def start_recording(
        self,
        call_sid: str,
        *,
        dual_channel: bool = True,
        status_callback: str | None = None,
    ) -> RecordingInfo:
        """Start Twilio's recording of the live call (both parties; one per channel by default)."""
        kwargs: dict[str, Any] = {"recording_channels": "dual" if dual_channel else "mono"}
        if status_callback:
            kwargs["recording_status_callback"] = status_callback
        recording = await self._request(
            f"starting a recording of {call_sid}",
            self._rest().calls(call_sid).recordings.create_async(**kwargs),
        )
        logger.info(f"twilio: recording {recording.sid} of call {call_sid} started")
        channels = recording.channels
        return RecordingInfo(
            sid=str(recording.sid),
            call_sid=str(recording.call_sid),
            status=str(recording.status),
            channels=None if channels is None else int(channels),
        )

    # --- plumbing --------------------------------------------------------------------------

    def _rest(self) -> Any:
        if self._client is None:
            self._http = AsyncTwilioHttpClient()
            client = Client(self.account_sid, self._auth_token, http_client=self._http)
            if self._api_base_url:
                client.api.base_url = self._api_base_url
            self._client = client
        return self._client

    async def _request(self, what: str, request: Awaitable[T]) -> T:
        """Await one REST request, turning every failure into a :class:`TwilioCallError`."""
        try:
            async with asyncio.timeout(self.timeout):
                return await request
        except TwilioRestException as exc:
            code = exc.code if isinstance(exc.code, int) else None
            error = CallEndedError if code in CALL_GONE_CODES else TwilioCallError
            raise error(
                f"twilio: {what} failed: HTTP {exc.status}, code {code}: {exc.msg}",
                status=exc.status,
                code=code,
            ) from exc
        except TimeoutError as exc:
            raise TwilioCallError(f"twilio: {what} got no answer in {self.timeout} s") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise TwilioCallError(f"twilio: {what} failed: {exc!r}") from exc


async def place_outbound_call(
    to: str,
    *,
    from_: str | None = None,
    twiml_or_url: str | None = None,
    record: bool = False,
    environ: Mapping[str, str] | None = None,
    api_base_url: str | None = None,
) -> CallInfo:
    """Place a call that a framekit server answers: the entry point of ``framekit call``.

    Configuration comes from the environment, as for the server: ``TWILIO_ACCOUNT_SID``,
    ``TWILIO_AUTH_TOKEN``, ``TWILIO_PHONE_NUMBER`` (the caller ID unless ``from_`` is given)
    and ``WEBHOOK_BASE_URL``: when the callee answers, Twilio fetches
    ``{WEBHOOK_BASE_URL}/twilio/voice`` (which connects the Media Stream) and reports progress
    to ``{WEBHOOK_BASE_URL}/twilio/status``. ``twiml_or_url`` overrides the voice webhook.
    """
    env = os.environ if environ is None else environ
    caller_id = from_ or env.get("TWILIO_PHONE_NUMBER", "")
    base = env.get("WEBHOOK_BASE_URL", "").rstrip("/")
    missing = [] if caller_id else ["TWILIO_PHONE_NUMBER"]
    if not base and twiml_or_url is None:
        missing.append("WEBHOOK_BASE_URL")
    if missing:
        raise ValueError(f"set {' and '.join(missing)} to place a call")
    instructions = twiml_or_url if twiml_or_url is not None else f"{base}/twilio/voice"
    async with TwilioCallControl.from_env(env, api_base_url=api_base_url) as control:
        return await control.place_call(
            to,
            caller_id,
            instructions,
            status_callback=f"{base}/twilio/status" if base else None,
            record=record,
        )
