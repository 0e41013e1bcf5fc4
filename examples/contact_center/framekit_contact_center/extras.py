"""The contact center's parts that need an optional extra, each None (logged) without it.

Why a module of its own: ``framekit serve`` must start on a plain install, so each
of these imports its extra only when it is built, and says in the log what is left
out: browser calls need ``webrtc`` (aiortc), ``/metrics`` needs ``metrics``
(prometheus-client), and the shared stream tokens and dashboard sign-ins need
``redis`` (only when ``REDIS_URL`` is set).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from loguru import logger
from sqlalchemy import Engine

from framekit.pipeline import PipelineTask
from framekit.servers.dashboard import Dashboard
from framekit.servers.dashboard.limits import MemorySignInLimits, SignInLimits
from framekit.servers.dashboard.revocations import Revocations
from framekit.servers.twilio.admission import AdmissionControl
from framekit_contact_center.settings import Settings
from framekit_contact_center.signed_out import DatabaseRevocations

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from framekit.metrics.prometheus import ServeMetrics
    from framekit.servers.twilio.redis_token_store import RedisTokenStore
    from framekit.servers.webrtc import WebRTCCall, WebRTCServer
    from framekit.transports.webrtc import WebRTCTransport
    from framekit_contact_center.metrics import ServedMetrics

__all__ = ["browser_calls", "dashboard_stores", "redis_tokens", "served_metrics"]


def served_metrics(
    token: str | None, sample: Callable[[ServeMetrics], None]
) -> ServedMetrics | None:
    """``/metrics`` for this process, or None (logged) without the ``metrics`` extra."""
    try:
        from framekit_contact_center.metrics import ServedMetrics
    except ImportError as exc:
        logger.info(f"no /metrics: {exc}")
        return None
    return ServedMetrics(token, sample)


def browser_calls(
    settings: Settings,
    factory: Callable[[WebRTCTransport, WebRTCCall], Awaitable[PipelineTask]],
    admission: AdmissionControl,
    dashboard: Dashboard,
) -> WebRTCServer | None:
    """The WebRTC routes with the phone calls' admission, or None (logged) without aiortc.

    A user signed in to ``dashboard`` calls from ``/call`` without the API token."""
    try:
        from framekit.servers.webrtc import WebRTCServer, WebRTCSettings, ice_servers
    except ImportError as exc:
        logger.info(f"no browser calls at /call: {exc}")
        return None
    assert settings.api_token
    servers = ice_servers(
        settings.webrtc_ice_servers, settings.webrtc_turn_username, settings.webrtc_turn_password
    )
    return WebRTCServer(
        WebRTCSettings(api_token=settings.api_token, ice_servers=servers),
        factory,
        admission=admission,
        sessions=dashboard,
    )


def redis_tokens(url: str, prefix: str) -> tuple[Redis, RedisTokenStore]:
    """One Redis client to ``url`` (for the token store and the live calls), and the
    token store on it. Imported here: only ``REDIS_URL`` needs ``redis``."""
    from framekit.servers.twilio.redis_token_store import RedisTokenStore, redis_client

    client = redis_client(url)
    return client, RedisTokenStore(client, prefix=prefix)


def dashboard_stores(
    redis: Redis | None, prefix: str, engine: Engine
) -> tuple[SignInLimits, Revocations]:
    """Where the dashboard counts failed sign-ins and keeps signed-out sessions.

    With ``REDIS_URL`` (``redis``) both are in Redis, shared by every worker and host.
    Without it the sign-in counts are this process's (each of ``--workers N`` counts
    its own: N times the attempts at most), and signed-out sessions go to the calls
    database, which every worker and host shares: a signed-out cookie is refused
    everywhere, whatever the deployment.
    """
    if redis is None:
        return MemorySignInLimits(), DatabaseRevocations(engine)
    from framekit.servers.dashboard.redis_store import RedisRevocations, RedisSignInLimits

    return RedisSignInLimits(redis, prefix=prefix), RedisRevocations(redis, prefix=prefix)
