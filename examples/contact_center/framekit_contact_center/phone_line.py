"""The phone line of ``framekit serve``: Twilio when it is configured, else browser calls only.

Why a mode without Twilio: the softphone at ``/call`` is how a developer tries the bot
without a phone number, so ``serve`` must start with only ``API_TOKEN`` set rather
than ask for credentials and a public URL that nothing would use. The phone line is
all or nothing:

* none of ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``TWILIO_PHONE_NUMBER`` and
  ``WEBHOOK_BASE_URL`` set: no phone line. No Twilio signature validator and no call
  control are built (they would hold invented credentials), and the Twilio routes
  answer 404 with a line saying so (:func:`refuse_twilio`);
* some set: the phone line is wanted, and the account SID, its auth token and the
  public URL are all required (:func:`phone_line_problems`): a half-configured line
  is refused at start, never discovered on the first call. ``TWILIO_PHONE_NUMBER``
  stays optional, as before (the caller ID of transfers and ``framekit call``).

Why 404 rather than not mounting the routes, or 503: a webhook pointed at a
browser-only server is a wrong address, not a passing outage, so no client should
retry it and no monitor should page for a server error; and the same 404 with a body
that names the missing variables tells the developer (or Twilio's debugger, which shows
the body) what to set, where aiohttp's bare 404 would suggest a mistyped path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from framekit.servers.twilio.admission import AdmissionControl
from framekit.servers.twilio.outage import StoreOutageAnswer
from framekit.servers.twilio.server import PipelineFactory, TwilioServer, TwilioSettings
from framekit.servers.twilio.token_store import TokenStore
from framekit.telephony import TwilioCallControl
from framekit_contact_center.settings import Settings, SettingsError, read_env_file

__all__ = [
    "PHONE_LINE",
    "call_control",
    "has_phone_line",
    "phone_line_problems",
    "public_origins",
    "refuse_twilio",
    "twilio_server",
    "with_phone_line_problems",
]

PHONE_LINE = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "WEBHOOK_BASE_URL")
"""What a phone line needs, all together."""
_TWILIO = (*PHONE_LINE, "TWILIO_PHONE_NUMBER")
"""Any of these set means a phone line is wanted."""
_TWILIO_ROUTES = ("/twilio/voice", "/twilio/status", "/twilio/stream")
_CALL_CONTROL_TIMEOUT = 5.0  # seconds for a hang-up or transfer request to Twilio


def has_phone_line(settings: Settings) -> bool:
    """Whether ``settings`` ask for the phone line (any Twilio variable set)."""
    return any(getattr(settings, name.lower()) for name in _TWILIO)


def phone_line_problems(settings: Settings) -> list[tuple[str, str]]:
    """The phone line's variables missing once any Twilio variable is set (else none)."""
    return _missing({name for name in _TWILIO if getattr(settings, name.lower())})


def with_phone_line_problems(error: SettingsError, env_file: Path = Path(".env")) -> SettingsError:
    """``error`` (from ``load_settings``) with the phone line's missing variables added.

    So that every problem is named at once: ``TWILIO_ACCOUNT_SID`` alone fails to load
    (no auth token), and the missing ``WEBHOOK_BASE_URL`` is named in the same message.
    Read as ``load_settings`` reads: the environment over ``env_file``.
    """
    values: Mapping[str, str] = {
        **(read_env_file(env_file) if env_file.is_file() else {}),
        **os.environ,
    }
    named = {name for name, _ in error.problems}
    found = _missing({name for name in _TWILIO if values.get(name)})
    return SettingsError([*error.problems, *(p for p in found if p[0] not in named)])


def _missing(present: set[str]) -> list[tuple[str, str]]:
    if not present:
        return []
    given = sorted(present, key=_TWILIO.index)[0]
    why = (
        f"is required with {given} set: a phone line needs {', '.join(PHONE_LINE)} "
        "(set none of the Twilio variables to serve browser calls only)"
    )
    return [(name, why) for name in PHONE_LINE if name not in present]


def twilio_server(
    settings: Settings,
    factory: PipelineFactory,
    admission: AdmissionControl,
    token_store: TokenStore | None,
) -> TwilioServer | None:
    """The Twilio routes' server, taking calls through ``admission``; None without a line.

    ``settings`` must have passed :func:`phone_line_problems`.
    """
    if not has_phone_line(settings):
        return None
    assert settings.twilio_auth_token
    assert settings.webhook_base_url
    return TwilioServer(
        TwilioSettings(
            webhook_base_url=settings.webhook_base_url,
            account_sid=settings.twilio_account_sid or "",
            auth_token=settings.twilio_auth_token,
            phone_number=settings.twilio_phone_number or "",
        ),
        factory,
        token_store=token_store,
        admission=admission,
        store_outage=StoreOutageAnswer(
            retries=settings.store_outage_retries,
            hold_message=settings.store_outage_hold,
            apology=settings.store_outage_apology,
        ),
    )


def call_control(settings: Settings) -> TwilioCallControl | None:
    """Hang-ups and transfers through Twilio's REST API; None without a phone line.

    Browser calls never need it: their output transport hangs up itself and refuses a
    transfer (a failed ``CallControlResultFrame``, as when Twilio refuses one).
    """
    if not has_phone_line(settings):
        return None
    assert settings.twilio_account_sid
    assert settings.twilio_auth_token
    return TwilioCallControl(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        api_base_url=settings.twilio_api_base_url,
        timeout=_CALL_CONTROL_TIMEOUT,
    )


def public_origins(settings: Settings) -> list[str]:
    """Origins besides the request's own host that may post the dashboard's forms.

    Behind a proxy that rewrites ``Host``, the forms still come from the public origin
    (``WEBHOOK_BASE_URL``'s). Without one (browser calls only) none: a form post must
    then come from the origin the browser asked for, ``Host``, which a page of another
    site cannot claim (its ``Origin`` is its own), so sign-in stays CSRF-safe.
    """
    if not settings.webhook_base_url:
        return []
    public = urlsplit(settings.webhook_base_url)
    return [f"{public.scheme}://{public.netloc}"]


def refuse_twilio(app: web.Application) -> None:
    """The Twilio routes of a server with no phone line: 404, naming what to set."""
    for path in _TWILIO_ROUTES:
        app.router.add_route("*", path, _not_configured)


async def _not_configured(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "error": "Twilio is not configured on this server (browser calls only)",
            "set": list(PHONE_LINE),
        },
        status=404,
    )
