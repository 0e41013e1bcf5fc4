"""A local server speaking the Twilio Voice REST API (2010-04-01 Calls), to test with the real
`twilio` client.

Point `twilio.rest.Client` at it by changing only the host: `client.api.base_url = server.url`
(or `TwilioCallControl(..., api_base_url=server.url)`). The client then builds its requests and
parses the answers exactly as against api.twilio.com.

It answers what call control uses:

* `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`: place a call (`To`, `From`, one of
  `Url` / `Twiml` / `ApplicationSid`, `StatusCallback`, `Record`, ...); the call starts `queued`;
* `GET .../Calls/{CallSid}.json`: the call resource;
* `POST .../Calls/{CallSid}.json`: `Status=completed|canceled` hangs up, `Twiml` / `Url`
  redirects the live call to new instructions;
* `POST .../Calls/{CallSid}/Recordings.json`: start recording a live call.

Bodies are form-encoded and checked with HTTP Basic auth (account SID, auth token), as on the real
API; answers are JSON shaped like Twilio's, errors in Twilio's format
(`{"code", "message", "more_info", "status"}`): 20003 for bad credentials, 20404 for an unknown
call, 21220 for changing a call that is no longer live ("Call is not in-progress"), 21201 /
21213 / 21205 for a missing `To` / `From` / `Url` (the codes are Twilio's; the last one, and
21218 for an unknown `Status`, are this fake's best reading).

Placing a call also answers the magic numbers of Twilio's test credentials, so a test can meet
the refusals a person placing calls meets: `To` +15005550001 (or any `To` that is not a
`+` number, a `sip:` URI or a `client:` name) is 21211, not a valid number; +15005550002 is
21214, not routable; +15005550003 is 21215, no geo permission; +15005550004 is 21216, blocked.
`From` +15005550001 is 21212, an invalid caller ID.

What the real network does around a call is the test's to script: `answer`, `caller_hangs_up`,
`forget` (the call is gone: 404), `add_call` (an inbound call, as a Media Stream's `start`
event would name it), `refuse_updates` (Twilio answers changes to a call with an error, as
during an incident or a rate limit: a hang-up or transfer that does not happen).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Final

from aiohttp import web

from framekit.testing.fakes._local_server import LocalHTTPServer

__all__ = [
    "FakeCall",
    "FakeRecording",
    "FakeTwilioAPI",
    "RecordedTwilioRequest",
]

API_VERSION: Final = "2010-04-01"
LIVE_STATUSES: Final = frozenset({"queued", "ringing", "in-progress"})
"""Statuses in which a call can still be changed; the others are final."""

_CALLS = f"/{API_VERSION}/Accounts/{{account}}/Calls"

_MAGIC_TO: Final = {
    "+15005550001": (21211, "The 'To' number {} is not a valid phone number."),
    "+15005550002": (21214, "'To' phone number cannot be reached"),
    "+15005550003": (21215, "Account not authorized to call {}. Enable geo permissions."),
    "+15005550004": (21216, "Call blocked by Twilio blocklist"),
}
"""Twilio's magic `To` numbers for test credentials: the error code and message of each."""


@dataclass(frozen=True, slots=True)
class RecordedTwilioRequest:
    """One request as the server received it, for assertions.

    ``form`` keeps every field in order (a field may repeat, like ``StatusCallbackEvent``);
    ``auth`` is the decoded Basic credential, or None when none was sent.
    """

    method: str
    path: str
    headers: dict[str, str]
    form: tuple[tuple[str, str], ...]
    auth: tuple[str, str] | None

    def field(self, name: str) -> str | None:
        """The last value of form field ``name`` (None when absent)."""
        values = self.fields(name)
        return values[-1] if values else None

    def fields(self, name: str) -> list[str]:
        """Every value of form field ``name``, in order."""
        return [value for key, value in self.form if key == name]


@dataclass(slots=True)
class FakeRecording:
    """A recording started through the API."""

    sid: str
    call_sid: str
    status: str = "in-progress"
    channels: int = 1
    track: str = "both"
    status_callback: str | None = None


@dataclass(slots=True)
class FakeCall:
    """The server's view of one call; tests read it and script it."""

    sid: str
    to: str
    from_: str
    status: str = "queued"
    direction: str = "outbound-api"
    url: str | None = None
    twiml: str | None = None
    status_callback: str | None = None
    record: bool = False
    instructions: list[tuple[str, str]] = field(default_factory=list)
    """Each redirect of the live call, in order: ``("Twiml", xml)`` or ``("Url", url)``."""
    recordings: list[FakeRecording] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: datetime | None = None
    ended: datetime | None = None

    @property
    def live(self) -> bool:
        """Whether the call can still be changed (queued, ringing or in progress)."""
        return self.status in LIVE_STATUSES


def _rfc2822(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment, usegmt=True)


class FakeTwilioAPI(LocalHTTPServer):
    """The fake Twilio REST API; use it as an async context manager (`url` is valid inside,
    and is the client's ``api.base_url``).

    ``requests`` logs every request, refused ones included; ``calls`` maps call SIDs to their
    state.
    """

    _ids = itertools.count(1)

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake-auth-token",
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[RecordedTwilioRequest] = []
        self.calls: dict[str, FakeCall] = {}
        self.on_request: list[Callable[[RecordedTwilioRequest], None]] = []
        """Called with each request as it arrives, before it is answered."""
        self._refusals: dict[str, tuple[int, int, str]] = {}
        self._arrived = asyncio.Condition()

    def _routes(self) -> list[web.RouteDef]:
        base = _CALLS.format(account="{account}")
        return [
            web.post(base + ".json", self._create_call),
            web.get(base + "/{sid}.json", self._fetch_call),
            web.post(base + "/{sid}.json", self._update_call),
            web.post(base + "/{sid}/Recordings.json", self._create_recording),
        ]

    async def wait_for_requests(self, count: int) -> None:
        """Wait until ``count`` requests have arrived in all (bound it with a timeout)."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)

    # --- scripting the world around the API ------------------------------------------------

    def add_call(
        self,
        *,
        to: str = "+15550100000",
        from_: str = "+15550199999",
        status: str = "in-progress",
        direction: str = "inbound",
    ) -> str:
        """A call the API did not place (an inbound call); returns its SID."""
        call = FakeCall(sid=self._new_sid("CA"), to=to, from_=from_, direction=direction)
        self.calls[call.sid] = call
        self._set_status(call, status)
        return call.sid

    def answer(self, call_sid: str) -> None:
        """The callee picked up: the call is in progress."""
        self._set_status(self.calls[call_sid], "in-progress")

    def caller_hangs_up(self, call_sid: str) -> None:
        """The far end hung up: the call is completed, and changing it now fails (21220)."""
        self._set_status(self.calls[call_sid], "completed")

    def forget(self, call_sid: str) -> None:
        """The call resource is gone: requests about it get 404 / 20404."""
        del self.calls[call_sid]

    def refuse_updates(
        self,
        call_sid: str,
        status: int = 429,
        code: int = 20429,
        message: str = "Too Many Requests",
    ) -> None:
        """Answer every change to the call (hang-up, redirect) with this error from now on."""
        self._refusals[call_sid] = (status, code, message)

    # --- handlers --------------------------------------------------------------------------

    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        form = await self._accept(request)
        if isinstance(form, web.Response):
            return form
        fields = dict(form)
        to, from_ = fields.get("To", ""), fields.get("From", "")
        if not to:
            return self._error(400, 21201, "No 'To' number is specified")
        if not from_:
            return self._error(400, 21213, "No 'From' number is specified")
        if not any(fields.get(key) for key in ("Url", "Twiml", "ApplicationSid")):
            return self._error(
                400, 21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required"
            )
        if not _callable(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in _MAGIC_TO:
            code, message = _MAGIC_TO[to]
            return self._error(400, code, message.format(to))
        if from_ == "+15005550001":
            return self._error(
                400,
                21212,
                f"The 'From' number {from_} is not a valid phone number, shortcode, or "
                "alphanumeric sender ID.",
            )
        call = FakeCall(
            sid=self._new_sid("CA"),
            to=to,
            from_=from_,
            url=fields.get("Url"),
            twiml=fields.get("Twiml"),
            status_callback=fields.get("StatusCallback"),
            record=fields.get("Record", "").lower() == "true",
        )
        self.calls[call.sid] = call
        return web.json_response(self._call_json(call), status=201)

    async def _fetch_call(self, request: web.Request) -> web.StreamResponse:
        found = await self._accept_call(request)
        if isinstance(found, web.Response):
            return found
        _, call = found
        return web.json_response(self._call_json(call))

    async def _update_call(self, request: web.Request) -> web.StreamResponse:
        found = await self._accept_call(request)
        if isinstance(found, web.Response):
            return found
        form, call = found
        refusal = self._refusals.get(call.sid)
        if refusal is not None:
            return self._error(*refusal)
        fields = dict(form)
        status = fields.get("Status")
        if status is not None and status not in ("completed", "canceled"):
            return self._error(400, 21218, f"Invalid Status: {status}")
        if not call.live:
            return self._error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if status is not None:
            # Twilio ends a call that was not answered yet as canceled, whichever was asked.
            self._set_status(call, "completed" if call.status == "in-progress" else "canceled")
        elif "Twiml" in fields:
            call.instructions.append(("Twiml", fields["Twiml"]))
            call.twiml, call.url = fields["Twiml"], None
        elif "Url" in fields:
            call.instructions.append(("Url", fields["Url"]))
            call.url, call.twiml = fields["Url"], None
        call.updated = datetime.now(UTC)
        return web.json_response(self._call_json(call))

    async def _create_recording(self, request: web.Request) -> web.StreamResponse:
        found = await self._accept_call(request)
        if isinstance(found, web.Response):
            return found
        form, call = found
        if call.status != "in-progress":
            return self._error(400, 21220, "Call is not in-progress. Cannot start a recording.")
        fields = dict(form)
        channels = 2 if fields.get("RecordingChannels") == "dual" else 1
        recording = FakeRecording(
            sid=self._new_sid("RE"),
            call_sid=call.sid,
            channels=channels,
            track=fields.get("RecordingTrack", "both"),
            status_callback=fields.get("RecordingStatusCallback"),
        )
        call.recordings.append(recording)
        return web.json_response(self._recording_json(recording), status=201)

    # --- plumbing --------------------------------------------------------------------------

    async def _accept(self, request: web.Request) -> tuple[tuple[str, str], ...] | web.Response:
        """Record the request; refuse bad credentials or another account's path."""
        form: tuple[tuple[str, str], ...] = ()
        if request.method == "POST":
            data = await request.post()
            form = tuple((key, str(value)) for key, value in data.items())
        auth = _basic_auth(request.headers.get("Authorization", ""))
        recorded = RecordedTwilioRequest(
            method=request.method,
            path=request.path,
            headers={key.lower(): value for key, value in request.headers.items()},
            form=form,
            auth=auth,
        )
        for hook in self.on_request:
            hook(recorded)
        async with self._arrived:
            self.requests.append(recorded)
            self._arrived.notify_all()
        if auth != (self.account_sid, self.auth_token):
            return self._error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return self._not_found(request)
        return form

    async def _accept_call(
        self, request: web.Request
    ) -> tuple[tuple[tuple[str, str], ...], FakeCall] | web.Response:
        """:meth:`_accept`, then the call the path names (404 when there is none)."""
        form = await self._accept(request)
        if isinstance(form, web.Response):
            return form
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._not_found(request)
        return form, call

    def _not_found(self, request: web.Request) -> web.Response:
        return self._error(404, 20404, f"The requested resource {request.path} was not found")

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return web.json_response(body, status=status)

    @classmethod
    def _new_sid(cls, prefix: str) -> str:
        return f"{prefix}{next(cls._ids):032x}"

    @staticmethod
    def _set_status(call: FakeCall, status: str) -> None:
        now = datetime.now(UTC)
        if status == "in-progress" and call.started is None:
            call.started = now
        if status not in LIVE_STATUSES and call.ended is None:
            call.ended = now
            for recording in call.recordings:
                recording.status = "completed"
        call.status, call.updated = status, now

    def _call_json(self, call: FakeCall) -> dict[str, Any]:
        uri = _CALLS.format(account=self.account_sid) + f"/{call.sid}"
        duration = None
        if call.started is not None and call.ended is not None:
            duration = str(int((call.ended - call.started).total_seconds()))
        return {
            "sid": call.sid,
            "account_sid": self.account_sid,
            "parent_call_sid": None,
            "date_created": _rfc2822(call.created),
            "date_updated": _rfc2822(call.updated),
            "to": call.to,
            "to_formatted": call.to,
            "from": call.from_,
            "from_formatted": call.from_,
            "phone_number_sid": None,
            "status": call.status,
            "start_time": _rfc2822(call.started),
            "end_time": _rfc2822(call.ended),
            "duration": duration,
            "price": None,
            "price_unit": "USD",
            "direction": call.direction,
            "answered_by": None,
            "api_version": API_VERSION,
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": uri + ".json",
            "subresource_uris": {
                "recordings": uri + "/Recordings.json",
                "notifications": uri + "/Notifications.json",
                "events": uri + "/Events.json",
            },
        }

    def _recording_json(self, recording: FakeRecording) -> dict[str, Any]:
        uri = _CALLS.format(account=self.account_sid)
        now = _rfc2822(datetime.now(UTC))
        return {
            "sid": recording.sid,
            "account_sid": self.account_sid,
            "call_sid": recording.call_sid,
            "conference_sid": None,
            "api_version": API_VERSION,
            "date_created": now,
            "date_updated": now,
            "start_time": now,
            "duration": "-1",
            "price": None,
            "price_unit": None,
            "status": recording.status,
            "channels": recording.channels,
            "source": "StartCallRecordingAPI",
            "error_code": None,
            "track": recording.track,
            "encryption_details": None,
            "uri": f"{uri}/{recording.call_sid}/Recordings/{recording.sid}.json",
        }


def _callable(to: str) -> bool:
    """A `To` Twilio would try: a `+` number, a SIP URI or a Twilio Client name."""
    if to.lower().startswith(("sip:", "client:")):
        return True
    return to.startswith("+") and to[1:].isdigit() and 7 <= len(to) - 1 <= 15


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None
