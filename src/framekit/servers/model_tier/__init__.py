"""``framekit models serve``: speech recognition and the voice as Ray Serve deployments.

:mod:`.app` is the Ray Serve application (the only module of framekit that imports
Ray, from the ``models`` extra); :mod:`.options` what it deploys; the command is
:mod:`framekit.cli.models`. Call nodes reach the tier over HTTP with the clients of
:mod:`framekit.services.model_tier`, without Ray. See ``docs/model-tier.md``.
"""

from framekit.servers.model_tier.options import ScalingOptions, TierOptions

__all__ = ["ScalingOptions", "TierOptions"]
