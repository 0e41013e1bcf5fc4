"""Ray Serve application builders for KubeRay's ``RayService`` (``rayservice.yaml``).

Why: ``framekit models serve`` deploys the tier from a driver process, while KubeRay
deploys applications itself from ``serveConfigV2``, which names each one by import
path. ``import_path: framekit_tier_apps:stt`` calls :func:`stt` with the
application's ``args``; replicas, autoscaling and resources stay in Serve's config.
The image puts this file on ``PYTHONPATH`` (``deploy/docker/Dockerfile``).
"""

from __future__ import annotations

from typing import Any, cast

from ray.serve import Application

from framekit.servers.model_tier.app import Recognition, Speech
from framekit.servers.model_tier.options import TierOptions

__all__ = ["stt", "tier_options", "tts"]


def tier_options(args: dict[str, Any]) -> TierOptions:
    """The tier's options from an application's ``args`` (``batch_wait_ms`` in ms)."""
    defaults = TierOptions()
    return TierOptions(
        stt_model=str(args.get("stt_model", defaults.stt_model)),
        voice=args.get("voice") or None,
        max_batch_size=int(args.get("max_batch_size", defaults.max_batch_size)),
        batch_wait_timeout_s=float(args.get("batch_wait_ms", defaults.batch_wait_timeout_s * 1000))
        / 1000,
        cpu_threads=int(args.get("cpu_threads", defaults.cpu_threads)),
    )


def stt(args: dict[str, Any]) -> Application:
    """The recognizer application (``route_prefix: /stt``)."""
    return cast(Application, cast(Any, Recognition).bind(tier_options(args)))


def tts(args: dict[str, Any]) -> Application:
    """The voice application (``route_prefix: /tts``)."""
    return cast(Application, cast(Any, Speech).bind(tier_options(args)))
