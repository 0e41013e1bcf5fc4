"""The operations dashboard any framekit application can mount: ``/dashboard``.

Live calls, recent calls with search and filters, one call's transcript beside its
two recorded tracks, and analytics over time, as plain HTML/CSS/JavaScript pages
shipped in the package (:mod:`.assets`), behind a sign-in with the application's API
token (:mod:`.app`, :mod:`.sessions`). The pages read the application's JSON API
(``/api/calls``, ``/api/calls/{id}``, ``/api/live-calls``, ``/api/analytics``); the
application accepts the session cookie there for ``GET`` (:meth:`Dashboard.signed_in`).
Failed sign-ins are counted per client address (:mod:`.limits`), signed-out sessions
refused (:mod:`.revocations`); :mod:`.redis_store` shares both between processes.
See ``docs/operations.md`` (Dashboard).
"""

from framekit.servers.dashboard.app import CSRF_HEADER, SESSION_COOKIE, Dashboard
from framekit.servers.dashboard.limits import MemorySignInLimits, SignInLimits
from framekit.servers.dashboard.revocations import (
    MemoryRevocations,
    Revocations,
    RevocationUnavailable,
)
from framekit.servers.dashboard.sessions import Signed, SignedCookies

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Dashboard",
    "MemoryRevocations",
    "MemorySignInLimits",
    "RevocationUnavailable",
    "Revocations",
    "SignInLimits",
    "Signed",
    "SignedCookies",
]
