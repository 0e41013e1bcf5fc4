"""``framekit call``: the bot calls a number, through Twilio, and talks on ``framekit serve``.

Why the call carries a webhook URL and not TwiML: the Media Stream's token is bound to the
call's SID (see :mod:`framekit.servers.twilio.stream_token`), which Twilio assigns only
once the call is placed. So the call asks Twilio to fetch ``{WEBHOOK_BASE_URL}/twilio/voice``
when the callee answers, exactly as for an inbound call; the running server signs a token for
that call and answers with ``<Connect><Stream>``. The same bot, recorders and call records
then serve both directions.

Why ask ``{WEBHOOK_BASE_URL}/health`` first: a callee who answers while no server is there
hears Twilio's "an application error has occurred" and is hung up on. ``--no-check`` skips
it (a server that is about to start).
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Final
from urllib.parse import urlsplit

from framekit_contact_center.settings import Settings, SettingsError

__all__ = ["HINTS", "OutboundCall", "check_calling", "run_call"]

HINTS: Final[Mapping[int, str]] = {
    20003: "Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
    21210: "the caller ID is not a number of this Twilio account (nor a verified caller ID)",
    21211: "Twilio says the number called is not a valid phone number",
    21212: "Twilio says the caller ID is not a valid phone number",
    21214: "Twilio cannot route a call to that number",
    21215: "the account may not call that country: enable it in the console's geo permissions",
    21216: "that number is blocked for this account",
    21219: "a trial account can only call verified numbers: verify it in the Twilio console",
}
"""What to do about the Twilio error codes a person placing a call meets most."""

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass(frozen=True, slots=True)
class OutboundCall:
    """A call ready to place: every setting it needs is there and well formed."""

    to: str
    caller_id: str
    account_sid: str
    auth_token: str
    webhook_base_url: str
    """Without its trailing slash."""

    def environ(self) -> dict[str, str]:
        """The variables :func:`~framekit.telephony.place_outbound_call` reads."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_PHONE_NUMBER": self.caller_id,
            "WEBHOOK_BASE_URL": self.webhook_base_url,
        }


def check_calling(settings: Settings, to: str, from_: str | None) -> OutboundCall:
    """The call to ``to``, or :class:`SettingsError` naming every problem at once.

    ``settings`` were validated by :func:`~framekit_contact_center.settings.load_settings`
    (the SID's form, the URL's scheme); this adds what a call needs set, and the numbers.
    """
    problems: list[tuple[str, str]] = []
    if not _E164.fullmatch(to):
        problems.append(
            ("NUMBER", f"must be a phone number in E.164 form, like +15550100 (got {to!r})")
        )
    caller_id = from_ or settings.twilio_phone_number or ""
    if from_ is not None and not _E164.fullmatch(from_):
        problems.append(("--from", f"must be a phone number in E.164 form (got {from_!r})"))
    elif not caller_id:
        problems.append(("TWILIO_PHONE_NUMBER", "is required by framekit call (or pass --from)"))
    required = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "WEBHOOK_BASE_URL": settings.webhook_base_url,
    }
    problems += [(name, "is required by framekit call") for name, v in required.items() if not v]
    if problems:
        raise SettingsError(problems)
    return OutboundCall(
        to=to,
        caller_id=caller_id,
        account_sid=required["TWILIO_ACCOUNT_SID"] or "",
        auth_token=required["TWILIO_AUTH_TOKEN"] or "",
        webhook_base_url=(required["WEBHOOK_BASE_URL"] or "").rstrip("/"),
    )


def run_call(settings: Settings, args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Place the call ``args`` ask for. Exit status: 0 placed, 1 refused, 2 misconfigured."""
    try:
        call = check_calling(settings, args.number, args.from_)
    except SettingsError as exc:
        print(f"framekit call: {exc}", file=err)
        return 2
    api_url: str | None = args.api_url or settings.twilio_api_base_url
    if api_url is not None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            print(f"framekit call: --api-url must be an http(s) URL (got {api_url!r})", file=err)
            return 2
    try:
        from framekit.telephony import TwilioCallError, place_outbound_call
    except ImportError as exc:
        print(f"framekit call: {exc}", file=err)
        return 2
    base = call.webhook_base_url
    if urlsplit(base).scheme != "https":
        print(
            "framekit call: warning: Twilio opens Media Streams only over wss://, so "
            f"WEBHOOK_BASE_URL should be https:// (got {base!r})",
            file=err,
        )
    if args.check:
        problem = asyncio.run(_server_problem(base))
        if problem is not None:
            print(f"framekit call: {problem}; not calling (--no-check calls anyway)", file=err)
            return 1
    try:
        placed = asyncio.run(
            place_outbound_call(
                call.to, record=args.record, environ=call.environ(), api_base_url=api_url
            )
        )
    except TwilioCallError as exc:
        print(f"framekit call: {exc}", file=err)
        hint = HINTS.get(exc.code) if exc.code is not None else None
        if hint is None and exc.status is None:
            hint = "Twilio was not reached: check the network (and --api-url)"
        if hint is not None:
            print(f"framekit call: {hint}", file=err)
        return 1
    recorded = ", recorded by Twilio" if args.record else ""
    print(f"call {placed.sid}: {placed.status}", file=out)
    print(f"  to {placed.to} from {placed.from_}{recorded}", file=out)
    print(
        f"  when answered, Twilio fetches {base}/twilio/voice and framekit serve takes the call",
        file=out,
    )
    return 0


async def _server_problem(base: str) -> str | None:
    """Why the server at ``base`` cannot take the call now, or None when it can."""
    import aiohttp

    url = f"{base}/health"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5.0)) as session,
            session.get(url) as response,
        ):
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return f"framekit serve does not answer at {url} ({type(exc).__name__})"
    if not isinstance(body, dict):
        return f"{url} did not answer like framekit serve"
    if body.get("draining"):
        return f"framekit serve at {base} is shutting down and would refuse the call"
    if response.status != 200 or body.get("status") != "ok":
        return f"framekit serve at {base} is not healthy: {body}"
    return None
