"""One real two-raylet Ray cluster for the package's tests (``ray start``, one CPU each).

Package-scoped: starting it takes 40-75 s on the two shared cores, and each module
deploys its own tier on it and removes it when done (Serve's ``shutdown``), so the
modules share it; it stops after the package's last test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from model_tier.ray_cluster import RayCluster, ray_cluster


@pytest.fixture(scope="package")
def cluster() -> Iterator[RayCluster]:
    with ray_cluster(nodes=2, cpus_per_node=1) as running:
        yield running
