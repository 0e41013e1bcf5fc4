"""What ``framekit serve`` prints once it listens: where each kind of client reaches it.

Why a module of its own: the lines depend on the settings (the public URL, or the
listening address when there is no phone line) and are tested as the user reads them,
while :mod:`framekit_contact_center.cli` stays argparse only.
"""

from __future__ import annotations

from framekit_contact_center.settings import Settings

__all__ = ["endpoints"]


def endpoints(settings: Settings, host: str, port: int) -> str:
    """Where Twilio, browsers, API clients and Prometheus reach this server:
    ``WEBHOOK_BASE_URL``'s routes, else (no phone line) the listening address's.

    A wildcard address is shown as ``localhost``: a browser gives the softphone the
    microphone only there or over ``https://``. No token itself is ever printed, only
    the variable that holds it.
    """
    if settings.webhook_base_url:
        base = settings.webhook_base_url.rstrip("/")
        twilio = f"Twilio voice webhook (A call comes in): {base}/twilio/voice (HTTP POST)"
    else:
        base = _local_url(host, port)
        twilio = "Twilio: not configured (browser calls only)"
    scrape = "Authorization: Bearer $METRICS_TOKEN" if settings.metrics_token else "open"
    return (
        f"  {twilio}\n"
        f"  calls API: {base}/api/calls (Authorization: Bearer $API_TOKEN)\n"
        f"  browser softphone: {base}/call\n"
        f"  dashboard: {base}/dashboard (sign in with $API_TOKEN)\n"
        f"  Prometheus metrics: {base}/metrics ({scrape})\n"
        f"  health: {base}/health"
    )


def _local_url(host: str, port: int) -> str:
    """``http://host:port`` for a browser on this machine (a wildcard: ``localhost``)."""
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
